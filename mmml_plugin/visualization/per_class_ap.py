"""Bar chart of the average precision of every class."""
from typing import Optional, Sequence, Tuple

import numpy as np
from matplotlib.figure import Figure

from mmml_plugin.evaluation.functional import UNDEFINED_AP

from ._figure import new_figure, save_figure


def check_per_class_ap(ap: Sequence[float]) -> Tuple[np.ndarray, np.ndarray]:
    """(C,) AP in percent and the (C,) mask of the classes whose AP is defined.

    Args:
        ap (Sequence[float]): (C,) AP in percent, ``UNDEFINED_AP`` (-1) for classes without
            positives (as the metrics and ``mmml_plugin.evaluation.results_io`` give it).

    Returns:
        tuple: ``ap`` (C,) float64 and ``defined`` (C,) bool.
    """
    ap = np.asarray(ap, dtype=np.float64)
    defined = ap != UNDEFINED_AP
    bad = defined & ~((ap >= 0) & (ap <= 100))  # NaN fails both comparisons
    if bad.any():
        raise ValueError(f'per-class AP must be in [0, 100] percent or {UNDEFINED_AP} (no '
                         f'positives), got {ap[bad][:5].tolist()} for classes '
                         f'{np.flatnonzero(bad)[:5].tolist()}; pass the AP of '
                         'mmml_plugin.evaluation.results_io.load_per_class_ap.')
    return ap, defined


def default_bar_chart_size(num_classes: int) -> Tuple[int, int]:
    """(width, height) in pixels: 18 px per class row plus margins."""
    return 800, 120 + 18 * num_classes


def ap_mode_text(ap_mode: Optional[str]) -> str:
    """How a plot names the AP mode: ``'voc AP'``, or ``'AP mode not recorded'``."""
    return f'{ap_mode} AP' if ap_mode else 'AP mode not recorded'


def per_class_ap_figure(ap: Sequence[float],
                        class_names: Sequence[str],
                        ap_mode: Optional[str] = None,
                        title: Optional[str] = None,
                        sort: bool = True,
                        size: Optional[Tuple[int, int]] = None) -> Figure:
    """The figure of :func:`plot_per_class_ap` (arguments as there), not yet saved."""
    ap, valid = check_per_class_ap(ap)
    if ap.ndim != 1 or len(ap) != len(class_names):
        raise ValueError(f'need one AP per class: got AP shape {ap.shape} for '
                         f'{len(class_names)} class names.')
    if not valid.any():
        raise ValueError('every class AP is undefined (-1): no class has a positive sample.')
    mean_ap = ap[valid].mean()
    order = np.argsort(np.where(valid, ap, -np.inf), kind='stable') if sort else \
        np.arange(len(ap))[::-1]
    fig = new_figure(size or default_bar_chart_size(len(ap)))
    ax = fig.add_subplot()
    rows = np.arange(len(order))
    values = np.where(valid[order], ap[order], 0.0)
    ax.barh(rows, values, color=np.where(valid[order], 'tab:blue', 'lightgray'))
    for row, k in zip(rows, order):
        text = f'{ap[k]:.1f}' if valid[k] else 'no positives'
        ax.text(values[row] + 0.5, row, text, va='center', fontsize=7)
    ax.axvline(mean_ap, color='tab:red', linestyle='--', label=f'mAP {mean_ap:.2f}')
    ax.set_yticks(rows, [class_names[k] for k in order], fontsize=8)
    ax.set_xlim(0, 108)
    ax.set_ylim(-0.6, len(order) - 0.4)
    ax.set_xlabel(f'AP (%), {ap_mode_text(ap_mode)}')
    ax.set_title(title or f'per-class AP ({ap_mode_text(ap_mode)}; mAP = {mean_ap:.2f})')
    # outside the axes, right of the plot: it never covers a bar (the lowest used to be hidden)
    ax.legend(loc='upper left', bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8)
    fig.tight_layout()
    return fig


def plot_per_class_ap(ap: Sequence[float],
                      class_names: Sequence[str],
                      out_file: str,
                      title: Optional[str] = None,
                      sort: bool = True,
                      size: Optional[Tuple[int, int]] = None,
                      ap_mode: Optional[str] = None) -> str:
    """Write a horizontal bar chart of per-class AP (percent) with the mean as a line.

    Classes without a positive sample (AP ``UNDEFINED_AP`` = -1, as ``MultiLabelMAP``'s
    ``AP_classwise`` reports them; left out of mAP) are listed as "no positives", not drawn.
    The title and the x axis name the AP mode; the mAP legend sits right of the axes, where it
    covers no bar.

    Args:
        ap (Sequence[float]): (C,) AP in percent, -1 where undefined.
        class_names (Sequence[str]): (C,) names.
        out_file (str): the ``.png`` to write.
        title (str, optional): figure title; default
            ``"per-class AP (<mode> AP; mAP = x)"``.
        sort (bool): order bars by AP, best on top.
        size (tuple, optional): (width, height) pixels; default
            :func:`default_bar_chart_size`.
        ap_mode (str, optional): the AP mode ``ap`` was computed in (``'sklearn'``, ``'voc'``,
            ``'voc11'``), shown in the title; take it from the result file
            (:func:`~mmml_plugin.evaluation.results_io.resolve_ap_mode`). None: the plot says
            the mode was not recorded.

    Returns:
        str: ``out_file``.
    """
    return save_figure(per_class_ap_figure(ap, class_names, ap_mode, title, sort, size), out_file)
