"""Reseed every random generator at the start of each epoch, so a resumed run repeats exactly."""
import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Set ``random``, ``numpy`` and ``torch`` seeds to ``seed + epoch`` before each epoch.

    mmengine restores weights, optimizer, schedulers and the sampler's epoch when resuming, but
    not the state of the global random generators that main-process augmentations and dropout
    draw from: a run killed in epoch 5 and resumed would see different crops from epoch 5 on than
    the uninterrupted run. Deriving the generator state from ``(seed, epoch)`` alone makes every
    epoch independent of what happened before it, so ``--resume auto`` reaches the same
    parameters (mmengine stores the seed in the checkpoint and reuses it on resume). Needs
    ``persistent_workers=False`` for dataloaders with workers (mmengine reseeds non-persistent
    workers from the seed at every epoch; persistent workers keep their drifting state).

    Args:
        diff_rank_seed (bool): add the rank to the seed, as ``randomness.diff_rank_seed`` does.
            Defaults to False.
    """

    priority = 'VERY_HIGH'

    def __init__(self, diff_rank_seed: bool = False):
        self.diff_rank_seed = diff_rank_seed

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        if getattr(loader, 'persistent_workers', False) and loader.num_workers > 0:
            runner.logger.warning(
                'EpochSeedHook: train_dataloader.persistent_workers=True keeps worker random '
                'state across epochs, so a resumed run will not repeat the uninterrupted one. '
                'Set train_dataloader.persistent_workers=False for bit-exact resumption.')

    def before_train_epoch(self, runner) -> None:
        seed = runner.seed + runner.epoch + (get_rank() if self.diff_rank_seed else 0)
        random.seed(seed)
        np.random.seed(seed % 2**32)
        torch.manual_seed(seed)
