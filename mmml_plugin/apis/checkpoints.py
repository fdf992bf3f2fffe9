"""Which checkpoint a test run scores: a file, or the work dir's ``best`` / ``last``.

``best`` is the best-epoch file the checkpoint hook's ``save_best`` keeps
(``best_<metric>_epoch_N.pth``), ``last`` the file named in mmengine's ``last_checkpoint``.
"""
import glob
import os.path as osp
import re
from typing import Optional

from mmml_plugin.engine.work_dir import latest_checkpoint

CHECKPOINT_CHOICES = ('best', 'last')


def resolve_checkpoint(checkpoint: str, work_dir: str) -> str:
    """``checkpoint`` itself, or the work dir's best (``best``) or last (``last``) checkpoint.

    Args:
        checkpoint (str): a checkpoint file, ``'best'`` or ``'last'``.
        work_dir (str): the training run's folder, searched for ``best`` / ``last``.

    Returns:
        str: the checkpoint file.

    Raises:
        FileNotFoundError: ``last`` without ``last_checkpoint``, or ``best`` without exactly one
            ``best_*.pth``; the message says what to pass instead.
    """
    if checkpoint not in CHECKPOINT_CHOICES:
        return checkpoint
    if checkpoint == 'last':
        # relative to the work dir (a moved work dir still resolves), as --resume auto reads it
        path = latest_checkpoint(work_dir)
        if path is None:
            raise FileNotFoundError(f'{osp.join(work_dir, "last_checkpoint")} not found: no '
                                    f'training run in {work_dir}; pass the checkpoint file or '
                                    '--work-dir.')
        return path
    found = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')))
    if len(found) != 1:
        raise FileNotFoundError(
            f'{work_dir}: expected one best_*.pth, found {len(found)} ({found}); the config '
            "needs the checkpoint hook's save_best (default_runtime.py sets it) and a "
            'validation run, or pass the checkpoint file.')
    return found[0]


def checkpoint_epoch(path: str) -> Optional[int]:
    """The epoch in an mmengine checkpoint name (``epoch_N.pth``, ``best_*_epoch_N.pth``).

    Args:
        path (str): a checkpoint file.

    Returns:
        int or None: N, or ``None`` when the name carries no epoch.
    """
    match = re.search(r'epoch_(\d+)\.pth$', osp.basename(path))
    return int(match.group(1)) if match else None
