"""A grid of one class's errors: its false positives or false negatives, attention overlaid where
the model has it."""
import math
import textwrap
from typing import List, Optional

from matplotlib.figure import Figure

from ._figure import new_figure, save_figure
from .attention import MARK_COLORS, add_attention_colorbar, overlay_attention

#: Title colour of each kind of error.
ERROR_COLORS = {'FP': MARK_COLORS['FP'], 'FN': 'tab:purple'}


def error_cases_figure(cases: List[dict],
                       title: str = '',
                       ncols: int = 4,
                       cell_size: int = 224) -> Figure:
    """The figure of :func:`plot_error_cases` (arguments as there), not yet saved."""
    if not cases:
        raise ValueError('no case to draw.')
    cols = min(len(cases), ncols)
    rows = math.ceil(len(cases) / ncols)
    with_attention = any(case.get('attention') is not None for case in cases)
    bar = 64 if with_attention else 0
    width = cols * cell_size + bar
    title = textwrap.fill(title, max(20, int(width / 7))) if title else ''
    head = 14 + 16 * (title.count('\n') + 1) if title else 0
    height = rows * cell_size + head
    fig = new_figure((width, height))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, case in zip(axes.flat, cases):
        image, attention = case['image'], case.get('attention')
        ax.imshow(image if attention is None else overlay_attention(image, attention))
        ax.set_title(case['title'], fontsize=8, color=ERROR_COLORS.get(case.get('mark'), 'black'))
    right = 1 - (bar + 4) / width
    fig.subplots_adjust(left=0.01,
                        right=right,
                        bottom=0.01,
                        top=1 - (head + 44) / height,
                        wspace=0.04,
                        hspace=48 * rows / height * 1.6)
    if title:
        fig.suptitle(title, fontsize=10, y=1 - 6 / height, va='top')
    if with_attention:
        add_attention_colorbar(fig, [right + 14 / width, 0.06, 12 / width, 0.75])
    return fig


def plot_error_cases(cases: List[dict],
                     out_file: str,
                     title: str = '',
                     ncols: int = 4,
                     cell_size: int = 224) -> Optional[str]:
    """Write a PNG grid with one cell per (image, class) error.

    Args:
        cases (list[dict]): from :func:`mmml_plugin.apis.analyze_results.render_error_cases`:
            ``image`` (H, W, 3) uint8 RGB, ``attention`` (h, w) of the class or None,
            ``title`` (the cell's text) and ``mark`` (``'FP'`` red or ``'FN'`` purple).
        out_file (str): the ``.png`` to write.
        title (str): figure title.
        ncols (int): cells per row.
        cell_size (int): pixels per cell side; a colour bar adds 64 px on the right when any
            cell has attention.

    Returns:
        str: ``out_file``.
    """
    if not cases:
        raise ValueError(f'{out_file}: no case to draw.')
    return save_figure(error_cases_figure(cases, title, ncols, cell_size), out_file)
