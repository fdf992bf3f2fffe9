"""Rank every class's samples once and group tied scores: the shared core of all AP modes.

One sort of the (C, N) score matrix along the samples gives, per class, the samples in
descending score order (for float32 scores a value sort of packed score/target keys, otherwise an
``argsort``). Samples with equal scores form one *tie group*; a group is one threshold
of the precision-recall curve, so no result depends on the order of tied samples. The groups of
all classes are kept in flat arrays (class-major, descending score within a class); the counts are
cumulative sums taken once over the flattened matrix, which never mix classes because the last
sample of a class always closes a group.
"""
from typing import NamedTuple, Tuple

import numpy as np

from .inputs import IGNORED, POSITIVE, check_scores_targets


class TieGroups(NamedTuple):
    """The tie groups of every class; G = total number of groups over all classes.

    Groups made only of ignored (-1) samples are dropped: they are no threshold of the curve.

    Attributes:
        score (np.ndarray): (G,) the common score of each group.
        tp (np.ndarray): (G,) int64, positives ranked at or above the group (true positives when
            the group's score is the threshold).
        seen (np.ndarray): (G,) int64, non-ignored samples ranked at or above the group
            (predicted positives at that threshold: tp + fp).
        gain (np.ndarray): (G,) int64, positives inside the group (tp minus the previous group's).
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
    in_dtype = scores.dtype
    if in_dtype.itemsize < 4:
        scores = scores.astype(np.float32)  # float16: exact in float32
    elif in_dtype != np.float32:
        with np.errstate(over='ignore'):
            as32 = scores.astype(np.float32)
        if np.array_equal(as32, scores):  # e.g. torch float32 outputs stored as float64
            scores = as32
    if scores.dtype == np.float32:
        key, t_sorted = _sort_by_packed_key(scores, targets)
    else:
        key, t_sorted = _sort_by_argsort(scores, targets)

    is_end = np.empty(n * c, dtype=bool)  # last sample of its tie group (flat (C, N) index)
    np.not_equal(key[1:], key[:-1], out=is_end[:-1])
    is_end[n - 1::n] = True  # a class's last sample always closes a group
    ends = np.flatnonzero(is_end)

    count_dtype = np.int32 if n * c < 2**31 else np.int64
    cls_last = np.arange(1, c + 1) * n - 1  # flat index of each class's last sample
    pos_cum = np.cumsum(t_sorted == POSITIVE, dtype=count_dtype)  # over the flattened (C, N)
    pos_before = np.concatenate(([0], pos_cum[cls_last[:-1]])).astype(np.int64)
    num_pos = pos_cum[cls_last] - pos_before  # positives of each class
    group_cls = ends // n
    pos_end = pos_cum[ends].astype(np.int64)
    if (t_sorted == IGNORED).any():
        val_cum = np.cumsum(t_sorted != IGNORED, dtype=count_dtype)
        val_before = np.concatenate(([0], val_cum[cls_last[:-1]])).astype(np.int64)
        val_end = val_cum[ends].astype(np.int64)
        keep = np.diff(val_end, prepend=0) > 0  # drop groups of ignored samples only
        ends, group_cls, pos_end, val_end = ends[keep], group_cls[keep], pos_end[keep], val_end[keep]
        seen = val_end - val_before[group_cls]
    else:
        seen = ends - group_cls * n + 1
    tp = pos_end - pos_before[group_cls]
    gain = np.diff(pos_end, prepend=0)  # groups never span two classes, so this is per class
    start = np.concatenate(([0], np.cumsum(np.bincount(group_cls, minlength=c))))
    if scores.dtype == np.float32:
        threshold = _unpack_float32(key[ends]).astype(in_dtype)
    else:
        threshold = key[ends]
    return TieGroups(score=threshold, tp=tp, seen=seen, gain=gain, start=start,
                     num_pos=num_pos)


def _sort_by_packed_key(scores: np.ndarray, targets: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Sort float32 scores by a value sort of 64-bit keys: score bits above, target below.

    The high 32 bits map the float to an unsigned integer in *descending* score order (flip the
    magnitude bits of non-negative floats); the low bits hold target + 1. One ``np.sort`` of the
    keys (a SIMD value sort, far cheaper than ``argsort`` plus two gathers) then yields each
    class's samples in descending score order with their targets.

    Args:
        scores (np.ndarray): (N, C) float32.
        targets (np.ndarray): (N, C) int8.

    Returns:
        tuple: (C * N,) uint32 descending-order score keys (equal keys = equal scores) and
        (C * N,) int8 targets, flat in class-major order.
    """
    n, c = scores.shape
    bits = np.ascontiguousarray(scores.T) + np.float32(0)  # (C, N); + 0 turns -0.0 into +0.0
    bits = bits.view(np.int32)
    desc = bits >> 31  # -1 for negative floats, 0 otherwise
    np.invert(desc, out=desc)
    desc &= 0x7FFFFFFF
    desc ^= bits  # non-negative: magnitude bits flipped; negative: unchanged
    packed = np.empty((c, n, 2), dtype=np.uint32)  # little-endian uint64 = (high << 32) | low
    packed[..., 1] = desc.view(np.uint32)
    np.add(targets.T, 1, out=packed[..., 0], casting='unsafe')
    packed = np.sort(packed.view(np.uint64)[..., 0], axis=1).view(np.uint32).reshape(c, n, 2)
    t_sorted = (packed[..., 0].astype(np.int8) - 1).ravel()
    return packed[..., 1].ravel(), t_sorted


def _unpack_float32(key: np.ndarray) -> np.ndarray:
    """Inverse of the score part of the packed key: (K,) uint32 -> (K,) float32."""
    negative = (key >> 31).astype(bool)
    return np.where(negative, key, key ^ np.uint32(0x7FFFFFFF)).view(np.float32)


def _sort_by_argsort(scores: np.ndarray, targets: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Sort scores of any float dtype by ``argsort``; same outputs as the packed-key sort except
    that the keys are the sorted scores themselves."""
    n, c = scores.shape
    s = np.ascontiguousarray(scores.T)  # (C, N): each class's samples contiguous
    order = np.argsort(s, axis=1)[:, ::-1]  # descending; the order inside a tie is irrelevant
    flat = (order + (np.arange(c) * n)[:, None]).ravel()
    return s.ravel()[flat], np.ascontiguousarray(targets.T).ravel()[flat]
