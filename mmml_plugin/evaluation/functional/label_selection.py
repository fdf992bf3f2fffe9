"""The one rule that turns a sample's class scores into its predicted label set.

Used by the inference API (:class:`mmml_plugin.apis.MultiLabelInferencer`,
:func:`mmml_plugin.apis.inference_multilabel`), ``tools/image_demo.py`` and the attention grids
they draw. With ``thr`` a float or C per-class thresholds, and ``topk`` an int:

=====================  ==============================================================
given                  predicted labels
=====================  ==============================================================
neither                score >= 0.5 (:data:`DEFAULT_THR`)
``thr`` only           score >= thr
``topk`` only          the k highest scores, whatever their value
both                   the k highest among those with score >= thr (at most k labels)
=====================  ==============================================================

Examples:
    >>> import numpy as np
    >>> scores = np.array([0.9, 0.2, 0.6, 0.4])
    >>> select_labels(scores).tolist()  # the default threshold, best first
    [0, 2]
    >>> select_labels(scores, topk=3).tolist()  # the 3 best, 0.4 included
    [0, 2, 3]
    >>> select_labels(scores, thr=0.5, topk=3).tolist()  # the 3 best among those >= 0.5
    [0, 2]
    >>> select_labels(scores, thr=[0.95, 0.1, 0.5, 0.5]).tolist()  # one threshold per class
    [2, 1]

Relation to the metrics: ``MultiLabelMAP``'s F1 family counts
:func:`~mmml_plugin.evaluation.functional.predict_labels` with the metric's own ``thr``
(0.5 by default) always set, so its ``*_top3`` keys are ML-GCN's top-3 protocol, the 3 highest
*and* score >= 0.5 (see docs/metrics.md, "Top-k"): ``label_mask(scores, thr=0.5, topk=3)``.
``select_labels(scores, topk=3)`` without ``thr`` returns 3 labels even where fewer than 3 reach
0.5, which is what a user asking for "the 3 best labels" expects; pass ``thr=0.5`` as well to
get the metric's top-3 sets.
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from .f1 import topk_mask
from .inputs import check_thr, check_topk

DEFAULT_THR = 0.5
ThrType = Union[None, float, Sequence[float], np.ndarray]
RuleType = Tuple[Union[None, float, np.ndarray], Optional[int]]


def resolve_rule(thr: ThrType = None,
                 topk: Optional[int] = None,
                 num_classes: Optional[int] = None) -> RuleType:
    """Check ``thr``/``topk`` and apply the default (``thr=0.5`` when neither is given).

    Args:
        thr (float | Sequence[float], optional): one threshold for every class, or C of them
            (one per class, in the model's class order); None: no threshold.
        topk (int, optional): keep at most the k highest scores; None: no limit.
        num_classes (int, optional): C, to check the length of a per-class ``thr``.

    Returns:
        tuple: ``(thr, topk)``: ``thr`` a float, a (C,) float64 array or None.

    Raises:
        ValueError: a non-finite threshold, a per-class ``thr`` of the wrong length or shape, or
            a ``topk`` that is not a positive integer.
    """
    topk = check_topk(topk)
    if thr is None:
        return (DEFAULT_THR if topk is None else None), topk
    if np.ndim(thr) == 0:
        return check_thr(thr if not isinstance(thr, np.generic) else thr.item()), topk
    try:
        per_class = np.asarray(thr, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f'thr must be a number or a sequence of C numbers, got {thr!r}.') from None
    if per_class.ndim != 1 or not np.isfinite(per_class).all():
        raise ValueError(f'a per-class thr must be a 1-D sequence of finite numbers, got shape '
                         f'{per_class.shape}{"" if per_class.ndim != 1 else " with NaN/inf"}.')
    if num_classes is not None and len(per_class) != num_classes:
        raise ValueError(f'a per-class thr needs one value per class: got {len(per_class)} for '
                         f'{num_classes} classes.')
    return per_class, topk


def label_mask(scores: np.ndarray, thr: ThrType = None, topk: Optional[int] = None) -> np.ndarray:
    """The predicted labels of each sample as a mask (the rule of this module's docstring).

    Args:
        scores (np.ndarray): (C,) or (N, C) scores (probabilities for the default threshold).
        thr (float | Sequence[float], optional): a threshold, or C per-class thresholds.
        topk (int, optional): keep at most the k highest; ties go to the lower class index.

    Returns:
        np.ndarray: bool, the shape of ``scores``.
    """
    scores = np.asarray(scores)
    if scores.ndim not in (1, 2):
        raise ValueError(f'scores must be (C,) or (N, C), got shape {scores.shape}.')
    thr, topk = resolve_rule(thr, topk, scores.shape[-1])
    rows = scores.reshape(-1, scores.shape[-1])
    if thr is None:
        mask = topk_mask(rows, topk)
    else:
        # the threshold in the scores' dtype, as the metric compares (predict_labels)
        mask = rows >= np.asarray(thr).astype(rows.dtype)
        if topk is not None:
            # the k best among the labels that pass (with one scalar thr, the same as the k
            # best overall that pass, the metric's top-k; with per-class thresholds a label
            # below its own threshold must not take one of the k places)
            crowded = np.flatnonzero(mask.sum(axis=1) > topk)
            passing = np.where(mask[crowded], rows[crowded].astype(np.float64), -np.inf)
            mask[crowded] &= topk_mask(passing, topk)
    return mask.reshape(scores.shape)


def select_labels(scores: np.ndarray,
                  thr: ThrType = None,
                  topk: Optional[int] = None) -> np.ndarray:
    """Indices of one sample's predicted labels, highest score first.

    Args:
        scores (np.ndarray): (C,) scores of one sample.
        thr (float | Sequence[float], optional): a threshold, or C per-class thresholds.
        topk (int, optional): keep at most the k highest.

    Returns:
        np.ndarray: (K,) int64 class indices, K <= C, by decreasing score (ties: lower index
        first).
    """
    scores = np.asarray(scores)
    if scores.ndim != 1:
        raise ValueError(f'select_labels takes the (C,) scores of one sample, got shape '
                         f'{scores.shape}; use label_mask for (N, C).')
    order = np.argsort(-scores, kind='stable')
    return order[label_mask(scores, thr, topk)[order]].astype(np.int64)
