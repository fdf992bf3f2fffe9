"""mmengine metrics. ``MultiLabelMAP``, ``DumpMultiLabelResults`` and ``VOCDevkitClsWriter``
register into mmpretrain's ``METRICS`` on import; ``DetectionMultiLabelMetric`` needs mmdet and
registers into mmdet's ``METRICS`` (with ``DumpMultiLabelResults``) when its module
(``mmml_plugin.evaluation.metrics.detection_multilabel``) is imported, as the Faster R-CNN
config's ``custom_imports`` does; the name below imports it on first use."""
from mmml_plugin.utils.lazy import lazy_attributes

from .dump_results import DumpMultiLabelResults, prediction_dump
from .multilabel_map import MultiLabelMAP
from .voc_devkit_writer import VOCDevkitClsWriter, write_voc_cls_results

# Needs mmdet: imported on first use (one per line).
__getattr__, __dir__ = lazy_attributes(__name__, {
    'DetectionMultiLabelMetric': '.detection_multilabel',
})

__all__ = [
    'MultiLabelMAP', 'DetectionMultiLabelMetric', 'DumpMultiLabelResults', 'prediction_dump',
    'VOCDevkitClsWriter', 'write_voc_cls_results'
]
