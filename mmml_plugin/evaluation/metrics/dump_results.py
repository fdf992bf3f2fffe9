"""``DumpMultiLabelResults``: every test image's class scores and targets to a ``.npz`` file.

The dump holds plain arrays only (no pickle), so reading it can never run code: it is what
``tools/test.py --out preds.npz`` writes and ``tools/analysis_tools/*`` read
(:func:`mmml_plugin.evaluation.results_io.load_predictions`).
"""
from typing import List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from ..results_io import check_dump_path, save_predictions
from .multilabel_map import MultiLabelMAP
from .records import (RecordBatch, RecordMetric, classification_batch, dataset_num_classes,
                      detection_batch)


class DumpMultiLabelResults(RecordMetric):
    """Write the (N, C) scores and int8 targets that :class:`MultiLabelMAP` scores to a ``.npz``.

    Classifiers (``pred_score``) and detectors (``pred_instances``, turned into image-level
    scores as :class:`DetectionMultiLabelMetric` does) are both accepted. The file holds
    ``scores`` (N, C), ``targets`` (N, C) int8 (1 / 0 / -1), ``img_paths`` (N,), ``split`` (the
    dataset split the samples come from: ``'test'`` for ``tools/test.py``, ``'val'`` for
    ``tools/test.py --split val``), when the dataset has them ``classes`` (C,), and, when given,
    the run's headline ``ap_mode``. Reports no metric. Detector configs (mmdet scope) name it
    ``'mmpretrain.DumpMultiLabelResults'``. Like mmengine's ``DumpResults``::

        test_evaluator = [dict(type='MultiLabelMAP'),
                          dict(type='DumpMultiLabelResults', out_file_path='preds.npz')]

    Args:
        out_file_path (str): the ``.npz`` to write.
        difficult_as_positive (bool, optional): as in :class:`MultiLabelMAP`; use the value of
            the metric whose numbers the dump should reproduce.
        num_classes (int, optional): C of a detector; by default ``len(dataset_meta['classes'])``.
        split (str): the split of the evaluated samples, recorded in the file (threshold tuning
            refuses ``'test'``).
        ap_mode (str, optional): the headline AP mode of the run's metric, recorded so that
            plots of the dump score it as the run's ``mAP`` was.
        collect_device (str): device used to gather results across ranks.
    """

    default_prefix: Optional[str] = 'multi-label'  # it reports nothing; no "prefix" warning

    def __init__(self,
                 out_file_path: str,
                 difficult_as_positive: Optional[bool] = None,
                 num_classes: Optional[int] = None,
                 split: str = 'test',
                 ap_mode: Optional[str] = None,
                 collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        self.out_file_path = check_dump_path(out_file_path)
        self.split = str(split)
        self.difficult_as_positive = difficult_as_positive
        self.num_classes = num_classes
        self.ap_mode = ap_mode

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the batch's (B, C) scores, (B, C) int8 targets and B image paths."""
        if not data_samples:
            return
        if 'pred_instances' in data_samples[0]:  # a detector: image-level scores
            num_classes = self.num_classes or dataset_num_classes(self.dataset_meta,
                                                                  type(self).__name__)
            batch = detection_batch(data_samples, num_classes, self.difficult_as_positive)
        else:
            batch = classification_batch(data_samples, self.difficult_as_positive)
        batch['img_path'] = np.array([str(ds.get('img_path') or '') for ds in data_samples])
        self.add_batch(batch)

    def compute_metrics(self, results: List[RecordBatch]) -> dict:
        """Write the file (on rank 0, after mmengine gathered every rank's samples)."""
        arrays = self.gathered(results)
        save_predictions(self.out_file_path,
                         arrays['pred_score'],
                         arrays['gt_target'],
                         classes=(self.dataset_meta or {}).get('classes'),
                         img_paths=arrays['img_path'],
                         split=self.split,
                         ap_mode=self.ap_mode)
        return {}


METRICS.register_module(module=DumpMultiLabelResults)


def prediction_dump(out_file_path: str,
                    metrics: Sequence[BaseMetric] = (),
                    split: str = 'test') -> DumpMultiLabelResults:
    """The dump metric ``tools/test.py --out preds.npz`` adds to a test evaluator.

    Args:
        out_file_path (str): the ``.npz`` to write.
        metrics (Sequence[BaseMetric]): the evaluator's metrics; the dump takes the difficult
            policy and class count of the first :class:`MultiLabelMAP` among them, so it holds
            exactly the targets that metric scored, its headline AP mode, and their
            ``dataset_meta`` (class names).
        split (str): the split being evaluated (``'test'``, or ``'val'``), recorded in the file.

    Returns:
        DumpMultiLabelResults: the metric to append to ``runner.test_evaluator.metrics``.
    """
    scorer = next((m for m in metrics if isinstance(m, MultiLabelMAP)), None)
    dump = DumpMultiLabelResults(out_file_path,
                                 difficult_as_positive=getattr(scorer, 'difficult_as_positive',
                                                               None),
                                 num_classes=getattr(scorer, 'num_classes', None),
                                 split=split,
                                 ap_mode=headline_ap_mode(scorer))
    # the test loop gave the evaluator's metrics the dataset's metainfo before this one existed
    meta = next((m.dataset_meta for m in metrics if m.dataset_meta is not None), None)
    if meta is not None:
        dump.dataset_meta = meta
    return dump


def headline_ap_mode(metric) -> Optional[str]:
    """The AP mode of a metric's ``mAP`` (the first of its ``ap_mode``); None if it has none."""
    mode = getattr(metric, 'ap_mode', None)
    if mode is None or isinstance(mode, str):
        return mode
    return str(list(mode)[0])
