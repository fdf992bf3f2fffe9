"""Build-time checks that every source of the classes agrees: count first, then names."""
from typing import Dict, Optional, Sequence

import numpy as np

from .file_io import check_label_array, check_label_files_agree, read_label_file


def check_class_counts(counts: Dict[str, Optional[int]]) -> None:
    """Raise if the named class counts differ (``None`` entries are ignored).

    Args:
        counts (dict): source description -> its number of classes, e.g.
            ``{'class embeddings data/coco/emb.npz': 80, 'head num_classes': 20}``.

    Raises:
        ValueError: naming every source and its count.
    """
    known = {name: n for name, n in counts.items() if n is not None}
    if len(set(known.values())) <= 1:
        return
    listing = '; '.join(f'{name}: {n}' for name, n in known.items())
    raise ValueError(
        f'class count mismatch between the model\'s sources: {listing}. They must all describe '
        'the same classes in the same order: set num_classes to the dataset\'s class count and '
        'point embedding_file/graph_file at files built for that dataset '
        '(tools/misc/build_label_embeddings.py, tools/misc/build_label_graph.py).')


def load_checked_label_files(num_classes: Optional[int] = None,
                             embedding_file: Optional[str] = None,
                             graph_file: Optional[str] = None,
                             classes: Optional[Sequence[str]] = None,
                             owner: str = 'head') -> Dict[str, np.ndarray]:
    """Read each label file once and check it against every other source of the classes.

    Order of the checks: the class counts of all sources at once (so that a mismatch names
    every source), then each file's values and class names against ``classes``, then the two
    files' class names against each other.

    Args:
        num_classes (int, optional): the module's class count.
        embedding_file (str, optional): class embeddings file.
        graph_file (str, optional): label graph file.
        classes (Sequence[str], optional): the dataset's class names, in order.
        owner (str): the module, named in errors (``'head'``, ``'neck'``).

    Returns:
        dict: ``'embeddings'`` (C, E) and/or ``'graph'`` (C, C) float32 arrays, as stored.
    """
    files = {
        kind: (path, *read_label_file(path, kind))
        for kind, path in (('embeddings', embedding_file), ('graph', graph_file))
        if path is not None
    }
    what = dict(embeddings='class embeddings', graph='label graph')
    counts = {
        f'{what[kind]} {path}': array.shape[0] if array.ndim else None
        for kind, (path, array, _) in files.items()
    }
    counts[f'{owner} num_classes'] = num_classes
    counts['dataset classes'] = None if classes is None else len(classes)
    check_class_counts(counts)
    for kind, (path, array, names) in files.items():
        check_label_array(path, array, kind, names, classes)
    if len(files) == 2:
        check_label_files_agree(embedding_file, files['embeddings'][2], graph_file,
                                files['graph'][2])
    return {kind: array.astype(np.float32) for kind, (_, array, _) in files.items()}


class ClassOrderError(ValueError):
    """Two sources of the class names (a checkpoint, a config, a results file) disagree."""


def check_class_order(found: Optional[Sequence[str]],
                      expected: Optional[Sequence[str]],
                      found_source: str,
                      expected_source: str,
                      fix: str = '') -> None:
    """Raise unless ``found`` and ``expected`` name the same classes in the same order.

    Scores are indexed by class position, so a model trained with another order (or another
    set) scores every class against the wrong column. ``None`` on either side means the source
    does not record class names; nothing is checked then.

    Args:
        found (Sequence[str], optional): class names of one source, e.g. a checkpoint's
            ``meta.dataset_meta.classes``.
        expected (Sequence[str], optional): class names they must equal, e.g. the config's.
        found_source (str): what ``found`` comes from, named in the error (a file path).
        expected_source (str): what ``expected`` comes from, named in the error.
        fix (str): what the user should do, appended to the message.

    Raises:
        ClassOrderError: naming both sources, both lengths and the first position where they
            differ.

    Examples:
        >>> check_class_order(['cat', 'dog'], ['cat', 'dog'], 'a.pth', 'cfg.py')
        >>> check_class_order(['dog', 'cat'], ['cat', 'dog'], 'a.pth', 'cfg.py')
        Traceback (most recent call last):
        ...
        mmml_plugin.utils.label_files.class_checks.ClassOrderError: class names of a.pth differ from cfg.py at position 0: 'dog' vs 'cat' (2 vs 2 classes; the same classes in another order).
    """  # noqa: E501
    if found is None or expected is None:
        return
    found, expected = [str(c) for c in found], [str(c) for c in expected]
    if found == expected:
        return
    at = next((i for i, (a, b) in enumerate(zip(found, expected)) if a != b),
              min(len(found), len(expected)))
    left = repr(found[at]) if at < len(found) else '(none)'
    right = repr(expected[at]) if at < len(expected) else '(none)'
    how = ('the same classes in another order'
           if sorted(found) == sorted(expected) else 'another set of classes')
    raise ClassOrderError(
        f'class names of {found_source} differ from {expected_source} at position {at}: '
        f'{left} vs {right} ({len(found)} vs {len(expected)} classes; {how}).' +
        (f' {fix}' if fix else ''))
