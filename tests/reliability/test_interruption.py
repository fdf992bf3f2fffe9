"""A run killed mid-epoch, and again while saving, resumes with
``--resume auto`` and ends with the same parameters as an uninterrupted run; checkpoints and the
``last_checkpoint`` pointer are written atomically.

Kills are real: SIGKILL sent from outside when the log shows an iteration of epoch 2, and
SIGXFSZ raised by the kernel in the middle of writing a checkpoint (the file-size limit of the
child is set below the checkpoint size), which is what a full disk or quota does as well.
"""
import glob
import os
import resource
import shutil
import signal
import sys
import textwrap
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.runner.checkpoint import save_checkpoint
from reliability_helpers import (DEMO_CONFIG, TIMEOUT, demo_options, kill_when, load_state_dict,
                                 max_abs_diff, run, train_cmd)

from mmml_plugin.apis import build_runner, load_config, run_train
from mmml_plugin.engine import atomic_file_backend
from mmml_plugin.engine.atomic_file_backend import PARTIAL_TAG
from mmml_plugin.engine.work_dir import latest_checkpoint

# Restores the default action of SIGXFSZ (Python ignores it, turning the kill into an OSError)
# and runs the given script as __main__.
_DEFAULT_SIGXFSZ = ('import runpy, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_DFL); '
                    "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")
EPOCH2_ITER1 = r'Epoch\(train\)\s*\[2\]\[\s*1/'


def _limit_file_size(nbytes: int):

    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _killed_while_saving(cmd, nbytes):
    """Run ``cmd`` (python ...) so that the kernel kills it once it writes ``nbytes`` to a file."""
    proc = run([cmd[0], '-c', _DEFAULT_SIGXFSZ] + cmd[1:],
               expect_ok=False,
               preexec_fn=_limit_file_size(nbytes))
    assert proc.returncode == -signal.SIGXFSZ, (proc.returncode, proc.stderr[-3000:])
    return proc


def _pointer(work_dir: Path) -> str:
    """The checkpoint ``last_checkpoint`` names (written relative to the work dir)."""
    return latest_checkpoint(str(work_dir))


@contextmanager
def _like_the_subprocesses():
    """Train in this process with the numerics of the children (1 thread, deterministic), and
    restore the process-wide settings afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(False)


def _last_log(work_dir: Path) -> str:
    return sorted(work_dir.glob('*/*.log'))[-1].read_text()


def test_killed_run_resumes_to_the_same_parameters(tmp_path, tiny_demo):
    options = demo_options(tiny_demo,
                           max_epochs=2,
                           **{
                               'randomness.deterministic': True,
                               'default_hooks.checkpoint.max_keep_ckpts': 1
                           })
    reference, work = tmp_path / 'uninterrupted', tmp_path / 'interrupted'

    # 1. SIGKILL in the middle of epoch 2 (a subprocess), while the uninterrupted reference run
    #    trains in this process.
    killed = {}

    def kill_in_epoch_2():
        try:
            killed['log'] = kill_when(train_cmd(work, options), EPOCH2_ITER1)
        except BaseException as e:  # pytest.fail raises BaseException
            killed['error'] = e

    watcher = threading.Thread(target=kill_in_epoch_2)
    watcher.start()
    with _like_the_subprocesses():
        run_train(DEMO_CONFIG, work_dir=str(reference), cfg_options=options)
    watcher.join(timeout=TIMEOUT)
    if 'error' in killed:
        raise killed['error']
    assert 'Saving checkpoint at 1 epochs' in killed['log']
    assert _pointer(work) == str(work / 'epoch_1.pth')
    assert not (work / 'epoch_2.pth').exists()

    # 2. Resumed, then killed by the kernel half-way through writing epoch_2.pth.
    epoch1 = load_state_dict(work / 'epoch_1.pth')
    size = (work / 'epoch_1.pth').stat().st_size
    _killed_while_saving(train_cmd(work, options, resume=True), size // 2)
    partial = glob.glob(str(work / f'.epoch_2.pth{PARTIAL_TAG}*'))
    assert len(partial) == 1 and 0 < os.path.getsize(partial[0]) < size  # the torn write
    assert not (work / 'epoch_2.pth').exists()
    assert _pointer(work) == str(work / 'epoch_1.pth')  # and max_keep_ckpts=1 kept epoch_1
    assert max_abs_diff(load_state_dict(work / 'epoch_1.pth'), epoch1) == 0

    shutil.copy(work / 'epoch_1.pth', tmp_path / 'epoch_1_copy.pth')  # for the control below

    # 3. Resumed again (in this process): finishes from epoch 1.
    with _like_the_subprocesses():
        run_train(DEMO_CONFIG, work_dir=str(work), resume='auto', cfg_options=options)
    log = _last_log(work)
    assert f'Auto resumed from the latest checkpoint {work / "epoch_1.pth"}' in log
    assert 'resumed epoch: 1' in log
    assert not glob.glob(str(work / f'.*{PARTIAL_TAG}*'))  # the torn file was cleaned up
    assert _pointer(work) == str(work / 'epoch_2.pth')
    assert not (work / 'epoch_1.pth').exists()  # max_keep_ckpts=1

    expected = load_state_dict(reference / 'epoch_2.pth')
    assert max_abs_diff(expected, epoch1) > 1e-3  # epoch 2 did change the weights
    assert max_abs_diff(expected, load_state_dict(work / 'epoch_2.pth')) <= 1e-6

    # Control: the same resumption without EpochSeedHook draws other crops and flips in epoch 2.
    control = tmp_path / 'control'
    control.mkdir()
    shutil.copy(tmp_path / 'epoch_1_copy.pth', control / 'epoch_1.pth')
    (control / 'last_checkpoint').write_text(str(control / 'epoch_1.pth'))
    cfg = load_config(DEMO_CONFIG, options, work_dir=str(control))
    cfg.default_hooks.pop('epoch_seed')
    cfg.resume = True
    with _like_the_subprocesses():
        build_runner(cfg).train()
    assert max_abs_diff(expected, load_state_dict(control / 'epoch_2.pth')) > 1e-4


@pytest.mark.parametrize('atomic', [True, False], ids=['atomic_local', 'mmengine_local'])
def test_checkpoint_killed_mid_write_leaves_previous_one_loadable(tmp_path, atomic):
    """``mmengine.runner.save_checkpoint`` (what ``Runner.save_checkpoint`` calls) killed by the
    kernel half-way through overwriting a checkpoint. Control: mmengine's plain local backend
    leaves a truncated file under the final name."""
    path = tmp_path / 'latest.pth'
    backend_args = dict(backend='atomic_local') if atomic else None
    save_checkpoint({'state_dict': {'w': torch.zeros(1000)}}, str(path), backend_args=backend_args)
    script = tmp_path / 'overwrite.py'
    script.write_text(
        textwrap.dedent(f"""
        import importlib.util
        import torch
        from mmengine.runner.checkpoint import save_checkpoint
        # registers 'atomic_local' without importing the whole plugin (mmpretrain, mmdet: slow)
        spec = importlib.util.spec_from_file_location('backend', {atomic_file_backend.__file__!r})
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        save_checkpoint({{'state_dict': {{'w': torch.ones(2_000_000)}}}}, {str(path)!r},
                        backend_args={backend_args!r})
        """))
    _killed_while_saving([sys.executable, str(script)], 1_000_000)
    if atomic:
        assert torch.equal(load_state_dict(path)['w'], torch.zeros(1000))
    else:
        assert path.stat().st_size == 1_000_000  # torn
        with pytest.raises(Exception):
            load_state_dict(path)


def test_checkpoint_hook_writes_through_the_atomic_backend(tmp_path):
    from mmml_plugin.engine import AtomicCheckpointHook, AtomicLocalBackend
    hook = AtomicCheckpointHook(interval=1)
    assert isinstance(get_file_backend(str(tmp_path), backend_args=hook.backend_args),
                      AtomicLocalBackend)
