"""Per-class thresholds: chosen on a validation split (max F1, or the best recall at a target
precision) equal to an exhaustive search over every threshold, saved with class names and refused
for another class order, applied by the metric exactly as one threshold per class, and never
tuned on the test split unless asked."""
import json

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmpretrain.structures import DataSample

from mmml_plugin.evaluation import (MultiLabelMAP, load_thresholds, save_thresholds,
                                    tune_dump_thresholds)
from mmml_plugin.evaluation.functional import (check_thr, multilabel_metrics, predict_labels,
                                               tune_thresholds)
from mmml_plugin.evaluation.results_io import save_predictions
from mmml_plugin.utils.label_files import ClassOrderError

CLASSES = ['cat', 'dog', 'car', 'bus', 'boat', 'kite']


@pytest.fixture(scope='module')
def problem():
    rng = np.random.default_rng(3)
    scores = np.round(rng.random((300, 6)), 2).astype(np.float32)  # many ties
    targets = (rng.random((300, 6)) < 0.25 + 0.4 * scores).astype(np.int8)
    targets[rng.random((300, 6)) < 0.08] = -1
    targets[:, 5] = np.minimum(targets[:, 5], 0)  # a class without positives
    return scores, targets


def exhaustive(scores, targets, c, objective):
    """Every distinct score of the class as threshold: the best by ``objective`` (then the
    highest threshold)."""
    keep = targets[:, c] != -1
    s, t = scores[keep, c], targets[keep, c] == 1
    best = None
    for thr in np.unique(s)[::-1]:  # decreasing: the first of equal values is the highest
        pred = s >= thr
        tp, n_pred = int((pred & t).sum()), int(pred.sum())
        value = objective(tp, n_pred, int(t.sum()))
        if value is not None and (best is None or value > best[0]):
            best = (value, thr, tp / n_pred, tp / t.sum())
    return best


def test_max_f1_equals_the_exhaustive_search(problem):
    scores, targets = problem
    tuned = tune_thresholds(scores, targets, 'max_f1')
    for c in range(5):
        value, thr, prec, rec = exhaustive(scores, targets, c, lambda tp, p, g: 2 * tp / (p + g))
        assert np.float32(tuned.thresholds[c]) == thr and tuned.tuned[c]
        assert tuned.precision[c] == pytest.approx(prec) and tuned.recall[c] == pytest.approx(rec)
    assert not tuned.tuned[5] and tuned.thresholds[5] == 0.5  # no positive: the fallback
    # the tuned thresholds do at least as well as the global 0.5 on the split they came from
    at_tuned = multilabel_metrics(scores, targets, thr=tuned.thresholds, topk=None)
    at_global = multilabel_metrics(scores, targets, thr=0.5, topk=None)
    assert at_tuned['CF1'] > at_global['CF1']


def test_target_precision_equals_the_exhaustive_search(problem):
    scores, targets = problem
    tuned = tune_thresholds(scores, targets, 'precision', precision=0.7)
    for c in range(5):
        best = exhaustive(scores, targets, c, lambda tp, p, g: tp / g if tp / p >= 0.7 else None)
        if best is None:  # out of reach: the class is never predicted
            assert not tuned.tuned[c]
            keep = targets[:, c] != -1
            assert not predict_labels(scores[keep], thr=tuned.thresholds)[:, c].any()
        else:
            assert np.float32(tuned.thresholds[c]) == best[1] and tuned.precision[c] >= 0.7
    assert tuned.tuned[:5].any()
    with pytest.raises(ValueError, match='target precision'):
        tune_thresholds(scores, targets, 'precision')
    with pytest.raises(ValueError, match='method'):
        tune_thresholds(scores, targets, 'youden')


def test_file_round_trip_is_exact_and_checks_class_names(problem, tmp_path):
    scores, targets = problem
    thresholds = tune_thresholds(scores, targets).thresholds
    path = save_thresholds(str(tmp_path / 't.json'), thresholds, CLASSES, method='max_f1')
    loaded = load_thresholds(path, CLASSES)
    np.testing.assert_array_equal(loaded.astype(np.float32), thresholds.astype(np.float32))
    np.testing.assert_array_equal(loaded, thresholds)
    with pytest.raises(ClassOrderError, match='t.json'):
        load_thresholds(path, CLASSES[::-1])
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(dict(classes=['a', 'b'], thresholds=[0.5, None])))
    with pytest.raises(ValueError, match='one finite number per class'):
        load_thresholds(str(bad))
    with pytest.raises(FileNotFoundError, match='tune_thresholds.py'):
        load_thresholds(str(tmp_path / 'missing.json'))


def _evaluate(metric, scores, targets, classes):
    evaluator = Evaluator([metric])
    evaluator.dataset_meta = dict(classes=classes)
    evaluator.process(data_samples=[
        DataSample().set_pred_score(torch.from_numpy(s)).set_gt_label(np.flatnonzero(t == 1))
        for s, t in zip(scores, targets)
    ])
    return evaluator.evaluate(len(scores))


def test_metric_applies_per_class_thresholds_from_a_file(problem, tmp_path):
    scores, targets = problem
    targets = np.maximum(targets, 0)  # gt_label only: no difficult here
    thresholds = tune_thresholds(scores, targets).thresholds
    path = save_thresholds(str(tmp_path / 't.json'), thresholds, CLASSES)
    got = _evaluate(MultiLabelMAP(thr=path), scores, targets, CLASSES)
    ref = multilabel_metrics(scores, targets, thr=thresholds, topk=3)
    for key in ('CP', 'CR', 'CF1', 'OP', 'OR', 'OF1', 'CF1_top3', 'OF1_top3'):
        assert got[f'multi-label/{key}'] == 100 * ref[key]
    assert _evaluate(MultiLabelMAP(thr=list(thresholds)), scores, targets,
                     CLASSES)['multi-label/CF1'] == 100 * ref['CF1']
    with pytest.raises(ClassOrderError, match='t.json'):
        _evaluate(MultiLabelMAP(thr=path), scores, targets, CLASSES[1:] + CLASSES[:1])
    with pytest.raises(ValueError, match='4 per-class thresholds for scores of 6 classes'):
        _evaluate(MultiLabelMAP(thr=[0.5] * 4), scores, targets, CLASSES)
    for bad in ([0.5, float('nan')], [], [[0.5]], ['a']):
        with pytest.raises(ValueError, match='thr must be'):
            check_thr(bad)


def test_tuning_on_a_dump_refuses_the_test_split(problem, tmp_path):
    scores, targets = problem
    val = save_predictions(str(tmp_path / 'val.npz'), scores, targets, CLASSES, split='val')
    test = save_predictions(str(tmp_path / 'test.npz'),
                            scores[::-1],
                            targets[::-1],
                            CLASSES,
                            split='test')
    old = save_predictions(str(tmp_path / 'old.npz'), scores, targets, CLASSES)  # no split
    out = str(tmp_path / 't.json')
    for dump in (test, old):
        with pytest.raises(ValueError, match='test split.*--split val.*--allow-test-split'):
            tune_dump_thresholds(dump, out)
    result = tune_dump_thresholds(val, out, other_dumps=[test])
    thresholds = load_thresholds(out, CLASSES)
    assert result['untuned'] == ['kite'] and result['split'] == 'val'
    for path, (s, t) in ((val, (scores, targets)), (test, (scores[::-1], targets[::-1]))):
        report = result['report'][path]
        for name, thr in (('tuned', thresholds), ('global', 0.5)):
            ref = multilabel_metrics(s, t, thr=thr, topk=None)
            assert report[name]['CF1'] == 100 * ref['CF1']
            assert report[name]['OF1'] == 100 * ref['OF1']
    assert tune_dump_thresholds(test, out, allow_test_split=True)['split'] == 'test'
    other = save_predictions(str(tmp_path / 'other.npz'), scores, targets, CLASSES[::-1])
    with pytest.raises(ClassOrderError):
        tune_dump_thresholds(val, out, other_dumps=[other])
