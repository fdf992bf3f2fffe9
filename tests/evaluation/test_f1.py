"""CP/CR/CF1/OP/OR/OF1 at a threshold and at top-k on hand-computed cases, and against a direct
per-class loop of the ML-GCN definitions on random inputs; the one prediction rule (thr, topk)."""
import numpy as np
import pytest

from mmml_plugin.apis.inference import select_labels
from mmml_plugin.evaluation.functional import (check_scores_targets, multilabel_metrics,
                                               predict_labels, topk_mask)
from mmml_plugin.evaluation.functional.f1 import f1_from_counts


def multilabel_f1(scores, targets, thr=0.5, topk=None):
    """The F1 family counted from the (N, C) matrix of predicted labels: a second implementation
    beside ``multilabel_metrics``, which counts from the sorted scores."""
    scores, targets = check_scores_targets(scores, targets)
    pred = predict_labels(scores, thr, topk)
    pos = targets == 1
    return f1_from_counts((pred & (targets != -1)).sum(axis=0), (pred & pos).sum(axis=0),
                          pos.sum(axis=0))


SCORES = np.array([[0.9, 0.6, 0.2], [0.4, 0.7, 0.8], [0.55, 0.3, 0.1], [0.2, 0.9, 0.6]])
TARGETS = np.array([[1, 0, 0], [1, 1, 1], [0, 0, 1], [0, 1, 1]])


def f1(p, r):
    return 2 * p * r / (p + r)


def test_threshold_by_hand():
    # predicted (>= 0.5): rows {0, 1}, {1, 2}, {0}, {1, 2}
    # class 0: Np 2 Nc 1 Ng 2 | class 1: Np 3 Nc 2 Ng 2 | class 2: Np 2 Nc 2 Ng 3
    m = multilabel_f1(SCORES, TARGETS, thr=0.5)
    cp, cr = (1 / 2 + 2 / 3 + 1) / 3, (1 / 2 + 1 + 2 / 3) / 3
    assert m['CP'] == pytest.approx(cp) and m['CR'] == pytest.approx(cr)
    assert m['CF1'] == pytest.approx(f1(cp, cr))
    assert m['OP'] == pytest.approx(5 / 7) and m['OR'] == pytest.approx(5 / 7)
    assert m['OF1'] == pytest.approx(5 / 7)


def test_top1_by_hand():
    # top-1: rows -> class 0, 2, 0, 1 (all >= 0.5)
    # class 0: Np 2 Nc 1 Ng 2 | class 1: Np 1 Nc 1 Ng 2 | class 2: Np 1 Nc 1 Ng 3
    m = multilabel_f1(SCORES, TARGETS, thr=0.5, topk=1)
    cp, cr = (1 / 2 + 1 + 1) / 3, (1 / 2 + 1 / 2 + 1 / 3) / 3
    assert m['CP'] == pytest.approx(cp) and m['CR'] == pytest.approx(cr)
    assert m['CF1'] == pytest.approx(f1(cp, cr))
    assert m['OP'] == pytest.approx(3 / 4) and m['OR'] == pytest.approx(3 / 7)
    assert m['OF1'] == pytest.approx(f1(3 / 4, 3 / 7))


def test_topk_keeps_the_threshold():
    # top-2 without the threshold would add (row 2, class 1: 0.3); with it, top-2 = threshold
    assert multilabel_f1(SCORES, TARGETS, 0.5, topk=2) == multilabel_f1(SCORES, TARGETS, 0.5)
    m = multilabel_f1(SCORES, TARGETS, thr=0.0, topk=2)
    assert m['OP'] == pytest.approx(5 / 8)  # now 8 predictions: row 2 also predicts class 1


def test_ignored_targets_are_left_out():
    targets = TARGETS.copy()
    targets[0, 1] = -1  # the false positive (row 0, class 1) no longer counts
    m = multilabel_f1(SCORES, targets, thr=0.5)
    cp, cr = (1 / 2 + 1 + 1) / 3, (1 / 2 + 1 + 2 / 3) / 3
    assert m['CP'] == pytest.approx(cp) and m['CR'] == pytest.approx(cr)
    assert m['OP'] == pytest.approx(5 / 6) and m['OR'] == pytest.approx(5 / 7)


def test_class_without_positives_is_left_out_of_class_means_only():
    scores = np.hstack([SCORES, [[0.7], [0.1], [0.1], [0.1]]])
    targets = np.hstack([TARGETS, np.zeros((4, 1), dtype=int)])
    m = multilabel_f1(scores, targets, thr=0.5)
    ref = multilabel_f1(SCORES, TARGETS, thr=0.5)
    assert m['CP'] == ref['CP'] and m['CR'] == ref['CR'] and m['num_classes_evaluated'] == 3
    assert m['OP'] == pytest.approx(5 / 8)  # its false positive still counts overall
    full = multilabel_metrics(scores, targets)
    assert full['no_positive_classes'].tolist() == [3]
    assert not any(np.isnan(v).any() for v in full.values())


def test_no_prediction_gives_zero_not_nan():
    m = multilabel_f1(SCORES, TARGETS, thr=2.0)
    assert m['CP'] == 0 and m['CR'] == 0 and m['CF1'] == 0 and m['OF1'] == 0


def test_topk_ties_go_to_the_lower_class_index():
    scores = np.array([[0.6, 0.6, 0.6, 0.1], [0.2, 0.9, 0.9, 0.9], [0.5, 0.4, 0.3, 0.2]])
    expected = [[1, 1, 0, 0], [0, 1, 1, 0], [1, 1, 0, 0]]
    np.testing.assert_array_equal(topk_mask(scores, 2), expected)
    assert topk_mask(scores, 9).all()


def mlgcn_reference(scores, targets, thr, topk):
    """The ML-GCN / SSGRL definitions as a direct loop (no -1 targets, every class positive)."""
    n, c = scores.shape
    pred = scores >= thr
    if topk is not None:
        keep = np.zeros_like(pred)
        for i in range(n):
            keep[i, np.argsort(-scores[i], kind='stable')[:topk]] = True
        pred &= keep
    nc = np.array([(pred[:, k] & (targets[:, k] == 1)).sum() for k in range(c)])
    np_ = np.maximum(pred.sum(0), 1)
    ng = targets.sum(0)
    cp, cr = np.mean(nc / np_), np.mean(nc / ng)
    op, o_r = nc.sum() / np_.sum(), nc.sum() / ng.sum()
    return dict(CP=cp, CR=cr, CF1=f1(cp, cr), OP=op, OR=o_r, OF1=f1(op, o_r))


@pytest.mark.parametrize('topk', [None, 1, 3])
def test_random_against_direct_loop(topk):
    rng = np.random.default_rng(topk or 0)
    scores = np.round(rng.random((200, 10)), 2)  # ties inside rows too
    targets = (rng.random((200, 10)) < 0.3).astype(int)
    targets[0] = 1  # every class has a positive
    got = multilabel_f1(scores, targets, thr=0.4, topk=topk)
    for key, value in mlgcn_reference(scores, targets, 0.4, topk).items():
        assert got[key] == pytest.approx(value, abs=1e-12), key


@pytest.mark.parametrize('kwargs,match', [(dict(topk=0), 'topk must be a positive integer'),
                                          (dict(topk=2.0), 'topk'), (dict(topk=True), 'topk'),
                                          (dict(thr=float('nan')), 'thr must be a finite'),
                                          (dict(thr='0.5'), 'thr'),
                                          (dict(thr=None, topk=None), 'both None')])
def test_bad_thr_topk_same_message_everywhere(kwargs, match):
    """One check: the prediction rule, the summary, the metric and inference say the same."""
    from mmpretrain.registry import METRICS
    with pytest.raises(ValueError, match=match):
        predict_labels(SCORES, **{'thr': 0.5, **kwargs})
    if kwargs != dict(thr=None, topk=None):  # inference reads neither as its default thr=0.5
        with pytest.raises(ValueError, match=match):
            select_labels(SCORES[0], **{'thr': 0.5, **kwargs})
    if kwargs.get('thr', 0.5) is not None:  # the F1 family always has a threshold
        with pytest.raises(ValueError, match=match):
            multilabel_metrics(SCORES, TARGETS, **kwargs)
        with pytest.raises(ValueError, match=match):
            METRICS.build(dict(type='MultiLabelMAP', **kwargs))


def test_one_prediction_rule_for_metric_and_inference():
    """thr and topk mean the same in predict_labels (what MultiLabelMAP counts) and in the
    inference API: score >= thr among the k highest; thr=None keeps the k highest."""
    for thr, topk in ((0.5, None), (0.5, 1), (0.65, 2), (None, 2), (0.0, 1)):
        pred = predict_labels(SCORES, thr, topk)
        for row, scores in enumerate(SCORES):
            labels = select_labels(scores, thr, topk)
            assert sorted(labels.tolist()) == np.flatnonzero(pred[row]).tolist()
            assert list(scores[labels]) == sorted(scores[labels], reverse=True)  # best first
    # top-1 with the threshold: row 2's best score (0.55) passes, row 1's second (0.7) is cut
    assert predict_labels(SCORES, 0.5, 1).sum(axis=1).tolist() == [1, 1, 1, 1]
    assert predict_labels(SCORES, 0.95, 1).sum() == 0  # nothing reaches the threshold
    assert predict_labels(SCORES, None, 1).sum() == 4  # top-1 whatever the score


@pytest.mark.parametrize('dtype', [np.float16, np.float32, np.float64])
def test_summary_counts_from_tie_groups_equal_direct_counting(dtype):
    rng = np.random.default_rng(11)
    scores = (np.round(rng.random((300, 12)) * 20) / 20).astype(dtype)  # ties at the threshold
    targets = (rng.random((300, 12)) < 0.3).astype(int)
    targets[rng.random((300, 12)) < 0.1] = -1
    targets[:, 5] = 0  # a class without positives
    for thr in (0.3, 0.5, 0.05, 1.0):
        for topk in (1, 3, 11, None):
            summary = multilabel_metrics(scores, targets, thr=thr, topk=topk)
            direct = multilabel_f1(scores, targets, thr=thr)
            suffix = ''
            if topk is not None:
                direct, suffix = multilabel_f1(scores, targets, thr=thr, topk=topk), f'_top{topk}'
            for key in ('CP', 'CR', 'CF1', 'OP', 'OR', 'OF1'):
                assert summary[key + suffix] == pytest.approx(direct[key], abs=1e-15), key
