"""Class-name word embeddings for SSGRL's semantic decoupling, made from a word-vector file.

Written as ``.npz`` with ``embeddings`` (C, E) float32 and ``classes`` (C,) str, read back (and
checked against the dataset classes) by :func:`mmml_plugin.utils.load_label_embeddings`.

* :func:`build_label_embeddings_from_glove` streams a GloVe / word2vec text file (e.g.
  ``glove.840B.300d.txt``, 5.6 GB) line by line, keeping only the class-name words; a multi-word
  name is the mean of its words' vectors; :data:`WORD_ALIASES` maps names such as
  ``diningtable`` to words.
* :func:`import_embeddings` converts the files the official repositories ship (ML-GCN's
  ``*_glove_word2vec.pkl``, SSGRL's ``vectors.npy``), reordering rows by name.
"""
import json
import os
import os.path as osp
from typing import Dict, Iterable, Mapping, Optional, Sequence

import numpy as np

from mmml_plugin.utils.safe_pickle import safe_load_pickle
from .class_names import COCO_CATEGORY_IDS, COCO_CLASSES, WORD_ALIASES
from .progress import byte_progress

_PROGRESS_MIN_BYTES = 64 << 20


def class_words(name: str, aliases: Optional[Mapping[str, str]] = None) -> list:
    """The words whose vectors make up class ``name`` (alias table first, then split)."""
    table = dict(WORD_ALIASES, **(aliases or {}))
    return table.get(name, name).replace('_', ' ').split()


def read_word_vectors(path: str, words: Iterable[str], dim: Optional[int] = None,
                      progress: bool = True) -> Dict[str, np.ndarray]:
    """Streams a GloVe / word2vec text file and returns the vectors of ``words``.

    The file is read line by line (never loaded whole) and reading stops once every word has
    an exact match. An exact match wins; otherwise the first case-insensitive match is used
    (GloVe 840B is cased). A word2vec header line (``<count> <dim>``) is skipped; tokens that
    contain spaces (GloVe 840B has a few) are skipped.

    Args:
        path (str): the text file.
        words (Iterable[str]): words to look up.
        dim (int, optional): vector size; default taken from the first vector line.
        progress (bool): show a progress bar for big files.

    Returns:
        dict: word -> (E,) float32, for the words found.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: word-vector file not found. Download GloVe (e.g. '
                                'glove.840B.300d.txt) and pass its path.')
    wanted = {w.encode() for w in words}
    wanted_lower = {w.lower(): w for w in wanted}
    exact, folded = {}, {}
    size = osp.getsize(path)
    pending = 0
    with open(path, 'rb') as f, byte_progress(size, f'scanning {osp.basename(path)}',
                                          progress and size >= _PROGRESS_MIN_BYTES) as advance:
        for n, line in enumerate(f):
            pending += len(line)
            if pending >= (16 << 20):
                advance(pending)
                pending = 0
            if n == 0:
                parts = line.split()
                if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
                    dim = dim or int(parts[1])  # word2vec text header
                    continue
            if dim is None:
                dim = len(line.split()) - 1
            token = line[:line.find(b' ')]
            if token in wanted:
                target = exact
            elif token.lower() in wanted_lower and wanted_lower[token.lower()] not in folded:
                target, token = folded, wanted_lower[token.lower()]
            else:
                continue
            parts = line.rstrip().split(b' ')
            if len(parts) != dim + 1:
                continue  # a token with spaces inside, not a class word
            target[token] = np.array(parts[1:], dtype=np.float32)
            if len(exact) == len(wanted):
                break
    found = {**folded, **exact}
    return {w.decode(): v for w, v in found.items()}


def save_label_embeddings(out_file: str, embeddings: np.ndarray, classes: Sequence[str],
                          **meta) -> str:
    """Writes the embeddings ``.npz`` (``embeddings``, ``classes``, metadata)."""
    embeddings = np.asarray(embeddings, dtype=np.float32)
    if embeddings.ndim != 2 or embeddings.shape[0] != len(classes):
        raise ValueError(f'embeddings of shape {embeddings.shape} do not match {len(classes)} '
                         'classes.')
    if not np.isfinite(embeddings).all():
        raise ValueError(f'refusing to write {out_file}: the embeddings have NaN/inf entries.')
    if osp.dirname(out_file):
        os.makedirs(osp.dirname(out_file), exist_ok=True)
    np.savez(out_file, embeddings=embeddings,
             classes=np.array([str(c) for c in classes], dtype=str),
             **{k: np.asarray(v) for k, v in meta.items() if v is not None})
    return out_file


def build_label_embeddings_from_glove(glove_file: str, classes: Sequence[str],
                                      out_file: Optional[str] = None,
                                      aliases: Optional[Mapping[str, str]] = None,
                                      dim: Optional[int] = None,
                                      progress: bool = True) -> np.ndarray:
    """Embeds each class name as the mean of its words' vectors.

    Args:
        glove_file (str): GloVe / word2vec text file.
        classes (Sequence[str]): class names, in the dataset order.
        out_file (str, optional): ``.npz`` to write.
        aliases (Mapping[str, str], optional): extra ``name -> words`` entries on top of
            :data:`WORD_ALIASES`.
        dim (int, optional): vector size if the file's first line is unusual.
        progress (bool): progress bar for big files.

    Returns:
        np.ndarray: (C, E) float32.

    Raises:
        ValueError: listing every class whose words are not in the file.
    """
    words = {c: class_words(str(c), aliases) for c in classes}
    vectors = read_word_vectors(glove_file, {w for ws in words.values() for w in ws}, dim,
                                progress)
    missing = {c: [w for w in ws if w not in vectors] for c, ws in words.items()}
    missing = {c: ws for c, ws in missing.items() if ws or not words[c]}
    if missing:
        raise ValueError(f'{glove_file}: no vector for the classes {missing} (class -> missing '
                       'words). Add an alias (aliases={"name": "words"} / --alias name=words, '
                       'see docs/data_preparation.md) or use a larger vocabulary.')
    embeddings = np.stack([np.mean([vectors[w] for w in words[c]], axis=0)  # mean of words
                           for c in classes])
    if out_file is not None:
        save_label_embeddings(out_file, embeddings, classes, source=osp.basename(glove_file))
    return embeddings.astype(np.float32)


def _load_plain_array(path: str) -> np.ndarray:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: file not found.')
    if path.endswith('.pkl'):
        array = safe_load_pickle(path)
    else:
        try:
            array = np.load(path, allow_pickle=False)
        except ValueError as e:
            raise ValueError(f'{path}: not a plain numpy array ({e}); refusing to unpickle.') \
                from None
    if not isinstance(array, np.ndarray) or array.ndim != 2:
        raise ValueError(f'{path}: expected a 2-D numpy array (classes x dims), got '
                         f'{getattr(array, "shape", type(array).__name__)}.')
    if not np.isfinite(array).all():
        raise ValueError(f'{path}: contains NaN or inf values; the file is damaged.')
    return array


def import_embeddings(path: str, source_classes: Sequence[str],
                      classes: Optional[Sequence[str]] = None,
                      out_file: Optional[str] = None) -> np.ndarray:
    """Converts a bare (C, E) array (``.pkl`` through the restricted loader, or ``.npy``) whose
    rows follow ``source_classes`` into our file, rows reordered to ``classes`` by name.

    Args:
        path (str): e.g. ML-GCN's ``coco_glove_word2vec.pkl`` (alphabetical order) or SSGRL's
            ``vectors.npy`` (COCO category-id order).
        source_classes (Sequence[str]): the names of the file's rows, in order.
        classes (Sequence[str], optional): target order (default ``source_classes``).
        out_file (str, optional): ``.npz`` to write.

    Returns:
        np.ndarray: (C, E) float32.
    """
    array = _load_plain_array(path)
    source_classes = [str(c) for c in source_classes]
    if array.shape[0] != len(source_classes):
        raise ValueError(f'{path}: {array.shape[0]} rows but {len(source_classes)} source '
                         'classes; check that the file belongs to this dataset.')
    classes = source_classes if classes is None else [str(c) for c in classes]
    if sorted(classes) != sorted(source_classes):
        missing = sorted(set(classes) - set(source_classes))
        raise ValueError(f'{path}: the file\'s classes do not cover the dataset classes; '
                         f'missing {missing}.')
    rows = [source_classes.index(c) for c in classes]
    embeddings = array[rows].astype(np.float32)
    if out_file is not None:
        save_label_embeddings(out_file, embeddings, classes, source=osp.basename(path))
    return embeddings


def ssgrl_source_classes(category_json: Optional[str] = None) -> list:
    """COCO names in the row order of SSGRL's ``vectors.npy``.

    Without ``category_json`` this is the category-id order; with SSGRL's ``category.json``
    (category id -> 1-based row) the rows are placed as that file says.
    """
    if category_json is None:
        return list(COCO_CLASSES)
    with open(category_json) as f:
        rows = json.load(f)
    names = dict(zip(COCO_CATEGORY_IDS, COCO_CLASSES))
    order = [None] * len(rows)
    for cat_id, row in rows.items():
        if int(cat_id) not in names or not 1 <= int(row) <= len(rows):
            raise ValueError(f'{category_json}: unexpected entry {cat_id!r}: {row!r}; expected '
                             'COCO category ids mapped to 1-based rows.')
        order[int(row) - 1] = names[int(cat_id)]
    return order
