"""Per-class comparison of two runs: where each one wins."""
from typing import Optional, Sequence, Tuple

import numpy as np

from ._figure import new_figure, save_figure
from .per_class_ap import ap_mode_text, check_per_class_ap, default_bar_chart_size


def plot_run_comparison(ap_a: Sequence[float],
                        ap_b: Sequence[float],
                        class_names: Sequence[str],
                        out_file: str,
                        names: Tuple[str, str] = ('A', 'B'),
                        size: Optional[Tuple[int, int]] = None,
                        ap_mode: Optional[str] = None) -> str:
    """Write the per-class AP difference ``A - B`` as bars, sorted, coloured by the winner.

    Classes without positives (AP ``UNDEFINED_AP`` = -1) in either run are left out and counted
    in the title.

    Args:
        ap_a (Sequence[float]): (C,) AP in percent of the first run, -1 where undefined.
        ap_b (Sequence[float]): (C,) AP in percent of the second run, in the class order of
            ``ap_a``: read result files with
            :func:`~mmml_plugin.evaluation.results_io.load_aligned_per_class_ap`, which aligns
            them by class name (or refuses different class sets).
        class_names (Sequence[str]): (C,) names.
        out_file (str): the ``.png`` to write.
        names (tuple): the two runs' names, e.g. ``('SSGRL', 'baseline')``.
        size (tuple, optional): (width, height) pixels; default as the per-class AP chart.
        ap_mode (str, optional): the AP mode of both runs' AP, named on the x axis (from
            :func:`~mmml_plugin.evaluation.results_io.load_aligned_per_class_ap`).

    Returns:
        str: ``out_file``.
    """
    (ap_a, def_a), (ap_b, def_b) = check_per_class_ap(ap_a), check_per_class_ap(ap_b)
    if ap_a.shape != ap_b.shape or ap_a.ndim != 1 or len(ap_a) != len(class_names):
        raise ValueError(f'runs must have one AP per class in the same order: got {ap_a.shape}, '
                         f'{ap_b.shape} and {len(class_names)} names.')
    valid = def_a & def_b
    if not valid.any():
        raise ValueError('no class has an AP in both runs.')
    idx = np.flatnonzero(valid)
    diff = ap_a[idx] - ap_b[idx]
    order = np.argsort(diff, kind='stable')
    idx, diff = idx[order], diff[order]
    wins_a, wins_b = int((diff > 0).sum()), int((diff < 0).sum())
    fig = new_figure(size or default_bar_chart_size(len(ap_a)))
    ax = fig.add_subplot()
    rows = np.arange(len(idx))
    colors = np.where(diff > 0, 'tab:green', np.where(diff < 0, 'tab:red', 'gray'))
    ax.barh(rows, diff, color=colors)
    ax.axvline(0.0, color='black', linewidth=0.8)
    ax.set_yticks(rows, [class_names[k] for k in idx], fontsize=8)
    ax.set_ylim(-0.6, len(idx) - 0.4)
    ax.set_xlabel(f'AP({names[0]}) - AP({names[1]}) (points, {ap_mode_text(ap_mode)})')
    title = (f'{names[0]} wins {wins_a}, {names[1]} wins {wins_b} of {len(idx)} classes; '
             f'mean difference {diff.mean():+.2f}')
    if (~valid).any():
        title += f' ({int((~valid).sum())} classes without positives left out)'
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return save_figure(fig, out_file)
