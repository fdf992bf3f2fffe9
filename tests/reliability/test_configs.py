"""The plugin's configs switch the protections on (docs/reliability.md, "Turning the protections
on"): the other reliability tests pass them explicitly, this one checks the shipped configs."""
import glob
import importlib
import os.path as osp

import pytest
from mmengine.config import Config
from reliability_helpers import REPO_ROOT

import mmml_plugin  # noqa: F401

CLASSIFICATION_CONFIGS = sorted(
    glob.glob(str(REPO_ROOT / 'configs/demo/ssgrl*.py')) +
    glob.glob(str(REPO_ROOT / 'configs/ssgrl/*.py')))


@pytest.mark.parametrize('config', CLASSIFICATION_CONFIGS, ids=osp.basename)
def test_config_enables_the_protections(config):
    cfg = Config.fromfile(config)
    assert cfg.get('runner_type') == 'MMMLRunner'
    hooks = cfg.default_hooks
    assert hooks.checkpoint.type == 'AtomicCheckpointHook'
    assert hooks.non_finite_loss.type == 'NonFiniteLossHook'
    assert hooks.epoch_seed.type == 'EpochSeedHook'
    assert hooks.sync_buffers.type == 'SyncBuffersHook'


def test_demo_config_uses_gloo():
    cfg = Config.fromfile(str(REPO_ROOT / 'configs/demo/ssgrl_r18_demo.py'))
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'


@pytest.mark.parametrize('scope', ['mmpretrain', pytest.param('mmdet', marks=pytest.mark.det)])
def test_hooks_and_runner_are_visible_from_both_scopes(scope):
    registry = importlib.import_module(f'{scope}.registry')
    for name in ('AtomicCheckpointHook', 'NonFiniteLossHook', 'EpochSeedHook'):
        assert type(registry.HOOKS.build(dict(type=name))).__name__ == name
    assert registry.RUNNERS.get('MMMLRunner').__name__ == 'MMMLRunner'
