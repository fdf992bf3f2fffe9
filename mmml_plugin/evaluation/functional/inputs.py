"""Validation of every input of the multi-label metrics, in one place: the (N, C) score and
target arrays, the ``thr`` / ``topk`` prediction rule, and the presence of positives."""
import math
from numbers import Integral, Real
from typing import Optional, Sequence, Tuple, Union

import numpy as np

#: Target values: positive, negative, and ignored (difficult / not annotated).
POSITIVE, NEGATIVE, IGNORED = 1, 0, -1
#: AP modes (see ``average_precision``); the first of a sequence is the headline ``mAP``.
AP_MODES = ('sklearn', 'voc', 'voc11')


def check_ap_modes(mode: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    """``mode`` as a tuple of distinct AP modes, in the given order.

    Args:
        mode (str | Sequence[str]): one of ``AP_MODES`` or a sequence of them.

    Returns:
        tuple[str]: the modes; the first is the headline one.
    """
    modes = (mode, ) if isinstance(mode, str) else tuple(mode)
    bad = [m for m in modes if m not in AP_MODES]
    if bad or not modes or len(set(modes)) != len(modes):
        raise ValueError(f'ap_mode={mode!r} is not supported: choose one of {AP_MODES} or a list '
                         'of distinct ones (the first is reported as mAP, the others as '
                         'mAP_<mode>).')
    return modes


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


def check_topk(topk) -> Optional[int]:
    """``topk`` as an int >= 1, or None (no top-k limit).

    Args:
        topk (int, optional): labels kept per sample.

    Returns:
        int | None: the checked value.
    """
    if topk is None:
        return None
    if isinstance(topk, bool) or not isinstance(topk, Integral) or topk < 1:
        raise ValueError(f'topk must be a positive integer or None, got {topk!r}: set it to the '
                         'number of labels kept per sample (e.g. topk=3), or None for no limit.')
    return int(topk)


def check_thr(thr) -> Optional[Union[float, np.ndarray]]:
    """``thr`` as a finite float, a (C,) float64 array of per-class thresholds, or None.

    Args:
        thr (float | Sequence[float], optional): score threshold (a probability for the default
            0.5), or one threshold per class (e.g. from ``load_thresholds``); None: no threshold.

    Returns:
        float | np.ndarray | None: the checked value.
    """
    if thr is None:
        return None
    if isinstance(thr, (Sequence, np.ndarray)) and not isinstance(thr, (str, bytes)):
        values = np.asarray(thr)
        if (values.ndim != 1 or not values.size or values.dtype == np.bool_
                or not np.issubdtype(values.dtype, np.number)
                or not np.isfinite(values.astype(np.float64)).all()):
            raise ValueError(f'thr must be a finite number, a sequence of one finite number per '
                             f'class, or None, got {thr!r}: set thr=0.5, or per-class thresholds '
                             '(tools/analysis_tools/tune_thresholds.py writes them).')
        return values.astype(np.float64)
    if isinstance(thr, bool) or not isinstance(thr, Real) or not math.isfinite(thr):
        raise ValueError(f'thr must be a finite number or None, got {thr!r}: set the score '
                         'threshold (e.g. thr=0.5 on probabilities), or None for no threshold.')
    return float(thr)


def threshold_as(thr: Union[float, np.ndarray], dtype: np.dtype,
                 num_classes: int) -> Union[np.generic, np.ndarray]:
    """A checked threshold in the dtype of the scores (compared there, so float32 scores meet
    a float32 threshold exactly as a scalar one).

    Args:
        thr (float | np.ndarray): from :func:`check_thr`, not None.
        dtype (np.dtype): dtype of the scores.
        num_classes (int): C, the length a per-class threshold must have.

    Returns:
        np.generic | np.ndarray: a scalar, or (C,) array, of ``dtype``.
    """
    if np.ndim(thr) == 0:
        return np.dtype(dtype).type(thr)
    if len(thr) != num_classes:
        raise ValueError(f'{len(thr)} per-class thresholds for scores of {num_classes} classes: '
                         'the thresholds were tuned for another class list; tune them again for '
                         'this model (tools/analysis_tools/tune_thresholds.py).')
    return np.asarray(thr).astype(dtype)


def check_prediction_rule(thr, topk) -> Tuple[Optional[float], Optional[int]]:
    """Check the rule that turns scores into predicted labels (see ``predict_labels``).

    Args:
        thr (float, optional): a label needs a score >= thr; None: no threshold.
        topk (int, optional): a label needs to be among the sample's k highest; None: no limit.

    Returns:
        tuple: the checked ``(thr, topk)``; at least one of them is set.
    """
    thr, topk = check_thr(thr), check_topk(topk)
    if thr is None and topk is None:
        raise ValueError('thr and topk are both None, so every label would be predicted: set a '
                         'score threshold (thr=0.5), a top-k limit (topk=3), or both.')
    return thr, topk


def check_some_positive(num_pos: np.ndarray) -> None:
    """Refuse targets in which no class has a positive (mAP, CR and OR are then undefined).

    Args:
        num_pos (np.ndarray): (C,) positives per class.
    """
    if not (np.asarray(num_pos) > 0).any():
        raise ValueError('no class has a positive sample, so mAP and recall are undefined: the '
                         'evaluation targets are all 0 or -1; check the annotations of the '
                         'evaluation set.')
