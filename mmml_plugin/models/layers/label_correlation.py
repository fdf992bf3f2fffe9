"""ML-GCN's label correlation matrix (Chen et al. CVPR 2019, Sec. 3.4, Eqs. 6-7), from the
co-occurrence counts stored in this plugin's label-graph files."""
import numpy as np


def load_cooccurrence_counts(graph_file: str, num_classes: int) -> np.ndarray:
    """The (C, C) co-occurrence counts of a label-graph ``.npz`` (``N(i)`` on the diagonal).

    Only the ``counts`` array is read: the caller has already checked the graph file (names,
    shape, values, once, with :func:`mmml_plugin.utils.label_files.load_checked_label_files`).
    ``counts`` is written by ``tools/misc/build_label_graph.py`` and by the ML-GCN ``*_adj.pkl``
    import (:func:`mmml_plugin.utils.label_files.import_ml_gcn_adj`).

    Args:
        graph_file (str): the label-graph ``.npz``.
        num_classes (int): C, the class count the file was checked for.

    Returns:
        np.ndarray: (C, C) int64.
    """
    hint = ('ML-GCN needs the co-occurrence counts: rebuild it with `python '
            'tools/misc/build_label_graph.py` (from the training annotations, or from ML-GCN\'s '
            '*_adj.pkl), which stores them as "counts".')
    if not graph_file.endswith('.npz'):
        raise ValueError(f'{graph_file}: a bare array has no co-occurrence counts. {hint}')
    with np.load(graph_file, allow_pickle=False) as f:
        if 'counts' not in f.files:
            raise ValueError(f'{graph_file}: no "counts" array (it holds {f.files}; a graph '
                             f'imported from conditional probabilities has none). {hint}')
        counts = np.asarray(f['counts'])
    valid = (counts.shape == (num_classes, num_classes) and np.issubdtype(counts.dtype, np.number)
             and (counts >= 0).all())
    if not valid:
        raise ValueError(f'{graph_file}: "counts" must be a non-negative ({num_classes}, '
                         f'{num_classes}) array, got {counts.shape} {counts.dtype}. {hint}')
    return counts.astype(np.int64)


def mlgcn_correlation(counts: np.ndarray, tau: float = 0.4, p: float = 0.25) -> np.ndarray:
    """ML-GCN's re-weighted binary correlation matrix A (its ``gen_A``, util.py:291-302).

    * ``P[i, j] = N(i and j) / N(i)`` (j != i; ``_adj / _nums``, util.py:296-297),
    * ``A = 1[P >= tau]`` (Eq. 6; util.py:298-299),
    * ``A'[i, j] = p A[i, j] / Σ_i A[i, j]``, sums over each column + 1e-6 (Eq. 7 as
      coded, util.py:300), then ones on the diagonal (``+ I``, util.py:301).

    The official file stores the pair counts with a zero diagonal and ``nums`` = N(i); ours
    stores both in one matrix (N(i) on the diagonal), which is the same information. A class
    absent from training (N(i) = 0) gets an all-zero row (the official code divides by 0).

    Args:
        counts (np.ndarray): (C, C) co-occurrence counts, N(i) on the diagonal.
        tau (float): threshold t (``demo_coco_gcn.py:51``: 0.4).
        p (float): weight of the neighbours (util.py:300: 0.25).

    Returns:
        np.ndarray: A' (C, C) float32.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f'counts must be a square (C, C) matrix, got shape {counts.shape}.')
    nums = np.diag(counts).copy()
    prob = np.divide(counts, nums[:, None], out=np.zeros_like(counts), where=nums[:, None] > 0)
    np.fill_diagonal(prob, 0.)  # the official pair counts have a zero diagonal
    binary = (prob >= tau).astype(np.float64)  # A = 1[P >= t]
    reweighted = binary * p / (binary.sum(0, keepdims=True) + 1e-6)  # A' = pA / Σ_i A
    return (reweighted + np.eye(len(counts))).astype(np.float32)  # + I
