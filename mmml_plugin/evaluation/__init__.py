"""Multi-label metrics: numpy functions (``functional``) and mmengine metrics (``metrics``)
registered as ``MultiLabelMAP`` (mmpretrain) and ``DetectionMultiLabelMetric`` (mmdet)."""
from .functional import (average_precision, mean_average_precision, multilabel_f1,
                         multilabel_metrics, precision_recall_curve)
from .metrics import DetectionMultiLabelMetric, MultiLabelMAP

__all__ = [
    'average_precision', 'mean_average_precision', 'multilabel_f1', 'multilabel_metrics',
    'precision_recall_curve', 'MultiLabelMAP', 'DetectionMultiLabelMetric'
]
