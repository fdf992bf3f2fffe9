"""The ML-GCN and Query2Label configs: the recipe they encode (decoding, batching, ImageNet
initialisation, augmentations), and a real train + test run of each on the demo data
(tests/conftest.py ``demo_data``) with a narrow ResNet-18 at 32 px."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
import torchvision
from foundation.tiny_models import shrink_to_demo
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.runner import Runner
from mmpretrain.registry import MODELS, TRANSFORMS
from PIL import Image

from mmml_plugin.apis.train_test import build_runner, write_results_json

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
MLGCN_COCO = osp.join(REPO, 'configs/mlgcn/mlgcn_r101_1xb16_coco-448px.py')
MLGCN_VOC = osp.join(REPO, 'configs/mlgcn/mlgcn_r101_1xb16_voc07-448px.py')
Q2L_COCO = osp.join(REPO, 'configs/query2label/query2label_r101_1xb64_coco-448px.py')
CONFIGS = [MLGCN_COCO, MLGCN_VOC, Q2L_COCO]


def _mmpretrain_init(path):
    """{algo}_... -> {algo}-mmpretrain-init_..."""
    folder, name = osp.split(path)
    algo, rest = name.split('_', 1)
    return osp.join(folder, f'{algo}-mmpretrain-init_{rest}')


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
    assert _types(cfg.train_dataloader.dataset.pipeline)[1:4] == [
        'Warp', 'RandomColorCutout', 'RandAugmentPIL'
    ]
    cutout = cfg.train_dataloader.dataset.pipeline[2]
    assert (cutout.n_holes, cutout.length) == (1, -1)  # SLCutoutPIL(1, -1), get_dataset.py:25
    assert cfg.val_evaluator.ap_mode == 'voc'
    assert cfg.val_dataloader.dataset.empty_images == 'keep'  # 40,504 images
    assert [(s.type, s.pct_start) for s in cfg.param_scheduler] == [('OneCycleLR', 0.2),
                                                                    ('OneCycleMomentum', 0.2)]
    assert {h.type for h in cfg.custom_hooks} >= {'InitialWeightsEMAHook', 'EarlyStoppingHook'}
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


@pytest.fixture(scope='module')
def exif_rotated_jpeg(tmp_path_factory):
    """A 40 x 24 JPEG whose EXIF orientation tag (6) asks viewers to rotate it by 90 degrees."""
    path = str(tmp_path_factory.mktemp('exif') / 'rotated.jpg')
    rgb = np.zeros((24, 40, 3), np.uint8)
    rgb[:, :20] = (200, 30, 30)
    rgb[:12, 20:] = (30, 200, 30)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(rgb).save(path, quality=95, exif=exif)
    return path


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_images_are_decoded_as_pil_open_convert_rgb(path, exif_rotated_jpeg):
    """Both official codes read ``Image.open(path).convert('RGB')`` (ML-GCN coco.py:130,
    voc.py:253; Query2Label through torchvision's CocoDetection): Pillow, EXIF not applied."""
    cfg = Config.fromfile(path)
    official = np.asarray(Image.open(exif_rotated_jpeg).convert('RGB'))
    for loader in (cfg.train_dataloader, cfg.test_dataloader):
        load = TRANSFORMS.build(loader.dataset.pipeline[0])
        img = load(dict(img_path=exif_rotated_jpeg))['img']
        np.testing.assert_array_equal(img[..., ::-1], official)  # BGR out, the same pixels


class _Indices(torch.utils.data.Dataset):

    def __len__(self):
        return 10

    def __getitem__(self, index):
        return index


@pytest.mark.parametrize('path,batches,images', [(MLGCN_COCO, 3, 10), (MLGCN_VOC, 3, 10),
                                                 (Q2L_COCO, 2, 8)],
                         ids=lambda v: osp.basename(v) if isinstance(v, str) else str(v))
def test_last_partial_batch_as_official(path, batches, images):
    """10 images in batches of 4: Query2Label drops the last 2 (main_mlc.py:299-301,
    drop_last=True: 1,293 iterations on train2014 at 64); ML-GCN keeps them (engine.py:157-159:
    DataLoader's default)."""
    cfg = Config.fromfile(path)
    loader = Runner.build_dataloader(
        dict(cfg.train_dataloader,
             dataset=_Indices(),
             batch_size=4,
             num_workers=0,
             persistent_workers=False,
             sampler=dict(type='DefaultSampler', shuffle=True, seed=0)))
    assert len(loader) == batches
    assert sum(len(batch) for batch in loader) == images


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_imagenet_init_is_torchvisions_resnet101(path, tmp_path):
    """The official-recipe configs start from torchvision's ResNet-101 file (a torchvision
    state dict, ``fc.*`` ignored): ``torchvision://resnet101`` is resnet101-63fe2227.pth, and a
    torchvision-format file given as the checkpoint loads into every backbone tensor
    (ResNet-50 stands in for ResNet-101: the same key names)."""
    from mmengine.runner.checkpoint import get_torchvision_models
    cfg = Config.fromfile(path)
    init = cfg.model.backbone.init_cfg
    assert (init.type, init.checkpoint, init.prefix) == ('Pretrained', 'torchvision://resnet101',
                                                         None)
    assert get_torchvision_models()['resnet101'].endswith('/resnet101-63fe2227.pth')

    torch.manual_seed(0)
    reference = torchvision.models.resnet50()
    with torch.no_grad():  # non-default BatchNorm statistics (Query2Label keeps them frozen)
        for m in reference.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
    file = str(tmp_path / 'resnet50-torchvision.pth')
    torch.save(reference.state_dict(), file)
    init_from_file = dict(init, checkpoint=file)
    backbone = MODELS.build(dict(cfg.model.backbone, depth=50, init_cfg=init_from_file))
    backbone.init_weights()
    ours = backbone.state_dict()
    theirs = {k: v for k, v in reference.state_dict().items() if not k.startswith('fc.')}
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        assert torch.equal(ours[key], value), key


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_mmpretrain_init_variant_differs_only_in_the_checkpoint(path):
    official = Config.fromfile(path).to_dict()
    variant = Config.fromfile(_mmpretrain_init(path)).to_dict()
    base = Config.fromfile(osp.join(REPO, 'configs/_base_/models/resnet101_multilabel.py'))
    assert variant['model']['backbone']['init_cfg'] == base.model.backbone.init_cfg.to_dict()
    official['model']['backbone'].pop('init_cfg')
    variant['model']['backbone'].pop('init_cfg')
    assert variant == official


def _shrink(cfg, demo, work_dir):
    """Demo data, 32 px, a narrow ResNet-18 (128 channels at 2x2), one epoch."""
    cfg.work_dir = work_dir
    cfg.model.backbone.init_cfg = None
    shrink_to_demo(cfg, demo)
    if cfg.model.head.type != 'MLGCNHead':
        for scheduler in cfg.param_scheduler:
            scheduler.total_steps = 1
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[name]
        # the demo data is COCO-format: it has no VOC difficult labels
        loader.dataset.pipeline = [
            t for t in loader.dataset.pipeline if t['type'] != 'DifficultAsPositive'
        ]
        for t in loader.dataset.pipeline:
            t.update({
                'MultiScaleCrop': dict(input_size=32),
                'Warp': dict(size=32)
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
