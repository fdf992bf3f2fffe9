"""One image with its label names written on it, at the image's own pixel size."""
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from ._figure import new_figure, save_figure


def label_text(labels: Sequence[str], difficult: Sequence[str] = ()) -> str:
    """The text written on a browsed image: one label per line, difficult ones marked; ``'(no
    label)'`` for an image without labels."""
    lines = [str(n) for n in labels] + [f'{n} (difficult)' for n in difficult]
    return '\n'.join(lines) if lines else '(no label)'


def labelled_image_figure(image: np.ndarray, labels: Sequence[str],
                          difficult: Sequence[str] = ()) -> Figure:
    """The figure of :func:`save_labelled_image` (arguments as there), not yet saved."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'image must be (H, W, 3), got {image.shape}.')
    height, width = image.shape[:2]
    fig = new_figure((width, height))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_axis_off()
    ax.imshow(image, interpolation='nearest')
    fontsize = float(np.clip(min(height, width) / 22, 5, 12))
    ax.text(2,
            2,
            label_text(labels, difficult),
            va='top',
            ha='left',
            fontsize=fontsize,
            color='white',
            bbox=dict(facecolor='black', alpha=0.6, pad=1.5, linewidth=0))
    return fig


def save_labelled_image(image: np.ndarray,
                        labels: Sequence[str],
                        out_file: str,
                        difficult: Sequence[str] = ()) -> str:
    """Write ``image`` as a PNG of its own size with its label names in its top-left corner.

    Args:
        image (np.ndarray): (H, W, 3) uint8 RGB.
        labels (Sequence[str]): the image's class names.
        out_file (str): the ``.png`` to write; it is W x H pixels.
        difficult (Sequence[str]): classes present only as difficult objects (shown as such).

    Returns:
        str: ``out_file``.
    """
    return save_figure(labelled_image_figure(image, labels, difficult), out_file)
