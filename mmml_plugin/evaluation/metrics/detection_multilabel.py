"""``DetectionMultiLabelMetric``: a detector scored as a multi-label image classifier."""
from typing import Dict, Optional, Sequence, Union

import numpy as np
from mmdet.registry import METRICS as DET_METRICS

from .multilabel_map import MultiLabelMAP, difficult_value, to_numpy


def detections_to_scores(labels: np.ndarray, scores: np.ndarray, num_classes: int) -> np.ndarray:
    """Image-level class scores from one image's detections.

    Args:
        labels (np.ndarray): (K,) class index of each detection.
        scores (np.ndarray): (K,) detection scores.
        num_classes (int): C.

    Returns:
        np.ndarray: (C,) float32, s_c = max score of the class-c detections, 0 if there is none.
    """
    image_scores = np.zeros(num_classes, dtype=np.float32)
    if labels.size:
        if labels.min() < 0 or labels.max() >= num_classes:
            raise ValueError(f'detection labels {np.unique(labels).tolist()} are out of range for '
                             f'{num_classes} classes: the detector head num_classes and the '
                             'dataset classes differ.')
        np.maximum.at(image_scores, labels, scores.astype(np.float32))  # s_c = max_k score_k
    return image_scores


def instances_to_targets(gt_labels: np.ndarray,
                         ignored_labels: np.ndarray,
                         num_classes: int,
                         difficult_as_positive: Optional[bool] = None) -> np.ndarray:
    """Image-level targets: 1 for classes with a box, -1 for classes with only ignored
    (VOC difficult) boxes (1 / 0 with ``difficult_as_positive`` True / False), 0 otherwise.

    Args:
        gt_labels (np.ndarray): (K,) labels of the ``gt_instances``.
        ignored_labels (np.ndarray): (M,) labels of the ``ignored_instances``.
        num_classes (int): C.
        difficult_as_positive (bool, optional): see :class:`MultiLabelMAP`.

    Returns:
        np.ndarray: (C,) int8.
    """
    targets = np.zeros(num_classes, dtype=np.int8)
    for name, labels in (('gt_instances', gt_labels), ('ignored_instances', ignored_labels)):
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(f'{name} labels {np.unique(labels).tolist()} are out of range for '
                             f'{num_classes} classes: check the dataset classes.')
    targets[ignored_labels] = difficult_value(difficult_as_positive)
    targets[gt_labels] = 1  # a class with a normal box is positive
    return targets


def _field(instances, key: str) -> np.ndarray:
    """``instances[key]`` as a flat numpy array; instances may be a dict or an InstanceData."""
    value = instances[key] if isinstance(instances, dict) else getattr(instances, key)
    return to_numpy(value).reshape(-1)


def detection_record(data_sample: dict,
                     num_classes: int,
                     difficult_as_positive: Optional[bool] = None) -> Dict[str, np.ndarray]:
    """What the metrics keep of a detector's data sample: the image's (C,) float32 class scores
    (:func:`detections_to_scores`) and (C,) int8 targets (:func:`instances_to_targets`)."""
    pred = data_sample['pred_instances']
    scores = detections_to_scores(
        _field(pred, 'labels').astype(np.int64), _field(pred, 'scores'), num_classes)
    gt_labels = _field(data_sample['gt_instances'], 'labels').astype(np.int64)
    ignored = data_sample.get('ignored_instances')
    ignored_labels = (_field(ignored, 'labels').astype(np.int64) if ignored is not None
                      and 'labels' in ignored else np.zeros(0, dtype=np.int64))
    return dict(pred_score=scores,
                gt_target=instances_to_targets(gt_labels, ignored_labels, num_classes,
                                               difficult_as_positive))


def dataset_num_classes(dataset_meta: Optional[dict], metric: str) -> int:
    """C from a dataset's ``metainfo['classes']``."""
    classes = (dataset_meta or {}).get('classes')
    if classes is None:
        raise ValueError(f'{metric} does not know the number of classes: the dataset has no '
                         'metainfo "classes"; pass num_classes=C.')
    return len(classes)


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
        num_classes = self._num_classes()
        for data_sample in data_samples:
            self.results.append(
                detection_record(data_sample, num_classes, self.difficult_as_positive))


def _register_dump_for_detectors() -> None:
    """``tools/test.py --out preds.npz`` on a detector config: the dump metric in mmdet's
    registry too."""
    from .dump_results import DumpMultiLabelResults
    if DET_METRICS.get('DumpMultiLabelResults') is None:
        DET_METRICS.register_module(module=DumpMultiLabelResults)


_register_dump_for_detectors()
