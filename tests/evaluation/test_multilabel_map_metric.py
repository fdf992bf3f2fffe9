"""``MultiLabelMAP`` through mmengine's Evaluator with real mmpretrain data samples."""
import logging

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmpretrain.registry import METRICS
from mmpretrain.structures import DataSample

from mmml_plugin.evaluation.functional import multilabel_metrics
from mmml_plugin.evaluation.metrics.records import stack_records

CLASSES = ('cat', 'dog', 'car', 'bus', 'boat')


def make_samples(scores, targets, as_score=False):
    samples = []
    for s, t in zip(scores, targets):
        ds = DataSample().set_pred_score(torch.as_tensor(s, dtype=torch.float32))
        if as_score:
            ds.set_gt_score(torch.as_tensor(t, dtype=torch.float32))
        else:
            ds.set_gt_label(np.flatnonzero(t == 1).tolist())
            if (t == -1).any():
                ds.set_field(np.flatnonzero(t == -1).tolist(),
                             'gt_label_difficult',
                             field_type='metainfo')
        samples.append(ds)
    return samples


def evaluate(cfg, samples, batch=4):
    evaluator = Evaluator([METRICS.build(cfg)])
    evaluator.dataset_meta = dict(classes=CLASSES)
    for i in range(0, len(samples), batch):
        evaluator.process(data_samples=samples[i:i + batch])
    return evaluator.evaluate(len(samples))


@pytest.fixture(scope='module')
def problem():
    rng = np.random.default_rng(0)
    scores = np.round(rng.random((37, 5)), 2).astype(np.float32)
    targets = (rng.random((37, 5)) < 0.35).astype(np.int64)
    targets[0] = 1
    targets[rng.random((37, 5)) < 0.1] = -1
    return scores, targets


def test_keys_and_values_in_percent(problem):
    scores, targets = problem
    got = evaluate(dict(type='MultiLabelMAP'), make_samples(scores, targets))
    ref = multilabel_metrics(scores, targets, 'sklearn', thr=0.5, topk=3)
    names = ['mAP', 'CP', 'CR', 'CF1', 'OP', 'OR', 'OF1']
    expected = names + [f'{k}_top3' for k in names[1:]]
    assert sorted(got) == sorted(f'multi-label/{k}' for k in expected)
    for k in expected:
        assert got[f'multi-label/{k}'] == pytest.approx(100 * ref[k], abs=1e-12)


def test_first_ap_mode_is_the_headline_mAP(problem):
    """ap_mode=['voc', 'sklearn']: mAP is the all-point VOC AP, mAP_sklearn beside it."""
    scores, targets = problem
    got = evaluate(dict(type='MultiLabelMAP', ap_mode=['voc', 'sklearn'], classwise=True),
                   make_samples(scores, targets))
    ref = multilabel_metrics(scores, targets, ['voc', 'sklearn'])
    voc = multilabel_metrics(scores, targets, 'voc')
    assert got['multi-label/mAP'] == pytest.approx(100 * voc['mAP'], abs=1e-12)
    assert got['multi-label/mAP_sklearn'] == pytest.approx(
        100 * multilabel_metrics(scores, targets, 'sklearn')['mAP'], abs=1e-12)
    assert got['multi-label/mAP'] > got['multi-label/mAP_sklearn']  # interpolation never lowers
    assert 'multi-label/mAP_voc' not in got
    assert got['multi-label/AP_classwise'] == pytest.approx((100 * ref['AP']).tolist())
    with pytest.raises(ValueError, match='distinct'):
        METRICS.build(dict(type='MultiLabelMAP', ap_mode=['voc', 'voc']))


def test_gt_score_and_gt_label_agree(problem):
    scores, targets = problem
    cfg = dict(type='MultiLabelMAP', ap_mode=['voc', 'voc11', 'sklearn'], topk=2)
    assert (evaluate(cfg, make_samples(scores, targets)) == evaluate(
        cfg, make_samples(scores, targets, as_score=True)))


def test_sample_order_and_batching_do_not_change_anything(problem):
    scores, targets = problem
    cfg = dict(type='MultiLabelMAP', ap_mode=['sklearn', 'voc', 'voc11'], classwise=True)
    a = evaluate(cfg, make_samples(scores, targets), batch=4)
    perm = np.random.default_rng(1).permutation(len(scores))
    b = evaluate(cfg, make_samples(scores[perm], targets[perm]), batch=7)
    assert a == b  # exact equality


def test_classwise_and_the_no_positive_warning():
    scores = np.array([[0.9, 0.2, 0.6], [0.1, 0.8, 0.3], [0.7, 0.4, 0.2]], dtype=np.float32)
    targets = np.array([[1, 0, 0], [0, 1, 0], [1, 0, -1]])
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        got = evaluate(dict(type='MultiLabelMAP', classwise=True), make_samples(scores, targets))
    finally:
        logger.removeHandler(handler)
    assert got['multi-label/AP_classwise'] == [100.0, 100.0, -1.0]
    assert got['multi-label/mAP'] == 100.0  # the class without positives is not averaged
    warnings = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    assert any('2:car' in w and 'no positive' in w for w in warnings)


def test_clear_errors():
    with pytest.raises(ValueError, match='ap_mode'):
        METRICS.build(dict(type='MultiLabelMAP', ap_mode='area'))
    with pytest.raises(ValueError, match='topk'):
        METRICS.build(dict(type='MultiLabelMAP', topk=0))
    bad = DataSample().set_pred_score(torch.rand(5)).set_gt_label([7])
    with pytest.raises(ValueError, match='out of range'):
        evaluate(dict(type='MultiLabelMAP'), [bad])
    nan = DataSample().set_pred_score(torch.tensor([float('nan')] * 5)).set_gt_label([1])
    with pytest.raises(ValueError, match='NaN'):
        evaluate(dict(type='MultiLabelMAP'), [nan])


@pytest.mark.parametrize('policy,value', [(None, -1), (True, 1), (False, 0)])
def test_difficult_policy(policy, value):
    metric = METRICS.build(dict(type='MultiLabelMAP', difficult_as_positive=policy))
    sample = DataSample().set_pred_score(torch.rand(5)).set_gt_label([0, 3])
    sample.set_field([0, 1], 'gt_label_difficult', field_type='metainfo')
    metric.process({}, [sample.to_dict()])
    # class 0 also has a normal object: positive whatever the policy; class 1 is difficult-only
    assert stack_records(metric.results)['gt_target'].tolist() == [[1, value, 0, 1, 0]]


def test_half_precision_scores(problem):
    scores, targets = problem
    low = torch.as_tensor(scores).to(torch.bfloat16)
    as_float = [
        DataSample().set_pred_score(s.float()).set_gt_label(np.flatnonzero(t == 1).tolist())
        for s, t in zip(low, targets)
    ]
    as_bf16 = [
        DataSample().set_pred_score(s).set_gt_label(np.flatnonzero(t == 1).tolist())
        for s, t in zip(low, targets)
    ]
    assert evaluate(dict(type='MultiLabelMAP'), as_bf16) == evaluate(dict(type='MultiLabelMAP'),
                                                                     as_float)


def test_empty_evaluation_is_an_error():
    with pytest.raises(ValueError, match='no sample'):
        evaluate(dict(type='MultiLabelMAP'), [])
