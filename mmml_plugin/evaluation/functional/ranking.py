"""Rank every class's samples once and group tied scores: the shared core of all AP modes.

Samples with equal scores form one *tie group*; a group is one threshold of the precision-recall
curve, so no result depends on the order of tied samples. Only counts per group are needed, not
which sample sits where, so no ``argsort`` (and no gather of the targets) is required:

1. one in-place *value* sort of the negated (C, N) scores (numpy's SIMD sort, several times
   cheaper than ``argsort``) gives each class's distinct scores in descending order and, from
   the positions of the group ends, the number of samples at or above each group;
2. a ``searchsorted`` of the few positives (and ignored entries) of each class into its group
   scores tells the group of each of them; cumulative sums of these counts give, per group, the
   positives at or above it.
"""
from typing import NamedTuple

import numpy as np

from .inputs import IGNORED, POSITIVE, check_scores_targets


class TieGroups(NamedTuple):
    """The tie groups of every class; G = total number of groups over all classes.

    Groups are stored class-major, by decreasing score within a class. Groups made only of
    ignored (-1) samples are dropped: they are no threshold of the curve.

    Attributes:
        score (np.ndarray): (G,) the common score of each group (dtype of the scores).
        tp (np.ndarray): (G,) int64, positives with a score >= the group's (the true positives
            when the group's score is the threshold).
        seen (np.ndarray): (G,) int64, non-ignored samples with a score >= the group's (the
            predicted positives at that threshold: tp + fp).
        gain (np.ndarray): (G,) int64, positives inside the group.
        start (np.ndarray): (C + 1,) int64, class c owns the groups ``start[c]:start[c + 1]``.
        num_pos (np.ndarray): (C,) int64, positives of each class.
    """
    score: np.ndarray
    tp: np.ndarray
    seen: np.ndarray
    gain: np.ndarray
    start: np.ndarray
    num_pos: np.ndarray

    @property
    def cls(self) -> np.ndarray:
        """(G,) the class index of each group."""
        return np.repeat(np.arange(len(self.num_pos)), np.diff(self.start))


def rank_tie_groups(scores, targets) -> TieGroups:
    """Sort each class's samples by descending score and group equal scores.

    Args:
        scores (array-like): (N, C) scores.
        targets (array-like): (N, C) with 1 = positive, 0 = negative, -1 = ignored.

    Returns:
        TieGroups: the groups of every class, see :class:`TieGroups`.
    """
    return rank_checked(*check_scores_targets(scores, targets))


def rank_checked(scores: np.ndarray, targets: np.ndarray) -> TieGroups:
    """:func:`rank_tie_groups` on arrays already returned by ``check_scores_targets``."""
    n, c = scores.shape
    neg = np.empty((c, n), dtype=scores.dtype)  # (C, N): each class's samples contiguous
    np.subtract(0, scores.T, out=neg)  # -score; 0 - x also turns -0.0 into +0.0 (equal scores)
    pos_neg, pos_start = _entries_by_class(scores, targets, POSITIVE)
    num_pos = np.diff(pos_start)
    has_ignored = bool((targets == IGNORED).any())
    if has_ignored:
        ign_neg, ign_start = _entries_by_class(scores, targets, IGNORED)

    neg.sort(axis=1)  # ascending -score = descending score
    flat = neg.ravel()
    is_end = np.empty(n * c, dtype=bool)  # last sample of its tie group (flat (C, N) index)
    np.not_equal(flat[1:], flat[:-1], out=is_end[:-1])
    is_end[n - 1::n] = True  # a class's last sample always closes a group
    ends = np.flatnonzero(is_end)
    group_cls = ends // n
    group_neg = flat[ends]
    start = np.concatenate(([0], np.cumsum(np.bincount(group_cls, minlength=c))))
    seen = ends - group_cls * n + 1  # samples with score >= the group's
    gain = _per_group(group_neg, start, pos_neg, pos_start)  # positives in each group
    tp = _cumsum_per_class(gain, start, group_cls)
    if has_ignored:
        seen -= _cumsum_per_class(_per_group(group_neg, start, ign_neg, ign_start), start,
                                  group_cls)
        first = np.zeros(len(ends), dtype=bool)
        first[_heads(start)] = True
        keep = first & (seen > 0) | ~first & (np.diff(seen, prepend=0) > 0)  # drop ignored-only
        group_cls, group_neg, seen, tp, gain = (group_cls[keep], group_neg[keep], seen[keep],
                                                tp[keep], gain[keep])
        start = np.concatenate(([0], np.cumsum(np.bincount(group_cls, minlength=c))))
    return TieGroups(score=np.subtract(0, group_neg), tp=tp, seen=seen, gain=gain, start=start,
                     num_pos=num_pos)


def _heads(start: np.ndarray) -> np.ndarray:
    """Index of the first group of every class that has groups."""
    return start[:-1][np.diff(start) > 0]


def _entries_by_class(scores: np.ndarray, targets: np.ndarray, value: int):
    """The -scores of the entries with target ``value``, class-major, and (C + 1,) offsets.

    Args:
        scores (np.ndarray): (N, C) scores.
        targets (np.ndarray): (N, C) int8 targets.
        value (int): target value to collect.
    """
    c = targets.shape[1]
    idx = np.flatnonzero(targets == value)  # sample-major
    cls = (idx % c).astype(np.uint16 if c < 2**16 else np.int64)
    idx = idx[np.argsort(cls, kind='stable')]  # class-major (a radix sort for small ints)
    counts = np.bincount(cls, minlength=c)
    return np.subtract(0, scores.ravel()[idx]), np.concatenate(([0], np.cumsum(counts)))


def _per_group(group_neg: np.ndarray, start: np.ndarray, entry_neg: np.ndarray,
               entry_start: np.ndarray) -> np.ndarray:
    """How many of the given entries fall in each tie group (their score is the group's).

    Args:
        group_neg (np.ndarray): (G,) -score of each group, ascending within a class.
        start (np.ndarray): (C + 1,) group offsets per class.
        entry_neg (np.ndarray): (M,) -score of the entries, class-major, any order in a class.
        entry_start (np.ndarray): (C + 1,) entry offsets per class.

    Returns:
        np.ndarray: (G,) int64.
    """
    group_of = np.empty(len(entry_neg), dtype=np.int64)
    for k in np.flatnonzero(np.diff(entry_start)):
        a, b = entry_start[k], entry_start[k + 1]
        group_of[a:b] = start[k] + np.searchsorted(  # the exact match; sorted keys search faster
            group_neg[start[k]:start[k + 1]], np.sort(entry_neg[a:b]))
    return np.bincount(group_of, minlength=len(group_neg))


def _cumsum_per_class(x: np.ndarray, start: np.ndarray, cls: np.ndarray) -> np.ndarray:
    """Cumulative sum of (G,) ``x`` restarted at every class's first group."""
    total = np.cumsum(x)
    before = np.concatenate(([0], total))[start[:-1]]  # sum over the earlier classes
    return total - before[cls]
