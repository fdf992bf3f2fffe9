"""Readers for the fixed label artefacts of SSGRL: class embeddings and the label graph.

File formats (written by ``tools/misc/build_label_embeddings.py`` / ``build_label_graph.py``):

* embeddings ``.npz``: ``embeddings`` (C, E) float, ``classes`` (C,) str.
* label graph ``.npz``: ``adj`` (C, C) float, the conditional probabilities
  ``M[i, j] = N(i and j) / N(i)``; ``counts`` (C, C) int, co-occurrence counts with ``N(i)`` on
  the diagonal; ``classes`` (C,) str.
* a bare ``.npy`` array is accepted too (no class names, so no name check).

Every problem is reported with the file name and how to fix it, before any training step.
"""
import os.path as osp
import zipfile
from typing import Optional, Sequence

import numpy as np

EMBEDDINGS_TOOL = 'tools/misc/build_label_embeddings.py'
GRAPH_TOOL = 'tools/misc/build_label_graph.py'


def _load_array(path: str, key: str, tool: str):
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path}: file not found. Build it with `python {tool}` (see docs/data_preparation.md) '
            'and point the config at it.')
    try:
        if path.endswith('.npz'):
            with np.load(path, allow_pickle=False) as f:
                if key not in f.files:
                    raise KeyError(f'{path}: no "{key}" array in this .npz (found {f.files}); '
                                   f'rebuild it with `python {tool}`.')
                array = f[key]
                names = [str(n) for n in f['classes']] if 'classes' in f.files else None
        elif path.endswith('.npy'):
            array, names = np.load(path, allow_pickle=False), None
        elif path.endswith('.pkl'):
            raise ValueError(f'{path}: .pkl files are not read directly (no class names, and '
                             f'unpickling can run code). Convert it with `python {tool}` '
                             '(see docs/data_preparation.md).')
        else:
            raise ValueError(f'{path}: unsupported file type; expected .npz or .npy. Build it '
                             f'with `python {tool}`.')
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f'{path}: unreadable ({e}); the file is damaged or not a numpy '
                         f'file. Rebuild it with `python {tool}`.') from None
    except ValueError as e:
        if str(e).startswith(path):
            raise
        raise ValueError(f'{path}: unreadable ({e}); the file is damaged or holds Python '
                         'objects (never unpickled: that could run code). Rebuild it with '
                         f'`python {tool}`.') from None
    return array, names


def check_class_names(path: str, names: Optional[Sequence[str]],
                      classes: Optional[Sequence[str]],
                      classes_source: str = 'the dataset') -> None:
    """Check that the class names stored in ``path`` equal ``classes`` (order included).

    ``classes_source`` names where ``classes`` come from, for the error message.
    """
    if names is None or classes is None:
        return
    classes = [str(c) for c in classes]
    if list(names) == classes:
        return
    if sorted(names) == sorted(classes):
        raise ValueError(f'{path}: holds the classes of {classes_source} in a different order '
                         f'(file starts {names[:3]}, {classes_source} starts {classes[:3]}). '
                         'Rebuild it for that class order with the tools in tools/misc/.')
    missing = [c for c in classes if c not in names]
    extra = [n for n in names if n not in classes]
    raise ValueError(f'{path}: class names do not match the classes of {classes_source}; '
                     f'missing from the file: {missing}, not in {classes_source}: {extra}. '
                     'Rebuild the file for this dataset with the tools in tools/misc/.')


def _check_common(path, array, ndim, classes, what, classes_source):
    if array.ndim != ndim:
        raise ValueError(f'{path}: {what} must be a {ndim}-D array, got shape {array.shape}.')
    if not np.issubdtype(array.dtype, np.number):
        raise TypeError(f'{path}: {what} must be numeric, got dtype {array.dtype}.')
    if not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[:5].tolist()
        raise ValueError(f'{path}: {what} contains NaN or inf (first at {bad}); rebuild the file.')
    if classes is not None and array.shape[0] != len(classes):
        raise ValueError(f'{path}: {what} has {array.shape[0]} classes but the dataset has '
                         f'{len(classes)}; rebuild the file for this dataset.')


def load_label_embeddings(path: str, classes: Optional[Sequence[str]] = None,
                          classes_source: str = 'the dataset') -> np.ndarray:
    """Load class word embeddings.

    Args:
        path (str): ``.npz`` (with names) or ``.npy``.
        classes (Sequence[str], optional): expected class names, in order.
        classes_source (str): where ``classes`` come from (named in errors).

    Returns:
        np.ndarray: (C, E) float32.
    """
    array, names = _load_array(path, 'embeddings', EMBEDDINGS_TOOL)
    _check_common(path, array, 2, classes, 'class embeddings', classes_source)
    zero = np.flatnonzero(~array.any(axis=1))
    if len(zero):
        which = [names[i] for i in zero] if names else zero.tolist()
        raise ValueError(f'{path}: all-zero embedding for classes {which} (a word that was not '
                         'found?); rebuild the file with `python '
                         f'{EMBEDDINGS_TOOL}`.')
    check_class_names(path, names, classes, classes_source)
    return array.astype(np.float32)


def load_label_graph(path: str, classes: Optional[Sequence[str]] = None,
                     classes_source: str = 'the dataset') -> np.ndarray:
    """Load the label co-occurrence graph ``M`` (``M[i, j] = P(j | i)``).

    Args:
        path (str): ``.npz`` (with names) or ``.npy``.
        classes (Sequence[str], optional): expected class names, in order.
        classes_source (str): where ``classes`` come from (named in errors).

    Returns:
        np.ndarray: (C, C) float32.
    """
    array, names = _load_array(path, 'adj', GRAPH_TOOL)
    _check_common(path, array, 2, classes, 'label graph', classes_source)
    if array.shape[0] != array.shape[1]:
        raise ValueError(f'{path}: label graph must be square (C, C), got {array.shape}.')
    if (array < 0).any():
        raise ValueError(f'{path}: label graph has negative entries (min {array.min():.3g}); '
                         'co-occurrence probabilities are >= 0. Rebuild it.')
    check_class_names(path, names, classes, classes_source)
    return array.astype(np.float32)
