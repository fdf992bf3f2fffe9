"""Per-class attention maps of SSGRL's semantic decoupling, overlaid on the input image."""
import math
from typing import List, Optional, Sequence

import cv2
import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from ._figure import new_figure, save_figure


def overlay_attention(image: np.ndarray,
                      attention: np.ndarray,
                      alpha: float = 0.5,
                      cmap: str = 'jet') -> np.ndarray:
    """Blend one attention map, upsampled to the image, over the image.

    Args:
        image (np.ndarray): (H, W, 3) uint8 RGB, the image as the model saw it.
        attention (np.ndarray): (h, w) non-negative weights over the feature-map positions.
        alpha (float): weight of the heat map in the blend.
        cmap (str): matplotlib colour map.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'image must be (H, W, 3), got {image.shape}.')
    if attention.ndim != 2:
        raise ValueError(f'attention must be (h, w), got {attention.shape}.')
    if not np.isfinite(attention).all():
        raise ValueError('attention map contains NaN or inf.')
    height, width = image.shape[:2]
    heat = cv2.resize(attention.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    span = heat.max() - heat.min()
    # min-max scaling; a uniform map (span 0) is shown as uniformly cold, never NaN.
    heat = (heat - heat.min()) / span if span > 0 else np.zeros_like(heat)
    colored = colormaps[cmap](heat)[..., :3] * 255.0
    blend = (1.0 - alpha) * image.astype(np.float32) + alpha * colored
    return np.clip(blend, 0, 255).astype(np.uint8)


#: What a label's mark says, by its target (1 / 0 / -1).
MARKS = {1: 'TP', 0: 'FP', -1: 'ignored'}
#: Label of the colour bar's axes (to find it in a figure).
COLORBAR_LABEL = 'attention colour bar'
MARK_COLORS = {'TP': 'tab:green', 'FP': 'tab:red', 'ignored': 'gray', None: 'black'}


def label_marks(labels: Sequence[int], targets: Optional[np.ndarray]) -> List[Optional[str]]:
    """Whether each predicted label is right: ``'TP'`` (a true label), ``'FP'`` (not one) or
    ``'ignored'`` (target -1, e.g. VOC difficult); all None without targets.

    Args:
        labels (Sequence[int]): (K,) predicted class indices.
        targets (np.ndarray, optional): (C,) targets 1 / 0 / -1 of the image.

    Returns:
        list: (K,) marks.
    """
    if targets is None:
        return [None] * len(labels)
    targets = np.asarray(targets).reshape(-1)
    bad = ~np.isin(targets, (-1, 0, 1))
    if bad.any():
        raise ValueError(f'targets must be 1 / 0 / -1 per class, got {targets[bad][:5].tolist()}.')
    return [MARKS[int(targets[int(k)])] for k in labels]


def add_attention_colorbar(fig: Figure, rect: Sequence[float], cmap: str = 'jet') -> None:
    """A colour bar of the attention overlay (each map scaled from its minimum to its maximum,
    :func:`overlay_attention`) in ``rect`` = [left, bottom, width, height] figure fractions."""
    bar_ax = fig.add_axes(rect, label=COLORBAR_LABEL)
    bar = fig.colorbar(ScalarMappable(Normalize(0, 1), cmap), cax=bar_ax)
    bar.set_ticks([0, 1], labels=['min', 'max'])
    bar.ax.tick_params(labelsize=7)
    bar.ax.set_title('attention', fontsize=7)


def attention_grid_figure(result: dict,
                          max_labels: Optional[int] = 8,
                          ncols: int = 4,
                          cell_size: int = 256,
                          targets: Optional[np.ndarray] = None,
                          cmap: str = 'jet') -> Figure:
    """The figure of :func:`save_attention_grid` (arguments as there), not yet saved."""
    for key in ('image', 'labels', 'scores', 'class_names', 'attention'):
        if key not in result:
            raise KeyError(f'result has no "{key}"; pass the dict returned by '
                           'mmml_plugin.apis.inference_multilabel.')
    image, attention = result['image'], result['attention']
    if targets is None:
        targets = result.get('gt_target')
    if targets is not None and attention is not None and len(targets) != len(attention):
        raise ValueError(f'targets has {len(targets)} classes but the attention maps '
                         f'{len(attention)}; pass the (C,) targets of this image.')
    order = np.argsort(-np.asarray(result['scores'], dtype=np.float64), kind='stable')
    if max_labels is not None:
        order = order[:max_labels]
    marks = label_marks([int(result['labels'][k]) for k in order], targets)
    cells = 1 + len(order)
    cols = min(cells, ncols)
    rows = math.ceil(cells / ncols)
    fig = new_figure((cols * cell_size, rows * cell_size))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    axes.flat[0].imshow(image)
    axes.flat[0].set_title('input', fontsize=9)
    for ax, k, mark in zip(axes.flat[1:], order, marks):
        label = int(result['labels'][k])
        shown = image if attention is None else overlay_attention(
            image, attention[label], cmap=cmap)
        ax.imshow(shown)
        text = f'{result["class_names"][k]}: {float(result["scores"][k]):.2f}'
        ax.set_title(text if mark is None else f'{mark} {text}',
                     fontsize=9,
                     color=MARK_COLORS[mark],
                     fontweight='normal' if mark is None else 'bold')
    title_room = 24 / (rows * cell_size)  # 24 px above each row for its titles
    right = 0.99
    if attention is not None and len(order):
        right = 1 - 64 / (cols * cell_size)  # room for the colour bar
    fig.subplots_adjust(left=0.01,
                        right=right,
                        bottom=0.01,
                        top=1 - title_room,
                        wspace=0.04,
                        hspace=rows * title_room * 1.2)
    if attention is not None and len(order):
        add_attention_colorbar(
            fig, [right + 10 / (cols * cell_size), 0.06, 12 / (cols * cell_size), 0.72], cmap)
    return fig


def save_attention_grid(result: dict,
                        out_file: str,
                        max_labels: Optional[int] = 8,
                        ncols: int = 4,
                        cell_size: int = 256,
                        targets: Optional[np.ndarray] = None) -> str:
    """Write a PNG grid: the input, then one cell per predicted label.

    Each label cell shows that class's attention map over the input (SSGRL models) or the plain
    input (models without attention), titled with the class name and score. With the image's
    targets each title is marked ``TP`` (green: a true label), ``FP`` (red: not one) or
    ``ignored`` (gray: target -1). Grids with attention carry a colour bar: each map is scaled
    from its own minimum (blue) to its maximum (red).

    Args:
        result (dict): the output of :func:`mmml_plugin.apis.inference_multilabel`: ``image``
            (H, W, 3) uint8 RGB, ``labels`` (K,) class indices, ``scores`` (K,),
            ``class_names`` (K,) and ``attention`` (C, h, w) or None; optionally
            ``gt_target`` (C,), used when ``targets`` is None.
        out_file (str): the ``.png`` to write.
        max_labels (int, optional): draw at most this many labels (the highest scores first).
        ncols (int): cells per row.
        cell_size (int): pixels per cell side; the PNG is
            ``(min(n, ncols) * cell_size, ceil(n / ncols) * cell_size)`` for ``n`` cells.
        targets (np.ndarray, optional): (C,) targets 1 / 0 / -1 of the image, in the model's
            class order, to mark each shown label as true or false positive.

    Returns:
        str: ``out_file``.
    """
    return save_figure(attention_grid_figure(result, max_labels, ncols, cell_size, targets),
                       out_file)
