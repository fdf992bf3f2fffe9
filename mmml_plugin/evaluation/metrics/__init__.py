from .detection_multilabel import DetectionMultiLabelMetric
from .dump_results import DumpMultiLabelResults, prediction_dump
from .multilabel_map import MultiLabelMAP
from .voc_devkit_writer import VOCDevkitClsWriter, write_voc_cls_results

__all__ = [
    'MultiLabelMAP', 'DetectionMultiLabelMetric', 'DumpMultiLabelResults', 'prediction_dump',
    'VOCDevkitClsWriter', 'write_voc_cls_results'
]
