"""Every config of configs/ssgrl and configs/resnet parses and builds (ImageNet init off, random
stand-in label files with the dataset's class names), the dataset's class names reaching the
head, so that a label file in another class order fails for every config."""
import glob
import json
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmpretrain.registry import HOOKS, MODELS, TRANSFORMS

from mmml_plugin.datasets import COCO_CATEGORY_IDS, COCO_CLASSES, VOC_CLASSES
from mmml_plugin.engine import fill_model_classes

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs/ssgrl/*.py')) +
    glob.glob(osp.join(REPO, 'configs/resnet/*.py')))
# {algo}_{backbone}_{N}xb{B}_{data}-{res}px (docs/configs.md)
NAME = re.compile(r'^[a-z0-9]+(-[a-z0-9]+)*_r\d+_\d+xb\d+_[a-z0-9]+(-[a-z0-9]+)*-\d+px\.py$')

CLASSES = {80: list(COCO_CLASSES), 20: list(VOC_CLASSES)}


@pytest.fixture(scope='module')
def stand_ins(tmp_path_factory, write_label_files):
    folder = tmp_path_factory.mktemp('labels')
    files = {n: write_label_files(folder, n, classes=CLASSES[n]) for n in CLASSES}
    for n in CLASSES:
        swapped = [CLASSES[n][1], CLASSES[n][0]] + CLASSES[n][2:]  # the first two swapped
        files[n]['swapped'] = write_label_files(folder, n, prefix='swapped_', classes=swapped)
    return files


@pytest.fixture(scope='module')
def coco_root(tmp_path_factory):
    """A COCO-format train annotation with the 80 categories (given in shuffled id order): the
    dataset's classes come from it, in category-id order."""
    root = tmp_path_factory.mktemp('coco')
    (root / 'annotations').mkdir()
    categories = [
        dict(id=i, name=n, supercategory='x')
        for i, n in sorted(zip(COCO_CATEGORY_IDS, COCO_CLASSES), key=lambda x: x[1])
    ]
    data = dict(
        images=[dict(id=1, file_name='a.jpg', width=8, height=8)],
        annotations=[dict(id=1, image_id=1, category_id=1, bbox=[0, 0, 2, 2], area=4, iscrowd=0)],
        categories=categories)
    (root / 'annotations' / 'instances_train2014.json').write_text(json.dumps(data))
    return str(root) + '/'


def _swap_label_files(cfg_dict, cfg, stand_ins):
    """Check that every label file of the model is the dataset base's and replace it by a
    stand-in with the dataset's class count; return the checked paths."""
    dataset_file = dict(embedding_file=cfg.label_embedding_file, graph_file=cfg.label_graph_file)
    seen = []
    for key, value in cfg_dict.items():
        if isinstance(value, dict):
            seen += _swap_label_files(value, cfg, stand_ins)
        elif key in dataset_file:
            assert value == dataset_file[key], f'{key}: {value} is not the dataset base\'s file'
            cfg_dict[key] = stand_ins[cfg.num_classes][key]
            seen.append(value)
    return seen


def test_all_configs_are_listed_and_named_by_the_convention():
    names = {osp.basename(c) for c in CONFIGS}
    assert {
        'ssgrl_r101_1xb4_coco-576px.py', 'ssgrl_r101_1xb4_voc07-576px.py',
        'ssgrl_r101_1xb4_voc07-ignore-difficult-576px.py', 'ssgrl_r101_1xb4_voc12-576px.py',
        'ssgrl_r101_1xb4_coco-holdout-576px.py', 'ssgrl_r101_1xb4_voc07-holdout-576px.py',
        'ssgrl-wo-sd_r101_1xb4_coco-576px.py', 'ssgrl-wo-si_r101_1xb4_coco-576px.py',
        'ssgrl-improved_r101_1xb16_coco-576px.py', 'resnet101_1xb4_coco-576px.py'
    } <= names
    for name in names:
        if name.startswith('resnet'):  # mmpretrain's own style: the backbone is the algorithm
            assert re.match(r'^resnet\d+_\d+xb\d+_[a-z0-9-]+-\d+px\.py$', name), name
        else:
            assert NAME.match(name), name


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_and_runs(path, stand_ins, coco_root):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmpretrain' and 'mmml_plugin' in cfg.custom_imports.imports
    init = cfg.model.backbone.init_cfg
    assert init.type == 'Pretrained' and init.checkpoint.startswith('https://download.openmmlab')
    cfg.model.backbone.init_cfg = None
    num_classes = cfg.model.head.num_classes
    assert '__import__' not in open(path).read()  # no code in configs: --amp exists
    improved = 'improved' in osp.basename(path)
    # one source of truth: the class count and label files are the dataset base's
    assert num_classes == cfg.num_classes == cfg.data_preprocessor.num_classes
    used = _swap_label_files(cfg.model, cfg, stand_ins)
    if cfg.model.head.type == 'MultiLabelLinearHead':
        assert not used and cfg.model.head.loss.loss_weight == pytest.approx(1 / num_classes)
    else:
        assert used
    # the runner's build step: the training dataset's class names reach the head, by name
    train = cfg.train_dataloader.to_dict()
    inner = train['dataset'].get('dataset', train['dataset'])  # ImageListSubset wraps it
    if inner['type'] == 'CocoMultiLabelDataset':
        inner['data_root'] = coco_root
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        filled = fill_model_classes(cfg.model.to_dict(), dict(train_dataloader=train),
                                    cfg.get('data_preprocessor'))
    takes_names = [
        part for part in (filled['head'], filled.get('neck') or {})
        if 'graph_file' in part or 'embedding_file' in part
    ]
    assert 'classes' not in cfg.model.head  # no config repeats the names: they are filled in
    for part in takes_names:
        assert part['classes'] == CLASSES[num_classes]
        # a label file with two classes swapped fails, naming the file
        wrong = dict(part)
        for key in ('embedding_file', 'graph_file'):
            if key in wrong:
                wrong[key] = stand_ins[num_classes]['swapped'][key]
        with pytest.raises(ValueError, match='swapped_.*different order'):
            MODELS.build(wrong)
    model = MODELS.build(filled)
    assert model.backbone.frozen_stages == (-1 if improved else 3)
    model.eval()
    with torch.no_grad():
        logits = model(torch.randn(1, 3, 64, 64))
    assert logits.shape == (1, num_classes) and torch.isfinite(logits).all()
    # the recipe's parts build too: optimizer, training transforms, hooks
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    assert optim.param_groups[0]['lr'] == (1e-4 if improved else 1e-5)
    assert cfg.train_dataloader.batch_size == (16 if improved else 4)
    train_set = cfg.train_dataloader.dataset
    if train_set.type == 'ImageListSubset':  # honest selection: training set minus held-out
        train_set = train_set.dataset
    for transform in train_set.pipeline:
        TRANSFORMS.build(transform)
    for hook in cfg.get('custom_hooks', []):
        HOOKS.build(hook)
