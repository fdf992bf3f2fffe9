"""Multi-label metrics: numpy functions (``functional``) and mmengine metrics (``metrics``)
registered as ``MultiLabelMAP`` (mmpretrain) and ``DetectionMultiLabelMetric`` (mmdet; imported
on first use, see ``metrics/__init__.py``)."""
from mmml_plugin.utils.lazy import lazy_attributes

from .functional import (average_precision, mean_average_precision, multilabel_f1,
                         multilabel_metrics, precision_recall_curve)
from .metrics import MultiLabelMAP

# Needs mmdet: imported on first use (one per line).
__getattr__, __dir__ = lazy_attributes(__name__, {
    'DetectionMultiLabelMetric': '.metrics.detection_multilabel',
})

__all__ = [
    'average_precision', 'mean_average_precision', 'multilabel_f1', 'multilabel_metrics',
    'precision_recall_curve', 'MultiLabelMAP', 'DetectionMultiLabelMetric'
]
