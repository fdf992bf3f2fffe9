"""Average precision per class in three modes, and precision-recall curves, from one ranking.

Notation per class: P positives; tie groups k = 1..K in descending score; at group k the
threshold keeps every sample ranked at or above it, with ``tp_k`` positives among ``seen_k``
non-ignored samples, precision ``p_k = tp_k / seen_k``, recall ``r_k = tp_k / P``.

* ``'sklearn'``: AP = sum_k (r_k - r_{k-1}) p_k, equal to
  :func:`sklearn.metrics.average_precision_score`.
* ``'voc'``: all-point interpolated, AP = sum_k (r_k - r_{k-1}) max_{j >= k} p_j, the official
  SSGRL / VOC2010+ ``voc_ap``.
* ``'voc11'``: 11-point, AP = 1/11 sum_{t in 0, 0.1, .., 1} max_{k: r_k >= t} p_k (VOC2007).

Samples with target -1 are left out. A class with no positive has no AP: it gets
:data:`UNDEFINED_AP` (-1), the plugin's one "undefined AP" value (metrics, result files and plots),
and is left out of :func:`mean_average_precision`.
"""
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np

from .inputs import check_ap_modes, check_scores_targets, check_some_positive
from .ranking import TieGroups, positive_groups, rank_tie_groups, sort_scores

#: AP of a class without positives (undefined); never averaged, never NaN.
UNDEFINED_AP = -1.0
# Recall thresholds 0, 0.1, .., 1 as the VOC devkit and mmdet compute them (np.arange, so the
# fourth is 0.30000000000000004): the same float comparisons give the same numbers as theirs.
_ELEVEN_POINTS = np.arange(0, 1 + 1e-3, 0.1)


def _suffix_max(values: np.ndarray, start: np.ndarray) -> List[np.ndarray]:
    """Per class c, max_{j >= k} values[j] over its slice ``start[c]:start[c + 1]``."""
    return [np.maximum.accumulate(values[a:b][::-1])[::-1] for a, b in zip(start[:-1], start[1:])]


def ap_from_groups(groups: TieGroups, modes: Sequence[str]) -> Dict[str, np.ndarray]:
    """AP of every class in each mode from precomputed tie groups.

    Only groups that contain a positive can change any AP (recall moves only there, and a group
    without positives has a lower precision than the group before it), so the sums run over them.

    Args:
        groups (TieGroups): :func:`positive_groups` (or all groups, same result).
        modes (Sequence[str]): any of ``AP_MODES``.

    Returns:
        dict: mode -> (C,) float64 AP in [0, 1], ``UNDEFINED_AP`` where a class has no positive.
    """
    num_pos = groups.num_pos
    num_cls = len(num_pos)
    has_pos = num_pos > 0
    denom = np.maximum(num_pos, 1)
    hit = np.flatnonzero(groups.gain > 0)  # groups with a positive
    cls = groups.cls[hit]
    start = np.concatenate(([0], np.cumsum(np.bincount(cls, minlength=num_cls))))
    gain, tp = groups.gain[hit], groups.tp[hit]
    precision = tp / groups.seen[hit]  # p_k = tp_k / (tp_k + fp_k)
    out = {}
    if 'sklearn' in modes:
        # AP = sum_k (r_k - r_{k-1}) p_k
        out['sklearn'] = np.bincount(cls, gain * precision, num_cls) / denom
    if 'voc' in modes or 'voc11' in modes:
        interp = _suffix_max(precision, start)  # max_{j >= k} p_j
    if 'voc' in modes:
        # AP = sum_k (r_k - r_{k-1}) max_{j >= k} p_j
        out['voc'] = np.bincount(cls, gain * np.concatenate(interp), num_cls) / denom
    if 'voc11' in modes:
        ap11 = np.zeros(num_cls)
        for c in np.flatnonzero(has_pos):
            recall = tp[start[c]:start[c + 1]] / num_pos[c]
            first = np.searchsorted(recall, _ELEVEN_POINTS)  # first group with r_k >= t
            reached = first < len(recall)
            # AP = 1/11 sum_t max_{k: r_k >= t} p_k
            ap11[c] = interp[c][first[reached]].sum() / 11
        out['voc11'] = ap11
    for m in out:
        out[m][~has_pos] = UNDEFINED_AP
    return {m: out[m] for m in modes}


def average_precision(
        scores,
        targets,
        mode: Union[str, Sequence[str]] = 'sklearn') -> Union[np.ndarray, Dict[str, np.ndarray]]:
    """Per-class average precision.

    Args:
        scores (array-like): (N, C) scores (or (N,) for one class).
        targets (array-like): (N, C) targets, 1 / 0 / -1 (ignored).
        mode (str | Sequence[str]): ``'sklearn'``, ``'voc'`` or ``'voc11'``; a sequence computes
            several modes from a single sort.

    Returns:
        np.ndarray | dict: (C,) float64 AP in [0, 1] with ``UNDEFINED_AP`` (-1) for classes
        without positives (a float for (N,) inputs); a dict mode -> AP when ``mode`` is a
        sequence.
    """
    modes = check_ap_modes(mode)
    aps = ap_from_groups(positive_groups(sort_scores(*check_scores_targets(scores, targets))),
                         modes)
    if np.ndim(scores) == 1:
        aps = {m: ap[0] for m, ap in aps.items()}
    return aps[mode] if isinstance(mode, str) else aps


def mean_average_precision(ap: np.ndarray) -> float:
    """Mean of the defined per-class APs (classes with ``UNDEFINED_AP`` are left out).

    Args:
        ap (np.ndarray): (C,) per-class AP from :func:`average_precision`.

    Returns:
        float: mAP in [0, 1].
    """
    ap = np.asarray(ap, dtype=np.float64)
    defined = ap != UNDEFINED_AP
    check_some_positive(defined)
    return float(ap[defined].mean())  # mAP = mean over the classes with P > 0


def precision_recall_curve(scores, targets) -> List[Tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Precision-recall curve of each class, one point per distinct score.

    Args:
        scores (array-like): (N, C) scores (or (N,) for one class).
        targets (array-like): (N, C) targets, 1 / 0 / -1 (ignored).

    Returns:
        list: per class a tuple ``(precision, recall, thresholds)`` of (K_c,) arrays ordered by
        decreasing threshold (recall non-decreasing); the point at ``thresholds[k]`` predicts
        positive every sample with score >= that threshold. Unlike sklearn no artificial
        (recall 0, precision 1) point is appended. A class with no positive has recall 0 throughout.
    """
    groups = rank_tie_groups(scores, targets)
    precision = groups.tp / np.maximum(groups.seen, 1)
    recall = groups.tp / np.maximum(groups.num_pos[groups.cls], 1)
    return [(precision[a:b], recall[a:b], groups.score[a:b])
            for a, b in zip(groups.start[:-1], groups.start[1:])]
