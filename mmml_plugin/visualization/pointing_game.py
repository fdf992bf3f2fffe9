"""Pointing-game cases: a class's attention over the input, its boxes, and where the peak fell."""
import math
import textwrap
from typing import List, Optional

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ._figure import new_figure, save_figure
from .attention import overlay_attention

#: What the numbers of a pointing-game figure mean, written under the grid.
POINTING_CAPTION = (
    'Pointing game: a hit when the peak of the class\'s attention map falls inside one of the '
    'class\'s boxes; the title\'s rate is the share of (image, class) pairs that hit, chance the '
    'mean share of the image the boxes cover.\nEach cell: class, hit/MISS, the share of the '
    'class\'s attention inside its boxes (%), p = the class\'s score. White: boxes; green dot: '
    'peak (hit); red cross: peak (miss).')


def pointing_cases_figure(cases: List[dict],
                          title: str = '',
                          ncols: int = 4,
                          cell_size: int = 256,
                          caption: Optional[str] = POINTING_CAPTION) -> Figure:
    """The figure of :func:`plot_pointing_cases` (arguments as there), not yet saved."""
    if not cases:
        raise ValueError('no case to draw; the pointing game found no pair.')
    cols = min(len(cases), ncols)
    rows = math.ceil(len(cases) / ncols)
    width = cols * cell_size
    head = 30 if title else 0
    foot = caption_height(caption, width)
    caption = _wrap(caption, width) if caption else ''
    height = rows * cell_size + head + foot
    fig = new_figure((width, height))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, case in zip(axes.flat, cases):
        ax.imshow(overlay_attention(case['image'], case['attention']))
        for x0, y0, x1, y1 in case['boxes']:
            ax.add_patch(
                Rectangle((x0 - 0.5, y0 - 0.5),
                          x1 - x0,
                          y1 - y0,
                          fill=False,
                          edgecolor='white',
                          linewidth=1.5))
        row, col = case['peak']
        if case['hit']:
            ax.plot(col, row, 'o', color='lime', markersize=8, markeredgecolor='black')
        else:
            ax.plot(col, row, 'x', color='red', markersize=10, markeredgewidth=3)
        ax.set_title(case['title'], fontsize=8)
    fig.subplots_adjust(left=0.01,
                        right=0.99,
                        bottom=(foot + 4) / height,
                        top=1 - (head + 30) / height,
                        wspace=0.04,
                        hspace=36 * rows / height * 1.5)
    if title:
        fig.suptitle(title, fontsize=11, y=1 - 6 / height, va='top')
    if caption:
        fig.text(0.01, 4 / height, caption, fontsize=7.5, va='bottom', ha='left')
    return fig


def caption_height(caption: Optional[str], width: int) -> int:
    """Pixels the caption adds under a grid ``width`` pixels wide (0 without a caption)."""
    return 12 * (_wrap(caption, width).count('\n') + 1) + 8 if caption else 0


def _wrap(text: str, width: int) -> str:
    """``text`` broken into lines that fit ``width`` pixels at the caption's font size."""
    chars = max(40, int(width / 5.8))  # about 5.5 px per character at 7.5 pt
    return '\n'.join(textwrap.fill(part, chars) for part in text.split('\n'))


def plot_pointing_cases(cases: List[dict],
                        out_file: str,
                        title: str = '',
                        ncols: int = 4,
                        cell_size: int = 256,
                        caption: Optional[str] = POINTING_CAPTION) -> str:
    """Write a PNG grid with one cell per (image, class) pair of the pointing game.

    Each cell shows the class's attention over the image as the model saw it, the class's
    boxes (white) and the attention peak: a green dot for a hit, a red cross for a miss. A
    caption under the grid says what the percentages mean (:data:`POINTING_CAPTION`).

    Args:
        cases (list[dict]): from :func:`mmml_plugin.apis.pointing_game.render_cases`:
            ``image`` (H, W, 3) uint8 RGB, ``attention`` (h, w), ``peak`` (row, col) and
            ``boxes`` ((K, 4) ``x0, y0, x1, y1``) in input pixels, ``hit``, ``title``.
        out_file (str): the ``.png`` to write.
        title (str): figure title, drawn above the grid.
        ncols (int): cells per row.
        cell_size (int): pixels per cell side.
        caption (str, optional): text under the grid; None or '' for none. The PNG is
            ``min(n, ncols) * cell_size`` wide and ``ceil(n / ncols) * cell_size`` high, plus
            30 px with a title and :func:`caption_height` with a caption.

    Returns:
        str: ``out_file``.
    """
    if not cases:
        raise ValueError(f'{out_file}: no case to draw; the pointing game found no pair.')
    return save_figure(pointing_cases_figure(cases, title, ncols, cell_size, caption), out_file)
