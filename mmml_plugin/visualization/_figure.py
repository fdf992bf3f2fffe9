"""Figures of an exact pixel size, drawn with matplotlib's Agg canvas (no pyplot, no display)."""
import os
import os.path as osp
from typing import Tuple

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 100


def new_figure(size: Tuple[int, int]) -> Figure:
    """A figure that saves as exactly ``size = (width, height)`` pixels."""
    width, height = (int(s) for s in size)
    if width <= 0 or height <= 0:
        raise ValueError(f'figure size must be positive pixels, got {size}.')
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, out_file: str) -> str:
    """Write ``fig`` as a PNG to ``out_file`` (folders created) and return the path."""
    if not out_file.lower().endswith('.png'):
        raise ValueError(f'{out_file}: plots are written as PNG; use a .png file name.')
    folder = osp.dirname(osp.abspath(out_file))
    os.makedirs(folder, exist_ok=True)
    fig.savefig(out_file, dpi=DPI, format='png')
    return out_file
