"""A checkpoint never supplies code: the config text mmengine stores in it (``meta['cfg']``, and
the mmcv-era ``meta['config']`` that mmengine's ``Runner.resume`` would run through
``Config.fromstring``) is read as data when resuming, never executed.

The payloads are planted in a genuine checkpoint (it still passes the weights-only load: they are
plain strings); each would create a marker file, or stop the process, if it ran. The resumes are
real: ``tools/train.py --resume <file>`` in a subprocess and ``--resume auto`` (``run_train``) on a
planted work dir.
"""
import shutil
import sys

import torch
from reliability_helpers import DEMO_CONFIG, TRAIN, cli, run

from mmml_plugin.apis import load_config, run_train
from mmml_plugin.engine.schedule_change import saved_schedule, warn_on_schedule_change


def _payload(text: str, markers) -> str:
    """``text`` wrapped in statements that would create ``markers`` and then stop the process."""
    first, second, third = (str(m) for m in markers)
    return (f"__import__('os').system('touch {first}')\n"
            f"train_cfg = __import__('os').system('touch {second}')\n" + text +
            f"\nopen({third!r}, 'w').close()\nraise SystemExit(7)\n")


def _plant(src, dst, markers) -> None:
    """Copy checkpoint ``src`` to ``dst`` with code in ``meta['cfg']`` and ``meta['config']``."""
    checkpoint = torch.load(src, map_location='cpu', weights_only=True)
    checkpoint['meta']['cfg'] = _payload(checkpoint['meta']['cfg'], markers[:3])
    checkpoint['meta']['config'] = f"__import__('os').system('touch {markers[3]}')"
    torch.save(checkpoint, dst)


def _markers(tmp_path):
    return [tmp_path / f'ran_{i}' for i in range(4)]


def test_saved_config_is_parsed_as_data(tmp_path, one_epoch_run):
    """The honest config text yields its schedule; code around it is neither run nor read."""
    cfg = load_config(DEMO_CONFIG, one_epoch_run['options'])
    text = torch.load(one_epoch_run['checkpoint'], weights_only=True)['meta']['cfg']
    saved = saved_schedule(text)
    assert saved['train_cfg'] == dict(cfg.train_cfg)
    assert saved['param_scheduler'] == dict(cfg.param_scheduler)
    markers = _markers(tmp_path)
    planted = saved_schedule(_payload(text, markers[:3]))
    assert 'train_cfg' in planted and planted['train_cfg'] == dict(cfg.train_cfg)
    assert saved_schedule('def broken(:') is None
    assert warn_on_schedule_change(_payload(text, markers[:3]), cfg, 'x.pth') == []
    assert not any(m.exists() for m in markers)


def test_resume_from_a_file_does_not_run_the_saved_config(tmp_path, one_epoch_run):
    markers = _markers(tmp_path)
    planted = tmp_path / 'planted.pth'
    _plant(one_epoch_run['checkpoint'], planted, markers)
    options = dict(one_epoch_run['options'], **{'train_cfg.max_epochs': 2})
    proc = run([
        sys.executable, TRAIN, DEMO_CONFIG, '--work-dir',
        str(tmp_path / 'work'), '--resume',
        str(planted)
    ] + cli(options),
               expect_ok=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not any(m.exists() for m in markers), [m for m in markers if m.exists()]
    assert (tmp_path / 'work' / 'epoch_2.pth').is_file()  # it did resume and train
    assert 'ignoring its meta["config"]' in proc.stdout + proc.stderr
    # the schedule comparison still ran on the data: max_epochs 1 -> 2 is reported
    assert 'train_cfg.max_epochs: 1 -> 2' in proc.stdout + proc.stderr


def test_resume_auto_on_a_planted_work_dir_does_not_run_it(tmp_path, one_epoch_run):
    markers = _markers(tmp_path)
    work = tmp_path / 'work'
    shutil.copytree(one_epoch_run['work_dir'], work)
    _plant(one_epoch_run['checkpoint'], work / 'epoch_1.pth', markers)
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
    runner = run_train(DEMO_CONFIG,
                       work_dir=str(work),
                       resume='auto',
                       cfg_options=one_epoch_run['options'])
    assert runner.epoch == 1  # resumed at the end of epoch 1, nothing left to train
    assert not any(m.exists() for m in markers), [m for m in markers if m.exists()]
