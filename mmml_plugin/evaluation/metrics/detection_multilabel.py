"""``DetectionMultiLabelMetric``: a detector scored as a multi-label image classifier.

The only module of the plugin that needs mmdet: the metric and its registration into mmdet's
``METRICS`` (like mmdet's ``evaluation/metrics/dump_det_results.py``). How a detector's data
sample becomes image-level scores and targets lives in :mod:`.records` (no mmdet there)."""
from typing import Optional, Sequence, Union

from mmdet.registry import METRICS as DET_METRICS

from .multilabel_map import MultiLabelMAP
from .records import dataset_num_classes, detection_batch


@DET_METRICS.register_module()
class DetectionMultiLabelMetric(MultiLabelMAP):
    """Scores a detector as a multi-label classifier, with the numbers of :class:`MultiLabelMAP`.

    Each image's class score is the maximum score of its detections of that class (0 when there
    is none); its targets come from the ``gt_instances`` labels, with classes that only have
    ``ignored_instances`` (VOC difficult boxes) set to -1. Use it next to mmdet's ``VOCMetric``::

        val_evaluator = [dict(type='VOCMetric', metric='mAP', eval_mode='11points'),
                         dict(type='DetectionMultiLabelMetric')]

    Args:
        ap_mode (str | Sequence[str]): AP mode(s); the first is the headline ``mAP`` (see
            :class:`MultiLabelMAP`).
        thr (float): score threshold of the F1 family, on the detection scores.
        topk (int, optional): k of the top-k F1 family; None to skip it.
        classwise (bool): also report per-class AP (of the first mode).
        difficult_as_positive (bool, optional): classes with only ignored (difficult) boxes
            count as ignored (None), positive (True) or negative (False).
        num_classes (int, optional): number of classes; by default ``len(dataset_meta['classes'])``.
        collect_device (str): device used to gather results across ranks.
        prefix (str, optional): key prefix; ``'multi-label'`` by default.
    """

    def __init__(self,
                 ap_mode: Union[str, Sequence[str]] = 'sklearn',
                 thr: float = 0.5,
                 topk: Optional[int] = 3,
                 classwise: bool = False,
                 difficult_as_positive: Optional[bool] = None,
                 num_classes: Optional[int] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(ap_mode=ap_mode,
                         thr=thr,
                         topk=topk,
                         classwise=classwise,
                         difficult_as_positive=difficult_as_positive,
                         collect_device=collect_device,
                         prefix=prefix)
        self.num_classes = num_classes

    def _num_classes(self) -> int:
        if self.num_classes is not None:
            return self.num_classes
        return dataset_num_classes(self.dataset_meta, type(self).__name__)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep each image's (C,) class scores and (C,) int8 targets."""
        if data_samples:
            self.add_batch(
                detection_batch(data_samples, self._num_classes(), self.difficult_as_positive))
