"""Rank every class's samples once and group tied scores: the shared core of all metrics.

Samples with equal scores form one *tie group*; a group is one threshold of the precision-recall
curve, so no result depends on the order of tied samples. Only counts per group are needed, not
which sample sits where, so no ``argsort`` (and no gather of the targets) is required:

1. :func:`sort_scores`: one in-place *value* sort of the negated (C, N) scores (numpy's SIMD
   sort, several times cheaper than ``argsort``), plus small sorts of the few positive (and
   ignored) entries of each class;
2. the number of samples with a score >= v in class c is then a ``searchsorted`` of -v into
   the class's sorted row, and likewise for its positives and ignored entries.

AP only moves at groups that hold a positive (:func:`positive_groups`); precision-recall curves
use every group (:func:`rank_tie_groups`).
"""
from typing import NamedTuple, Optional, Tuple

import numpy as np

from .inputs import IGNORED, POSITIVE, check_scores_targets

_BLOCK = 4096  # samples per block of the transposition


class SortedScores(NamedTuple):
    """Each class's scores sorted, and its positive and ignored entries sorted on their own.

    Scores are stored negated (-score, ascending = descending score, -0.0 folded into +0.0).

    Attributes:
        neg (np.ndarray): (C, N) every sample's -score, ascending within a class.
        pos (np.ndarray): (P,) -scores of the positive entries, class-major, ascending.
        pos_start (np.ndarray): (C + 1,) class c owns ``pos[pos_start[c]:pos_start[c + 1]]``.
        ign (np.ndarray, optional): (M,) -scores of the ignored (-1) entries, like ``pos``;
            None when there is none.
        ign_start (np.ndarray, optional): (C + 1,) offsets into ``ign``.
    """
    neg: np.ndarray
    pos: np.ndarray
    pos_start: np.ndarray
    ign: Optional[np.ndarray]
    ign_start: Optional[np.ndarray]

    @property
    def all_start(self) -> np.ndarray:
        """(C + 1,) offsets of the classes in ``neg.ravel()``."""
        num_cls, n = self.neg.shape
        return np.arange(num_cls + 1) * n


def count_at_or_above(sorted_neg: np.ndarray, sorted_start: np.ndarray, query_neg: np.ndarray,
                      query_start: np.ndarray) -> np.ndarray:
    """Per query, how many entries of its class have a score >= the query's score.

    Args:
        sorted_neg (np.ndarray): -scores, class-major, ascending within a class.
        sorted_start (np.ndarray): (C + 1,) class offsets into ``sorted_neg``.
        query_neg (np.ndarray): (K,) -scores, class-major.
        query_start (np.ndarray): (C + 1,) class offsets into ``query_neg``.

    Returns:
        np.ndarray: (K,) int64.
    """
    out = np.zeros(len(query_neg), dtype=np.int64)
    for c in np.flatnonzero(np.diff(query_start)):
        a, b = query_start[c], query_start[c + 1]
        row = sorted_neg[sorted_start[c]:sorted_start[c + 1]]
        out[a:b] = np.searchsorted(row, query_neg[a:b], side='right')  # -s <= -v: s >= v
    return out


class TieGroups(NamedTuple):
    """Tie groups of every class, class-major, by decreasing score within a class.

    Groups made only of ignored (-1) samples are never included: they are no threshold.

    Attributes:
        score (np.ndarray): (G,) the common score of each group (dtype of the scores).
        tp (np.ndarray): (G,) int64, positives with a score >= the group's (the true positives
            when the group's score is the threshold).
        seen (np.ndarray): (G,) int64, non-ignored samples with a score >= the group's (the
            predicted positives at that threshold: tp + fp).
        gain (np.ndarray): (G,) int64, positives inside the group.
        cls (np.ndarray): (G,) int64, the class of each group.
        start (np.ndarray): (C + 1,) int64, class c owns the groups ``start[c]:start[c + 1]``.
        num_pos (np.ndarray): (C,) int64, positives of each class.
    """
    score: np.ndarray
    tp: np.ndarray
    seen: np.ndarray
    gain: np.ndarray
    cls: np.ndarray
    start: np.ndarray
    num_pos: np.ndarray


def sort_scores(scores: np.ndarray, targets: np.ndarray) -> SortedScores:
    """Sort arrays already returned by ``check_scores_targets``.

    Args:
        scores (np.ndarray): (N, C) float32 / float64 scores.
        targets (np.ndarray): (N, C) int8 targets, 1 / 0 / -1.

    Returns:
        SortedScores: see :class:`SortedScores`.
    """
    n, c = scores.shape
    neg = np.empty((c, n), dtype=scores.dtype)  # (C, N): each class's samples contiguous
    for i in range(0, n, _BLOCK):  # transpose by blocks of samples: cache-friendly
        # -score; 0 - x also turns -0.0 into +0.0 (they are equal scores)
        np.subtract(0, scores[i:i + _BLOCK].T, out=neg[:, i:i + _BLOCK])
    neg.sort(axis=1)  # in place; ascending -score = descending score
    pos, pos_start = _entries_by_class(scores, targets, POSITIVE)
    ign, ign_start = (_entries_by_class(scores, targets, IGNORED) if (targets == IGNORED).any() else
                      (None, None))
    return SortedScores(neg=neg, pos=pos, pos_start=pos_start, ign=ign, ign_start=ign_start)


def _entries_by_class(scores: np.ndarray, targets: np.ndarray,
                      value: int) -> Tuple[np.ndarray, np.ndarray]:
    """The -scores of the entries with target ``value``, class-major and ascending within a
    class, and their (C + 1,) class offsets."""
    c = targets.shape[1]
    idx = np.flatnonzero(targets == value)  # sample-major
    cls = (idx % c).astype(np.uint16 if c < 2**16 else np.int64)
    order = np.argsort(cls, kind='stable')  # class-major (a radix sort for small ints)
    start = np.concatenate(([0], np.cumsum(np.bincount(cls, minlength=c))))
    values = np.subtract(0, scores.ravel()[idx[order]])
    for k in np.flatnonzero(np.diff(start)):
        values[start[k]:start[k + 1]].sort()
    return values, start


def _run_ends(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Indices of the last element of each run of equal values (runs never cross classes)."""
    is_end = np.empty(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=is_end[:-1])
    is_end[-1:] = True
    is_end[start[1:][np.diff(start) > 0] - 1] = True  # every class's last element ends a run
    return np.flatnonzero(is_end)


def _diff_per_class(x: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Differences of consecutive entries of (K,) ``x``, restarting at every class's first."""
    out = np.diff(x, prepend=0)
    heads = start[:-1][np.diff(start) > 0]
    out[heads] = x[heads]
    return out


def _groups(ss: SortedScores,
            group_neg: np.ndarray,
            group_cls: np.ndarray,
            num_cls: int,
            tp: Optional[np.ndarray] = None) -> TieGroups:
    """Counts of the groups at the class-major -scores ``group_neg`` (``tp`` when known)."""
    start = np.concatenate(([0], np.cumsum(np.bincount(group_cls, minlength=num_cls))))
    seen = count_at_or_above(ss.neg.ravel(), ss.all_start, group_neg, start)
    if ss.ign is not None:
        seen -= count_at_or_above(ss.ign, ss.ign_start, group_neg, start)
    if tp is None:
        tp = count_at_or_above(ss.pos, ss.pos_start, group_neg, start)
    gain = _diff_per_class(tp, start)
    return TieGroups(score=np.subtract(0, group_neg),
                     tp=tp,
                     seen=seen,
                     gain=gain,
                     cls=group_cls,
                     start=start,
                     num_pos=np.diff(ss.pos_start))


def positive_groups(ss: SortedScores) -> TieGroups:
    """The tie groups that hold at least one positive: the only ones where AP changes."""
    ends = _run_ends(ss.pos, ss.pos_start)
    num_cls = len(ss.pos_start) - 1
    group_cls = np.searchsorted(ss.pos_start, ends, side='right') - 1
    tp = ends - ss.pos_start[group_cls] + 1  # positives sorted: the rank of a run's last one
    return _groups(ss, ss.pos[ends], group_cls, num_cls, tp)


def all_groups(ss: SortedScores) -> TieGroups:
    """Every tie group (one point per distinct score of a non-ignored sample)."""
    num_cls, n = ss.neg.shape
    flat = ss.neg.ravel()
    ends = _run_ends(flat, np.arange(num_cls + 1) * n)
    groups = _groups(ss, flat[ends], ends // n, num_cls)
    if ss.ign is None:
        return groups
    keep = _diff_per_class(groups.seen, groups.start) > 0  # drop groups of ignored samples only
    cls = groups.cls[keep]
    start = np.concatenate(([0], np.cumsum(np.bincount(cls, minlength=num_cls))))
    return TieGroups(score=groups.score[keep],
                     tp=groups.tp[keep],
                     seen=groups.seen[keep],
                     gain=groups.gain[keep],
                     cls=cls,
                     start=start,
                     num_pos=groups.num_pos)


def rank_tie_groups(scores, targets) -> TieGroups:
    """Every tie group of every class, with its counts.

    Args:
        scores (array-like): (N, C) scores.
        targets (array-like): (N, C) with 1 = positive, 0 = negative, -1 = ignored.

    Returns:
        TieGroups: see :class:`TieGroups`.
    """
    return all_groups(sort_scores(*check_scores_targets(scores, targets)))
