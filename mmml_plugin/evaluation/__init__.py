"""Multi-label metrics: numpy functions (``functional``), mmengine metrics (``metrics``)
registered as ``MultiLabelMAP``, ``DumpMultiLabelResults`` and ``VOCDevkitClsWriter``
(mmpretrain) and ``DetectionMultiLabelMetric`` (mmdet; imported on first use, see
``metrics/__init__.py``), and the readers/writers of run results (``results_io``)."""
from mmml_plugin.utils.lazy import lazy_attributes

from .functional import (average_precision, mean_average_precision, multilabel_metrics,
                         precision_recall_curve, predict_labels)
from .metrics import DumpMultiLabelResults, MultiLabelMAP, VOCDevkitClsWriter, prediction_dump

# Needs mmdet: imported on first use (one per line).
__getattr__, __dir__ = lazy_attributes(__name__, {
    'DetectionMultiLabelMetric': '.metrics.detection_multilabel',
})

__all__ = [
    'average_precision', 'mean_average_precision', 'multilabel_metrics', 'precision_recall_curve',
    'predict_labels', 'MultiLabelMAP', 'DetectionMultiLabelMetric', 'DumpMultiLabelResults',
    'VOCDevkitClsWriter', 'prediction_dump'
]
