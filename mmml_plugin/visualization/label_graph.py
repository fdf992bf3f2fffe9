"""The label co-occurrence graph M[i, j] = P(j | i) as a heat map with class names."""
from typing import Optional, Tuple

import numpy as np

from mmml_plugin.utils.label_files import load_label_file

from ._figure import new_figure, save_figure


def default_heat_map_size(num_classes: int) -> Tuple[int, int]:
    """(width, height) in pixels: 14 px per class plus room for the names and colour bar."""
    side = max(300, 14 * num_classes)
    return side + 260, side + 160


def plot_label_graph(graph_file: str,
                     out_file: str,
                     annotate: Optional[bool] = None,
                     size: Optional[Tuple[int, int]] = None) -> str:
    """Write the graph ``.npz`` (``adj``, ``classes``) as a heat map: row i, column j = P(j | i).

    Args:
        graph_file (str): label graph written by ``tools/misc/build_label_graph.py``.
        out_file (str): the ``.png`` to write.
        annotate (bool, optional): print the values in the cells; default when C <= 20.
        size (tuple, optional): (width, height) pixels; default :func:`default_heat_map_size`.

    Returns:
        str: ``out_file``.
    """
    adj, names = load_label_file(graph_file, 'graph')
    names = names or [str(i) for i in range(len(adj))]
    num_classes = len(adj)
    if annotate is None:
        annotate = num_classes <= 20
    fig = new_figure(size or default_heat_map_size(num_classes))
    ax = fig.add_subplot()
    image = ax.imshow(adj, cmap='viridis', vmin=0.0, vmax=max(1.0, float(adj.max())))
    ticks = np.arange(num_classes)
    fontsize = 8 if num_classes <= 40 else 5
    ax.set_xticks(ticks, names, rotation=90, fontsize=fontsize)
    ax.set_yticks(ticks, names, fontsize=fontsize)
    ax.set_xlabel('j (co-occurring label)')
    ax.set_ylabel('i (given label)')
    ax.set_title('label graph M[i, j] = P(j | i)')
    if annotate:
        for i in range(num_classes):
            for j in range(num_classes):
                ax.text(j,
                        i,
                        f'{adj[i, j]:.2f}',
                        ha='center',
                        va='center',
                        fontsize=6,
                        color='white' if adj[i, j] < 0.5 else 'black')
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    return save_figure(fig, out_file)
