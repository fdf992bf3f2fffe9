"""Training curves (loss, mAP, ...) from the scalar log of an mmengine work dir."""
from typing import List, Optional, Sequence, Tuple

import numpy as np

from mmml_plugin.evaluation.results_io import load_scalars, short_metric_name

from ._figure import new_figure, save_figure


def _default_keys(records: Sequence[dict]) -> List[str]:
    keys = {k for r in records for k in r}
    chosen = [k for k in ('loss', ) if k in keys]
    chosen += sorted(k for k in keys if short_metric_name(k) == 'mAP')
    return chosen


def plot_training_curves(path: str,
                         out_file: str,
                         keys: Optional[Sequence[str]] = None,
                         size: Optional[Tuple[int, int]] = None) -> str:
    """Write one panel per logged quantity against its step.

    Training quantities (logged with ``iter``) are drawn against the iteration, validation
    metrics against their logging step (the epoch for epoch-based loops).

    Args:
        path (str): work dir, run folder or ``scalars.json``.
        out_file (str): the ``.png`` to write.
        keys (Sequence[str], optional): quantities to draw; default ``loss`` and every ``mAP``.
        size (tuple, optional): (width, height) pixels; default 420 px wide per panel, 360 high.

    Returns:
        str: ``out_file``.
    """
    records = load_scalars(path)
    keys = list(keys) if keys is not None else _default_keys(records)
    if not keys:
        raise ValueError(f'{path}: found neither "loss" nor an mAP key in the scalar log; '
                         'pass keys=... explicitly.')
    by_epoch = any('epoch' in r and 'iter' in r for r in records)
    fig = new_figure(size or (420 * len(keys), 360))
    axes = fig.subplots(1, len(keys), squeeze=False)[0]
    for ax, key in zip(axes, keys):
        rows = [r for r in records if key in r]
        if not rows:
            raise KeyError(f'{path}: "{key}" was never logged (logged: '
                           f'{sorted({k for r in records for k in r})}).')
        is_train = all('iter' in r for r in rows)
        steps = np.array([r['iter'] if is_train else r['step'] for r in rows])
        ax.plot(steps, [r[key] for r in rows], marker=None if is_train else 'o')
        ax.set_xlabel('iteration' if is_train else ('epoch' if by_epoch else 'iteration'))
        ax.set_title(key)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, out_file)
