"""Stand-in label files for the head benchmarks (imported by the scripts of this folder, which
Python puts first on the path when it runs one of them): random class embeddings and a random
conditional graph, written with the library's label-file writers. Timings depend on the shapes
(C, E) only, not on the values."""
import os.path as osp

import numpy as np

from mmml_plugin.utils.label_files import conditional_graph, save_label_embeddings, save_label_graph


def stand_in_label_files(folder: str, num_classes: int, embed_dims: int = 300, seed: int = 0):
    """Write ``emb{C}.npz`` and ``graph{C}.npz`` into ``folder``.

    Args:
        folder (str): output folder.
        num_classes (int): C; the classes are named ``class_0`` ... ``class_{C-1}``.
        embed_dims (int): E. Defaults to 300.
        seed (int): random seed. Defaults to 0.

    Returns:
        dict: ``embedding_file``, ``graph_file`` and ``classes``.
    """
    rng = np.random.default_rng(seed)
    classes = [f'class_{i}' for i in range(num_classes)]
    counts = rng.integers(0, 20, size=(num_classes, num_classes))
    counts = np.triu(counts) + np.triu(counts, 1).T
    np.fill_diagonal(counts, counts.sum(1) + 1)
    emb_file = save_label_embeddings(osp.join(folder, f'emb{num_classes}.npz'),
                                     rng.normal(size=(num_classes, embed_dims)), classes)
    graph_file = save_label_graph(osp.join(folder, f'graph{num_classes}.npz'),
                                  conditional_graph(counts), classes, counts)
    return dict(embedding_file=emb_file, graph_file=graph_file, classes=classes)
