"""Honest model selection: the fixed held-out list (tools/misc/make_holdout_split.py), the
``ImageListSubset`` wrapper and the ``*-holdout-*`` configs on a tiny generated VOC 2007."""
import os.path as osp

import pytest
from dataset_helpers import load_tool
from foundation.voc_data import make_tiny_voc
from mmengine.registry import init_default_scope
from mmpretrain.registry import DATASETS

from mmml_plugin.apis.train_test import load_config
from mmml_plugin.datasets.image_list_subset import (ImageListSubset, holdout_names, read_image_list,
                                                    write_image_list)

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
make_holdout_split = load_tool('make_holdout_split')

HOLDOUT_CONFIG = osp.join(REPO, 'configs/ssgrl/ssgrl_r101_1xb4_voc07-holdout-576px.py')


def test_holdout_names_are_fixed_by_names_fraction_and_seed():
    names = [f'{i:06d}' for i in range(1000)]
    held = holdout_names(names, 0.1, seed=0)
    assert len(held) == 100 and held == sorted(held) and set(held) <= set(names)
    assert holdout_names(names[::-1], 0.1, seed=0) == held  # order does not matter
    assert holdout_names(names, 0.1, seed=1) != held
    # adding images keeps earlier choices stable where their rank stays in the top 10%
    assert len(set(holdout_names(names + ['x'], 0.1)) & set(held)) >= 95
    with pytest.raises(ValueError, match='unique'):
        holdout_names(['a', 'a', 'b'], 0.5)
    with pytest.raises(ValueError, match='empty'):
        holdout_names(['a', 'b'], 0.1)


def test_image_list_round_trip_and_errors(tmp_path):
    path = str(tmp_path / 'list.txt')
    write_image_list(path, ['b', 'a'], header='two images\nmade by a test')
    assert read_image_list(path) == ['b', 'a']
    with pytest.raises(FileNotFoundError, match='make_holdout_split'):
        read_image_list(str(tmp_path / 'missing.txt'))


@pytest.fixture(scope='module')
def tiny_voc(tmp_path_factory):
    root = tmp_path_factory.mktemp('voc')
    ids = make_tiny_voc(str(root), {'VOC2007': {'trainval': 20, 'test': 3}}, size=(64, 48))
    return str(root / 'VOC2007') + '/', ids


def test_holdout_config_splits_trainval_and_tests_on_test(tiny_voc, capsys):
    data_root, ids = tiny_voc
    options = {'data_root': data_root}
    out, held = make_holdout_split.main([HOLDOUT_CONFIG, '--cfg-options', f'data_root={data_root}'])
    # the list goes where the config reads it: under the new data_root
    assert out == osp.join(data_root, 'holdout_trainval_10pct_seed0.txt')
    assert len(held) == 2 and '2 of 20' in capsys.readouterr().out
    with pytest.raises(FileExistsError, match='--force'):
        make_holdout_split.main([HOLDOUT_CONFIG, '--cfg-options', f'data_root={data_root}'])

    cfg = load_config(HOLDOUT_CONFIG, options)
    init_default_scope('mmpretrain')
    train = DATASETS.build(cfg.train_dataloader.dataset)
    val = DATASETS.build(cfg.val_dataloader.dataset)
    test = DATASETS.build(cfg.test_dataloader.dataset)

    def names(ds):
        return {
            osp.splitext(osp.basename(ds.get_data_info(i)['img_path']))[0]
            for i in range(len(ds))
        }

    assert names(val) == set(held)
    assert names(train) == set(ids[('VOC2007', 'trainval')]) - set(held)
    assert names(test) == set(ids[('VOC2007', 'test')])
    assert train.metainfo['classes'] == val.metainfo['classes'] == test.metainfo['classes']
    # the held-out images are read like test images; training images are augmented
    val_types = [type(t).__name__ for t in val.dataset.pipeline.transforms]
    assert 'CenterCrop' in val_types and 'RandomSquareCropResize' not in val_types
    assert val[0]['inputs'].shape == (3, 576, 576)
    assert 'gt_label_difficult' in val[0]['data_samples']


def test_a_list_of_another_dataset_is_refused(tiny_voc, tmp_path):
    data_root, _ = tiny_voc
    path = str(tmp_path / 'other.txt')
    write_image_list(path, ['COCO_train2014_000000000009'])
    dataset = dict(type='VOC', data_root=data_root, split='trainval', pipeline=[])
    init_default_scope('mmpretrain')
    with pytest.raises(ValueError, match='another dataset'):
        ImageListSubset(dataset, path)


def test_subset_of_a_coco_dataset(demo_data, tmp_path):
    """The wrapper on ``CocoMultiLabelDataset`` (the COCO holdout config's dataset type)."""
    init_default_scope('mmpretrain')
    dataset = dict(type='CocoMultiLabelDataset',
                   data_root=demo_data['data_root'],
                   ann_file='annotations/instances_train.json',
                   data_prefix='train/',
                   pipeline=[dict(type='LoadImageChecked'),
                             dict(type='PackInputs')])
    full = DATASETS.build(dataset)
    names = [
        osp.splitext(osp.basename(full.get_data_info(i)['img_path']))[0] for i in range(len(full))
    ]
    path = str(tmp_path / 'holdout.txt')
    write_image_list(path, holdout_names(names, 0.25))
    held = ImageListSubset(dataset, path)
    rest = ImageListSubset(dataset, path, exclude=True)
    assert len(held) == 12 and len(rest) == 36
    assert held.metainfo['classes'] == full.metainfo['classes']
    gt = {
        full.get_data_info(i)['img_path']: list(full.get_data_info(i)['gt_label'])
        for i in range(len(full))
    }
    for subset in (held, rest):
        for i in (0, len(subset) - 1):
            info = subset.get_data_info(i)
            assert list(info['gt_label']) == gt[info['img_path']]
            assert subset[i]['inputs'].shape[0] == 3
    assert 'only' in repr(held) and 'without' in repr(rest)


def test_subset_does_not_go_through_mmengines_shared_deepcopy_memo(demo_data, tmp_path):
    """mmengine 0.10.x ``BaseDataset.get_subset`` deep-copies with ``memo=dict()``, a default
    argument shared by every call: an object whose id() was held by an earlier, freed copy comes
    back as that stale copy (it made this file's tests fail at random). Poisoning that memo for the
    dataset's pipeline shows the wrapper does not depend on it, and leaves the caller's dataset
    whole."""
    from mmengine.dataset import BaseDataset
    init_default_scope('mmpretrain')
    full = DATASETS.build(
        dict(type='CocoMultiLabelDataset',
             data_root=demo_data['data_root'],
             ann_file='annotations/instances_train.json',
             data_prefix='train/',
             pipeline=[dict(type='LoadImageChecked'),
                       dict(type='PackInputs')]))
    path = str(tmp_path / 'holdout.txt')
    write_image_list(path, holdout_names([f'train_{i:06d}' for i in range(len(full))], 0.25))
    shared_memo = BaseDataset._copy_without_annotation.__defaults__[0]
    shared_memo[id(full.pipeline)] = 'stale copy'
    try:
        assert full.get_subset([0]).pipeline == 'stale copy'  # the mmengine behaviour
        held = ImageListSubset(full, path)
    finally:
        shared_memo.pop(id(full.pipeline), None)
    assert held.dataset.pipeline is full.pipeline
    assert held[0]['inputs'].shape[0] == 3
    assert len(held) == 12 and len(full) == 48  # the caller's dataset keeps all its images
