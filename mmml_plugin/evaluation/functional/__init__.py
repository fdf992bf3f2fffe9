"""Pure numpy multi-label metrics on (N, C) score and target arrays (targets 1 / 0 / -1)."""
from .average_precision import (AP_MODES, UNDEFINED_AP, average_precision, mean_average_precision,
                                precision_recall_curve)
from .f1 import multilabel_f1, predict_labels, topk_mask
from .inputs import check_scores_targets
from .ranking import SortedScores, TieGroups, positive_groups, rank_tie_groups, sort_scores
from .summary import multilabel_metrics

__all__ = [
    'AP_MODES', 'UNDEFINED_AP', 'average_precision', 'mean_average_precision',
    'precision_recall_curve', 'multilabel_f1', 'predict_labels', 'topk_mask',
    'check_scores_targets', 'SortedScores', 'TieGroups', 'positive_groups', 'rank_tie_groups',
    'sort_scores', 'multilabel_metrics'
]
