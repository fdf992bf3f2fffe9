"""Importers of the label files the official repositories ship, kept as stored.

* ML-GCN (``Megvii-Nanjing/ML-GCN``): ``*_adj.pkl`` (dict ``adj`` (C, C) pair counts with a zero
  diagonal, ``nums`` (C,) images per class) and ``*_glove_word2vec.pkl`` ((C, 300) float32);
  COCO rows in alphabetical order, VOC rows in VOC order.
* SSGRL (``HCPLab-SYSU/SSGRL``): ``prob_*.npy`` (C, C) and ``vectors.npy`` / ``voc07_vector.npy``
  / ``voc12_vector.npy`` (C, 300), read with ``np.load`` and used as stored by the official model
  (``models.py`` L56-64); COCO rows follow ``data/coco/category.json`` (category id -> 1-based
  row, ``datasets/cocodataset.py`` L17-18 and L49-54), VOC rows the VOC order
  (``datasets/voc07dataset.py`` L13-16).

Each importer takes the names of the file's rows (``source_classes``) and writes our ``.npz``
with the rows (and graph columns) reordered by name to ``classes``. Values are not changed unless
an option asks for it. ``.pkl`` files go through the restricted loader (no code can run); ``.npy``
files are read with ``allow_pickle=False``.
"""
import json
import os.path as osp
from typing import Optional, Sequence

import numpy as np

from ..safe_pickle import safe_load_pickle
from .file_io import (EMBEDDINGS_TOOL, load_npy, reorder_by_names, save_label_embeddings,
                      save_label_graph)
from .graph import conditional_graph


def _target(source_classes: Sequence[str], classes: Optional[Sequence[str]]) -> list:
    return [str(c) for c in (source_classes if classes is None else classes)]


def import_ml_gcn_adj(pkl_file: str,
                      source_classes: Sequence[str],
                      out_file: Optional[str],
                      classes: Optional[Sequence[str]] = None,
                      diagonal: float = 0.0,
                      tau: Optional[float] = None,
                      p: Optional[float] = None) -> dict:
    """Convert ML-GCN's ``*_adj.pkl`` into our graph file (its counts kept in ``counts``).

    Args:
        pkl_file (str): e.g. ``coco_adj.pkl`` (classes in alphabetical order for COCO).
        source_classes (Sequence[str]): the class names in the file's order.
        out_file (str, optional): ``.npz`` to write.
        classes (Sequence[str], optional): target order (default ``source_classes``).
        diagonal (float): see :func:`conditional_graph`. Defaults to 0.0.
        tau (float, optional): see :func:`conditional_graph`.
        p (float, optional): see :func:`conditional_graph`.

    Returns:
        dict: ``adj`` (C, C) float32, ``counts`` (C, C) int64, ``classes`` list.
    """
    data = safe_load_pickle(pkl_file)
    if not isinstance(data, dict) or 'adj' not in data or 'nums' not in data:
        raise ValueError(f'{pkl_file}: expected ML-GCN\'s dict with "adj" and "nums", got '
                         f'{type(data).__name__}.')
    adj, nums = np.asarray(data['adj']), np.asarray(data['nums'])
    c = len(source_classes)
    if adj.shape != (c, c) or nums.shape != (c, ):
        raise ValueError(f'{pkl_file}: adj {adj.shape} / nums {nums.shape} do not match '
                         f'{c} classes.')
    if (adj < 0).any() or (nums < 0).any() or not np.isfinite(adj).all():
        raise ValueError(f'{pkl_file}: counts must be finite and >= 0.')
    counts = np.rint(adj).astype(np.int64)
    np.fill_diagonal(counts, np.rint(nums).astype(np.int64))
    classes = _target(source_classes, classes)
    counts = reorder_by_names(counts, source_classes, classes, pkl_file, square=True)
    graph = conditional_graph(counts, diagonal=diagonal, tau=tau, p=p)
    if out_file is not None:
        save_label_graph(out_file,
                         graph,
                         classes,
                         counts,
                         diagonal=diagonal,
                         tau=tau,
                         p=p,
                         source=osp.basename(pkl_file))
    return dict(adj=graph, counts=counts, classes=classes)


def import_ssgrl_prob(npy_file: str,
                      source_classes: Sequence[str],
                      out_file: Optional[str],
                      classes: Optional[Sequence[str]] = None,
                      diagonal: Optional[float] = None) -> dict:
    """Convert SSGRL's ``prob_*.npy`` ((C, C) conditional probabilities, no names), as stored.

    Counts are unknown, so the file has no ``counts`` array.

    Args:
        npy_file (str): the ``.npy`` (read with ``allow_pickle=False``).
        source_classes (Sequence[str]): class names in the file's order (``category.json``
            order for SSGRL's COCO files, VOC order for VOC).
        out_file (str, optional): ``.npz`` to write.
        classes (Sequence[str], optional): target order (default ``source_classes``).
        diagonal (float, optional): overwrite the diagonal; default (None) keeps the file's, as
            the official model does.

    Returns:
        dict: ``adj`` (C, C) float32, ``classes`` list.
    """
    prob = load_npy(npy_file)
    if not np.issubdtype(prob.dtype, np.number) or not np.isfinite(prob).all() or (prob < 0).any():
        raise ValueError(f'{npy_file}: probabilities must be finite and >= 0.')
    classes = _target(source_classes, classes)
    prob = reorder_by_names(np.asarray(prob, dtype=np.float64),
                            source_classes,
                            classes,
                            npy_file,
                            square=True)
    if diagonal is not None:
        np.fill_diagonal(prob, diagonal)
    if out_file is not None:
        save_label_graph(out_file, prob, classes, diagonal=diagonal, source=osp.basename(npy_file))
    return dict(adj=prob.astype(np.float32), classes=classes)


def import_embeddings(path: str,
                      source_classes: Sequence[str],
                      classes: Optional[Sequence[str]] = None,
                      out_file: Optional[str] = None) -> np.ndarray:
    """Convert a bare (C, E) array whose rows follow ``source_classes`` into our file.

    Args:
        path (str): ML-GCN's ``*_glove_word2vec.pkl`` (restricted loader) or SSGRL's
            ``vectors.npy`` / ``voc07_vector.npy`` / ``voc12_vector.npy``.
        source_classes (Sequence[str]): the names of the file's rows, in order.
        classes (Sequence[str], optional): target order (default ``source_classes``).
        out_file (str, optional): ``.npz`` to write.

    Returns:
        np.ndarray: (C, E) float32, rows in ``classes`` order, values as stored.
    """
    if path.endswith('.pkl'):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: file not found.')
        array = safe_load_pickle(path)
    else:
        array = load_npy(path, EMBEDDINGS_TOOL)
    if not isinstance(array, np.ndarray) or array.ndim != 2:
        raise ValueError(f'{path}: expected a 2-D numpy array (classes x dims), got '
                         f'{getattr(array, "shape", type(array).__name__)}.')
    if not np.isfinite(array).all():
        raise ValueError(f'{path}: contains NaN or inf values; the file is damaged.')
    if array.shape[0] != len(source_classes):
        raise ValueError(f'{path}: {array.shape[0]} rows but {len(source_classes)} source '
                         'classes; check that the file belongs to this dataset (--source-order).')
    classes = _target(source_classes, classes)
    embeddings = reorder_by_names(array, source_classes, classes, path).astype(np.float32)
    if out_file is not None:
        save_label_embeddings(out_file, embeddings, classes, source=osp.basename(path))
    return embeddings


def ssgrl_category_order(category_json: str, category_names: dict) -> list:
    """Class names in the row order given by SSGRL's ``category.json``.

    The official dataset puts category id ``k`` at row ``category_map[str(k)] - 1``
    (``datasets/cocodataset.py`` L49-54).

    Args:
        category_json (str): ``category.json`` (category id as a string -> 1-based row).
        category_names (dict): category id (int) -> class name.

    Returns:
        list[str]: one name per row.
    """
    with open(category_json) as f:
        rows = json.load(f)
    order = [None] * len(rows)
    for cat_id, row in rows.items():
        if (not str(cat_id).isdigit() or int(cat_id) not in category_names
                or not isinstance(row, int) or not 1 <= row <= len(rows)
                or order[row - 1] is not None):
            raise ValueError(f'{category_json}: unexpected entry {cat_id!r}: {row!r}; expected '
                             'distinct category ids of the dataset mapped to distinct 1-based '
                             'rows.')
        order[row - 1] = category_names[int(cat_id)]
    return order
