"""Multi-label metrics: numpy functions (``functional``), mmengine metrics (``metrics``)
registered as ``MultiLabelMAP``, ``DumpMultiLabelResults`` (mmpretrain) and
``DetectionMultiLabelMetric`` (mmdet), and the readers/writers of run results (``results_io``)."""
from .functional import (average_precision, mean_average_precision, multilabel_metrics,
                         precision_recall_curve, predict_labels)
from .metrics import (DetectionMultiLabelMetric, DumpMultiLabelResults, MultiLabelMAP,
                      prediction_dump)

__all__ = [
    'average_precision', 'mean_average_precision', 'multilabel_metrics', 'precision_recall_curve',
    'predict_labels', 'MultiLabelMAP', 'DetectionMultiLabelMetric', 'DumpMultiLabelResults',
    'prediction_dump'
]
