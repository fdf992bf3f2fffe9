"""Build-time check that every source of the class count agrees."""
from typing import Dict, Optional, Sequence

from mmml_plugin.utils import load_label_embeddings, load_label_graph


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


def label_file_counts(num_classes: Optional[int] = None,
                      embedding_file: Optional[str] = None,
                      graph_file: Optional[str] = None,
                      classes: Optional[Sequence[str]] = None,
                      owner: str = 'head') -> Dict[str, Optional[int]]:
    """Class counts of the given sources, keyed by a description naming each of them.

    The files are read without the class-name check, so that a count mismatch is reported
    with all sources at once (names are checked afterwards, when the modules load the files).
    """
    counts = {}
    if embedding_file is not None:
        counts[f'class embeddings {embedding_file}'] = load_label_embeddings(
            embedding_file).shape[0]
    if graph_file is not None:
        counts[f'label graph {graph_file}'] = load_label_graph(graph_file).shape[0]
    counts[f'{owner} num_classes'] = num_classes
    counts['dataset classes'] = None if classes is None else len(classes)
    return counts
