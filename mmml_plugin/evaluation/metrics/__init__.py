from .detection_multilabel import DetectionMultiLabelMetric
from .multilabel_map import MultiLabelMAP
from .voc_devkit_writer import VOCDevkitClsWriter, write_voc_cls_results

__all__ = [
    'MultiLabelMAP', 'DetectionMultiLabelMetric', 'VOCDevkitClsWriter', 'write_voc_cls_results'
]
