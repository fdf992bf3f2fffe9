"""Checkpointing stays consistent through a kill or a write failure while saving a new best:
exactly one ``best_*.pth`` after resuming; a full disk names the file and the space it needs and
leaves no second best; ``last_checkpoint`` is relative to the work dir, so a moved work dir
resumes with ``--resume auto``.

mmengine saves ``epoch_N.pth``, validates, writes the new ``best_*`` and re-saves ``epoch_N.pth``
(so it records the new best). The kill is a real SIGKILL at the start of that re-save (a
``tools/train.py`` child whose ``Runner.save_checkpoint`` kills its own process the second time it
is asked for ``epoch_1.pth``); the full disk is ``ENOSPC`` raised by the file write itself.
"""
import errno
import shutil
import signal
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from reliability_helpers import DEMO_CONFIG, TRAIN, cli, run

from mmml_plugin.apis import run_train
from mmml_plugin.engine import atomic_file_backend
from mmml_plugin.engine.atomic_file_backend import DiskFullError
from mmml_plugin.engine.work_dir import latest_checkpoint

_KILL_AT_RESAVE = textwrap.dedent("""
    import os, runpy, signal, sys
    from mmengine.runner import Runner

    save, asked = Runner.save_checkpoint, []

    def save_or_die(self, out_dir, filename, *args, **kwargs):
        asked.append(filename)
        if asked.count('epoch_1.pth') == 2:  # the re-save after the new best_*
            os.kill(os.getpid(), signal.SIGKILL)
        return save(self, out_dir, filename, *args, **kwargs)

    Runner.save_checkpoint = save_or_die
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name='__main__')
    """)


def _best(work_dir):
    return sorted(p.name for p in work_dir.glob('best_*.pth'))


def test_kill_between_new_best_and_resave_leaves_one_best(tmp_path, one_epoch_run):
    work = tmp_path / 'work'
    options = one_epoch_run['options']
    killed = run(
        [sys.executable, '-c', _KILL_AT_RESAVE, TRAIN, DEMO_CONFIG, '--work-dir',
         str(work)] + cli(options),
        expect_ok=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert len(_best(work)) == 1 and (work / 'epoch_1.pth').is_file()  # the window

    resumed = run([sys.executable, TRAIN, DEMO_CONFIG, '--work-dir',
                   str(work), '--resume', 'auto'] +
                  cli(dict(options, **{'train_cfg.max_epochs': 2})))
    assert (work / 'epoch_2.pth').is_file()
    assert len(_best(work)) == 1, (_best(work), resumed.stdout[-3000:])
    hub = torch.load(work / 'epoch_2.pth', weights_only=True)['message_hub']['runtime_info']
    assert hub['best_ckpt'].endswith(_best(work)[0])  # and the checkpoint records that one


def test_moved_work_dir_resumes_with_resume_auto(tmp_path, tiny_demo, one_epoch_run):
    first, moved = tmp_path / 'small_disk' / 'work', tmp_path / 'big_disk' / 'work'
    options = one_epoch_run['options']
    run_train(DEMO_CONFIG, work_dir=str(first), cfg_options=options)
    assert (first / 'last_checkpoint').read_text() == 'epoch_1.pth'
    moved.parent.mkdir()
    shutil.move(str(first), str(moved))
    runner = run_train(DEMO_CONFIG,
                       work_dir=str(moved),
                       resume='auto',
                       cfg_options=dict(options, **{'train_cfg.max_epochs': 2}))
    assert runner.epoch == 2 and (moved / 'epoch_2.pth').is_file()
    assert latest_checkpoint(str(moved)) == str(moved / 'epoch_2.pth')
    assert len(_best(moved)) == 1 and not first.exists()


def test_latest_checkpoint_reads_absolute_and_relative_pointers(tmp_path):
    (tmp_path / 'epoch_3.pth').write_bytes(b'')
    (tmp_path / 'last_checkpoint').write_text('epoch_3.pth')
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_3.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_3.pth')
    # an absolute pointer of mmengine's, written before the work dir was moved here
    (tmp_path / 'last_checkpoint').write_text('/gone/old_disk/work/epoch_3.pth')
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_3.pth')
    assert latest_checkpoint(str(tmp_path / 'nothing')) is None


def _improve_at_epoch_2(src, dst):
    """``src`` with a recorded best score nothing can miss, so epoch 2 writes a new best."""
    checkpoint = torch.load(src, map_location='cpu', weights_only=True)
    checkpoint['message_hub']['runtime_info']['best_score'] = -1.0
    torch.save(checkpoint, dst)


def test_full_disk_while_saving_a_new_best_names_the_file_and_leaves_one_best(
        tmp_path, monkeypatch, one_epoch_run):
    work = tmp_path / 'work'
    shutil.copytree(one_epoch_run['work_dir'], work)
    _improve_at_epoch_2(one_epoch_run['checkpoint'], work / 'epoch_1.pth')
    before = _best(work)
    assert len(before) == 1

    write, calls = atomic_file_backend._write_file, []

    def full_at_resave(path, data):
        calls.append(path)
        if sum('.epoch_2.pth' in p for p in calls) == 2:  # epoch_2.pth again, after best_*
            with open(path, 'wb') as f:
                f.write(data[:len(data) // 3])
            raise OSError(errno.ENOSPC, 'No space left on device')
        return write(path, data)

    monkeypatch.setattr(atomic_file_backend, '_write_file', full_at_resave)
    options = dict(one_epoch_run['options'], **{'train_cfg.max_epochs': 2})
    with pytest.raises(DiskFullError) as err:
        run_train(DEMO_CONFIG, work_dir=str(work), resume='auto', cfg_options=options)
    message = str(err.value)
    assert err.value.errno == errno.ENOSPC
    assert str(work / 'epoch_2.pth') in message and 'bytes free' in message and 'needs' in message
    assert any('best_' in p for p in calls)  # a new best was written before the failure
    assert _best(work) == before  # ... and removed again: the recorded best is the only one
    assert not list(work.glob('.*.partial-*'))

    monkeypatch.setattr(atomic_file_backend, '_write_file', write)  # space freed: resume
    runner = run_train(DEMO_CONFIG, work_dir=str(work), resume='auto', cfg_options=options)
    assert runner.epoch == 2 and len(_best(work)) == 1


def test_resuming_another_work_dirs_checkpoint_leaves_its_best_alone(tmp_path, one_epoch_run):
    """The checkpoint records its run's best by absolute path; mmengine deletes that file at the
    next better score even when this run writes to another work dir."""
    source, work = tmp_path / 'source', tmp_path / 'work'
    shutil.copytree(one_epoch_run['work_dir'], source)
    _improve_at_epoch_2(one_epoch_run['checkpoint'], source / 'epoch_1.pth')
    checkpoint = torch.load(source / 'epoch_1.pth', weights_only=True)
    recorded = checkpoint['message_hub']['runtime_info']['best_ckpt']
    checkpoint['message_hub']['runtime_info']['best_ckpt'] = str(source / Path(recorded).name)
    torch.save(checkpoint, source / 'epoch_1.pth')
    theirs = _best(source)
    run_train(DEMO_CONFIG,
              work_dir=str(work),
              resume=str(source / 'epoch_1.pth'),
              cfg_options=dict(one_epoch_run['options'], **{'train_cfg.max_epochs': 2}))
    assert _best(source) == theirs and len(theirs) == 1
    assert len(_best(work)) == 1
