"""Per-sample seeding reaches the pipeline through the dataset wrappers of the shipped configs:
the holdout configs' ``ImageListSubset`` and the ``RepeatDataset(ConcatDataset(...))`` of mmdet's
VOC0712 Faster R-CNN. A sample's random draws then depend only on ``(seed, epoch, index)``, with
persistent workers too, so a resumed run repeats the uninterrupted one and ``EpochSeedHook`` has
nothing to warn about."""
import os.path as osp
import random

import numpy as np
import pytest
import torch
from mmengine.dataset import BaseDataset, ClassBalancedDataset, DefaultSampler, RepeatDataset
from mmengine.registry import DATASETS
from torch.utils.data import BatchSampler, DataLoader, Subset

from mmml_plugin.datasets.image_list_subset import ImageListSubset, write_image_list
from mmml_plugin.engine.sample_seeding import seed_samples_per_epoch


def draw(results):
    """A 'pipeline' drawing from the three generators augmentations use."""
    results['draw'] = (random.random(), float(np.random.rand()), float(torch.rand(1)))
    return results


@DATASETS.register_module(name='SeedingTestImages', force=True)
class Images(BaseDataset):
    """``num`` fake images ``{prefix}{i}.jpg`` whose pipeline only draws random numbers."""

    def __init__(self, prefix='img', num=6):
        self.prefix, self.num = prefix, num
        super().__init__(pipeline=[draw], serialize_data=False)

    def load_data_list(self):
        return [dict(img_path=f'/data/{self.prefix}{i}.jpg', i=i) for i in range(self.num)]

    def get_cat_ids(self, idx):
        return [idx % 2]


def _collate(batch):
    return [(b['img_path'], b['draw']) for b in batch]


def _epoch(dataset, epoch, num_workers, warm_up=False):
    """Draws of every sample in ``epoch``, optionally after a full epoch 0 in the same workers."""
    sampler = DefaultSampler(dataset, shuffle=True, seed=3)
    loader = DataLoader(dataset,
                        batch_sampler=BatchSampler(sampler, batch_size=2, drop_last=False),
                        num_workers=num_workers,
                        persistent_workers=num_workers > 0,
                        collate_fn=_collate)
    assert seed_samples_per_epoch(loader, seed=3) is not None
    if warm_up:
        list(loader)
    sampler.set_epoch(epoch)
    return sorted(item for batch in loader for item in batch)


def _wrapped(kind, tmp_path):
    if kind == 'holdout':
        write_image_list(str(tmp_path / 'holdout.txt'), ['img1', 'img4'])
        return ImageListSubset(Images(), str(tmp_path / 'holdout.txt'), exclude=True)
    if kind == 'class_balanced':
        return ClassBalancedDataset(Images(num=7), oversample_thr=0.6)
    # mmdet's pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py: RepeatDataset(ConcatDataset(...))
    images = [
        dict(type='SeedingTestImages', prefix=p, num=n) for p, n in (('voc07_', 6), ('voc12_', 4))
    ]
    return RepeatDataset(dict(type='ConcatDataset', datasets=images), times=2)


@pytest.mark.parametrize('kind', ['holdout', 'voc0712', 'class_balanced'])
@pytest.mark.parametrize('num_workers', [0, 2])
def test_draws_depend_on_seed_epoch_and_index_only(kind, num_workers, tmp_path):
    resumed = _epoch(_wrapped(kind, tmp_path), 1, num_workers)
    uninterrupted = _epoch(_wrapped(kind, tmp_path), 1, num_workers, warm_up=True)
    assert resumed == uninterrupted
    first = _epoch(_wrapped(kind, tmp_path), 0, num_workers)
    assert [d for _, d in first] != [d for _, d in resumed]  # other epoch, other draws
    if kind == 'voc0712':  # a repeated image is drawn anew at each of its indices
        draws = {}
        for path, d in resumed:
            draws.setdefault(path, []).append(d)
        assert all(len(set(d)) == 2 for d in draws.values())


def test_unknown_wrappers_are_reported_not_guessed():
    dataset = Subset(Images(), [5, 0, 3])  # maps indices itself: the seed would not arrive
    loader = DataLoader(dataset, batch_sampler=BatchSampler(DefaultSampler(dataset), 2, False))
    assert seed_samples_per_epoch(loader, seed=0) is None


@pytest.mark.parametrize('config, chain', [
    ('configs/ssgrl/ssgrl_r101_1xb4_coco-holdout-576px.py', ['ImageListSubset']),
    ('configs/ssgrl/ssgrl_r101_1xb4_voc07-holdout-576px.py', ['ImageListSubset']),
    pytest.param('configs/faster_rcnn/faster-rcnn_r50_fpn_1x_voc0712.py',
                 ['RepeatDataset', 'ConcatDataset'],
                 marks=pytest.mark.det),
])
def test_shipped_configs_wrap_their_datasets_as_tested_here(config, chain):
    """The wrappers above are the ones the shipped configs train on (outermost first)."""
    from mmengine.config import Config
    root = osp.join(osp.dirname(__file__), '..', '..')
    dataset = Config.fromfile(osp.join(root, config)).train_dataloader.dataset
    for wrapper in chain:
        assert dataset.type == wrapper
        dataset = dataset.datasets[0] if wrapper == 'ConcatDataset' else dataset.dataset
    assert 'dataset' not in dataset and 'datasets' not in dataset  # no further wrapper
