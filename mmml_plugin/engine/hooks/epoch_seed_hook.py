"""Exact resumption: reseed every generator per epoch, the data pipeline per sample, and skip
the batches an iteration checkpoint already trained."""
import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from torch.utils.data import BatchSampler

from ..sample_seeding import seed_samples_per_epoch


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Make a resumed run repeat the uninterrupted one, with any ``num_workers`` and
    ``persistent_workers`` (the shipped configs use persistent workers).

    mmengine restores weights, optimizer, schedulers and the sampler's epoch when resuming, but
    not the random state the augmentations draw from: that of the main process, and that of
    persistent dataloader workers, which carry it from epoch to epoch. This hook

    * sets ``random``, ``numpy`` and ``torch`` to ``seed + epoch`` before each epoch (main-process
      randomness such as dropout);
    * seeds the data pipeline per sample from ``(seed, epoch, index)``, in the main process and in
      every worker (:func:`~mmml_plugin.engine.sample_seeding.seed_samples_per_epoch`), so a
      sample's crop and flip do not depend on which worker loads it or what it loaded before;
      through the dataset wrappers of the shipped configs too (``ImageListSubset`` of the
      holdout configs, mmengine's ``ConcatDataset``/``RepeatDataset`` of mmdet's VOC0712);
    * when the run resumes from an iteration checkpoint inside an epoch (``CheckpointHook`` with
      ``by_epoch=False``), leaves out the batches of that epoch already trained, so training
      continues at the right batch and ends exactly at ``max_iters`` (mmengine restarts the epoch
      at batch 0 while the iteration counter goes on). Needs a sampler whose order depends on the
      epoch only (mmengine's ``DefaultSampler``) and a plain batch sampler.

    mmengine stores the seed in the checkpoint and reuses it on resume.

    Args:
        diff_rank_seed (bool): add the rank to the seed, as ``randomness.diff_rank_seed`` does.
            Defaults to False.
    """

    priority = 'VERY_HIGH'

    def __init__(self, diff_rank_seed: bool = False):
        self.diff_rank_seed = diff_rank_seed

    def _seed(self, runner) -> int:
        return runner.seed + (get_rank() if self.diff_rank_seed else 0)

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        indices = seed_samples_per_epoch(loader, self._seed(runner))
        if indices is None:
            runner.logger.warning(
                f'EpochSeedHook: the training dataset ({type(loader.dataset).__name__}) is not an '
                "mmengine BaseDataset nor a ConcatDataset/RepeatDataset/ImageListSubset of them, "
                'or the dataloader has no batch sampler, so its augmentations are not seeded per '
                'sample and a resumed run may draw other crops than the uninterrupted one.')
        done = runner.iter - runner.epoch * len(loader)
        if not 0 < done < len(loader) or indices is None:
            return
        if type(loader.batch_sampler) is not BatchSampler:  # e.g. mmdet's aspect-ratio grouping
            runner.logger.warning(
                f'EpochSeedHook: resuming inside epoch {runner.epoch + 1}, but the batch sampler '
                f'{type(loader.batch_sampler).__name__} groups indices itself, so the {done} '
                'batch(es) already trained cannot be left out exactly: the epoch restarts at its '
                "first batch (mmengine's behaviour). Save checkpoints by epoch for exact "
                'resumption.')
            return
        indices.skip_next_epoch(done * loader.batch_size)
        runner.logger.info(f'EpochSeedHook: resuming inside epoch {runner.epoch + 1}: '
                           f'skipping its first {done} batch(es), already trained.')

    def before_train_epoch(self, runner) -> None:
        seed = self._seed(runner) + runner.epoch
        random.seed(seed)
        np.random.seed(seed % 2**32)
        torch.manual_seed(seed)
