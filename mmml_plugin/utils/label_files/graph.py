"""Label-graph arithmetic (no file I/O): co-occurrence counts and the conditional graph.

``M[i, j] = N(i and j) / N(i)``: the probability that class ``j`` is present given class ``i``,
counted over the training images (SSGRL Sec. 3.3; ML-GCN Sec. 3.3 with its optional
binarisation ``tau`` and re-weighting ``p``).
"""
import itertools
from typing import Iterable, Optional, Sequence

import numpy as np


def count_cooccurrence(label_sets: Iterable[Sequence[int]], num_classes: int) -> np.ndarray:
    """Image-level co-occurrence counts.

    Args:
        label_sets: per image, the indices of its classes (duplicates are ignored).
        num_classes (int): C.

    Returns:
        np.ndarray: (C, C) int64; ``[i, j]`` = images with both i and j, ``[i, i]`` = N(i).
    """
    label_sets = [list(labels) for labels in label_sets]
    flat = np.fromiter(itertools.chain.from_iterable(label_sets), np.int64)
    owner = np.repeat(np.arange(len(label_sets)), [len(labels) for labels in label_sets])
    return count_cooccurrence_flat(owner, flat, num_classes)


def count_cooccurrence_flat(owner: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """:func:`count_cooccurrence` from flat arrays (vectorised).

    Every (i, j) pair of classes within an image is counted once.

    Args:
        owner (np.ndarray): (K,) image index of each entry.
        labels (np.ndarray): (K,) class ``labels[k]`` is present in image ``owner[k]``.
        num_classes (int): C.

    Returns:
        np.ndarray: (C, C) int64, as :func:`count_cooccurrence`.
    """
    owner, labels = np.asarray(owner, np.int64), np.asarray(labels, np.int64)
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f'label indices {sorted(set(labels.tolist()))} out of range for '
                         f'{num_classes} classes.')
    owner, labels = np.divmod(np.unique(owner * num_classes + labels), num_classes)
    _, first, size = np.unique(owner, return_index=True, return_counts=True)
    per_entry = np.repeat(size, size)  # labels in the image of each entry
    start = np.repeat(np.repeat(first, size), per_entry)
    step = np.arange(per_entry.sum()) - np.repeat(np.cumsum(per_entry) - per_entry, per_entry)
    i, j = np.repeat(labels, per_entry), labels[start + step]  # all pairs within each image
    return np.bincount(i * num_classes + j,
                       minlength=num_classes**2).reshape(num_classes, num_classes).astype(np.int64)


def conditional_graph(counts: np.ndarray,
                      diagonal: float = 0.0,
                      tau: Optional[float] = None,
                      p: Optional[float] = None) -> np.ndarray:
    """The graph from counts, with the optional ML-GCN binarisation and re-weighting.

    Args:
        counts (np.ndarray): (C, C) co-occurrence counts with N(i) on the diagonal.
        diagonal (float): value written on the diagonal (0 as in SSGRL, 1 for self-loops).
        tau (float, optional): ML-GCN threshold, ``M = 1[M >= tau]``.
        p (float, optional): ML-GCN re-weighting of neighbours, ``M = p * M / sum_i M[i, j]``
            (column sums, as in ML-GCN's ``gen_A``); requires ``tau``.

    Returns:
        np.ndarray: (C, C) float32. Rows of classes absent from training are all zero.
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = np.diag(counts).copy()
    graph = np.divide(counts, n[:, None], out=np.zeros_like(counts), where=n[:, None] > 0)
    np.fill_diagonal(graph, 0.0)  # M[i, j] = N(i and j) / N(i), j != i
    if tau is not None:
        graph = (graph >= tau).astype(np.float64)  # ML-GCN: A = 1[M >= tau]
    if p is not None:
        if tau is None:
            raise ValueError('p (re-weighting) applies to the binarised graph: set tau too.')
        graph = graph * p / (graph.sum(0, keepdims=True) + 1e-6)  # ML-GCN: A' = pA / sum_i A
    np.fill_diagonal(graph, diagonal)
    return graph.astype(np.float32)
