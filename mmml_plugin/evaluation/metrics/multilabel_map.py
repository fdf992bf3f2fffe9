"""``MultiLabelMAP``: mAP, CP/CR/CF1/OP/OR/OF1 and their top-k variants, in percent."""
import logging
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log
from mmpretrain.registry import METRICS

from ..functional import UNDEFINED_AP, check_ap_modes, check_thr, check_topk, multilabel_metrics
from ..threshold_file import check_threshold_classes, read_threshold_file
from .records import RecordBatch, RecordMetric, classification_batch


@METRICS.register_module()
class MultiLabelMAP(RecordMetric):
    """Multi-label mAP and the CP/CR/CF1/OP/OR/OF1 family (as ML-GCN ``util.py`` L258-289
    defines it; the official SSGRL code computes no F1), in percent.

    Reports ``mAP`` in the first AP mode and ``mAP_<mode>`` for each further mode of ``ap_mode``;
    ``CP, CR, CF1, OP, OR, OF1`` at ``score >= thr``; ``CP_top<k> .. OF1_top<k>`` for the labels
    >= thr that are also among the sample's k highest scores (``thr`` may be one threshold per
    class: a sequence, or a file of ``tools/analysis_tools/tune_thresholds.py``, whose class
    names must match the dataset's); ``AP_classwise`` (first mode) with
    ``classwise=True``. Targets of -1 (difficult) are ignored; classes without positives are left
    out of every class mean and named in a warning. Definitions: docs/metrics.md. The official
    SSGRL evaluation (all-point AP as headline, the sklearn-mode mAP beside it)::

        test_evaluator = dict(type='MultiLabelMAP', ap_mode=['voc', 'sklearn'])

    Args:
        ap_mode (str | Sequence[str]): ``'sklearn'`` (step-wise, default), ``'voc'`` (all-point
            interpolated, SSGRL's official ``voc_ap``) or ``'voc11'`` (11-point), or a list of
            distinct modes whose first is the headline ``mAP``.
        thr (float | Sequence[float] | str): score threshold of the F1 family (scores are
            probabilities), or (C,) per-class thresholds, or the JSON file holding them
            (:func:`~mmml_plugin.evaluation.threshold_file.load_thresholds`).
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
                 thr: Union[float, Sequence[float], str] = 0.5,
                 topk: Optional[int] = 3,
                 classwise: bool = False,
                 difficult_as_positive: Optional[bool] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        modes = check_ap_modes(ap_mode)
        self.ap_mode = modes[0] if isinstance(ap_mode, str) else modes
        self.thr_file, self.thr_classes = None, None
        if isinstance(thr, str):  # names checked against the dataset's when scoring
            if not osp.isfile(thr):
                raise ValueError(f'thr={thr!r} is neither a number nor an existing threshold '
                                 'file: pass thr=0.5, per-class thresholds, or the JSON of '
                                 'tools/analysis_tools/tune_thresholds.py.')
            data = read_threshold_file(thr)
            self.thr_file, self.thr_classes, thr = thr, data['classes'], data['thresholds']
        self.thr = check_thr(thr)
        if self.thr is None:
            raise ValueError(f'{type(self).__name__}: thr=None; the CP..OF1 family needs a score '
                             'threshold (e.g. thr=0.5).')
        self.topk = check_topk(topk)
        self.classwise = classwise
        self.difficult_as_positive = difficult_as_positive

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the batch's (B, C) ``pred_score`` and (B, C) int8 targets."""
        if data_samples:
            self.add_batch(classification_batch(data_samples, self.difficult_as_positive))

    def compute_metrics(self, results: List[RecordBatch]) -> Dict[str, object]:
        """Stack the collected samples and compute every metric."""
        if not results:
            raise ValueError(f'{type(self).__name__} received no sample: the evaluation '
                             'dataloader is empty; check the val/test dataset and its ann_file.')
        arrays = self.gathered(results)
        return self.summarize(arrays.pop('pred_score'), arrays.pop('gt_target'))

    def summarize(self, scores: np.ndarray, targets: np.ndarray) -> Dict[str, object]:
        """The reported metrics of (N, C) scores and targets, in percent."""
        if self.thr_file is not None:
            check_threshold_classes(self.thr_classes, (self.dataset_meta or {}).get('classes'),
                                    self.thr_file)
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
