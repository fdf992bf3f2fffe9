"""Re-scoring a prediction dump without the model: with the metric's settings it gives the metric's
numbers, and each other setting (AP mode, threshold, top-k, class subset, difficult policy,
empty-image policy) gives what the metric computes on correspondingly changed samples."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmpretrain.registry import METRICS
from mmpretrain.structures import DataSample

from mmml_plugin.evaluation import rescore_predictions, save_thresholds
from mmml_plugin.evaluation.functional import multilabel_metrics
from mmml_plugin.evaluation.results_io import save_predictions

CLASSES = ['cat', 'dog', 'car', 'bus', 'boat']


@pytest.fixture(scope='module')
def problem():
    rng = np.random.default_rng(7)
    scores = np.round(rng.random((60, 5)), 2)  # float64, as the heads predict
    targets = (rng.random((60, 5)) < 0.3).astype(np.int8)
    targets[rng.random((60, 5)) < 0.1] = -1
    targets[:3] = 0  # images without a positive
    targets[3] = 1
    return scores, targets


def metric_on_samples(cfg, scores, targets, policy=None):
    """MultiLabelMAP through the evaluator, ground truth as mmpretrain VOC samples carry it."""
    samples = []
    for s, t in zip(scores, targets):
        ds = DataSample().set_pred_score(torch.from_numpy(s)).set_gt_label(np.flatnonzero(t == 1))
        if (t == -1).any():
            ds.set_field(np.flatnonzero(t == -1), 'gt_label_difficult', field_type='metainfo')
        samples.append(ds)
    evaluator = Evaluator([METRICS.build(dict(type='MultiLabelMAP', **cfg))])
    evaluator.dataset_meta = dict(classes=CLASSES)
    evaluator.process(data_samples=samples)
    return {k.split('/')[-1]: v for k, v in evaluator.evaluate(len(samples)).items()}


@pytest.fixture(scope='module')
def dump(problem, tmp_path_factory):
    path = tmp_path_factory.mktemp('rescore') / 'preds.npz'
    return save_predictions(str(path), *problem, classes=CLASSES, split='test')


@pytest.mark.parametrize('cfg', [
    dict(),
    dict(ap_mode=['voc', 'sklearn', 'voc11'], thr=0.3, topk=2, classwise=True),
    dict(ap_mode='voc11', topk=None),
])
def test_equals_the_metric_with_the_same_settings(problem, dump, cfg):
    assert rescore_predictions(dump, **cfg) == metric_on_samples(cfg, *problem)


@pytest.mark.parametrize('policy,value', [(True, 1), (False, 0)])
def test_difficult_policy_equals_the_metric_run_with_it(problem, dump, policy, value):
    got = rescore_predictions(dump, difficult_as_positive=policy)
    assert got == metric_on_samples(dict(difficult_as_positive=policy), *problem)
    assert got != rescore_predictions(dump)


def test_class_subset_by_name_or_index(problem, dump):
    scores, targets = problem
    cols = [3, 0]
    ref = multilabel_metrics(scores[:, cols], targets[:, cols], thr=0.5, topk=3)
    for subset in (['bus', 'cat'], [3, 0], ['3', '0']):
        got = rescore_predictions(dump, classes=subset, classwise=True)
        assert got['mAP'] == 100 * ref['mAP'] and got['CF1_top3'] == 100 * ref['CF1_top3']
        assert len(got['AP_classwise']) == 2
    with pytest.raises(KeyError, match="'zebra' is not among the dump classes"):
        rescore_predictions(dump, classes=['zebra'])
    with pytest.raises(IndexError, match='out of range'):
        rescore_predictions(dump, classes=[9])


def test_empty_images_dropped_or_kept(problem, dump):
    scores, targets = problem
    keep = (targets[:, [1, 2]] == 1).any(axis=1)
    assert not keep.all()
    got = rescore_predictions(dump, classes=['dog', 'car'], empty_images='drop')
    ref = multilabel_metrics(scores[keep][:, [1, 2]], targets[keep][:, [1, 2]], thr=0.5, topk=3)
    assert got['OP'] == 100 * ref['OP'] and got['mAP'] == 100 * ref['mAP']
    assert got != rescore_predictions(dump, classes=['dog', 'car'])
    with pytest.raises(ValueError, match='empty_images'):
        rescore_predictions(dump, empty_images='skip')


def test_threshold_file_follows_the_class_subset(problem, dump, tmp_path):
    scores, targets = problem
    thresholds = [0.1, 0.2, 0.3, 0.4, 0.6]
    path = save_thresholds(str(tmp_path / 't.json'), thresholds, CLASSES)
    got = rescore_predictions(dump, thr=path, classes=['boat', 'dog'])
    ref = multilabel_metrics(scores[:, [4, 1]], targets[:, [4, 1]], thr=[0.6, 0.2], topk=3)
    assert got['CF1'] == 100 * ref['CF1'] and got['OF1_top3'] == 100 * ref['OF1_top3']
    assert rescore_predictions(dump, thr=path) == metric_on_samples(dict(thr=path), *problem)
