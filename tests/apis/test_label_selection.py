"""The one rule turning scores into a label set (thr, topk, per-class thr), and how it relates to
the metric's F1 family (predict_labels, ML-GCN's top-k protocol)."""
import doctest

import numpy as np
import pytest

from mmml_plugin.evaluation.functional import label_selection, predict_labels
from mmml_plugin.evaluation.functional.label_selection import (label_mask, resolve_rule,
                                                               select_labels)

SCORES = np.array([[0.9, 0.6, 0.2], [0.4, 0.7, 0.8], [0.55, 0.3, 0.1], [0.2, 0.9, 0.6]],
                  dtype=np.float32)


def test_documented_examples():
    assert doctest.testmod(label_selection, raise_on_error=False).failed == 0
    assert doctest.testmod(label_selection).attempted >= 4


def test_defaults():
    """Neither thr nor topk: thr = 0.5; topk alone: no threshold."""
    assert resolve_rule() == (0.5, None)
    assert resolve_rule(topk=2) == (None, 2)
    assert resolve_rule(0.3, 2) == (0.3, 2)
    np.testing.assert_array_equal(label_mask(SCORES), SCORES >= 0.5)
    assert label_mask(SCORES, topk=2).sum(axis=1).tolist() == [2, 2, 2, 2]  # 0.4 row included
    assert select_labels(SCORES[1], topk=2).tolist() == [2, 1]


def test_metric_top_k_is_the_rule_with_the_metric_threshold():
    """The metric's *_top3 keys count predict_labels(scores, thr, 3): the rule with thr set."""
    for thr, topk in ((0.5, 3), (0.5, 1), (0.65, 2), (None, 2), (0.0, 1), (0.5, None)):
        np.testing.assert_array_equal(label_mask(SCORES, thr, topk),
                                      predict_labels(SCORES, thr, topk))
    # without thr, top-1 keeps row 1's 0.8 and row 2's 0.55, and top-2 row 1's 0.4 as well
    assert label_mask(SCORES, topk=2)[1].tolist() == [False, True, True]
    assert predict_labels(SCORES, 0.5, 2)[1].tolist() == [False, True, True]
    assert label_mask(SCORES, topk=3)[2].tolist() == [True, True, True]
    assert predict_labels(SCORES, 0.5, 3)[2].tolist() == [True, False, False]


def test_per_class_thresholds():
    thr = np.array([0.95, 0.65, 0.1])
    np.testing.assert_array_equal(label_mask(SCORES, thr), SCORES >= thr.astype(np.float32))
    np.testing.assert_array_equal(label_mask(SCORES, list(thr)), label_mask(SCORES, thr))
    mask = label_mask(SCORES, thr, topk=1)
    assert mask.sum(axis=1).tolist() == [1, 1, 1, 1]
    assert select_labels(SCORES[0], thr).tolist() == [2]  # 0.9 < 0.95, 0.6 < 0.65
    assert select_labels(SCORES[3], thr).tolist() == [1, 2]  # best first
    # a class below its own threshold takes none of the k places, however high it scores
    assert select_labels(SCORES[0], thr, topk=1).tolist() == [2]


@pytest.mark.parametrize('thr,topk,match', [
    ([0.5, 0.5], None, 'one value per class: got 2 for 3 classes'),
    ([[0.5, 0.5, 0.5]], None, 'per-class thr must be a 1-D'),
    ([0.5, float('nan'), 0.5], None, 'NaN/inf'),
    (float('inf'), None, 'thr must be a finite number'),
    (['a', 'b', 'c'], None, 'thr must be a number or a sequence'),
    (None, 0, 'topk must be a positive integer'),
    (0.5, 1.5, 'topk must be a positive integer'),
])
def test_bad_rules(thr, topk, match):
    with pytest.raises(ValueError, match=match):
        label_mask(SCORES, thr, topk)


def test_select_labels_takes_one_sample():
    with pytest.raises(ValueError, match='one sample'):
        select_labels(SCORES)
