"""Per-class AP in every mode against its reference: sklearn, the official SSGRL ``voc_ap`` and the
VOC devkit 11-point rule, on random and adversarial inputs."""
import numpy as np
import pytest
from sklearn.metrics import average_precision_score
from sklearn.metrics import precision_recall_curve as sk_precision_recall_curve

from mmml_plugin.evaluation.functional import (UNDEFINED_AP, average_precision,
                                               mean_average_precision, multilabel_metrics,
                                               precision_recall_curve, rank_tie_groups)


def ssgrl_voc_ap(rec, prec):
    """The official SSGRL ``voc_ap`` (utils/metrics.py), written from its definition: pad recall
    with 0 and 1 and precision with 0 and 0, make precision non-increasing from the right, sum
    (r_{i+1} - r_i) * p_{i+1} where the recall changes."""
    mrec = np.concatenate(([0.0], rec, [1.0]))
    mpre = np.concatenate(([0.0], prec, [0.0]))
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    change = np.flatnonzero(mrec[1:] != mrec[:-1])
    return np.sum((mrec[change + 1] - mrec[change]) * mpre[change + 1])


def ssgrl_curve(score, target):
    """SSGRL's per-class curve: rank by -score, one point per sample (no tie grouping)."""
    order = np.argsort(-score)
    tp = np.cumsum(target[order] > 0).astype(np.float64)
    fp = np.cumsum(target[order] <= 0).astype(np.float64)
    rec = tp / tp[-1]
    prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return rec, prec


def devkit_11point(rec, prec):
    """VOC2007 devkit / py-faster-rcnn 11-point AP: mean over t of max(prec[rec >= t])."""
    ap = 0.0
    for t in np.arange(0.0, 1.1, 0.1):
        ap += (prec[rec >= t].max() if (rec >= t).any() else 0.0) / 11
    return ap


def random_case(rng, n, c, tie_levels=None, ignored=0.0, dtype=np.float64):
    scores = rng.random((n, c))
    if tie_levels:
        scores = np.floor(scores * tie_levels) / tie_levels
    targets = (rng.random((n, c)) < rng.uniform(0.05, 0.6, c)).astype(np.int64)
    targets[rng.random((n, c)) < ignored] = -1
    return scores.astype(dtype), targets


def sklearn_ap(scores, targets):
    out = []
    for c in range(scores.shape[1]):
        keep = targets[:, c] >= 0
        y = targets[keep, c]
        out.append(
            average_precision_score(y, scores[keep,
                                              c].astype(np.float64)) if y.sum() else UNDEFINED_AP)
    return np.array(out)


@pytest.mark.parametrize('dtype', [np.float64, np.float32, np.float16])
@pytest.mark.parametrize('tie_levels', [None, 7, 2])
@pytest.mark.parametrize('ignored', [0.0, 0.2])
def test_sklearn_mode_matches_sklearn(dtype, tie_levels, ignored):
    rng = np.random.default_rng([np.dtype(dtype).itemsize, tie_levels or 0, int(ignored * 10)])
    for n in (1, 2, 5, 40, 257):
        scores, targets = random_case(rng, n, 6, tie_levels, ignored, dtype)
        got = average_precision(scores, targets, 'sklearn')
        np.testing.assert_allclose(got, sklearn_ap(scores, targets), rtol=0, atol=1e-12)


def test_adversarial_columns():
    # columns: all tied, all negative, all positive, all ignored, single positive at the bottom,
    # a positive tied with every negative, negative scores mixed with -0.0 and +0.0
    scores = np.array([[0.3, 0.9, 0.1, 0.5, 0.9, 0.5, -0.0], [0.3, 0.8, 0.2, 0.4, 0.8, 0.5, 0.0],
                       [0.3, 0.7, 0.3, 0.3, 0.7, 0.5, -2.0], [0.3, 0.6, 0.4, 0.2, 0.1, 0.5, -1.0]])
    targets = np.array([[1, 0, 1, -1, 0, 0, 1], [0, 0, 1, -1, 0, 1, 0], [1, 0, 1, -1, 0, 0, 1],
                        [0, 0, 1, -1, 1, 0, 0]])
    aps = average_precision(scores, targets, ['sklearn', 'voc', 'voc11'])
    expected = sklearn_ap(scores, targets)
    np.testing.assert_allclose(aps['sklearn'], expected, atol=1e-12)
    # all tied: every mode gives P / N; no positive (and all ignored): undefined, never NaN
    for mode in ('sklearn', 'voc', 'voc11'):
        ap = aps[mode]
        assert ap[0] == pytest.approx(0.5) and ap[5] == pytest.approx(0.25)
        assert ap[1] == UNDEFINED_AP and ap[3] == UNDEFINED_AP
        assert ap[2] == pytest.approx(1.0)
        assert not np.isnan(ap).any()
    assert aps['sklearn'][4] == pytest.approx(0.25)
    assert mean_average_precision(aps['sklearn']) == pytest.approx(expected[[0, 2, 4, 5, 6]].mean())


def test_voc_matches_official_ssgrl_without_ties():
    rng = np.random.default_rng(1)
    for n in (1, 3, 30, 200):
        scores, targets = random_case(rng, n, 5)  # continuous scores: no ties
        got = average_precision(scores, targets, 'voc')
        for c in range(5):
            if targets[:, c].sum() == 0:
                assert got[c] == UNDEFINED_AP
                continue
            ref = ssgrl_voc_ap(*ssgrl_curve(scores[:, c], targets[:, c]))
            assert got[c] == pytest.approx(ref, abs=1e-12)


def test_voc_with_ignored_matches_ssgrl_on_the_kept_samples():
    # SSGRL counts -1 as negative; our policy drops it, i.e. SSGRL evaluated on the kept samples
    rng = np.random.default_rng(2)
    scores, targets = random_case(rng, 120, 4, ignored=0.25)
    got = average_precision(scores, targets, 'voc')
    for c in range(4):
        keep = targets[:, c] >= 0
        ref = ssgrl_voc_ap(*ssgrl_curve(scores[keep, c], targets[keep, c]))
        assert got[c] == pytest.approx(ref, abs=1e-12)


def test_ties_make_ssgrl_order_dependent_but_not_ours():
    scores = np.array([0.9, 0.5, 0.5, 0.5, 0.1])
    targets = np.array([1, 0, 1, 0, 1])
    refs, ours = set(), set()
    for perm in ([0, 1, 2, 3, 4], [0, 2, 1, 3, 4], [0, 3, 1, 2, 4], [4, 3, 2, 1, 0]):
        s, t = scores[perm], targets[perm]
        refs.add(round(ssgrl_voc_ap(*ssgrl_curve(s, t)), 12))
        ours.add(round(float(average_precision(s, t, 'voc')), 12))
    assert len(refs) > 1  # the official code depends on the order of tied samples
    assert len(ours) == 1
    # grouped: thresholds 0.9 -> (1/1), 0.5 -> (2/4), 0.1 -> (3/5); interpolated 1, 0.6, 0.6
    assert ours.pop() == pytest.approx((1 * 1 + 1 * 0.6 + 1 * 0.6) / 3)


def test_voc11_matches_devkit_rule():
    rng = np.random.default_rng(3)
    for n in (1, 4, 10, 20, 150):  # n = 10, 20 give recalls of exactly 0.3, 0.7 ...
        scores, targets = random_case(rng, n, 5)
        if n in (10, 20):
            targets[:, 0] = 1  # P = n: recall hits every tenth exactly
        got = average_precision(scores, targets, 'voc11')
        for c in range(5):
            if targets[:, c].sum() == 0:
                continue
            ref = devkit_11point(*ssgrl_curve(scores[:, c], targets[:, c]))
            assert got[c] == pytest.approx(ref, abs=1e-12)


@pytest.mark.det
def test_voc11_matches_mmdet_average_precision():
    from mmdet.evaluation.functional import average_precision as mmdet_ap
    rng = np.random.default_rng(4)
    scores = rng.random((300, 6))
    for c, num_pos in enumerate((1, 7, 13, 33, 151, 299)):  # coprime to 10: no recall equals
        targets = np.zeros(300, dtype=np.int64)  # k/10 exactly (mmdet compares float32
        targets[rng.permutation(300)[:num_pos]] = 1  # recalls, the devkit float64 ones)
        rec, prec = ssgrl_curve(scores[:, c], targets)
        ours = average_precision(scores[:, c], targets, ['voc', 'voc11'])
        assert ours['voc11'] == pytest.approx(float(mmdet_ap(rec, prec, '11points')), abs=1e-6)
        assert ours['voc'] == pytest.approx(float(mmdet_ap(rec, prec, 'area')), abs=1e-6)


def test_one_sort_for_all_modes_equals_single_modes():
    rng = np.random.default_rng(5)
    scores, targets = random_case(rng, 64, 7, tie_levels=5, ignored=0.1)
    together = average_precision(scores, targets, ('sklearn', 'voc', 'voc11'))
    for mode, ap in together.items():
        np.testing.assert_array_equal(ap, average_precision(scores, targets, mode))
    assert (together['voc'] >= together['sklearn'] - 1e-12)[together['sklearn'] >= 0].all()


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_sample_order_gives_identical_numbers(dtype):
    rng = np.random.default_rng(6)
    scores, targets = random_case(rng, 500, 8, tie_levels=11, ignored=0.1, dtype=dtype)
    perm = rng.permutation(500)
    a = multilabel_metrics(scores, targets, ('sklearn', 'voc', 'voc11'))
    b = multilabel_metrics(scores[perm], targets[perm], ('sklearn', 'voc', 'voc11'))
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])  # bitwise, not approximately


def test_float32_scores_stored_as_float64_take_the_same_path():
    rng = np.random.default_rng(7)
    scores, targets = random_case(rng, 100, 3, tie_levels=9, dtype=np.float32)
    np.testing.assert_array_equal(average_precision(scores, targets, 'voc'),
                                  average_precision(scores.astype(np.float64), targets, 'voc'))


def test_precision_recall_curve_matches_sklearn():
    rng = np.random.default_rng(8)
    scores, targets = random_case(rng, 90, 3, tie_levels=13)
    for c, (prec, rec, thr) in enumerate(precision_recall_curve(scores, targets)):
        sk_prec, sk_rec, sk_thr = sk_precision_recall_curve(targets[:, c], scores[:, c])
        # sklearn: increasing thresholds plus a final (precision 1, recall 0) point
        np.testing.assert_allclose(prec, sk_prec[:-1][::-1], atol=1e-12)
        np.testing.assert_allclose(rec, sk_rec[:-1][::-1], atol=1e-12)
        np.testing.assert_array_equal(thr, sk_thr[::-1])


def test_tie_groups_counts():
    scores = np.array([[0.2], [0.7], [0.7], [0.1], [0.7]])
    targets = np.array([[1], [1], [-1], [0], [0]])
    g = rank_tie_groups(scores, targets)
    np.testing.assert_array_equal(g.score, [0.7, 0.2, 0.1])
    np.testing.assert_array_equal(g.tp, [1, 2, 2])
    np.testing.assert_array_equal(g.seen, [2, 3, 4])  # the ignored 0.7 is not counted
    np.testing.assert_array_equal(g.gain, [1, 1, 0])
    np.testing.assert_array_equal(g.num_pos, [2])


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match='same shape'):
        average_precision(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match='NaN or inf'):
        average_precision(np.array([[0.1], [np.nan]]), np.array([[1], [0]]))
    with pytest.raises(ValueError, match='binarise soft labels'):
        average_precision(np.zeros((2, 1)), np.array([[0.9], [0.1]]))
    with pytest.raises(ValueError, match='N = 0'):
        average_precision(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match='is not supported: choose one of'):
        average_precision(np.zeros((2, 1)), np.ones((2, 1)), 'area')
    with pytest.raises(ValueError, match='no class has a positive'):
        mean_average_precision(average_precision(np.zeros((2, 2)), np.zeros((2, 2))))


def test_positive_groups_are_the_groups_with_a_positive():
    from mmml_plugin.evaluation.functional import check_scores_targets, positive_groups, sort_scores
    rng = np.random.default_rng(9)
    scores, targets = random_case(rng, 150, 6, tie_levels=8, ignored=0.15, dtype=np.float32)
    targets[:, 2] = 0
    every = rank_tie_groups(scores, targets)
    hit = every.gain > 0
    pos = positive_groups(sort_scores(*check_scores_targets(scores, targets)))
    for field in ('score', 'tp', 'seen', 'gain', 'cls'):
        np.testing.assert_array_equal(getattr(pos, field), getattr(every, field)[hit])
    np.testing.assert_array_equal(pos.num_pos, every.num_pos)
