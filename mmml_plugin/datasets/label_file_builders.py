"""Building the label files from a dataset: the graph from its training labels, the class
embeddings from a word-vector text file.

The file formats, readers, writers, graph arithmetic and the importers of the official files
live in :mod:`mmml_plugin.utils.label_files` (numpy only, importable by models); this module
adds what needs the datasets: COCO annotation indexes, registered datasets, class-name aliases.

* :func:`build_label_graph_from_coco` / :func:`build_label_graph_from_dataset`: the graph
  ``M[i, j] = N(i and j) / N(i)`` over the training images (a val/test split is refused).
* :func:`build_label_embeddings_from_glove` streams a GloVe / word2vec text file (e.g.
  ``glove.840B.300d.txt``, 5.6 GB) line by line, keeping only the class-name words; a multi-word
  name is the mean of its words' vectors; :data:`WORD_ALIASES` maps names such as
  ``diningtable`` to words.
* :func:`build_one_hot_embeddings`: the fallback without a word-vector file, the (C, C)
  identity: every class its own one-hot vector (no semantic prior; the graph still carries the
  label correlations).
* :func:`ssgrl_source_classes`: the COCO row order of SSGRL's files (``category.json``).
"""
import os.path as osp
import re
import warnings
from typing import Dict, Iterable, Mapping, Optional, Sequence

import numpy as np

from mmml_plugin.utils.label_files import (class_mapping, conditional_graph, count_cooccurrence,
                                           count_cooccurrence_flat, save_label_embeddings,
                                           save_label_graph, ssgrl_category_order)

from .class_names import COCO_CATEGORY_IDS, COCO_CLASSES, WORD_ALIASES
from .progress import byte_progress

_NON_TRAIN = re.compile(r'(^|[^a-z])(val|test|minival)', re.IGNORECASE)
_PROGRESS_MIN_BYTES = 64 << 20


def check_training_split(source: str, allow_non_train: bool = False) -> None:
    """Refuse annotation files that look like a val/test split.

    The graph is a training statistic; building it on the evaluation split leaks its labels.

    Args:
        source (str): the annotation file or split name.
        allow_non_train (bool): accept it anyway. Defaults to False.
    """
    if not allow_non_train and _NON_TRAIN.search(osp.basename(source)):
        raise ValueError(f'{source}: looks like a validation/test split. Build the label graph '
                         'from the training annotations only (or pass allow_non_train=True / '
                         '--allow-non-train if this really is training data).')


def build_label_graph(label_sets: Iterable[Sequence[int]],
                      classes: Sequence[str],
                      out_file: Optional[str] = None,
                      diagonal: float = 0.0,
                      tau: Optional[float] = None,
                      p: Optional[float] = None,
                      source: str = '',
                      counts: Optional[np.ndarray] = None,
                      num_images: Optional[int] = None) -> dict:
    """Count co-occurrences and optionally write the graph file.

    Args:
        label_sets (Iterable[Sequence[int]]): per image, its class indices (ignored when
            ``counts`` is given).
        classes (Sequence[str]): the C class names.
        out_file (str, optional): ``.npz`` to write.
        diagonal (float): see :func:`conditional_graph`. Defaults to 0.0.
        tau (float, optional): see :func:`conditional_graph`.
        p (float, optional): see :func:`conditional_graph`.
        source (str): the annotation source, recorded in the file and named in errors.
        counts (np.ndarray, optional): ready (C, C) counts instead of ``label_sets``.
        num_images (int, optional): the number of images behind ``counts``.

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
        save_label_graph(out_file,
                         adj,
                         classes,
                         counts,
                         num_images=num_images,
                         diagonal=diagonal,
                         tau=tau,
                         p=p,
                         source=source)
    return dict(adj=adj, counts=counts, classes=list(classes), num_images=num_images)


def build_label_graph_from_coco(ann_file: str,
                                out_file: Optional[str] = None,
                                classes: Optional[Sequence[str]] = None,
                                diagonal: float = 0.0,
                                tau: Optional[float] = None,
                                p: Optional[float] = None,
                                allow_non_train: bool = False,
                                cache_dir: Optional[str] = None) -> dict:
    """The graph of a COCO instances file (training split), classes in category-id order.

    Args:
        ann_file (str): e.g. ``instances_train2014.json``.
        out_file (str, optional): ``.npz`` to write.
        classes (Sequence[str], optional): class names defining the order (a subset/reordering
            of the file's categories); default: all categories by ascending id.
        diagonal (float): see :func:`conditional_graph`. Defaults to 0.0.
        tau (float, optional): see :func:`conditional_graph`.
        p (float, optional): see :func:`conditional_graph`.
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
    return build_label_graph(None,
                             classes,
                             out_file,
                             diagonal,
                             tau,
                             p,
                             source=ann_file,
                             counts=counts,
                             num_images=len(index))


def build_training_dataset(dataset_cfg: dict,
                           allow_non_train: bool = False,
                           default_scope: str = 'mmpretrain'):
    """Build a registered dataset from its config, without its pipeline (images are not read),
    refusing a split that looks like val/test.

    Args:
        dataset_cfg (dict): dataset config, e.g. a config's ``train_dataloader.dataset``.
        allow_non_train (bool): accept ``test_mode=True`` or a split whose name looks like
            val/test.
        default_scope (str): registry scope to build it in.

    Returns:
        the built dataset (``metainfo['classes']`` and ``get_cat_ids`` are what is used).
    """
    from mmengine.registry import DATASETS, init_default_scope
    init_default_scope(default_scope)
    cfg = dict(dataset_cfg, pipeline=[])
    if cfg.get('test_mode') and not allow_non_train:
        raise ValueError('the dataset config has test_mode=True: build the label graph from the '
                         'training dataset (train_dataloader.dataset).')
    for key in ('ann_file', 'split', 'image_set_path'):
        if cfg.get(key):
            check_training_split(str(cfg[key]), allow_non_train)
    dataset = DATASETS.build(cfg)
    if not dataset.metainfo.get('classes'):
        raise ValueError(f'{cfg.get("ann_file") or cfg.get("type")}: the dataset has no class '
                         'names (metainfo.classes); give the dataset config `classes`.')
    return dataset


def build_label_graph_from_dataset(dataset_cfg: dict,
                                   out_file: Optional[str] = None,
                                   diagonal: float = 0.0,
                                   tau: Optional[float] = None,
                                   p: Optional[float] = None,
                                   allow_non_train: bool = False,
                                   default_scope: str = 'mmpretrain') -> dict:
    """The graph of any registered multi-label dataset (COCO, VOC, ``CSVMultiLabelDataset``,
    mmpretrain's ``MultiLabelDataset``, ...), counted from its ``get_cat_ids``, in the class
    order of its ``metainfo['classes']``. Images are not read.

    Args:
        dataset_cfg (dict): dataset config, e.g. a config's ``train_dataloader.dataset`` (its
            pipeline is ignored).
        out_file (str, optional): ``.npz`` to write.
        diagonal (float): see :func:`conditional_graph`. Defaults to 0.0.
        tau (float, optional): see :func:`conditional_graph`.
        p (float, optional): see :func:`conditional_graph`.
        allow_non_train (bool): accept a split whose name looks like val/test.
        default_scope (str): registry scope to build it in.

    Returns:
        dict: see :func:`build_label_graph`.
    """
    dataset = build_training_dataset(dataset_cfg, allow_non_train, default_scope)
    classes = [str(c) for c in dataset.metainfo['classes']]
    label_sets = [dataset.get_cat_ids(i) for i in range(len(dataset))]
    source = getattr(dataset, 'ann_file', '') or dataset_cfg.get('data_root', '')
    unseen = [
        c for c, n in zip(
            classes,
            np.bincount([i for labels in label_sets for i in set(labels)], minlength=len(classes)))
        if n == 0
    ]
    if unseen:
        warnings.warn(f'{source}: no training image has the classes {unseen}; their rows of '
                      'the label graph are all zero (no correlation to propagate).')
    return build_label_graph(label_sets, classes, out_file, diagonal, tau, p, source=str(source))


def class_words(name: str, aliases: Optional[Mapping[str, str]] = None) -> list:
    """The words whose vectors make up class ``name`` (alias table first, then split).

    Args:
        name (str): the class name.
        aliases (Mapping[str, str], optional): extra ``name -> words`` entries.

    Returns:
        list[str]: the words.
    """
    table = dict(WORD_ALIASES, **(aliases or {}))
    return table.get(name, name).replace('_', ' ').split()


def read_word_vectors(path: str,
                      words: Iterable[str],
                      dim: Optional[int] = None,
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
    with open(path, 'rb') as f, byte_progress(size, f'scanning {osp.basename(path)}', progress
                                              and size >= _PROGRESS_MIN_BYTES) as advance:
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


def build_label_embeddings_from_glove(glove_file: str,
                                      classes: Sequence[str],
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
    vectors = read_word_vectors(glove_file, {w for ws in words.values() for w in ws}, dim, progress)
    missing = {c: [w for w in ws if w not in vectors] for c, ws in words.items()}
    missing = {c: ws for c, ws in missing.items() if ws or not words[c]}
    if missing:
        raise ValueError(f'{glove_file}: no vector for the classes {missing} (class -> missing '
                         'words). Add an alias (aliases={"name": "words"} / --alias name=words, '
                         'see docs/data_preparation.md) or use a larger vocabulary.')
    embeddings = np.stack([
        np.mean([vectors[w] for w in words[c]], axis=0)  # mean of words
        for c in classes
    ])
    if out_file is not None:
        save_label_embeddings(out_file, embeddings, classes, source=osp.basename(glove_file))
    return embeddings.astype(np.float32)


def build_one_hot_embeddings(classes: Sequence[str], out_file: Optional[str] = None) -> np.ndarray:
    """One-hot class embeddings, the fallback when no GloVe / word2vec file is at hand.

    ``Z = I_C``: class ``i`` is the ``i``-th unit vector, so the embedding dimension is the class
    count (set the head's ``embed_dims`` to C). The classes carry no semantic prior; ML-GCN's and
    SSGRL's graphs still propagate the label correlations over them.

    Args:
        classes (Sequence[str]): class names, in the dataset order (C of them, unique).
        out_file (str, optional): ``.npz`` to write (with the names, as every label file).

    Returns:
        np.ndarray: (C, C) float32 identity.
    """
    classes = [str(c) for c in classes]
    if not classes:
        raise ValueError('one-hot embeddings need at least one class name.')
    repeated = sorted({c for c in classes if classes.count(c) > 1})
    if repeated:
        raise ValueError(f'class names must be unique, repeated: {repeated}.')
    embeddings = np.eye(len(classes), dtype=np.float32)  # Z = I_C
    if out_file is not None:
        save_label_embeddings(out_file, embeddings, classes, source='one-hot')
    return embeddings


def ssgrl_source_classes(category_json: Optional[str] = None) -> list:
    """COCO names in the row order of SSGRL's COCO files (``vectors.npy``, ``prob_train.npy``).

    Args:
        category_json (str, optional): SSGRL's ``data/coco/category.json`` (category id ->
            1-based row, as the official dataset uses it); without it, ascending category-id
            order.

    Returns:
        list[str]: 80 names, one per row.
    """
    if category_json is None:
        return list(COCO_CLASSES)
    return ssgrl_category_order(category_json, dict(zip(COCO_CATEGORY_IDS, COCO_CLASSES)))
