from .detection_multilabel import DetectionMultiLabelMetric
from .dump_results import DumpMultiLabelResults, prediction_dump
from .multilabel_map import MultiLabelMAP

__all__ = ['MultiLabelMAP', 'DetectionMultiLabelMetric', 'DumpMultiLabelResults',
           'prediction_dump']
