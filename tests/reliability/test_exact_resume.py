"""Exact resumption with the shipped dataloader settings
(``num_workers > 0``, ``persistent_workers=True``) on COCO-format data; resumption from an
iteration checkpoint inside an epoch; resumption with a changed schedule.

The interruption is simulated in-process (a hook raises in the middle of epoch 2, after the
checkpoint of epoch 1 was written): what a kill leaves behind is the same work dir, and the kill
itself is exercised by ``test_interruption.py``. Both runs use mmengine's real Runner, the
plugin's ``MMMLRunner`` and dataloader worker processes.
"""
from contextlib import contextmanager

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from reliability_helpers import DEMO_CONFIG, REPO_ROOT, demo_options, load_state_dict, max_abs_diff

from mmml_plugin.apis import build_runner, load_config, run_train


class Interrupted(Exception):
    """Stands for the kill."""


@HOOKS.register_module(force=True)
class _InterruptAt(Hook):
    """Raise :class:`Interrupted` before global iteration ``at`` (1-based) is trained."""

    priority = 'VERY_LOW'

    def __init__(self, at: int):
        self.at = at

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter + 1 == self.at:
            raise Interrupted(f'interrupted before iteration {self.at}')


class _CountIters(Hook):
    """Records (epoch, batch_idx, global iter) of every training iteration."""

    def __init__(self):
        self.seen = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.seen.append((runner.epoch, batch_idx, runner.iter))


@contextmanager
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _shipped_workers(demo, **extra):
    """The demo options with the training dataloader settings of the shipped configs put back
    (validation only at the end, to keep the test short)."""
    options = demo_options(demo, max_epochs=2, **{'train_cfg.val_interval': 10, **extra})
    # the training loader is what carries augmentation randomness; validation stays in-process
    options['train_dataloader.num_workers'] = 2
    options['train_dataloader.persistent_workers'] = True
    return options


def _train(work_dir, options, resume=False, interrupt_at=None, drop_epoch_seed=False, hook=None):
    cfg = load_config(DEMO_CONFIG, options, work_dir=str(work_dir))
    if resume:
        cfg.resume = True
    if drop_epoch_seed:
        cfg.default_hooks.pop('epoch_seed')
    cfg.custom_hooks = list(cfg.get('custom_hooks', []))
    if interrupt_at is not None:
        cfg.custom_hooks.append(dict(type='_InterruptAt', at=interrupt_at))
    runner = build_runner(cfg)
    if hook is not None:
        runner.register_hook(hook)
    with _one_thread():
        if interrupt_at is None:
            runner.train()
        else:
            with pytest.raises(Interrupted):
                runner.train()
    return runner


def _log(work_dir) -> str:
    return '\n'.join(p.read_text() for p in sorted(work_dir.glob('*/*.log')))


def test_shipped_config_settings_are_the_ones_tested():
    """The paper configs do ship persistent workers (what this module resumes with; the demo
    configs load in the main process, num_workers=0, for speed on 2 cores)."""
    for name in ('ssgrl/ssgrl_r101_1xb4_coco-576px.py', 'ssgrl/ssgrl_r101_1xb4_voc07-576px.py'):
        cfg = load_config(str(REPO_ROOT / 'configs' / name))
        assert cfg.train_dataloader.num_workers > 0 and cfg.train_dataloader.persistent_workers


def test_persistent_workers_resume_to_the_same_parameters(tmp_path, tiny_demo):
    options = _shipped_workers(tiny_demo, **{'default_hooks.checkpoint.max_keep_ckpts': 3})
    # 16 images, batch 8: 2 iterations per epoch
    _train(tmp_path / 'reference', options)
    expected = load_state_dict(tmp_path / 'reference' / 'epoch_2.pth')

    work = tmp_path / 'interrupted'
    _train(work, options, interrupt_at=4)  # epoch 2, second batch
    assert (work / 'epoch_1.pth').is_file() and not (work / 'epoch_2.pth').exists()
    _train(work, options, resume=True)
    log = _log(work)
    assert 'resumed epoch: 1' in log
    # EpochSeedHook's persistent-workers warning is gone: its cause is fixed
    assert not [line for line in log.splitlines() if 'WARNING' in line and 'EpochSeed' in line]
    assert max_abs_diff(expected, load_state_dict(tmp_path / 'reference' / 'epoch_1.pth')) > 1e-4
    assert max_abs_diff(expected, load_state_dict(work / 'epoch_2.pth')) <= 1e-6

    # Control: without the per-sample seeding, the persistent workers of the uninterrupted run
    # carried their random state into epoch 2, the resumed run's fresh workers did not.
    control = tmp_path / 'control'
    _train(control, options, drop_epoch_seed=True)
    ref_without = load_state_dict(control / 'epoch_2.pth')
    (control / 'epoch_2.pth').unlink()
    (control / 'last_checkpoint').write_text(str(control / 'epoch_1.pth'))
    _train(control, options, resume=True, drop_epoch_seed=True)
    assert max_abs_diff(ref_without, load_state_dict(control / 'epoch_2.pth')) > 1e-4


def test_resume_from_an_iteration_checkpoint_continues_at_the_right_batch(tmp_path, tiny_demo):
    # batch 4: 4 iterations per epoch, 8 in all; iteration checkpoints every 3 iterations.
    options = _shipped_workers(
        tiny_demo, **{
            'train_dataloader.batch_size': 4,
            'default_hooks.checkpoint.by_epoch': False,
            'default_hooks.checkpoint.interval': 3,
            'default_hooks.checkpoint.max_keep_ckpts': 5
        })
    _train(tmp_path / 'reference', options)
    expected = load_state_dict(tmp_path / 'reference' / 'iter_8.pth')

    work = tmp_path / 'interrupted'
    _train(work, options, interrupt_at=8)  # killed in epoch 2, after iter_6.pth
    assert (work / 'iter_6.pth').is_file() and not (work / 'iter_8.pth').exists()
    counter = _CountIters()
    _train(work, options, resume=True, hook=counter)
    # iterations 7 and 8 are the 3rd and 4th batches of epoch 2; nothing runs past max_iters
    assert [it for _, _, it in counter.seen] == [6, 7]
    assert all(epoch == 1 for epoch, _, _ in counter.seen)
    assert 'skipping its first 2 batch(es)' in _log(work)
    assert (work / 'iter_8.pth').is_file()  # the final state is saved
    assert not list(work.glob('iter_9.pth')) and not list(work.glob('iter_10.pth'))
    assert max_abs_diff(expected, load_state_dict(work / 'iter_8.pth')) <= 1e-6


def test_resume_with_a_longer_schedule_warns(tmp_path, tiny_demo):
    options = demo_options(tiny_demo, max_epochs=1)
    work = tmp_path / 'work'
    run_train(DEMO_CONFIG, work_dir=str(work), cfg_options=options)
    same = run_train(DEMO_CONFIG,
                     work_dir=str(work),
                     resume=str(work / 'epoch_1.pth'),
                     cfg_options=options)
    assert 'another schedule' not in _log(work)
    longer = dict(options, **{'train_cfg.max_epochs': 2, 'param_scheduler.T_max': 2})
    runner = run_train(DEMO_CONFIG,
                       work_dir=str(work),
                       resume=str(work / 'epoch_1.pth'),
                       cfg_options=longer)
    log = _log(work)
    assert 'another schedule than it was saved with' in log
    assert 'train_cfg.max_epochs: 1 -> 2' in log and 'param_scheduler' in log
    assert 'load_from' in log  # says what to do
    assert runner.epoch == 2 and same.epoch == 1
