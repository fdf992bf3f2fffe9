"""Every multi-label number of the plugin from one validation and one ranking of the scores."""
from typing import Dict, Optional, Sequence, Union

import numpy as np

from .average_precision import UNDEFINED_AP, ap_from_groups, mean_average_precision
from .f1 import counts_at_threshold, f1_from_counts, topk_dropped_counts
from .inputs import check_ap_modes, check_scores_targets, check_thr, check_topk
from .ranking import positive_groups, sort_scores


def multilabel_metrics(scores,
                       targets,
                       ap_mode: Union[str, Sequence[str]] = 'sklearn',
                       thr: float = 0.5,
                       topk: Optional[int] = 3) -> Dict[str, object]:
    """mAP (one or several AP modes), CP/CR/CF1/OP/OR/OF1 at ``thr`` and at top-k.

    Args:
        scores (array-like): (N, C) scores (probabilities for the default ``thr``).
        targets (array-like): (N, C) targets, 1 / 0 / -1 (ignored).
        ap_mode (str | Sequence[str]): AP mode, or several: the first is the headline ``mAP``,
            see :func:`~mmml_plugin.evaluation.functional.average_precision`.
        thr (float | Sequence[float]): score threshold of the F1 family, or (C,) per-class
            thresholds.
        topk (int, optional): k of the top-k F1 family (labels >= thr among the k highest);
            None skips it.

    Returns:
        dict: fractions in [0, 1]. ``mAP`` and ``AP`` ((C,) per class, ``UNDEFINED_AP`` (-1)
        where undefined) of the first mode, ``mAP_<mode>`` and ``AP_<mode>`` of every further
        mode; ``CP, CR, CF1, OP, OR, OF1``; with top-k the same six with suffix ``_top<k>``;
        ``no_positive_classes``: (M,) indices of the classes left out of every class mean.
    """
    modes = check_ap_modes(ap_mode)
    thr, topk = check_thr(thr), check_topk(topk)
    if thr is None:
        raise ValueError('thr=None: the CP..OF1 family needs a score threshold (e.g. thr=0.5).')
    scores, targets = check_scores_targets(scores, targets)
    ss = sort_scores(scores, targets)  # the one sort everything below reads
    groups = positive_groups(ss)
    aps = ap_from_groups(groups, modes)
    out = {}
    for i, (m, ap) in enumerate(aps.items()):
        suffix = '' if i == 0 else f'_{m}'
        out[f'mAP{suffix}'] = mean_average_precision(ap)
        out[f'AP{suffix}'] = ap
    n_pred, n_correct = counts_at_threshold(ss, thr)
    out.update(_without_count(f1_from_counts(n_pred, n_correct, groups.num_pos)))
    if topk is not None:
        d_pred, d_correct = topk_dropped_counts(scores, targets, thr, topk)
        top = f1_from_counts(n_pred - d_pred, n_correct - d_correct, groups.num_pos)
        out.update({f'{k}_top{topk}': v for k, v in _without_count(top).items()})
    out['no_positive_classes'] = np.flatnonzero(aps[modes[0]] == UNDEFINED_AP)
    return out


def _without_count(f1: Dict[str, float]) -> Dict[str, float]:
    return {k: v for k, v in f1.items() if k != 'num_classes_evaluated'}
