"""``MultiLabelMAP``: mAP, CP/CR/CF1/OP/OR/OF1 and their top-k variants, in percent."""
import logging
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpretrain.registry import METRICS

from ..functional import UNDEFINED_AP, check_ap_modes, check_thr, check_topk, multilabel_metrics


def to_numpy(value) -> np.ndarray:
    """A tensor, array or sequence as a numpy array (tensors are detached and moved to CPU;
    bfloat16, which numpy lacks, becomes float32)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        return (value.float() if value.dtype == torch.bfloat16 else value).numpy()
    return np.asarray(value)


def difficult_value(difficult_as_positive: Optional[bool]) -> int:
    """Target of a difficult-only class: -1 (ignored) for None, 1 for True, 0 for False."""
    return {None: -1, True: 1, False: 0}[difficult_as_positive]


def sample_targets(data_sample: dict,
                   num_classes: int,
                   difficult_as_positive: Optional[bool] = None) -> np.ndarray:
    """The (C,) int8 targets (1 / 0 / -1) of an mmpretrain data sample.

    Uses ``gt_score`` when present (one-hot, -1 allowed), otherwise the ``gt_label`` class
    indices. Classes listed in ``gt_label_difficult`` (mmpretrain's VOC dataset) that are not
    positive become -1, or 1 / 0 with ``difficult_as_positive`` True / False.
    """
    if 'gt_score' in data_sample:
        target = to_numpy(data_sample['gt_score']).reshape(-1)
        if target.shape != (num_classes, ):
            raise ValueError(f'gt_score has {target.size} entries but pred_score has '
                             f'{num_classes}: the dataset classes and the head num_classes differ.')
        target = target.astype(np.int8) if np.isin(target, (-1, 0, 1)).all() else target
    elif 'gt_label' in data_sample:
        target = np.zeros(num_classes, dtype=np.int8)
        labels = _indices(data_sample['gt_label'], 'gt_label', num_classes)
        target[labels] = 1
    else:
        raise KeyError('the data sample has neither gt_score nor gt_label: the evaluation dataset '
                       'must provide ground truth (annotations in test_mode).')
    difficult = data_sample.get('gt_label_difficult')
    if difficult is not None:
        difficult = _indices(difficult, 'gt_label_difficult', num_classes)
        difficult = difficult[target[difficult] != 1]  # a class with a normal object: positive
        target[difficult] = difficult_value(difficult_as_positive)
    return target  # other values (soft labels) are rejected by check_scores_targets


def classification_record(data_sample: dict,
                          difficult_as_positive: Optional[bool] = None) -> Dict[str, np.ndarray]:
    """What the metrics keep of a classifier's data sample: its (C,) ``pred_score`` (dtype
    kept: float64 scores stay float64) and its (C,) int8 ``gt_target`` (see :func:`sample_targets`).
    """
    if 'pred_score' not in data_sample:
        raise KeyError('the data sample has no pred_score: MultiLabelMAP needs a classifier whose '
                       'head predicts scores (mode="predict").')
    score = to_numpy(data_sample['pred_score']).reshape(-1)
    return dict(pred_score=score,
                gt_target=sample_targets(data_sample, score.size, difficult_as_positive))


def _indices(value, name: str, num_classes: int) -> np.ndarray:
    idx = to_numpy(value).reshape(-1).astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise ValueError(f'{name} {idx.tolist()} is out of range for {num_classes} classes: the '
                         'dataset classes and the head num_classes differ.')
    return idx


@METRICS.register_module()
class MultiLabelMAP(BaseMetric):
    """Multi-label mAP and the CP/CR/CF1/OP/OR/OF1 family (as ML-GCN ``util.py`` L258-289
    defines it; the official SSGRL code computes no F1), in percent.

    Reports ``mAP`` in the first AP mode and ``mAP_<mode>`` for each further mode of ``ap_mode``;
    ``CP, CR, CF1, OP, OR, OF1`` at ``score >= thr``; ``CP_top<k> .. OF1_top<k>`` for the labels
    >= thr that are also among the sample's k highest scores; ``AP_classwise`` (first mode) with
    ``classwise=True``. Targets of -1 (difficult) are ignored; classes without positives are left
    out of every class mean and named in a warning. Definitions: docs/metrics.md. The official
    SSGRL evaluation (all-point AP as headline, the sklearn-mode mAP beside it)::

        test_evaluator = dict(type='MultiLabelMAP', ap_mode=['voc', 'sklearn'])

    Args:
        ap_mode (str | Sequence[str]): ``'sklearn'`` (step-wise, default), ``'voc'`` (all-point
            interpolated, SSGRL's official ``voc_ap``) or ``'voc11'`` (11-point), or a list of
            distinct modes whose first is the headline ``mAP``.
        thr (float): score threshold of the F1 family (scores are probabilities).
        topk (int, optional): k of the top-k F1 family; None to skip it.
        classwise (bool): also report per-class AP (of the first mode), -1 for classes without
            positives.
        difficult_as_positive (bool, optional): classes with only difficult objects count as
            ignored (None, the standard), positive (True) or negative (False, the official SSGRL
            evaluation), like mmpretrain's VOC metrics.
        collect_device (str): device used to gather results across ranks.
        prefix (str, optional): key prefix; ``'multi-label'`` by default.
    """
    default_prefix: Optional[str] = 'multi-label'

    def __init__(self,
                 ap_mode: Union[str, Sequence[str]] = 'sklearn',
                 thr: float = 0.5,
                 topk: Optional[int] = 3,
                 classwise: bool = False,
                 difficult_as_positive: Optional[bool] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        modes = check_ap_modes(ap_mode)
        self.ap_mode = modes[0] if isinstance(ap_mode, str) else modes
        self.thr = check_thr(thr)
        if self.thr is None:
            raise ValueError(f'{type(self).__name__}: thr=None; the CP..OF1 family needs a score '
                             'threshold (e.g. thr=0.5).')
        self.topk = check_topk(topk)
        self.classwise = classwise
        self.difficult_as_positive = difficult_as_positive

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep each sample's (C,) ``pred_score`` and (C,) int8 targets."""
        for data_sample in data_samples:
            self.results.append(classification_record(data_sample, self.difficult_as_positive))

    def compute_metrics(self, results: List[dict]) -> Dict[str, object]:
        """Stack the collected samples and compute every metric."""
        if not results:
            raise ValueError(f'{type(self).__name__} received no sample: the evaluation '
                             'dataloader is empty; check the val/test dataset and its ann_file.')
        scores = np.stack([r['pred_score'] for r in results])
        targets = np.stack([r['gt_target'] for r in results])
        return self.summarize(scores, targets)

    def summarize(self, scores: np.ndarray, targets: np.ndarray) -> Dict[str, object]:
        """The reported metrics of (N, C) scores and targets, in percent."""
        values = multilabel_metrics(scores, targets, self.ap_mode, self.thr, self.topk)
        missing = values.pop('no_positive_classes')
        if missing.size:
            print_log(
                f'{type(self).__name__}: {missing.size} class(es) have no positive sample in the '
                f'{len(scores)} evaluated samples and are left out of mAP, CP and CR: '
                f'{self._class_names(missing)}',
                logger='current',
                level=logging.WARNING)
        metrics = {}
        for key, value in values.items():
            if key.startswith('AP'):
                if self.classwise and key == 'AP':
                    metrics['AP_classwise'] = [
                        v if v == UNDEFINED_AP else 100 * v for v in value.tolist()
                    ]
                continue
            metrics[key] = 100 * value
        return metrics

    def _class_names(self, indices: np.ndarray) -> List[str]:
        classes = (self.dataset_meta or {}).get('classes')
        if classes is None or len(classes) <= indices.max():
            return [str(i) for i in indices.tolist()]
        return [f'{i}:{classes[i]}' for i in indices.tolist()]
