from .detection_multilabel import DetectionMultiLabelMetric
from .multilabel_map import MultiLabelMAP

__all__ = ['MultiLabelMAP', 'DetectionMultiLabelMetric']
