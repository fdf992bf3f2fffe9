"""Reading, writing and reordering the label files (class embeddings and label graph).

File formats (written by :func:`save_label_embeddings` / :func:`save_label_graph`):

* embeddings ``.npz``: ``embeddings`` (C, E) float, ``classes`` (C,) str.
* label graph ``.npz``: ``adj`` (C, C) float, the conditional probabilities
  ``M[i, j] = N(i and j) / N(i)``; ``counts`` (C, C) int, co-occurrence counts with ``N(i)`` on
  the diagonal (when known); ``classes`` (C,) str.
* a bare ``.npy`` array is accepted too, as the official SSGRL code reads it (no class names, so
  no name check: a warning says so).

Nothing is allocated before the arrays' headers are read and their declared size is checked
against a budget relative to the file's size (:func:`check_declared_size`): a small crafted
``.npz`` cannot make numpy allocate gigabytes. Nothing here unpickles: ``.npy``/``.npz`` are
read with ``allow_pickle=False`` by :func:`load_npy` / :func:`read_label_file`; ``.pkl`` files
of the official repositories are read by :mod:`.importers` through the restricted loader. Every
problem is reported with the file name and how to fix it, before any training step.
"""
import math
import os
import os.path as osp
import warnings
import zipfile
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

EMBEDDINGS_TOOL = 'tools/misc/build_label_embeddings.py'
GRAPH_TOOL = 'tools/misc/build_label_graph.py'

#: kind -> (array key in the ``.npz``, what it is called in messages, tool that builds it)
_KINDS = {
    'embeddings': ('embeddings', 'class embeddings', EMBEDDINGS_TOOL),
    'graph': ('adj', 'label graph', GRAPH_TOOL),
}

#: An array file may declare (in its ``.npy`` headers) at most this many bytes, or
#: ``MAX_INFLATION`` times its own size when that is more: ``np.savez`` files declare about their
#: size, ``np.savez_compressed`` ones a few times more; a deflate bomb (~1000x) is refused.
MIN_ARRAY_BUDGET = 256 << 20
MAX_INFLATION = 64


def array_budget(path: str) -> int:
    """Bytes the arrays of ``path`` may declare: ``max(MIN_ARRAY_BUDGET, MAX_INFLATION * size)``.

    Args:
        path (str): an existing ``.npy`` / ``.npz`` file.

    Returns:
        int: the budget in bytes.
    """
    return max(MIN_ARRAY_BUDGET, MAX_INFLATION * osp.getsize(path))


def _read_npy_header(fp) -> Tuple[tuple, np.dtype]:
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fp)
    elif version in ((2, 0), (3, 0)):  # 3.0 only differs in the header's text encoding
        shape, _, dtype = np.lib.format.read_array_header_2_0(fp)
    else:
        raise ValueError(f'unsupported .npy format version {version}')
    return shape, dtype


def read_npy_headers(path: str) -> Dict[str, Tuple[tuple, np.dtype]]:
    """Shape and dtype of every array in a ``.npy`` / ``.npz``, from the headers only.

    Reads a few hundred bytes per array (nothing is decompressed beyond the header), so it is
    safe on a file that declares more than it holds.

    Args:
        path (str): the file.

    Returns:
        dict: array name (``'array'`` for a ``.npy``) -> ``(shape, dtype)``.

    Raises:
        ValueError: not a numpy file, or a damaged header (numpy's reason in the message).
    """
    try:
        if not zipfile.is_zipfile(path):
            with open(path, 'rb') as f:
                return {'array': _read_npy_header(f)}
        headers = {}
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                key = name[:-len('.npy')] if name.endswith('.npy') else name
                with archive.open(name) as member:
                    headers[key] = _read_npy_header(member)
        return headers
    except (OSError, EOFError, zipfile.BadZipFile, ValueError, RuntimeError) as e:
        raise ValueError(f'{path}: unreadable ({e}); the file is damaged or not a numpy '
                         'file.') from None


def _human(nbytes: int) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    for unit, shift in (('GiB', 30), ('MiB', 20), ('KiB', 10)):
        if nbytes >= 1 << shift:
            return f'{nbytes / (1 << shift):.2f} {unit}'
    return f'{nbytes} bytes'


def declared_nbytes(shape: tuple, dtype: np.dtype) -> int:
    """Bytes an array of ``shape`` and ``dtype`` needs (exact Python integers, no overflow)."""
    return math.prod(shape) * dtype.itemsize


def check_declared_size(
        path: str,
        budget: Optional[int] = None,
        fix: str = 'Rebuild or re-download it.') -> Optional[Dict[str, Tuple[tuple, np.dtype]]]:
    """Refuse a numpy file whose arrays declare more bytes than ``budget`` (before loading it).

    ``np.load`` allocates what each header declares before reading the data, so a 4 MB
    ``.npz`` of compressed zeros (or one whose header simply lies) could ask for 4 GiB.

    Args:
        path (str): the ``.npy`` / ``.npz``.
        budget (int, optional): bytes allowed; default :func:`array_budget`.
        fix (str): what to do about a refused file, appended to the message.

    Returns:
        dict | None: the headers (name -> ``(shape, dtype)``); ``None`` when they cannot be
        read (not a numpy file: ``np.load`` then reports it, before allocating anything).

    Raises:
        ValueError: naming the file, its largest array (shape, dtype) and both sizes.
    """
    try:
        headers = read_npy_headers(path)
    except ValueError:
        return None
    for name, (shape, _) in headers.items():
        if any(n < 0 for n in shape):
            raise ValueError(f'{path}: array "{name}" declares the invalid shape {shape}; the '
                             f'file is damaged or crafted. {fix}')
    sizes = {name: declared_nbytes(*header) for name, header in headers.items()}
    budget = array_budget(path) if budget is None else budget
    total = sum(sizes.values())
    if total > budget:
        name = max(sizes, key=sizes.get)
        shape, dtype = headers[name]
        raise ValueError(
            f'{path}: its arrays declare {_human(total)} (largest: "{name}", shape {shape}, '
            f'{dtype}) in a file of {_human(osp.getsize(path))}, more than the '
            f'{_human(budget)} allowed for a file of that size (at most {MAX_INFLATION}x its '
            f'size, and at least {_human(MIN_ARRAY_BUDGET)}); refusing to allocate it: the file '
            f'is damaged or crafted. {fix}')
    return headers


def _missing(path: str, tool: str) -> FileNotFoundError:
    return FileNotFoundError(
        f'{path}: file not found. Build it with `python {tool}` (see docs/data_preparation.md) '
        'and point the config at it.')


def load_npy(path: str, tool: str = GRAPH_TOOL) -> np.ndarray:
    """Read a plain ``.npy`` array; a file holding Python objects is refused, never unpickled.

    Args:
        path (str): the ``.npy`` file.
        tool (str): the tool that rebuilds the file, named in errors.

    Returns:
        np.ndarray: the stored array, as stored.
    """
    if not osp.isfile(path):
        raise _missing(path, tool)
    check_declared_size(path, fix=f'Rebuild it with `python {tool}`.')
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, EOFError) as e:
        raise ValueError(f'{path}: unreadable ({e}); the file is damaged or not a numpy '
                         f'file. Rebuild it with `python {tool}`.') from None
    except ValueError as e:
        raise ValueError(f'{path}: not a plain numpy array ({e}); refusing to unpickle (that '
                         f'could run code). Rebuild it with `python {tool}`.') from None


def read_label_file(path: str, kind: str) -> Tuple[np.ndarray, Optional[List[str]]]:
    """Read a label file as stored, without checks.

    Args:
        path (str): ``.npz`` (array + class names) or ``.npy`` (array only).
        kind (str): ``'embeddings'`` or ``'graph'``.

    Returns:
        tuple: the array and the class names (``None`` for a ``.npy``).
    """
    key, _, tool = _KINDS[kind]
    if not osp.isfile(path):
        raise _missing(path, tool)
    if path.endswith('.npy'):
        return load_npy(path, tool), None
    if path.endswith('.pkl'):
        raise ValueError(f'{path}: .pkl files are not read directly (no class names, and '
                         f'unpickling can run code). Convert it with `python {tool}` '
                         '(see docs/data_preparation.md).')
    if not path.endswith('.npz'):
        raise ValueError(f'{path}: unsupported file type; expected .npz or .npy. Build it '
                         f'with `python {tool}`.')
    check_declared_size(path, fix=f'Rebuild it with `python {tool}`.')
    try:
        with np.load(path, allow_pickle=False) as f:
            if key not in f.files:
                raise KeyError(f'{path}: no "{key}" array in this .npz (found {f.files}); '
                               f'rebuild it with `python {tool}`.')
            array = f[key]
            names = [str(n) for n in f['classes']] if 'classes' in f.files else None
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f'{path}: unreadable ({e}); the file is damaged or not a numpy '
                         f'file. Rebuild it with `python {tool}`.') from None
    except ValueError as e:
        raise ValueError(f'{path}: unreadable ({e}); the file is damaged or holds Python '
                         'objects (never unpickled: that could run code). Rebuild it with '
                         f'`python {tool}`.') from None
    return array, names


def check_class_names(path: str,
                      names: Optional[Sequence[str]],
                      classes: Optional[Sequence[str]],
                      classes_source: str = 'the dataset') -> None:
    """Check that the class names stored in ``path`` equal ``classes`` (order included).

    Args:
        path (str): the file the names come from (named in errors).
        names (Sequence[str], optional): the names stored in the file; ``None``: nothing to check.
        classes (Sequence[str], optional): the expected names, in order; ``None``: no check.
        classes_source (str): where ``classes`` come from, for the error message.
    """
    if names is None or classes is None:
        return
    classes = [str(c) for c in classes]
    if list(names) == classes:
        return
    if sorted(names) == sorted(classes):
        swapped = [(n, c) for n, c in zip(names, classes) if n != c]
        raise ValueError(f'{path}: holds the classes of {classes_source} in a different order '
                         f'(first differences, file vs {classes_source}: {swapped[:3]}). '
                         f'Rebuild it in the class order of {classes_source} with the tools in '
                         'tools/misc/ (--classes, see docs/data_preparation.md).')
    missing = [c for c in classes if c not in names]
    extra = [n for n in names if n not in classes]
    raise ValueError(f'{path}: class names do not match the classes of {classes_source}; '
                     f'missing from the file: {missing}, not in {classes_source}: {extra}. '
                     'Rebuild the file for this dataset with the tools in tools/misc/.')


def check_label_array(path: str,
                      array: np.ndarray,
                      kind: str,
                      names: Optional[Sequence[str]] = None,
                      classes: Optional[Sequence[str]] = None,
                      classes_source: str = 'the dataset') -> None:
    """Check a label array read from ``path``: shape, values, class count and names.

    Args:
        path (str): the file it was read from (named in errors).
        array (np.ndarray): the array as stored.
        kind (str): ``'embeddings'`` ((C, E), no all-zero row) or ``'graph'`` ((C, C), >= 0).
        names (Sequence[str], optional): the file's class names (``None`` for a ``.npy``).
        classes (Sequence[str], optional): expected class names, in order.
        classes_source (str): where ``classes`` come from (named in errors).
    """
    _, what, tool = _KINDS[kind]
    if array.ndim != 2:
        raise ValueError(f'{path}: {what} must be a 2-D array, got shape {array.shape}.')
    if not np.issubdtype(array.dtype, np.number):
        raise TypeError(f'{path}: {what} must be numeric, got dtype {array.dtype}.')
    if not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[:5].tolist()
        raise ValueError(f'{path}: {what} contains NaN or inf (first at {bad}); rebuild the file.')
    if classes is not None and array.shape[0] != len(classes):
        raise ValueError(f'{path}: {what} has {array.shape[0]} classes but {classes_source} has '
                         f'{len(classes)}; rebuild the file for this dataset.')
    if names is not None and len(names) != array.shape[0]:
        raise ValueError(f'{path}: {len(names)} class names for {array.shape[0]} rows; rebuild '
                         f'it with `python {tool}`.')
    if kind == 'graph':
        if array.shape[0] != array.shape[1]:
            raise ValueError(f'{path}: label graph must be square (C, C), got {array.shape}.')
        if (array < 0).any():
            raise ValueError(f'{path}: label graph has negative entries (min {array.min():.3g}); '
                             'co-occurrence probabilities are >= 0. Rebuild it.')
    else:
        zero = np.flatnonzero(~array.any(axis=1))
        if len(zero):
            which = [names[i] for i in zero] if names else zero.tolist()
            raise ValueError(f'{path}: all-zero embedding for classes {which} (a word that was '
                             f'not found?); rebuild the file with `python {tool}`.')
    if names is None and classes is not None:
        warnings.warn(f'{path}: a bare .npy holds no class names, so its class order cannot be '
                      f'checked against {classes_source}. Import it with `python {tool}` '
                      '(names attached, see docs/data_preparation.md) to have it checked.')
    check_class_names(path, names, classes, classes_source)


def load_label_file(path: str,
                    kind: str,
                    classes: Optional[Sequence[str]] = None,
                    classes_source: str = 'the dataset') -> Tuple[np.ndarray, Optional[List[str]]]:
    """Read a label file once and check it: shape, values, class count and names.

    Args:
        path (str): ``.npz`` (with names) or ``.npy``.
        kind (str): ``'embeddings'`` ((C, E), no all-zero row) or ``'graph'`` ((C, C), >= 0).
        classes (Sequence[str], optional): expected class names, in order.
        classes_source (str): where ``classes`` come from (named in errors).

    Returns:
        tuple: (C, ...) float32 array and the file's class names (``None`` for a ``.npy``).
    """
    array, names = read_label_file(path, kind)
    check_label_array(path, array, kind, names, classes, classes_source)
    return array.astype(np.float32), names


def load_label_embeddings(path: str,
                          classes: Optional[Sequence[str]] = None,
                          classes_source: str = 'the dataset') -> np.ndarray:
    """Load class word embeddings.

    Args:
        path (str): ``.npz`` (with names) or ``.npy``.
        classes (Sequence[str], optional): expected class names, in order.
        classes_source (str): where ``classes`` come from (named in errors).

    Returns:
        np.ndarray: (C, E) float32.
    """
    return load_label_file(path, 'embeddings', classes, classes_source)[0]


def load_label_graph(path: str,
                     classes: Optional[Sequence[str]] = None,
                     classes_source: str = 'the dataset') -> np.ndarray:
    """Load the label co-occurrence graph ``M`` (``M[i, j] = P(j | i)``), as stored.

    Args:
        path (str): ``.npz`` (with names) or ``.npy``.
        classes (Sequence[str], optional): expected class names, in order.
        classes_source (str): where ``classes`` come from (named in errors).

    Returns:
        np.ndarray: (C, C) float32.
    """
    return load_label_file(path, 'graph', classes, classes_source)[0]


def check_label_files_agree(embedding_file: str, embedding_names: Optional[Sequence[str]],
                            graph_file: str, graph_names: Optional[Sequence[str]]) -> None:
    """Check that the embedding and graph files describe the same classes in the same order.

    Args:
        embedding_file (str): the embeddings file (named in errors).
        embedding_names (Sequence[str], optional): its class names (``None``: no check).
        graph_file (str): the graph file (named in errors).
        graph_names (Sequence[str], optional): its class names (``None``: no check).
    """
    if embedding_names is None or graph_names is None:
        return
    check_class_names(graph_file,
                      graph_names,
                      embedding_names,
                      classes_source=f'the class embeddings {embedding_file}')


def reorder_by_names(array: np.ndarray,
                     source_classes: Sequence[str],
                     classes: Sequence[str],
                     source: str,
                     square: bool = False) -> np.ndarray:
    """Reorder the rows (and, with ``square``, the columns) from ``source_classes`` to ``classes``.

    Args:
        array (np.ndarray): (C, ...) rows in ``source_classes`` order; (C, C) with ``square``.
        source_classes (Sequence[str]): the names of the rows, in order.
        classes (Sequence[str]): the target order; the same set of names.
        source (str): the file the array comes from (named in errors).
        square (bool): reorder the columns as well (a graph). Defaults to False.

    Returns:
        np.ndarray: the reordered array.
    """
    source_classes = [str(c) for c in source_classes]
    n = len(source_classes)
    if array.shape[0] != n or (square and array.shape != (n, n)):
        want = f'a ({n}, {n}) matrix' if square else f'{n} rows'
        raise ValueError(f'{source}: expected {want} for {n} classes, got {array.shape}. Check '
                         'that the file belongs to this dataset (--source-order / '
                         '--category-json).')
    classes = [str(c) for c in classes]
    if sorted(classes) != sorted(source_classes):
        missing = sorted(set(classes) - set(source_classes))
        extra = sorted(set(source_classes) - set(classes))
        raise ValueError(f'{source}: the file\'s classes and the target classes differ; '
                         f'missing {missing}, extra {extra}.')
    perm = np.array([source_classes.index(c) for c in classes])
    return array[np.ix_(perm, perm)] if square else array[perm]


def class_mapping(source_classes: Sequence[str], classes: Sequence[str], source: str) -> list:
    """Index in ``classes`` of each of ``source_classes`` (-1 if not wanted).

    Args:
        source_classes (Sequence[str]): the names in a file's order.
        classes (Sequence[str]): the wanted names (a subset or reordering); each must exist in
            ``source_classes``.
        source (str): the file (named in errors).

    Returns:
        list[int]: one target index per source class.
    """
    position = {str(c): i for i, c in enumerate(classes)}
    missing = [c for c in classes if c not in set(map(str, source_classes))]
    if missing:
        raise ValueError(f'{source}: classes {missing} are not in this file (it has '
                         f'{list(source_classes)[:5]}...); check the class names in the config.')
    return [position.get(str(c), -1) for c in source_classes]


def _save_npz(out_file: str, arrays: dict, meta: dict) -> str:
    arrays.update({k: np.asarray(v) for k, v in meta.items() if v is not None})
    if osp.dirname(out_file):
        os.makedirs(osp.dirname(out_file), exist_ok=True)
    np.savez(out_file, **arrays)
    return out_file


def _names(classes: Sequence[str]) -> np.ndarray:
    return np.array([str(c) for c in classes], dtype=str)


def save_label_embeddings(out_file: str, embeddings: np.ndarray, classes: Sequence[str],
                          **meta) -> str:
    """Write the embeddings ``.npz``.

    Args:
        out_file (str): the ``.npz`` to write.
        embeddings (np.ndarray): (C, E), stored as float32.
        classes (Sequence[str]): the C names, in row order.
        **meta: extra arrays recorded in the file (``None`` values are left out).

    Returns:
        str: ``out_file``.
    """
    embeddings = np.asarray(embeddings, dtype=np.float32)
    if embeddings.ndim != 2 or embeddings.shape[0] != len(classes):
        raise ValueError(f'embeddings of shape {embeddings.shape} do not match {len(classes)} '
                         'classes.')
    if not np.isfinite(embeddings).all():
        raise ValueError(f'refusing to write {out_file}: the embeddings have NaN/inf entries.')
    return _save_npz(out_file, dict(embeddings=embeddings, classes=_names(classes)), meta)


def save_label_graph(out_file: str,
                     adj: np.ndarray,
                     classes: Sequence[str],
                     counts: Optional[np.ndarray] = None,
                     **meta) -> str:
    """Write the graph ``.npz``.

    Args:
        out_file (str): the ``.npz`` to write.
        adj (np.ndarray): (C, C) graph, stored as float32.
        classes (Sequence[str]): the C names, in row order.
        counts (np.ndarray, optional): (C, C) co-occurrence counts, when known.
        **meta: extra arrays recorded in the file (``None`` values are left out).

    Returns:
        str: ``out_file``.
    """
    adj = np.asarray(adj, dtype=np.float32)
    if adj.shape != (len(classes), len(classes)):
        raise ValueError(f'graph shape {adj.shape} does not match {len(classes)} classes.')
    if not np.isfinite(adj).all() or (adj < 0).any():
        raise ValueError(f'refusing to write {out_file}: the graph has NaN/inf or negative '
                         'entries.')
    arrays = dict(adj=adj, classes=_names(classes))
    if counts is not None:
        arrays['counts'] = np.asarray(counts, dtype=np.int64)
    return _save_npz(out_file, arrays, meta)
