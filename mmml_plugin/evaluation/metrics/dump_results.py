"""``DumpMultiLabelResults``: every test image's class scores and targets to a ``.npz`` file.

The dump holds plain arrays only (no pickle), so reading it can never run code: it is what
``tools/test.py --dump preds.npz`` writes and ``tools/analysis/*`` read
(:func:`mmml_plugin.evaluation.results_io.load_predictions`).
"""
from typing import List, Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from ..results_io import check_dump_path, save_predictions
from .multilabel_map import MultiLabelMAP, classification_record


class DumpMultiLabelResults(BaseMetric):
    """Write the (N, C) scores and int8 targets that :class:`MultiLabelMAP` scores to a ``.npz``.

    Classifiers (``pred_score``) and detectors (``pred_instances``, turned into image-level
    scores as :class:`DetectionMultiLabelMetric` does) are both accepted. The file holds
    ``scores`` (N, C), ``targets`` (N, C) int8 (1 / 0 / -1), ``img_paths`` (N,) and, when the
    dataset has them, ``classes`` (C,), and, when given, the run's headline ``ap_mode``. Reports
    no metric. Like mmengine's ``DumpResults``::

        test_evaluator = [dict(type='MultiLabelMAP'),
                          dict(type='DumpMultiLabelResults', out_file_path='preds.npz')]

    Args:
        out_file_path (str): the ``.npz`` to write.
        difficult_as_positive (bool, optional): as in :class:`MultiLabelMAP`; use the value of
            the metric whose numbers the dump should reproduce.
        num_classes (int, optional): C of a detector; by default ``len(dataset_meta['classes'])``.
        ap_mode (str, optional): the headline AP mode of the run's metric, recorded so that
            plots of the dump score it as the run's ``mAP`` was.
        collect_device (str): device used to gather results across ranks.
    """

    default_prefix: Optional[str] = 'multi-label'  # it reports nothing; no "prefix" warning

    def __init__(self,
                 out_file_path: str,
                 difficult_as_positive: Optional[bool] = None,
                 num_classes: Optional[int] = None,
                 ap_mode: Optional[str] = None,
                 collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        self.out_file_path = check_dump_path(out_file_path)
        self.difficult_as_positive = difficult_as_positive
        self.num_classes = num_classes
        self.ap_mode = ap_mode

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep each sample's (C,) scores, (C,) int8 targets and image path."""
        for data_sample in data_samples:
            if 'pred_instances' in data_sample:
                # a detector (mmdet is there): image-level scores as DetectionMultiLabelMetric
                from .detection_multilabel import dataset_num_classes, detection_record
                num_classes = self.num_classes or dataset_num_classes(self.dataset_meta,
                                                                      type(self).__name__)
                record = detection_record(data_sample, num_classes, self.difficult_as_positive)
            else:
                record = classification_record(data_sample, self.difficult_as_positive)
            record['img_path'] = str(data_sample.get('img_path') or '')
            self.results.append(record)

    def compute_metrics(self, results: List[dict]) -> dict:
        """Write the file (on rank 0, after mmengine gathered every rank's samples)."""
        save_predictions(self.out_file_path, [r['pred_score'] for r in results],
                         [r['gt_target'] for r in results],
                         classes=(self.dataset_meta or {}).get('classes'),
                         img_paths=[r['img_path'] for r in results],
                         ap_mode=self.ap_mode)
        return {}


# mmdet's METRICS gets it in detection_multilabel.py, which needs mmdet (import boundaries)
METRICS.register_module(module=DumpMultiLabelResults)


# yapf: disable
def prediction_dump(out_file_path: str,
                    metrics: Sequence[BaseMetric] = ()) -> DumpMultiLabelResults:
    # yapf: enable
    """The dump metric ``tools/test.py --dump`` adds to a test evaluator.

    Args:
        out_file_path (str): the ``.npz`` to write.
        metrics (Sequence[BaseMetric]): the evaluator's metrics; the dump takes the difficult
            policy and class count of the first :class:`MultiLabelMAP` among them, so it holds
            exactly the targets that metric scored, its headline AP mode, and their
            ``dataset_meta`` (class names).

    Returns:
        DumpMultiLabelResults: the metric to append to ``runner.test_evaluator.metrics``.
    """
    scorer = next((m for m in metrics if isinstance(m, MultiLabelMAP)), None)
    dump = DumpMultiLabelResults(out_file_path,
                                 difficult_as_positive=getattr(scorer, 'difficult_as_positive',
                                                               None),
                                 num_classes=getattr(scorer, 'num_classes', None),
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
