"""The label co-occurrence graph of SSGRL / ML-GCN, built from the training labels.

``M[i, j] = N(i and j) / N(i)``: the probability that class ``j`` is present given class ``i``,
counted over the training images. Written as ``.npz`` with ``adj`` (C, C) float32, ``counts``
(C, C) int64 (``N(i)`` on the diagonal) and ``classes`` (C,) str, read back by
:func:`mmml_plugin.utils.load_label_graph`.

The official repositories ship the graph as opaque files; :func:`import_ml_gcn_adj` and
:func:`import_ssgrl_prob` convert them, attaching the class names, through the restricted pickle
loader (no arbitrary code can run).
"""
import itertools
import os
import os.path as osp
import re
from typing import Iterable, Optional, Sequence

import numpy as np

from mmml_plugin.utils.safe_pickle import safe_load_pickle

_NON_TRAIN = re.compile(r'(^|[^a-z])(val|test|minival)', re.IGNORECASE)


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


def count_cooccurrence_flat(owner: np.ndarray, labels: np.ndarray,
                            num_classes: int) -> np.ndarray:
    """:func:`count_cooccurrence` from flat arrays: class ``labels[k]`` is present in image
    ``owner[k]``. Every (i, j) pair of classes within an image is counted once (vectorised)."""
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
    return np.bincount(i * num_classes + j, minlength=num_classes**2).reshape(
        num_classes, num_classes).astype(np.int64)


def conditional_graph(counts: np.ndarray, diagonal: float = 0.0, tau: Optional[float] = None,
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


def save_label_graph(out_file: str, adj: np.ndarray, classes: Sequence[str],
                     counts: Optional[np.ndarray] = None, **meta) -> str:
    """Writes the graph ``.npz`` (``adj``, ``classes``, ``counts`` when known, metadata)."""
    adj = np.asarray(adj, dtype=np.float32)
    if adj.shape != (len(classes), len(classes)):
        raise ValueError(f'graph shape {adj.shape} does not match {len(classes)} classes.')
    if not np.isfinite(adj).all() or (adj < 0).any():
        raise ValueError(f'refusing to write {out_file}: the graph has NaN/inf or negative '
                         'entries.')
    arrays = dict(adj=adj, classes=np.array([str(c) for c in classes], dtype=str))
    if counts is not None:
        arrays['counts'] = np.asarray(counts, dtype=np.int64)
    arrays.update({k: np.asarray(v) for k, v in meta.items() if v is not None})
    if osp.dirname(out_file):
        os.makedirs(osp.dirname(out_file), exist_ok=True)
    np.savez(out_file, **arrays)
    return out_file


def check_training_split(source: str, allow_non_train: bool = False) -> None:
    """Refuses annotation files that look like a val/test split (the graph is a training
    statistic; building it on the evaluation split leaks its labels)."""
    if not allow_non_train and _NON_TRAIN.search(osp.basename(source)):
        raise ValueError(f'{source}: looks like a validation/test split. Build the label graph '
                         'from the training annotations only (or pass allow_non_train=True / '
                         '--allow-non-train if this really is training data).')


def build_label_graph(label_sets: Iterable[Sequence[int]], classes: Sequence[str],
                      out_file: Optional[str] = None, diagonal: float = 0.0,
                      tau: Optional[float] = None, p: Optional[float] = None,
                      source: str = '', counts: Optional[np.ndarray] = None,
                      num_images: Optional[int] = None) -> dict:
    """Counts co-occurrences of ``label_sets`` (or takes ready ``counts`` and ``num_images``)
    and optionally writes the graph file.

    Returns:
        dict: ``adj`` (C, C) float32, ``counts`` (C, C) int64, ``classes`` list, ``num_images``.
    """
    if counts is None:
        label_sets = list(label_sets)
        counts, num_images = count_cooccurrence(label_sets, len(classes)), len(label_sets)
    if counts.trace() == 0:
        raise ValueError(f'{source or "label graph"}: no labels found; cannot build the graph '
                         'from an empty training split.')
    adj = conditional_graph(counts, diagonal=diagonal, tau=tau, p=p)
    if out_file is not None:
        save_label_graph(out_file, adj, classes, counts, num_images=num_images,
                         diagonal=diagonal, tau=tau, p=p, source=source)
    return dict(adj=adj, counts=counts, classes=list(classes), num_images=num_images)


def build_label_graph_from_coco(ann_file: str, out_file: Optional[str] = None,
                                classes: Optional[Sequence[str]] = None, diagonal: float = 0.0,
                                tau: Optional[float] = None, p: Optional[float] = None,
                                allow_non_train: bool = False,
                                cache_dir: Optional[str] = None) -> dict:
    """The graph of a COCO instances file (training split), classes in category-id order.

    Args:
        ann_file (str): e.g. ``instances_train2014.json``.
        out_file (str, optional): ``.npz`` to write.
        classes (Sequence[str], optional): class names defining the order (a subset/reordering
            of the file's categories); default: all categories by ascending id.
        diagonal, tau, p: see :func:`conditional_graph`.
        allow_non_train (bool): accept a file whose name looks like a val/test split.
        cache_dir (str, optional): where the label index is cached (see ``coco_index``).

    Returns:
        dict: see :func:`build_label_graph`.
    """
    from .coco_index import load_coco_label_index, remap_labels
    check_training_split(ann_file, allow_non_train)
    index, _ = load_coco_label_index(ann_file, cache_dir=cache_dir)
    file_classes = [str(c) for c in index.cat_names]
    labels, offsets = index.labels, index.label_offsets
    if classes is None:
        classes = file_classes
    else:
        mapping = np.array(class_mapping(file_classes, classes, ann_file))
        labels, offsets = remap_labels(labels, offsets, mapping)
    owner = np.repeat(np.arange(len(index)), np.diff(offsets))
    counts = count_cooccurrence_flat(owner, labels, len(classes))
    return build_label_graph(None, classes, out_file, diagonal, tau, p, source=ann_file,
                             counts=counts, num_images=len(index))


def class_mapping(source_classes: Sequence[str], classes: Sequence[str], source: str):
    """Index in ``classes`` of each of ``source_classes`` (-1 if not wanted); every wanted name
    must exist in the source."""
    position = {str(c): i for i, c in enumerate(classes)}
    missing = [c for c in classes if c not in set(map(str, source_classes))]
    if missing:
        raise ValueError(f'{source}: classes {missing} are not in this file (it has '
                         f'{list(source_classes)[:5]}...); check the class names in the config.')
    return [position.get(str(c), -1) for c in source_classes]


def _reorder(matrix: np.ndarray, source_classes: Sequence[str], classes: Sequence[str],
             source: str) -> np.ndarray:
    """Rows/columns of a (C, C) matrix from ``source_classes`` order to ``classes`` order."""
    source_classes = [str(c) for c in source_classes]
    if matrix.shape != (len(source_classes), len(source_classes)):
        raise ValueError(f'{source}: expected a ({len(source_classes)}, {len(source_classes)}) '
                         f'matrix for {len(source_classes)} classes, got {matrix.shape}. Check '
                         'that the file belongs to this dataset.')
    if sorted(source_classes) != sorted(map(str, classes)):
        raise ValueError(f'{source}: the source class list and the target classes differ.')
    perm = np.array([source_classes.index(str(c)) for c in classes])
    return matrix[np.ix_(perm, perm)]


def import_ml_gcn_adj(pkl_file: str, source_classes: Sequence[str], out_file: Optional[str],
                      classes: Optional[Sequence[str]] = None, diagonal: float = 0.0,
                      tau: Optional[float] = None, p: Optional[float] = None) -> dict:
    """Converts ML-GCN's ``*_adj.pkl`` (dict ``adj`` (C, C) pair counts with zero diagonal,
    ``nums`` (C,) images per class) into our graph file.

    Args:
        pkl_file (str): e.g. ``coco_adj.pkl`` (classes in alphabetical order for COCO).
        source_classes (Sequence[str]): the class names in the file's order.
        out_file (str, optional): ``.npz`` to write.
        classes (Sequence[str], optional): target order (default ``source_classes``).
        diagonal, tau, p: see :func:`conditional_graph`.
    """
    data = safe_load_pickle(pkl_file)
    if not isinstance(data, dict) or 'adj' not in data or 'nums' not in data:
        raise ValueError(f'{pkl_file}: expected ML-GCN\'s dict with "adj" and "nums", got '
                         f'{type(data).__name__}.')
    adj, nums = np.asarray(data['adj']), np.asarray(data['nums'])
    c = len(source_classes)
    if adj.shape != (c, c) or nums.shape != (c,):
        raise ValueError(f'{pkl_file}: adj {adj.shape} / nums {nums.shape} do not match '
                         f'{c} classes.')
    if (adj < 0).any() or (nums < 0).any() or not np.isfinite(adj).all():
        raise ValueError(f'{pkl_file}: counts must be finite and >= 0.')
    counts = np.rint(adj).astype(np.int64)
    np.fill_diagonal(counts, np.rint(nums).astype(np.int64))
    classes = list(source_classes) if classes is None else list(classes)
    counts = _reorder(counts, source_classes, classes, pkl_file)
    graph = conditional_graph(counts, diagonal=diagonal, tau=tau, p=p)
    if out_file is not None:
        save_label_graph(out_file, graph, classes, counts, diagonal=diagonal, tau=tau, p=p,
                         source=osp.basename(pkl_file))
    return dict(adj=graph, counts=counts, classes=classes)


def import_ssgrl_prob(npy_file: str, source_classes: Sequence[str], out_file: Optional[str],
                      classes: Optional[Sequence[str]] = None,
                      diagonal: Optional[float] = None) -> dict:
    """Converts SSGRL's ``prob_*.npy`` (a (C, C) matrix of conditional probabilities, no names)
    into our graph file. Counts are unknown, so the file has no ``counts`` array.

    Args:
        npy_file (str): the ``.npy`` (read with ``allow_pickle=False``).
        source_classes (Sequence[str]): class names in the file's order (COCO category-id
            order for SSGRL's COCO files, VOC order for VOC).
        out_file (str, optional): ``.npz`` to write.
        classes (Sequence[str], optional): target order (default ``source_classes``).
        diagonal (float, optional): overwrite the diagonal; default keeps the file's.
    """
    try:
        prob = np.load(npy_file, allow_pickle=False)
    except ValueError as e:
        raise ValueError(f'{npy_file}: not a plain numpy array ({e}); refusing to unpickle.') \
            from None
    if not np.isfinite(prob).all() or (prob < 0).any():
        raise ValueError(f'{npy_file}: probabilities must be finite and >= 0.')
    classes = list(source_classes) if classes is None else list(classes)
    prob = _reorder(np.asarray(prob, dtype=np.float64), source_classes, classes, npy_file)
    if diagonal is not None:
        np.fill_diagonal(prob, diagonal)
    if out_file is not None:
        save_label_graph(out_file, prob, classes, source=osp.basename(npy_file))
    return dict(adj=prob.astype(np.float32), classes=classes)


def build_label_graph_from_dataset(dataset_cfg: dict, out_file: Optional[str] = None,
                                   diagonal: float = 0.0, tau: Optional[float] = None,
                                   p: Optional[float] = None, allow_non_train: bool = False,
                                   default_scope: str = 'mmpretrain') -> dict:
    """The graph of any registered multi-label dataset (e.g. a config's
    ``train_dataloader.dataset``), from its ``get_cat_ids``; images are not read.

    Args:
        dataset_cfg (dict): dataset config (its pipeline is ignored).
        default_scope (str): registry scope to build it in.
    """
    from mmengine.registry import DATASETS, init_default_scope
    init_default_scope(default_scope)
    cfg = dict(dataset_cfg, pipeline=[])
    if cfg.get('test_mode'):
        raise ValueError('the dataset config has test_mode=True: build the label graph from the '
                         'training dataset (train_dataloader.dataset).')
    for key in ('ann_file', 'split', 'image_set_path'):
        if cfg.get(key):
            check_training_split(str(cfg[key]), allow_non_train)
    dataset = DATASETS.build(cfg)
    classes = dataset.metainfo['classes']
    label_sets = [dataset.get_cat_ids(i) for i in range(len(dataset))]
    source = cfg.get('ann_file') or cfg.get('data_root', '')
    return build_label_graph(label_sets, classes, out_file, diagonal, tau, p,
                             source=str(source))
