"""Training curves (loss, mAP, ...) from the scalar log of an mmengine work dir."""
import glob
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.figure import Figure

from mmml_plugin.evaluation.results_io import find_scalars_file, load_scalars, short_metric_name

from ._figure import new_figure, save_figure
from .per_class_ap import ap_mode_text


def _default_keys(records: Sequence[dict]) -> List[str]:
    keys = {k for r in records for k in r}
    chosen = [k for k in ('loss', ) if k in keys]
    chosen += sorted(k for k in keys if short_metric_name(k) == 'mAP')
    return chosen


def config_ap_mode(cfg, evaluator_key: str = 'val_evaluator') -> Optional[str]:
    """The AP mode of the ``mAP`` a config's metric reports: the first ``ap_mode`` of its first
    ``MultiLabelMAP`` / ``DetectionMultiLabelMetric`` (default ``sklearn``); None without one.

    Args:
        cfg (Config | dict): a config.
        evaluator_key (str): ``'val_evaluator'`` (what training logs) or ``'test_evaluator'``.

    Returns:
        str | None: ``'sklearn'``, ``'voc'`` or ``'voc11'``.
    """
    evaluators = cfg.get(evaluator_key) or {}
    evaluators = evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]
    for evaluator in evaluators:
        if evaluator.get('type') in ('MultiLabelMAP', 'DetectionMultiLabelMetric'):
            mode = evaluator.get('ap_mode', 'sklearn')  # the metrics' default
            return mode if isinstance(mode, str) else str(list(mode)[0])
    return None


def run_ap_mode(path: str) -> Optional[str]:
    """The validation AP mode of the run whose scalar log is at ``path``, from the config
    mmengine's Runner saved in its work dir (``<work_dir>/<config>.py``); None if not found."""
    from mmengine.config import Config
    scalars = osp.abspath(find_scalars_file(path))
    work_dir = osp.dirname(osp.dirname(osp.dirname(scalars)))  # <work_dir>/<time>/vis_data/
    for config in sorted(glob.glob(osp.join(work_dir, '*.py'))):
        try:
            mode = config_ap_mode(Config.fromfile(config))
        except Exception:  # not a config: look at the next file
            continue
        if mode is not None:
            return mode
    return None


def plot_training_curves(path: str,
                         out_file: str,
                         keys: Optional[Sequence[str]] = None,
                         size: Optional[Tuple[int, int]] = None,
                         ap_mode: Optional[str] = None) -> str:
    """Write one panel per logged quantity against its step (see :func:`training_curves_figure`,
    whose arguments these are, with ``out_file`` the ``.png`` to write).

    Returns:
        str: ``out_file``.
    """
    return save_figure(training_curves_figure(path, keys, size, ap_mode), out_file)


def training_curves_figure(path: str,
                           keys: Optional[Sequence[str]] = None,
                           size: Optional[Tuple[int, int]] = None,
                           ap_mode: Optional[str] = None) -> Figure:
    """One panel per logged quantity against its step.

    Training quantities (logged with ``iter``) are drawn against the iteration, validation
    metrics against their logging step (the epoch for epoch-based loops).

    Args:
        path (str): work dir, run folder or ``scalars.json``.
        keys (Sequence[str], optional): quantities to draw; default ``loss`` and every ``mAP``.
        size (tuple, optional): (width, height) pixels; default 420 px wide per panel, 360 high.
        ap_mode (str, optional): the AP mode of the logged ``mAP``, named in its panel's title;
            default the run's (:func:`run_ap_mode`); ``mAP_<mode>`` keys name their own.

    Returns:
        Figure: not yet saved.
    """
    records = load_scalars(path)
    keys = list(keys) if keys is not None else _default_keys(records)
    if not keys:
        raise ValueError(f'{path}: found neither "loss" nor an mAP key in the scalar log; '
                         'pass keys=... explicitly.')
    if ap_mode is None and any(short_metric_name(k) == 'mAP' for k in keys):
        ap_mode = run_ap_mode(path)
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
        ax.set_title(f'{key} ({ap_mode_text(ap_mode)})' if short_metric_name(key) == 'mAP' else key)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
