"""Pointing-game cases: a class's attention over the input, its boxes, and where the peak fell."""
import math
from typing import List

from matplotlib.patches import Rectangle

from ._figure import new_figure, save_figure
from .attention import overlay_attention


def plot_pointing_cases(cases: List[dict],
                        out_file: str,
                        title: str = '',
                        ncols: int = 4,
                        cell_size: int = 256) -> str:
    """Write a PNG grid with one cell per (image, class) pair of the pointing game.

    Each cell shows the class's attention over the image as the model saw it, the class's
    boxes (white) and the attention peak: a green dot for a hit, a red cross for a miss.

    Args:
        cases (list[dict]): from :func:`mmml_plugin.apis.pointing_game.render_cases`:
            ``image`` (H, W, 3) uint8 RGB, ``attention`` (h, w), ``peak`` (row, col) and
            ``boxes`` ((K, 4) ``x0, y0, x1, y1``) in input pixels, ``hit``, ``title``.
        out_file (str): the ``.png`` to write.
        title (str): figure title, drawn above the grid.
        ncols (int): cells per row.
        cell_size (int): pixels per cell side.

    Returns:
        str: ``out_file``.
    """
    if not cases:
        raise ValueError(f'{out_file}: no case to draw; the pointing game found no pair.')
    cols = min(len(cases), ncols)
    rows = math.ceil(len(cases) / ncols)
    head = 30 if title else 0
    fig = new_figure((cols * cell_size, rows * cell_size + head))
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
    height = rows * cell_size + head
    fig.subplots_adjust(left=0.01,
                        right=0.99,
                        bottom=0.01,
                        top=1 - (head + 30) / height,
                        wspace=0.04,
                        hspace=36 * rows / height * 1.5)
    if title:
        fig.suptitle(title, fontsize=11, y=1 - 6 / height, va='top')
    return save_figure(fig, out_file)
