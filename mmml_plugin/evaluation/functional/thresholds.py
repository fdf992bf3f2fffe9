"""Per-class score thresholds chosen on a validation split: max F1, or a target precision.

A label of class c is predicted when its score is >= t_c (the plugin's prediction rule,
:func:`~mmml_plugin.evaluation.functional.predict_labels`, with a (C,) ``thr``). Only the
distinct scores of a class's positives are candidates: moving t_c down to a score held by
negatives only adds false positives, so neither F1 nor precision can gain there. At the
candidate t (a tie group of the class), over the samples whose target is not -1:
TP(t) = positives with score >= t, P(t) = samples with score >= t, Ng = positives.
"""
from typing import NamedTuple

import numpy as np

from .inputs import check_scores_targets
from .ranking import positive_groups, sort_scores

#: What :func:`tune_thresholds` can maximise.
THRESHOLD_METHODS = ('max_f1', 'precision')


class TunedThresholds(NamedTuple):
    """Per-class thresholds and what they achieve on the split they were chosen on.

    Attributes:
        thresholds (np.ndarray): (C,) float64 t_c (exact copies of score values, or the
            fallback).
        tuned (np.ndarray): (C,) bool, False where the class could not be tuned: no positive
            (t_c = the fallback), or no threshold reaches the target precision (t_c just above the
            class's highest score: the class is never predicted).
        precision (np.ndarray): (C,) float64 TP / P at t_c (0 where nothing is predicted).
        recall (np.ndarray): (C,) float64 TP / Ng at t_c (0 without positives).
    """
    thresholds: np.ndarray
    tuned: np.ndarray
    precision: np.ndarray
    recall: np.ndarray


def tune_thresholds(scores,
                    targets,
                    method: str = 'max_f1',
                    precision: float = None,
                    fallback: float = 0.5) -> TunedThresholds:
    """Choose one score threshold per class.

    * ``'max_f1'``: t_c = argmax_t F1_c(t), F1 = 2 TP / (P + Ng) (= 2PR / (P + R)); among equal
      F1 the highest t (fewest predictions).
    * ``'precision'``: the lowest t_c (highest recall) with TP / P >= ``precision``.

    Args:
        scores (array-like): (N, C) validation scores.
        targets (array-like): (N, C) targets, 1 / 0 / -1 (ignored).
        method (str): ``'max_f1'`` or ``'precision'``.
        precision (float, optional): the target precision in (0, 1], for ``'precision'``.
        fallback (float): t_c of classes without a positive sample.

    Returns:
        TunedThresholds: thresholds, which classes were tuned, and P / R at the thresholds.
    """
    if method not in THRESHOLD_METHODS:
        raise ValueError(f'method={method!r}: choose one of {THRESHOLD_METHODS}.')
    if method == 'precision' and (precision is None or not 0 < precision <= 1):
        raise ValueError(f'precision={precision!r}: the target precision must be in (0, 1], '
                         'e.g. precision=0.9.')
    scores, targets = check_scores_targets(scores, targets)
    num_cls = scores.shape[1]
    groups = positive_groups(sort_scores(scores, targets))
    tp, seen = groups.tp.astype(np.float64), groups.seen.astype(np.float64)
    num_pos = groups.num_pos[groups.cls].astype(np.float64)
    if method == 'max_f1':
        value = 2 * tp / (seen + num_pos)  # F1 = 2 TP / (P + Ng)
    else:
        # a feasible group scores its recall (lowest threshold wins); infeasible ones -1
        value = np.where(tp / seen >= precision, tp / num_pos, -1.0)
    thresholds = np.full(num_cls, float(fallback))
    tuned = np.zeros(num_cls, dtype=bool)
    prec, rec = np.zeros(num_cls), np.zeros(num_cls)
    for c in np.flatnonzero(np.diff(groups.start)):
        a, b = groups.start[c], groups.start[c + 1]
        best = a + int(np.argmax(value[a:b]))  # groups by decreasing score: first = highest t
        if value[best] < 0:  # the target precision is out of reach: never predict the class
            top = scores[targets[:, c] != -1, c].max()
            thresholds[c] = float(np.nextafter(top, scores.dtype.type(np.inf)))
            continue
        thresholds[c] = float(groups.score[best])
        tuned[c] = True
        prec[c], rec[c] = tp[best] / seen[best], tp[best] / num_pos[best]
    return TunedThresholds(thresholds, tuned, prec, rec)
