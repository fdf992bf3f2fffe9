"""Where mmpretrain's ``AveragePrecision`` differs from the 'sklearn' mode (= sklearn): tie groups
that mix positives and negatives, and classes without positives."""
import numpy as np
import pytest
import torch
from mmpretrain.evaluation import AveragePrecision
from sklearn.metrics import average_precision_score

from mmml_plugin.evaluation.functional import average_precision


def mmpretrain_ap(scores, targets):
    return AveragePrecision.calculate(
        torch.as_tensor(scores), torch.as_tensor(targets), average=None).numpy() / 100


def test_identical_without_ties():
    rng = np.random.default_rng(0)
    scores = rng.random((300, 5))
    targets = (rng.random((300, 5)) < 0.3).astype(np.int64)
    targets[rng.random((300, 5)) < 0.1] = -1  # both ignore -1
    np.testing.assert_allclose(average_precision(scores, targets),
                               mmpretrain_ap(scores, targets),
                               atol=1e-6)


def test_a_mixed_tie_depends_on_sample_order_in_mmpretrain_only():
    # one positive and one negative with the same score
    results = {}
    for order in ([0, 1], [1, 0]):
        scores = np.array([[0.5], [0.5]])[order]
        targets = np.array([[1], [0]])[order]
        results[tuple(order)] = (float(mmpretrain_ap(scores, targets)[0]),
                                 float(average_precision(scores, targets)[0]))
    mmpre = sorted(v[0] for v in results.values())
    ours = {v[1] for v in results.values()}
    # mmpretrain: precision 1 when the tie happens to rank the positive first, 1/2 otherwise
    assert mmpre == pytest.approx([0.5, 1.0])
    assert ours == {0.5} == {average_precision_score([1, 0], [0.5, 0.5])}


def test_difference_is_confined_to_mixed_tie_groups():
    rng = np.random.default_rng(1)
    scores = np.round(rng.random((400, 6)), 1)  # 11 levels: every group is a tie
    targets = (rng.random((400, 6)) < 0.4).astype(np.int64)
    scores[:, 0] = np.where(targets[:, 0] == 1, scores[:, 0] + 2, scores[:, 0])  # no mixed group
    ours = average_precision(scores, targets)
    mmpre = mmpretrain_ap(scores, targets)
    sk = [average_precision_score(targets[:, c], scores[:, c]) for c in range(6)]
    np.testing.assert_allclose(ours, sk, atol=1e-12)
    assert ours[0] == pytest.approx(1.0) and mmpre[0] == pytest.approx(1.0)
    assert np.abs(ours[1:] - mmpre[1:]).min() > 1e-4  # mixed ties: mmpretrain is off


def test_class_without_positive_counts_as_zero_in_mmpretrain():
    scores = np.array([[0.9, 0.2], [0.1, 0.8]])
    targets = np.array([[1, 0], [0, 0]])
    mmpre_map = float(AveragePrecision.calculate(torch.as_tensor(scores), torch.as_tensor(targets)))
    assert mmpre_map == pytest.approx(50.0)  # class 1 (no positive) enters the mean as 0
    ap = average_precision(scores, targets)
    assert ap[0] == 1.0 and ap[1] == -1  # ours: undefined, left out of the mean
