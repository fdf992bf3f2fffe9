"""Validation of the (N, C) score and target arrays every multi-label metric takes."""
from typing import Tuple

import numpy as np

#: Target values: positive, negative, and ignored (difficult / not annotated).
POSITIVE, NEGATIVE, IGNORED = 1, 0, -1


def check_scores_targets(scores, targets) -> Tuple[np.ndarray, np.ndarray]:
    """Check and convert multi-label scores and targets.

    Args:
        scores (array-like): (N, C) or (N,) real scores, higher = more confident. float32 and
            float64 are kept as they are (ties stay exactly as given); float16 becomes float32 and
            integers float64, both exactly.
        targets (array-like): same shape; 1 = positive, 0 = negative, -1 = ignored (difficult).
            Bool, integer or floating (e.g. one-hot ``gt_score``) arrays are accepted.

    Returns:
        tuple: ``scores`` (N, C) float32 or float64 array and ``targets`` (N, C) int8 array. A
        1-D input is returned as a single column (N, 1).
    """
    scores = np.asarray(scores)
    targets = np.asarray(targets)
    if scores.ndim == 1:
        scores = scores[:, None]
    if targets.ndim == 1:
        targets = targets[:, None]
    if scores.ndim != 2 or scores.shape != targets.shape:
        raise ValueError(
            f'scores and targets must both be (N, C) arrays of the same shape, got scores '
            f'{scores.shape} and targets {targets.shape}: pass one row per sample and one column '
            'per class.')
    if scores.shape[0] == 0:
        raise ValueError('no samples to evaluate (N = 0): the evaluation set is empty; check the '
                         'dataset annotation file and the val/test dataloader.')
    if not (np.issubdtype(scores.dtype, np.floating) or np.issubdtype(scores.dtype, np.integer)):
        raise TypeError(f'scores must be a real-valued array, got dtype {scores.dtype}.')
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    elif scores.dtype.itemsize < 4:
        scores = scores.astype(np.float32)  # float16 is exact in float32, and sorts faster
    # a finite sum proves every score finite (one fast pass); otherwise look entry by entry
    if not np.isfinite(scores.sum(dtype=np.float64)) and not np.isfinite(scores).all():
        bad = np.argwhere(~np.isfinite(scores))[:5].tolist()
        raise ValueError(
            f'scores contain NaN or inf at (sample, class) {bad}: the model produced non-finite '
            'outputs (diverged training or a bad checkpoint); fix the model before evaluating.')
    if targets.dtype == np.bool_:
        return scores, targets.astype(np.int8)
    if targets.dtype == np.int8:  # -1, 0, 1 are the uint8 values 255, 0, 1: +1 maps them to 0..2
        allowed = targets.view(np.uint8) + np.uint8(1) <= 2
    else:
        allowed = (targets == POSITIVE) | (targets == NEGATIVE) | (targets == IGNORED)
    if not allowed.all():
        bad = np.unique(targets[~allowed])[:5].tolist()
        raise ValueError(
            f'targets must be 1 (positive), 0 (negative) or -1 (ignored/difficult), found values '
            f'{bad}: binarise soft labels (e.g. label smoothing) before evaluation.')
    return scores, targets.astype(np.int8, copy=False)
