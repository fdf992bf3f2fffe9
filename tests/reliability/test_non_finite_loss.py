"""A NaN/inf loss stops training with the iteration number and the batch's
image paths, before any checkpoint of the diverged weights is written.

SSGRL is trained on the demo data with an absurd learning rate (Adam, 1e30: every weight moves by
~1e30 in the first step), which makes the loss non-finite within a few iterations; checkpoints
are saved after every iteration so that a NaN checkpoint would be written if nothing stopped it.
"""
import glob
import math
import os.path as osp

import pytest
import torch
from reliability_helpers import DEMO_CONFIG, demo_options

from mmml_plugin.apis.train_test import build_runner, load_config
from mmml_plugin.engine import NonFiniteLossError


def _runner(tmp_path, tiny_demo, guard: bool):
    options = demo_options(
        tiny_demo,
        max_epochs=1,
        **{
            'optim_wrapper.optimizer.lr': 1e30,
            'train_cfg.val_begin': 100,  # no validation: the metric refuses NaN scores
            'default_hooks.checkpoint.by_epoch': False,
            'default_hooks.checkpoint.interval': 1,
            'default_hooks.checkpoint.max_keep_ckpts': -1,
        })
    cfg = load_config(DEMO_CONFIG, options, work_dir=str(tmp_path))
    if not guard:
        cfg.default_hooks.pop('non_finite_loss')
    return build_runner(cfg)


def _checkpoints(work_dir):
    """{iteration: state_dict} of the iteration checkpoints in ``work_dir``."""
    return {
        int(osp.basename(p)[len('iter_'):-len('.pth')]):
        torch.load(p, map_location='cpu', weights_only=True)['state_dict']
        for p in glob.glob(osp.join(str(work_dir), 'iter_*.pth'))
    }


def _finite(state_dict) -> bool:
    return all(torch.isfinite(v).all() for v in state_dict.values() if v.is_floating_point())


def test_nan_loss_stops_training_before_a_nan_checkpoint(tmp_path, tiny_demo):
    runner = _runner(tmp_path, tiny_demo, guard=True)
    with pytest.raises(NonFiniteLossError) as err:
        runner.train()
    bad_iter, message = err.value.iteration, str(err.value)
    assert bad_iter is not None and bad_iter >= 2
    assert f'Non-finite loss at iteration {bad_iter} ' in message
    assert 'lower the learning rate' in message

    # The paths are exactly the images of that iteration's batch.
    loader = runner.train_dataloader
    per_epoch = len(loader)
    epoch, batch = divmod(bad_iter - 1, per_epoch)
    loader.sampler.set_epoch(epoch)
    order = list(loader.sampler)
    batch_indices = order[batch * loader.batch_size:(batch + 1) * loader.batch_size]
    expected = [loader.dataset.get_data_info(i)['img_path'] for i in batch_indices]
    assert err.value.img_paths == expected
    assert all(osp.isfile(p) and p in message for p in expected)

    # Every checkpoint written is finite; none exists for the bad iteration or later.
    saved = _checkpoints(tmp_path)
    assert sorted(saved) == list(range(1, bad_iter))
    assert all(_finite(sd) for sd in saved.values())
    assert runner.message_hub.get_info('last_ckpt').endswith(f'iter_{bad_iter - 1}.pth')
    assert f'iter_{bad_iter - 1}.pth' in message  # names the last good checkpoint


def test_without_the_hook_nan_checkpoints_are_written(tmp_path, tiny_demo):
    """Control: the same run without NonFiniteLossHook trains on and saves NaN weights."""
    runner = _runner(tmp_path, tiny_demo, guard=False)
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    assert not all(math.isfinite(x) for x in losses)
    saved = _checkpoints(tmp_path)
    assert any(not _finite(sd) for sd in saved.values())


def test_checkpoint_with_nan_weights_is_refused(tmp_path, tiny_demo):
    """Second line of defence: weights that are NaN although no loss was (e.g. a bad update)."""
    runner = _runner(tmp_path, tiny_demo, guard=True)
    with torch.no_grad():
        next(runner.model.parameters()).view(-1)[0] = float('nan')
    with pytest.raises(NonFiniteLossError, match='contain NaN/inf'):
        runner.save_checkpoint(str(tmp_path),
                               'nan.pth',
                               save_optimizer=False,
                               save_param_scheduler=False)
    assert not (tmp_path / 'nan.pth').exists()
