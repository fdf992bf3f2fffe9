"""The ML-GCN and Query2Label configs: the recipe they encode, and a real train + test run of each
on the demo data (tests/conftest.py ``demo_data``) with a narrow ResNet-18 at 32 px."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS

from mmml_plugin.apis.train_test import build_runner, write_results_json

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
MLGCN_COCO = osp.join(REPO, 'configs/mlgcn/mlgcn_r101_1xb16_coco-448px.py')
MLGCN_VOC = osp.join(REPO, 'configs/mlgcn/mlgcn_r101_1xb16_voc07-448px.py')
Q2L_COCO = osp.join(REPO, 'configs/query2label/query2label_r101_1xb64_coco-448px.py')
CONFIGS = [MLGCN_COCO, MLGCN_VOC, Q2L_COCO]
PUBLISHED = {
    MLGCN_COCO: ('COCO 2014', 83.0),
    MLGCN_VOC: ('PASCAL VOC 2007', 94.0),
    Q2L_COCO: ('COCO 2014', 84.9)
}


def _types(pipeline):
    return [t['type'] for t in pipeline]


@pytest.mark.parametrize('path', [MLGCN_COCO, MLGCN_VOC], ids=osp.basename)
def test_mlgcn_recipe(path):
    cfg = Config.fromfile(path)
    head = cfg.model.head
    assert (head.type, head.tau, head.p, head.embed_dims,
            head.hidden_channels) == ('MLGCNHead', 0.4, 0.25, 300, 1024)
    assert head.num_classes == cfg.num_classes == (20 if 'voc' in path else 80)
    assert cfg.model.neck is None and cfg.model.backbone.frozen_stages == -1
    train_types = _types(cfg.train_dataloader.dataset.pipeline)
    assert train_types[-3:-1] == ['MultiScaleCrop', 'RandomFlip']
    assert ('DifficultAsPositive' in train_types) == ('voc' in path)
    assert cfg.train_dataloader.dataset.pipeline[-3].input_size == 448
    assert _types(cfg.test_dataloader.dataset.pipeline)[1] == 'Warp'
    assert cfg.train_dataloader.batch_size == 16 and cfg.train_cfg.max_epochs == 20
    assert cfg.val_evaluator.ap_mode == 'sklearn'
    if 'coco' in path:
        assert cfg.val_dataloader.dataset.empty_images == 'drop'  # 40,137 images
    assert cfg.default_hooks.checkpoint.save_best == 'multi-label/mAP'
    # SGD 0.1 for the GCN, 0.1 x lrp 0.1 for the backbone, clip at 10
    model = MODELS.build(
        dict(type='ImageClassifier',
             backbone=dict(cfg.model.backbone, depth=18, init_cfg=None),
             head=dict(type='MultiLabelLinearClsHead', num_classes=3, in_channels=512)))
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    lrs = sorted({round(g['lr'], 12) for g in optim.param_groups})
    assert lrs == [0.01, 0.1]
    assert optim.clip_grad_kwargs == dict(max_norm=10.0)
    assert optim.optimizer.defaults['momentum'] == 0.9
    assert optim.optimizer.defaults['weight_decay'] == 1e-4


def test_query2label_recipe():
    cfg = Config.fromfile(Q2L_COCO)
    head = cfg.model.head
    assert (head.embed_dims, head.feedforward_channels, head.num_heads, head.num_encoder_layers,
            head.num_decoder_layers, head.input_proj) == (2048, 8192, 4, 1, 2, False)
    assert head.loss.type == 'DetachedAsymmetricLoss' and (head.loss.gamma_neg,
                                                           head.loss.gamma_pos) == (2, 0)
    assert cfg.train_dataloader.batch_size == 64
    assert _types(cfg.train_dataloader.dataset.pipeline)[1:4] == ['Warp', 'Cutout', 'RandAugment']
    assert cfg.val_evaluator.ap_mode == 'voc'
    assert cfg.val_dataloader.dataset.empty_images == 'keep'  # 40,504 images
    assert cfg.param_scheduler.type == 'OneCycleLR' and cfg.param_scheduler.pct_start == 0.2
    assert {h.type for h in cfg.custom_hooks} >= {'EMAHook', 'EarlyStoppingHook'}
    model = MODELS.build(
        dict(cfg.model,
             backbone=dict(cfg.model.backbone, init_cfg=None),
             head=dict(head, embed_dims=2048, feedforward_channels=64)))
    frozen = [n for n, p in model.backbone.named_parameters() if not p.requires_grad]
    assert all(
        ('bn' in n or 'downsample.1' in n or n.startswith(('conv1', 'layer1'))) for n in frozen)
    assert 'layer1.0.conv1.weight' in frozen and 'layer4.2.bn3.weight' in frozen
    assert model.backbone.layer2[0].conv1.weight.requires_grad
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    assert type(optim.optimizer).__name__ == 'AdamW'
    assert optim.optimizer.defaults['weight_decay'] == 1e-2


def _shrink(cfg, demo, work_dir):
    """Demo data, 32 px, a narrow ResNet-18 (128 channels at 2x2), one epoch."""
    cfg.work_dir = work_dir
    cfg.model.backbone.update(depth=18, base_channels=16, init_cfg=None)
    head = cfg.model.head
    head.num_classes = len(demo['classes'])
    if head.type == 'MLGCNHead':
        head.update(classes=demo['classes'],
                    embedding_file=demo['embedding_file'],
                    graph_file=demo['graph_file'],
                    in_channels=128,
                    embed_dims=50,
                    hidden_channels=16)
    else:
        head.update(in_channels=128, embed_dims=128, feedforward_channels=32)
        cfg.param_scheduler.total_steps = 1
    cfg.data_preprocessor.num_classes = head.num_classes
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[name]
        # the demo data is COCO-format: it has no VOC difficult labels
        loader.dataset.pipeline = [
            t for t in loader.dataset.pipeline if t['type'] != 'DifficultAsPositive'
        ]
        for t in loader.dataset.pipeline:
            t.update({
                'MultiScaleCrop': dict(input_size=32),
                'Warp': dict(size=32),
                'Cutout': dict(shape=16)
            }.get(t['type'], {}))
        train = name == 'train_dataloader'
        loader.dataset = dict(type='CocoMultiLabelDataset',
                              data_root=demo['data_root'],
                              ann_file=demo['train_ann' if train else 'val_ann'],
                              data_prefix=demo['train_img_prefix' if train else 'val_img_prefix'],
                              empty_images='keep',
                              test_mode=not train,
                              pipeline=loader.dataset.pipeline)
        loader.update(batch_size=8,
                      num_workers=0,
                      persistent_workers=False,
                      collate_fn=dict(type='default_collate'))
    cfg.train_cfg.max_epochs = 1
    cfg.default_hooks.logger.interval = 1
    cfg.env_cfg.dist_cfg = dict(backend='gloo')
    cfg.randomness = dict(seed=0)
    cfg.launcher = 'none'
    return cfg


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_trains_and_evaluates_on_demo_data(path, demo_data, tmp_path):
    cfg = _shrink(Config.fromfile(path), demo_data, str(tmp_path))
    runner = build_runner(cfg)
    before = {k: v.clone() for k, v in runner.model.head.state_dict().items()}
    runner.train()
    after = runner.model.head.state_dict()
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert changed, 'no head parameter moved in one epoch'
    metrics = runner.test()
    assert 0 <= metrics['multi-label/mAP'] <= 100
    assert osp.isfile(osp.join(str(tmp_path), 'epoch_1.pth'))

    # the benchmark-table tool finds the zoo entry from the config and renders its row
    results = str(tmp_path / 'results.json')
    write_results_json(results, metrics, config=path)
    env = dict(os.environ,
               PYTHONPATH=os.pathsep.join(
                   [REPO] + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]))
    out = subprocess.run(
        [sys.executable,
         osp.join(REPO, 'tools/analysis_tools/benchmark_table.py'), results],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120)
    assert out.returncode == 0, out.stderr
    name = osp.splitext(osp.basename(path))[0]
    dataset, published = PUBLISHED[path]
    row = next(line for line in out.stdout.splitlines() if line.startswith(f'| {name} |'))
    cells = [c.strip() for c in row.strip('|').split('|')]
    assert cells[1:3] == [dataset, 'mAP']
    mine, theirs, diff = (float(c) for c in cells[3:6])
    assert theirs == published
    assert mine == pytest.approx(metrics['multi-label/mAP'], abs=0.006)
    assert diff == pytest.approx(mine - published, abs=0.011)
