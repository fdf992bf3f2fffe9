"""mmdet's Faster R-CNN VOC0712 config, inherited by the plugin, trains, resumes and tests on a
tiny generated VOC dataset through tools/train.py and tools/test.py."""
import json
import math

import pytest
import torch

import mmml_plugin  # noqa: F401  (allow-lists mmengine's checkpoint classes for torch.load)

from .utils import run_tool
from .voc_data import make_tiny_voc

pytestmark = pytest.mark.det

CONFIG = 'configs/faster_rcnn/faster-rcnn_r50_fpn_1x_voc0712.py'

SMALL = '(256,160)'  # instead of (1000, 600): the same model and pipeline, at CPU-test cost


def _options(data_root, max_epochs):
    return [
        '--cfg-options', f'data_root={data_root}/', 'model.backbone.init_cfg=None',
        f'train_dataloader.dataset.dataset.datasets.0.pipeline.2.scale={SMALL}',
        f'train_dataloader.dataset.dataset.datasets.1.pipeline.2.scale={SMALL}',
        f'val_dataloader.dataset.pipeline.1.scale={SMALL}',
        f'test_dataloader.dataset.pipeline.1.scale={SMALL}', 'train_dataloader.batch_size=1',
        'train_dataloader.num_workers=0', 'train_dataloader.dataset.times=1',
        f'train_cfg.max_epochs={max_epochs}', 'val_dataloader.num_workers=0',
        'test_dataloader.num_workers=0', 'default_hooks.logger.interval=1'
    ]


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp('voc')
    make_tiny_voc(str(root / 'VOCdevkit'))
    work_dir = root / 'work'
    proc = run_tool('train.py', CONFIG, '--work-dir', work_dir, '--tensorboard',
                    *_options(root / 'VOCdevkit', max_epochs=1))
    return root, work_dir, proc


def test_train_two_iterations_and_evaluate(trained):
    root, work_dir, proc = trained
    ckpt = torch.load(work_dir / 'epoch_1.pth', map_location='cpu')  # weights_only=True
    # 1 VOC2007 + 1 VOC2012 trainval image, batch size 1: two iterations.
    assert ckpt['meta']['iter'] == 2
    assert 'roi_head.bbox_head.fc_cls.weight' in ckpt['state_dict']
    log = proc.stdout + proc.stderr
    assert 'pascal_voc/mAP' in log and 'multi-label/mAP' in log
    # --tensorboard added mmengine's TensorBoard backend next to the JSON scalars.
    assert list(work_dir.glob('*/vis_data/events.out.tfevents.*'))
    assert list(work_dir.glob('*/vis_data/scalars.json'))


def test_test_tool_writes_real_voc_map(trained, tmp_path):
    root, work_dir, _ = trained
    out = tmp_path / 'results.json'
    run_tool('test.py', CONFIG, work_dir / 'epoch_1.pth', '--work-dir', tmp_path / 'test', '--out',
             out, '--out-item', 'metrics', *_options(root / 'VOCdevkit', max_epochs=1))
    metrics = json.loads(out.read_text())['metrics']
    voc_map = metrics['pascal_voc/mAP']
    assert isinstance(voc_map, float) and math.isfinite(voc_map) and 0 <= voc_map <= 100
    cls_map = metrics['multi-label/mAP']
    assert isinstance(cls_map, float) and 0 <= cls_map <= 100


def test_resume_continues_iterations_and_scheduler(trained):
    root, work_dir, _ = trained
    proc = run_tool('train.py', CONFIG, '--work-dir', work_dir, '--resume',
                    *_options(root / 'VOCdevkit', max_epochs=2), 'train_cfg.val_interval=100')
    assert 'resumed epoch: 1, iter: 2' in proc.stdout + proc.stderr
    first = torch.load(work_dir / 'epoch_1.pth', map_location='cpu')
    second = torch.load(work_dir / 'epoch_2.pth', map_location='cpu')
    assert second['meta']['iter'] == 4 and second['meta']['epoch'] == 2
    # The warm-up scheduler went on from its saved state instead of starting again.
    warmup_steps = [c['param_schedulers'][0]['last_step'] for c in (first, second)]
    assert warmup_steps[1] > warmup_steps[0]
    # SGD momentum buffers were restored and updated, not re-created from zero.
    state = second['optimizer']['state']
    assert state and all('momentum_buffer' in s for s in state.values())
    changed = [
        not torch.equal(state[k]['momentum_buffer'],
                        first['optimizer']['state'][k]['momentum_buffer']) for k in state
    ]
    assert any(changed)
