"""Per-class (CP, CR, CF1) and overall (OP, OR, OF1) precision / recall / F1 of ML-GCN and SSGRL.

The one prediction rule of the plugin (metrics, inference): a label is predicted when its score is
>= ``thr`` and, with ``topk``, it is also among the k highest scores of its sample (ML-GCN's top-k
protocol keeps the threshold). Per class c, over the samples whose target is not -1: ``Np_c``
predicted, ``Nc_c`` predicted and positive, ``Ng_c`` positive.
"""
from typing import Dict, Optional, Tuple

import numpy as np

from .inputs import (IGNORED, POSITIVE, check_prediction_rule, check_some_positive, check_thr,
                     check_topk, threshold_as)
from .ranking import SortedScores, count_at_or_above


def topk_mask(scores: np.ndarray, k: int) -> np.ndarray:
    """The k highest scores of each sample; ties at the k-th score go to the lower class index.

    Args:
        scores (np.ndarray): (N, C) scores.
        k (int): labels kept per sample (all C when k >= C).

    Returns:
        np.ndarray: (N, C) bool, exactly min(k, C) True per row.
    """
    k = check_topk(k)
    n, c = scores.shape
    if k >= c:
        return np.ones((n, c), dtype=bool)
    mask = np.zeros((n, c), dtype=bool)
    rest = np.array(scores, dtype=np.promote_types(scores.dtype, np.float32))  # picks -> -inf
    rows = np.arange(n)
    for _ in range(k):  # k passes of argmax: the first maximum is the lowest class index
        best = rest.argmax(axis=1)
        mask[rows, best] = True
        rest[rows, best] = -np.inf
    return mask


def predict_labels(scores: np.ndarray,
                   thr: Optional[float] = 0.5,
                   topk: Optional[int] = None) -> np.ndarray:
    """Labels predicted positive: score >= thr and, with ``topk``, among the k highest.

    Args:
        scores (np.ndarray): (N, C) scores.
        thr (float | Sequence[float], optional): score threshold, or (C,) per-class
            thresholds, compared in the scores' dtype; None: no threshold (then ``topk`` alone
            decides).
        topk (int, optional): keep at most k labels per sample (see :func:`topk_mask`); None: no
            limit. At least one of ``thr`` and ``topk`` must be set.

    Returns:
        np.ndarray: (N, C) bool.
    """
    thr, topk = check_prediction_rule(thr, topk)
    scores = np.asarray(scores)
    if thr is None:
        return topk_mask(scores, topk)
    pred = scores >= threshold_as(thr, scores.dtype, scores.shape[-1])
    if topk is None:
        return pred
    crowded = np.flatnonzero(pred.sum(axis=1) > topk)  # only these rows can lose a label
    pred[crowded] &= topk_mask(scores[crowded], topk)
    return pred


def _safe_ratio(num, den) -> np.ndarray:
    """num / den, and 0 where den is 0 (no prediction: precision 0, as in ML-GCN)."""
    num = np.asarray(num, dtype=np.float64)
    return np.divide(num, den, out=np.zeros_like(num), where=np.asarray(den) > 0)


def _f1(p: float, r: float) -> float:
    return float(2 * p * r / (p + r)) if p + r > 0 else 0.0  # F1 = 2PR / (P + R), 0 when P = R = 0


def f1_from_counts(n_pred: np.ndarray, n_correct: np.ndarray, n_gt: np.ndarray) -> Dict[str, float]:
    """CP, CR, CF1, OP, OR, OF1 from per-class counts.

    Args:
        n_pred (np.ndarray): (C,) Np_c, predicted labels (targets -1 excluded).
        n_correct (np.ndarray): (C,) Nc_c, predicted labels that are positive.
        n_gt (np.ndarray): (C,) Ng_c, positive labels.

    Returns:
        dict: fractions in [0, 1], and ``num_classes_evaluated`` (classes with Ng_c > 0).
    """
    check_some_positive(n_gt)
    has_pos = n_gt > 0
    cp = _safe_ratio(n_correct, n_pred)[has_pos].mean()  # CP = 1/C sum_c Nc_c / Np_c
    cr = (n_correct / np.maximum(n_gt, 1))[has_pos].mean()  # CR = 1/C sum_c Nc_c / Ng_c
    op = float(_safe_ratio(n_correct.sum(), n_pred.sum()))  # OP = sum Nc / sum Np
    o_r = n_correct.sum() / n_gt.sum()  # OR = sum Nc / sum Ng
    return dict(CP=float(cp),
                CR=float(cr),
                CF1=_f1(cp, cr),
                OP=op,
                OR=float(o_r),
                OF1=_f1(op, o_r),
                num_classes_evaluated=int(has_pos.sum()))


def counts_at_threshold(ss: SortedScores, thr) -> Tuple[np.ndarray, np.ndarray]:
    """Np_c and Nc_c at ``score >= thr`` from the sorted scores (no pass over the samples).

    Args:
        ss (SortedScores): from :func:`sort_scores`.
        thr (float | np.ndarray): threshold, or (C,) per-class thresholds, compared in the
            dtype of the scores.

    Returns:
        tuple: (C,) int64 ``n_pred`` and (C,) int64 ``n_correct``.
    """
    num_cls = len(ss.pos_start) - 1
    thr = threshold_as(check_thr(thr), ss.neg.dtype, num_cls)
    query = np.subtract(0, np.broadcast_to(thr, (num_cls, )))  # -thr, one per class
    per_class = np.arange(num_cls + 1)
    n_pred = count_at_or_above(ss.neg.ravel(), ss.all_start, query, per_class)
    if ss.ign is not None:
        n_pred -= count_at_or_above(ss.ign, ss.ign_start, query, per_class)
    return n_pred, count_at_or_above(ss.pos, ss.pos_start, query, per_class)


def topk_dropped_counts(scores: np.ndarray, targets: np.ndarray, thr,
                        k: int) -> Tuple[np.ndarray, np.ndarray]:
    """Per class, how many labels at ``score >= thr`` the top-k rule drops: (C,) Np, (C,) Nc.

    Only samples with more than k labels above the threshold are looked at.
    """
    k = check_topk(k)
    above = scores >= threshold_as(check_thr(thr), scores.dtype, scores.shape[1])
    crowded = np.flatnonzero(above.sum(axis=1, dtype=np.int32) > k)
    dropped = above[crowded] & ~topk_mask(scores[crowded], k)
    t = targets[crowded]
    return (dropped & (t != IGNORED)).sum(axis=0), (dropped & (t == POSITIVE)).sum(axis=0)
