"""Multi-label metrics: numpy functions (``functional``), mmengine metrics (``metrics``)
registered as ``MultiLabelMAP``, ``DumpMultiLabelResults`` and ``VOCDevkitClsWriter``
(mmpretrain) and ``DetectionMultiLabelMetric`` (mmdet; imported on first use, see
``metrics/__init__.py``), the readers/writers of run results (``results_io``), per-class
threshold files (``threshold_file``) and the re-scoring of a prediction dump (``rescore``)."""
from mmml_plugin.utils.lazy import lazy_attributes

from .functional import (average_precision, mean_average_precision, multilabel_metrics,
                         precision_recall_curve, predict_labels, tune_thresholds)
from .metrics import DumpMultiLabelResults, MultiLabelMAP, VOCDevkitClsWriter, prediction_dump
from .rescore import rescore_predictions
from .threshold_file import load_thresholds, save_thresholds
from .threshold_tuning import tune_dump_thresholds

# Needs mmdet: imported on first use (one per line).
__getattr__, __dir__ = lazy_attributes(__name__, {
    'DetectionMultiLabelMetric': '.metrics.detection_multilabel',
})

__all__ = [
    'average_precision', 'mean_average_precision', 'multilabel_metrics', 'precision_recall_curve',
    'predict_labels', 'MultiLabelMAP', 'DetectionMultiLabelMetric', 'DumpMultiLabelResults',
    'VOCDevkitClsWriter', 'prediction_dump', 'tune_thresholds', 'load_thresholds',
    'save_thresholds', 'rescore_predictions', 'tune_dump_thresholds'
]
