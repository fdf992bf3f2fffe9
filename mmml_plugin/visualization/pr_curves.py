"""Precision-recall curves of chosen classes."""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
from matplotlib.figure import Figure

from mmml_plugin.evaluation.functional import (average_precision, check_ap_modes,
                                               precision_recall_curve)

from ._figure import new_figure, save_figure


def _class_index(selector: Union[int, str], names: Sequence[str], source: str) -> int:
    """The column of a class given by name or index, or a clear error."""
    if isinstance(selector, str):
        if selector not in names:
            shown = names if len(names) <= 20 else names[:20] + ['...']
            raise KeyError(f'{source}: unknown class "{selector}" (--classes); its classes are '
                           f'{shown}.')
        return names.index(selector)
    if isinstance(selector, bool) or not isinstance(selector, (int, np.integer)) or \
            not 0 <= selector < len(names):
        raise ValueError(f'{source}: class index {selector!r} (--classes) is out of range: it '
                         f'has {len(names)} classes, valid indices are 0 to {len(names) - 1} '
                         '(or pass class names).')
    return int(selector)


def pr_curves_figure(scores: np.ndarray,
                     targets: np.ndarray,
                     class_names: Sequence[str],
                     classes: Optional[Sequence[Union[int, str]]] = None,
                     size: Tuple[int, int] = (640, 480),
                     source: str = 'the predictions',
                     ap_mode: str = 'sklearn') -> Figure:
    """The figure of :func:`plot_pr_curves` (arguments as there), not yet saved."""
    scores, targets = np.asarray(scores), np.asarray(targets)
    if scores.shape != targets.shape or scores.ndim != 2 or scores.shape[1] != len(class_names):
        raise ValueError(f'scores {scores.shape}, targets {targets.shape} and '
                         f'{len(class_names)} class names do not agree.')
    ap_mode = check_ap_modes(ap_mode)[0]
    names = list(class_names)
    if classes is None:
        classes = range(min(5, len(names)))
    indices = [_class_index(c, names, source) for c in classes]
    fig = new_figure(size)
    ax = fig.add_subplot()
    for c in indices:
        if not (targets[:, c] == 1).any():
            raise ValueError(
                f'{source}: class "{names[c]}" has no positive sample: its precision-recall '
                'curve is undefined.')
        precision, recall, _ = precision_recall_curve(scores[:, c], targets[:, c])[0]
        ap = 100 * float(average_precision(scores[:, c], targets[:, c], mode=ap_mode))
        ax.step(np.r_[0.0, recall],
                np.r_[precision[0], precision],
                where='pre',
                label=f'{names[c]} (AP {ap:.2f})')
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel('recall')
    ax.set_ylabel('precision')
    ax.set_title(f'precision-recall; AP in the legend: {ap_mode} AP (%)')
    ax.grid(alpha=0.3)
    ax.legend(loc='lower left', fontsize=8)
    fig.tight_layout()
    return fig


# yapf: disable
def plot_pr_curves(scores: np.ndarray,
                   targets: np.ndarray,
                   class_names: Sequence[str],
                   out_file: str,
                   classes: Optional[Sequence[Union[int, str]]] = None,
                   size: Tuple[int, int] = (640, 480),
                   source: str = 'the predictions',
                   ap_mode: str = 'sklearn') -> str:
    # yapf: enable
    """Write the precision-recall curves of ``classes`` in one plot (step-wise, as AP integrates).

    Each legend entry gives the class's AP in ``ap_mode`` (the title names the mode). The
    ``sklearn`` AP is the area under the drawn step curve; ``voc`` AP integrates its
    upper envelope (precision made non-increasing), ``voc11`` samples that at 11 recalls.

    Args:
        scores (np.ndarray): (N, C) scores.
        targets (np.ndarray): (N, C) 1 / 0 / -1 (ignored).
        class_names (Sequence[str]): (C,) names.
        out_file (str): the ``.png`` to write.
        classes (Sequence[int | str], optional): class indices or names; default the first five.
        size (tuple): (width, height) pixels.
        source (str): the file the scores come from, named in errors.
        ap_mode (str): AP mode of the legend's AP; pass the run's headline mode
            (:func:`~mmml_plugin.evaluation.results_io.resolve_ap_mode`).

    Returns:
        str: ``out_file``.
    """
    return save_figure(
        pr_curves_figure(scores, targets, class_names, classes, size, source, ap_mode), out_file)
