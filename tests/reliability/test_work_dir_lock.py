"""One training per work dir: a second training on a work dir in use is refused, naming the work
dir and the process holding it (two runs would interleave their checkpoints, ``best_*`` and
``last_checkpoint``); the lock of a run killed with SIGKILL does not block ``--resume auto``.
Two real processes: the first run trains in a ``tools/train.py`` subprocess while the second one
starts in the test's process."""
import os
import re
import signal
import subprocess

import pytest
from reliability_helpers import DEMO_CONFIG, REPO_ROOT, TIMEOUT, child_env, demo_options, train_cmd

from mmml_plugin.apis import run_train
from mmml_plugin.engine.work_dir import (LOCK_NAME, WorkDirBusyError, latest_checkpoint,
                                         work_dir_lock)


def test_lock_is_exclusive_and_released(tmp_path):
    with work_dir_lock(str(tmp_path)):
        with pytest.raises(WorkDirBusyError) as err:
            with work_dir_lock(str(tmp_path)):
                pass
        assert str(tmp_path) in str(err.value) and f'pid {os.getpid()}' in str(err.value)
        with work_dir_lock(str(tmp_path), enabled=False):  # ranks other than 0 do not lock
            pass
    with work_dir_lock(str(tmp_path)):  # released
        pass


def test_second_training_on_a_busy_work_dir_is_refused_and_a_killed_one_does_not_block(
        tmp_path, tiny_demo):
    work = tmp_path / 'work'
    long_run = demo_options(tiny_demo, max_epochs=1000, **{'train_cfg.val_interval': 1000})
    first = subprocess.Popen(train_cmd(work, long_run),
                             cwd=REPO_ROOT,
                             env=child_env(),
                             stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT,
                             text=True)
    try:
        seen = []
        for line in first.stdout:  # wait until it trains
            seen.append(line)
            if re.search(r'Epoch\(train\)\s*\[1\]\[\s*1/', line):
                break
        assert first.poll() is None, ''.join(seen)[-3000:]

        with pytest.raises(WorkDirBusyError) as err:  # this process is the second run
            run_train(DEMO_CONFIG, work_dir=str(work), cfg_options=demo_options(tiny_demo))
        message = str(err.value)
        assert str(work) in message and 'in use by another training run' in message
        assert f'pid {first.pid}' in message and '--work-dir' in message  # who, and the fix
        assert first.poll() is None  # the first run goes on
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=TIMEOUT)
    assert (work / LOCK_NAME).exists()  # a stale lock file is left behind

    run_train(DEMO_CONFIG,
              work_dir=str(work),
              resume='auto',
              cfg_options=demo_options(tiny_demo, max_epochs=1))
    assert os.path.isfile(latest_checkpoint(str(work)))
