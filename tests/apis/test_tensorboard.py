"""TensorBoard logging, switched on by configs/_base_/default_runtime_tensorboard.py or
enable_tensorboard(), writes an events file with the training loss."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmml_plugin.visualization import enable_tensorboard

RUNTIME = 'configs/_base_/default_runtime.py'
TENSORBOARD_RUNTIME = 'configs/_base_/default_runtime_tensorboard.py'


def test_runtime_switch_only_adds_the_backend(repo_root):
    plain = Config.fromfile(str(repo_root / RUNTIME)).to_dict()
    switched = Config.fromfile(str(repo_root / TENSORBOARD_RUNTIME)).to_dict()
    assert [b['type'] for b in switched['visualizer']['vis_backends']] == \
        ['LocalVisBackend', 'TensorboardVisBackend']
    assert switched['visualizer']['type'] == plain['visualizer']['type']
    for key in plain:
        if key not in ('visualizer', 'vis_backends'):
            assert switched[key] == plain[key], key


def test_enable_tensorboard(repo_root):
    cfg = Config.fromfile(str(repo_root / RUNTIME))
    enable_tensorboard(enable_tensorboard(cfg))  # idempotent
    assert [b['type'] for b in cfg.visualizer.vis_backends] == \
        ['LocalVisBackend', 'TensorboardVisBackend']
    only = enable_tensorboard(Config.fromfile(str(repo_root / RUNTIME)), keep_local=False)
    assert [b['type'] for b in only.visualizer.vis_backends] == ['TensorboardVisBackend']
    with pytest.raises(KeyError, match='visualizer'):
        enable_tensorboard(Config(dict(model=dict())))


def test_demo_run_wrote_tensorboard_events(demo_run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = glob.glob(osp.join(demo_run['work_dir'], '*', 'vis_data', 'events.out.tfevents.*'))
    assert len(events) == 1 and osp.getsize(events[0]) > 0
    accumulator = EventAccumulator(events[0])
    accumulator.Reload()
    tags = accumulator.Tags()['scalars']
    assert 'loss' in tags
    assert len(accumulator.Scalars('loss')) >= 1
    assert any(t.endswith('mAP') for t in tags)
