"""Per-class attention maps of SSGRL's semantic decoupling, overlaid on the input image."""
import math
from typing import Optional

import cv2
import numpy as np
from matplotlib import colormaps

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


def save_attention_grid(result: dict,
                        out_file: str,
                        max_labels: Optional[int] = 8,
                        ncols: int = 4,
                        cell_size: int = 256) -> str:
    """Write a PNG grid: the input, then one cell per predicted label.

    Each label cell shows that class's attention map over the input (SSGRL models) or the plain
    input (models without attention), titled with the class name and score.

    Args:
        result (dict): the output of :func:`mmml_plugin.apis.inference_multilabel`: ``image``
            (H, W, 3) uint8 RGB, ``labels`` (K,) class indices, ``scores`` (K,),
            ``class_names`` (K,) and ``attention`` (C, h, w) or None.
        out_file (str): the ``.png`` to write.
        max_labels (int, optional): draw at most this many labels (the highest scores first).
        ncols (int): cells per row.
        cell_size (int): pixels per cell side; the PNG is
            ``(min(n, ncols) * cell_size, ceil(n / ncols) * cell_size)`` for ``n`` cells.

    Returns:
        str: ``out_file``.
    """
    for key in ('image', 'labels', 'scores', 'class_names', 'attention'):
        if key not in result:
            raise KeyError(f'result has no "{key}"; pass the dict returned by '
                           'mmml_plugin.apis.inference_multilabel.')
    image, attention = result['image'], result['attention']
    order = np.argsort(-np.asarray(result['scores'], dtype=np.float64), kind='stable')
    if max_labels is not None:
        order = order[:max_labels]
    cells = 1 + len(order)
    cols = min(cells, ncols)
    rows = math.ceil(cells / ncols)
    fig = new_figure((cols * cell_size, rows * cell_size))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    axes.flat[0].imshow(image)
    axes.flat[0].set_title('input', fontsize=9)
    for ax, k in zip(axes.flat[1:], order):
        label = int(result['labels'][k])
        shown = image if attention is None else overlay_attention(image, attention[label])
        ax.imshow(shown)
        ax.set_title(f'{result["class_names"][k]}: {float(result["scores"][k]):.2f}', fontsize=9)
    title_room = 24 / (rows * cell_size)  # 24 px above each row for its titles
    fig.subplots_adjust(left=0.01,
                        right=0.99,
                        bottom=0.01,
                        top=1 - title_room,
                        wspace=0.04,
                        hspace=rows * title_room * 1.2)
    return save_figure(fig, out_file)
