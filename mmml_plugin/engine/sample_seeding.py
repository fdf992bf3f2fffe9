"""Seed the data pipeline per sample from ``(seed, epoch, index)``: augmentations that do not
depend on which process loads a sample, on what that process did before, or on where a run
resumed.

mmengine seeds dataloader workers once, when they start (``worker_init_fn``). Workers started
anew every epoch (``persistent_workers=False``) therefore repeat their state, but persistent
workers (every shipped dataset config: they save seconds per epoch at 576 px) carry their random
state from one epoch to the next, so a run resumed in epoch 3 draws other crops than the
uninterrupted one (max abs. parameter difference 1.45 on COCO-format data, issue 13 item 4).

:func:`seed_samples_per_epoch` fixes this at the root, for any ``num_workers`` and
``persistent_workers``:

* the batch sampler draws its indices from :class:`EpochSeededIndices`, which tags each index
  with the seed of ``(seed, sampler epoch, index)`` (an ``int`` subclass, :class:`SeededIndex`,
  that survives the trip to the worker), and can skip the batches already trained when a run
  resumes from an iteration checkpoint inside an epoch;
* each worker's ``worker_init_fn`` (and, without workers, the main process) wraps the dataset's
  ``prepare_data`` so that ``random``, ``numpy`` and ``torch`` are seeded from that tag before the
  pipeline runs. In the main process the generator states are restored afterwards.
"""
import random
from typing import Iterator, Optional

import numpy as np
import torch
from torch.utils.data import DataLoader, get_worker_info

_WRAPPED = '_mmml_seeded_prepare_data'


class SeededIndex(int):
    """A dataset index carrying the seed its sample is transformed with.

    Args:
        index (int): the dataset index.
        seed (int): seed for ``random``, ``numpy`` and ``torch`` while this sample is prepared.
    """

    def __new__(cls, index: int, seed: int):
        obj = super().__new__(cls, index)
        obj.seed = seed
        return obj

    def __reduce__(self):
        return SeededIndex, (int(self), self.seed)


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """A 32-bit seed derived from ``(seed, epoch, index)`` with numpy's ``SeedSequence``.

    Args:
        seed (int): the run's seed (the sampler's seed, shared by all ranks).
        epoch (int): the sampler's epoch.
        index (int): the dataset index.
    """
    return int(np.random.SeedSequence([seed % 2**32, epoch, index]).generate_state(1)[0])


class EpochSeededIndices:
    """Wraps a sampler: yields its indices as :class:`SeededIndex` for the sampler's epoch.

    Args:
        sampler: the dataloader's sampler (mmengine's ``DefaultSampler`` has ``seed`` and
            ``epoch``; others are treated as seed ``seed``, epoch 0).
        seed (int): fallback seed when the sampler has none.
    """

    def __init__(self, sampler, seed: int):
        self.sampler = sampler
        self.seed = seed
        self.skip = 0

    def skip_next_epoch(self, num_indices: int) -> None:
        """Leave out the first ``num_indices`` indices of the next epoch only (resumption).

        Args:
            num_indices (int): already-trained batches times the batch size.
        """
        self.skip = int(num_indices)

    def __iter__(self) -> Iterator[SeededIndex]:
        seed = getattr(self.sampler, 'seed', None)
        seed = self.seed if seed is None else seed
        epoch = getattr(self.sampler, 'epoch', 0)
        skip, self.skip = self.skip, 0
        for position, index in enumerate(self.sampler):
            if position >= skip:
                yield SeededIndex(int(index), sample_seed(seed, epoch, int(index)))

    def __len__(self) -> int:
        return len(self.sampler)

    def __getattr__(self, name):
        # mmdet's AspectRatioBatchSampler reads ``sampler.dataset``; keep the sampler's API.
        if name == 'sampler':
            raise AttributeError(name)
        return getattr(self.sampler, name)


def _wrap_prepare_data(dataset, restore: bool) -> None:
    """Make ``dataset.prepare_data(idx)`` seed the generators from ``idx.seed``."""
    if getattr(dataset, _WRAPPED, False):
        return
    prepare = dataset.prepare_data

    def seeded_prepare_data(idx):
        seed = getattr(idx, 'seed', None)
        if seed is None:
            return prepare(idx)
        if restore:
            states = random.getstate(), np.random.get_state(), torch.get_rng_state()
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        try:
            return prepare(int(idx))
        finally:
            if restore:
                random.setstate(states[0])
                np.random.set_state(states[1])
                torch.set_rng_state(states[2])

    dataset.prepare_data = seeded_prepare_data
    setattr(dataset, _WRAPPED, True)


def _carry_seed_through_index_map(wrapper) -> None:
    """Make a wrapper's ``_get_ori_dataset_idx`` return indices that keep the sample's seed.

    mmengine's ``ConcatDataset`` (returns ``(dataset_idx, sample_idx)``), ``RepeatDataset`` and
    ``ClassBalancedDataset`` (return ``sample_idx``) map an index to the wrapped dataset's with
    plain integer arithmetic or a lookup, which drops the :class:`SeededIndex` tag.
    """
    if getattr(wrapper, _WRAPPED, False):
        return
    to_inner = wrapper._get_ori_dataset_idx

    def seeded_get_ori_dataset_idx(idx):
        inner = to_inner(idx)
        seed = getattr(idx, 'seed', None)
        if seed is None:
            return inner
        if isinstance(inner, tuple):
            return inner[0], SeededIndex(inner[1], seed)
        return SeededIndex(inner, seed)

    wrapper._get_ori_dataset_idx = seeded_get_ori_dataset_idx
    setattr(wrapper, _WRAPPED, True)


def _seedable_parts(dataset) -> Optional[tuple]:
    """``(datasets to wrap prepare_data of, wrappers to carry the seed through)``, or None.

    Walks the dataset wrappers of the shipped configs down to the datasets that run the
    pipeline (mmengine's ``BaseDataset.prepare_data``): wrappers that pass the index on
    unchanged (the plugin's ``ImageListSubset``, holdout configs) and mmengine's ``ConcatDataset``,
    ``RepeatDataset`` (mmdet's VOC0712) and ``ClassBalancedDataset``, which map it through
    ``_get_ori_dataset_idx``. None for anything else (e.g. torch's ``Subset``, or mmdet's
    ``MultiImageMixDataset``, which draws other indices itself).
    """
    from mmengine.dataset import ClassBalancedDataset, ConcatDataset, RepeatDataset

    from ..datasets.image_list_subset import ImageListSubset
    if hasattr(dataset, 'prepare_data'):
        return [dataset], []
    if type(dataset) in (ConcatDataset, RepeatDataset, ClassBalancedDataset, ImageListSubset):
        if hasattr(dataset, 'full_init'):
            dataset.full_init()  # wrappers build (ImageListSubset: copy) their datasets here
        children = dataset.datasets if isinstance(dataset, ConcatDataset) else [dataset.dataset]
        leaves, mappers = [], [] if isinstance(dataset, ImageListSubset) else [dataset]
        for child in children:
            parts = _seedable_parts(child)
            if parts is None:
                return None
            leaves += parts[0]
            mappers += parts[1]
        return leaves, mappers
    return None


def _wrap_dataset(dataset, restore: bool) -> bool:
    """Seed ``dataset``'s pipeline per sample, through its wrappers; False if it cannot be."""
    parts = _seedable_parts(dataset)
    if parts is None:
        return False
    for leaf in parts[0]:
        _wrap_prepare_data(leaf, restore)
    for wrapper in parts[1]:
        _carry_seed_through_index_map(wrapper)
    return True


class _SeededWorkerInit:
    """``worker_init_fn`` that runs the original one, then wraps the worker's dataset."""

    def __init__(self, worker_init_fn):
        self.worker_init_fn = worker_init_fn

    def __call__(self, worker_id: int) -> None:
        if self.worker_init_fn is not None:
            self.worker_init_fn(worker_id)
        _wrap_dataset(get_worker_info().dataset, restore=False)


def seed_samples_per_epoch(loader: DataLoader, seed: int) -> Optional[EpochSeededIndices]:
    """Install per-sample seeding on ``loader`` (before its first iterator is created).

    Args:
        loader (DataLoader): a training dataloader with a batch sampler.
        seed (int): the run's seed (used when the sampler has none).

    Returns:
        EpochSeededIndices | None: the installed index wrapper (idempotent), or None when the
        loader has no batch sampler or its dataset is neither an mmengine ``BaseDataset`` (with
        ``prepare_data``) nor a wrapper of such datasets that keeps the index (see
        :func:`_seedable_parts`), in which case nothing is changed.
    """
    batch_sampler = getattr(loader, 'batch_sampler', None)
    if batch_sampler is None or not hasattr(batch_sampler, 'sampler') \
            or _seedable_parts(loader.dataset) is None:
        return None
    if isinstance(batch_sampler.sampler, EpochSeededIndices):
        return batch_sampler.sampler
    if loader.num_workers > 0:
        loader.worker_init_fn = _SeededWorkerInit(loader.worker_init_fn)
    else:
        _wrap_dataset(loader.dataset, restore=True)
    batch_sampler.sampler = EpochSeededIndices(batch_sampler.sampler, seed)
    return batch_sampler.sampler
