"""``DetectionMultiLabelMetric`` on real mmdet ``DetDataSample``s, next to mmdet's VOCMetric."""
import numpy as np
import pytest
import torch
from mmdet.registry import METRICS as DET_METRICS
from mmdet.structures import DetDataSample
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

import mmml_plugin.evaluation.metrics.detection_multilabel  # noqa: F401  (registers into mmdet)
from mmml_plugin.evaluation.functional import multilabel_metrics
from mmml_plugin.evaluation.metrics.records import stack_records

pytestmark = pytest.mark.det

CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat')


def instances(labels, scores=None, boxes=None):
    inst = InstanceData()
    n = len(labels)
    inst.bboxes = torch.as_tensor(
        boxes if boxes is not None else [[10.0 * i, 10.0, 10.0 * i + 30, 50.0] for i in range(n)],
        dtype=torch.float32).reshape(n, 4)
    inst.labels = torch.as_tensor(labels, dtype=torch.int64)
    if scores is not None:
        inst.scores = torch.as_tensor(scores, dtype=torch.float32)
    return inst


def det_sample(gt, ignored, pred_labels, pred_scores):
    sample = DetDataSample(metainfo=dict(img_shape=(100, 100), ori_shape=(100, 100)))
    sample.gt_instances = instances(gt)
    sample.ignored_instances = instances(ignored)
    sample.pred_instances = instances(pred_labels, pred_scores)
    return sample


# image-level: scores = max detection score per class; targets from boxes (difficult-only: -1)
IMAGES = [
    # gt labels, ignored (difficult) labels, predicted labels, predicted scores
    ([0, 0], [], [0, 0, 2], [0.9, 0.3, 0.4]),
    ([1], [2], [1, 2, 3], [0.6, 0.8, 0.2]),
    ([2, 3], [3], [2, 3, 0], [0.7, 0.55, 0.1]),
    ([3], [], [], []),
    ([0, 1], [1], [1, 1], [0.2, 0.95]),
]
SCORES = np.array(
    [[0.9, 0, 0.4, 0], [0, 0.6, 0.8, 0.2], [0.1, 0, 0.7, 0.55], [0, 0, 0, 0], [0, 0.95, 0, 0]],
    dtype=np.float32)
TARGETS = np.array([
    [1, 0, 0, 0],
    [0, 1, -1, 0],  # class 2 only difficult: ignored
    [0, 0, 1, 1],  # class 3 also has a normal box: positive
    [0, 0, 0, 1],
    [1, 1, 0, 0]
])


def build_evaluator(metrics):
    with DefaultScope.overwrite_default_scope('mmdet'):
        evaluator = Evaluator([DET_METRICS.build(m) for m in metrics])
    evaluator.dataset_meta = dict(classes=CLASSES)
    return evaluator


def test_detections_become_image_level_scores_and_targets():
    evaluator = build_evaluator([dict(type='DetectionMultiLabelMetric', classwise=True)])
    evaluator.process(data_samples=[det_sample(*img) for img in IMAGES])
    got = evaluator.evaluate(len(IMAGES))
    ref = multilabel_metrics(SCORES, TARGETS, 'sklearn', thr=0.5, topk=3)
    assert got['multi-label/mAP'] == pytest.approx(100 * ref['mAP'], abs=1e-12)
    assert got['multi-label/CF1'] == pytest.approx(100 * ref['CF1'], abs=1e-12)
    assert got['multi-label/AP_classwise'] == pytest.approx(list(100 * ref['AP']))
    # by hand, class 0: scores (0.9 +, 0 -, 0.1 -, 0 -, 0 +) -> AP = (1 + 2/5) / 2
    assert got['multi-label/AP_classwise'][0] == pytest.approx(70.0)


def test_next_to_voc_metric_in_one_evaluator():
    evaluator = build_evaluator([
        dict(type='VOCMetric', metric='mAP', eval_mode='11points'),
        dict(type='DetectionMultiLabelMetric', ap_mode='voc11')
    ])
    for i in range(0, len(IMAGES), 2):
        evaluator.process(data_samples=[det_sample(*img) for img in IMAGES[i:i + 2]])
    got = evaluator.evaluate(len(IMAGES))
    assert 'pascal_voc/mAP' in got and 'multi-label/mAP' in got
    ref = multilabel_metrics(SCORES, TARGETS, 'voc11', thr=0.5, topk=3)
    assert got['multi-label/mAP'] == pytest.approx(100 * ref['mAP'], abs=1e-12)


def test_num_classes_is_required_without_dataset_meta():
    with DefaultScope.overwrite_default_scope('mmdet'):
        metric = DET_METRICS.build(dict(type='DetectionMultiLabelMetric'))
    with pytest.raises(ValueError, match='num_classes'):
        metric.process({}, [det_sample(*IMAGES[0]).to_dict()])
    with DefaultScope.overwrite_default_scope('mmdet'):
        metric = DET_METRICS.build(dict(type='DetectionMultiLabelMetric', num_classes=2))
    with pytest.raises(ValueError, match='out of range'):
        metric.process({}, [det_sample(*IMAGES[0]).to_dict()])


def test_difficult_only_classes_follow_the_policy():
    for policy, value in ((None, -1), (True, 1), (False, 0)):
        with DefaultScope.overwrite_default_scope('mmdet'):
            metric = DET_METRICS.build(
                dict(type='DetectionMultiLabelMetric', difficult_as_positive=policy))
        metric.dataset_meta = dict(classes=CLASSES)
        metric.process({}, [det_sample(*IMAGES[2]).to_dict(), det_sample(*IMAGES[1]).to_dict()])
        kept = stack_records(metric.results)
        assert kept['gt_target'].tolist() == [[0, 0, 1, 1], [0, 1, value, 0]]  # 3: normal box
        np.testing.assert_array_equal(kept['pred_score'][1], np.float32([0, 0.6, 0.8, 0.2]))
