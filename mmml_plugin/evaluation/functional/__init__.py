"""Pure numpy multi-label metrics on (N, C) score and target arrays (targets 1 / 0 / -1)."""
from .average_precision import (UNDEFINED_AP, average_precision, mean_average_precision,
                                precision_recall_curve)
from .f1 import predict_labels, topk_mask
from .inputs import (AP_MODES, check_ap_modes, check_prediction_rule, check_scores_targets,
                     check_thr, check_topk, threshold_as)
from .ranking import SortedScores, TieGroups, positive_groups, rank_tie_groups, sort_scores
from .summary import multilabel_metrics
from .thresholds import THRESHOLD_METHODS, TunedThresholds, tune_thresholds

__all__ = [
    'AP_MODES', 'UNDEFINED_AP', 'average_precision', 'mean_average_precision',
    'precision_recall_curve', 'predict_labels', 'topk_mask', 'check_ap_modes',
    'check_prediction_rule', 'check_scores_targets', 'check_thr', 'check_topk', 'threshold_as',
    'SortedScores', 'TieGroups', 'positive_groups', 'rank_tie_groups', 'sort_scores',
    'multilabel_metrics', 'THRESHOLD_METHODS', 'TunedThresholds', 'tune_thresholds'
]
