"""Re-score a prediction dump with other ``MultiLabelMAP`` settings, without the model.

``tools/test.py CONFIG CKPT --out preds.npz`` keeps every test image's scores and targets;
:func:`rescore_predictions` scores them again with another AP mode, threshold (one, or one per
class), top-k, subset of classes, difficult policy or empty-image policy, through the very
``MultiLabelMAP.summarize`` that ran inside the test, so the same settings give the same numbers.
``tools/analysis_tools/eval_metric.py`` is its command line.
"""
from typing import Dict, Optional, Sequence, Union

import numpy as np

from .metrics.multilabel_map import MultiLabelMAP
from .metrics.records import difficult_value
from .results_io import load_prediction_arrays
from .threshold_file import load_thresholds

#: What to do with images that have no positive label (among the scored classes).
EMPTY_IMAGE_POLICIES = ('keep', 'drop')


def select_classes(classes: Optional[Sequence[str]], num_classes: int,
                   subset: Sequence[Union[str, int]], source: str) -> np.ndarray:
    """Column indices of a subset of classes, given by name or index.

    Args:
        classes (Sequence[str], optional): (C,) class names of the dump (None: indices only).
        num_classes (int): C.
        subset (Sequence[str | int]): names, or indices into the C classes.
        source (str): the dump, for messages.

    Returns:
        np.ndarray: (K,) int64 column indices, in the order given.
    """
    names = [str(c) for c in classes] if classes is not None else None
    cols = []
    for item in subset:
        if names is not None and str(item) in names:
            cols.append(names.index(str(item)))
        elif isinstance(item, (int, np.integer)) or str(item).isdigit():
            cols.append(int(item))
        else:
            raise KeyError(f'{source}: class {item!r} is not among the dump classes '
                           f'{names if names is not None else "(no names stored)"}; pass class '
                           'names of the dump, or indices.')
    if any(not 0 <= c < num_classes for c in cols):
        raise IndexError(f'{source}: class indices {cols} out of range for {num_classes} '
                         'classes.')
    if len(set(cols)) != len(cols) or not cols:
        raise ValueError(f'{source}: the class subset {list(subset)} is empty or repeats a class.')
    return np.asarray(cols, dtype=np.int64)


def rescore_predictions(dump: Union[str, Dict[str, np.ndarray]],
                        ap_mode: Union[str, Sequence[str]] = 'sklearn',
                        thr: Union[float, Sequence[float], str] = 0.5,
                        topk: Optional[int] = 3,
                        classwise: bool = False,
                        classes: Optional[Sequence[Union[str, int]]] = None,
                        difficult_as_positive: Optional[bool] = None,
                        empty_images: str = 'keep') -> Dict[str, object]:
    """``MultiLabelMAP``'s metrics of a prediction dump, with any settings.

    Args:
        dump (str | dict): a ``.npz`` of ``tools/test.py --out``, or its arrays
            (:func:`~mmml_plugin.evaluation.results_io.load_prediction_arrays`).
        ap_mode (str | Sequence[str]): as in ``MultiLabelMAP``.
        thr (float | Sequence[float] | str): one threshold, (C,) per-class thresholds, or a
            threshold file (its class names must be the dump's).
        topk (int, optional): as in ``MultiLabelMAP``.
        classwise (bool): also report per-class AP.
        classes (Sequence[str | int], optional): score only these classes (names or indices);
            per-class thresholds are taken for them too.
        difficult_as_positive (bool, optional): what the dump's ignored (-1) targets become:
            kept ignored (None), positive (True) or negative (False). A dump written with
            ``difficult_as_positive`` True / False has no -1 left to change.
        empty_images (str): images without a positive label among the scored classes are kept
            as negatives for every class (``'keep'``, what the metric does) or left out
            (``'drop'``).

    Returns:
        dict: metric name -> value in percent, the keys ``MultiLabelMAP`` reports (no prefix).
    """
    source = dump if isinstance(dump, str) else 'the prediction dump'
    arrays = load_prediction_arrays(dump) if isinstance(dump, str) else dump
    scores, targets = arrays['scores'], arrays['targets']
    names = arrays.get('classes')
    names = [str(c) for c in names] if names is not None else None
    if empty_images not in EMPTY_IMAGE_POLICIES:
        raise ValueError(f'empty_images={empty_images!r}: choose one of {EMPTY_IMAGE_POLICIES}.')
    if isinstance(thr, str):
        thr = load_thresholds(thr, names)
    if difficult_as_positive is not None:
        targets = np.where(targets == -1, np.int8(difficult_value(difficult_as_positive)), targets)
    if classes is not None:
        cols = select_classes(names, scores.shape[1], classes, source)
        scores, targets = scores[:, cols], targets[:, cols]
        names = [names[c] for c in cols] if names is not None else None
        if np.ndim(thr):
            if len(thr) != len(arrays['scores'][0]):  # per-class: the dump's C, then the subset
                raise ValueError(f'{len(thr)} per-class thresholds for the {scores.shape[1]} '
                                 f'classes of {source}.')
            thr = np.asarray(thr)[cols]
    if empty_images == 'drop':
        keep = (targets == 1).any(axis=1)
        if not keep.any():
            raise ValueError(f'{source}: no image has a positive label among the scored classes.')
        scores, targets = scores[keep], targets[keep]
    metric = MultiLabelMAP(ap_mode=ap_mode, thr=thr, topk=topk, classwise=classwise)
    if names is not None:
        metric.dataset_meta = dict(classes=names)  # class names in the warnings
    return metric.summarize(scores, targets)
