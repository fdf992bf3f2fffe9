"""What the plots say, read back from their matplotlib objects: the attention grid's TP/FP marks
equal the targets and it carries a colour bar; the PR legend's AP equals the computed AP in the
given mode; the per-class AP legend covers no bar; the pointing-game figure explains its
percentages; result files record the run's headline AP mode and the plots default to it."""
import json

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from mmml_plugin.evaluation.functional import average_precision
from mmml_plugin.evaluation.results_io import (load_per_class_ap, per_class_ap, recorded_ap_mode,
                                               resolve_ap_mode, save_predictions)
from mmml_plugin.visualization.attention import COLORBAR_LABEL, attention_grid_figure
from mmml_plugin.visualization.per_class_ap import per_class_ap_figure
from mmml_plugin.visualization.pointing_game import POINTING_CAPTION, pointing_cases_figure
from mmml_plugin.visualization.pr_curves import pr_curves_figure

NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']


@pytest.fixture(scope='module')
def scores_targets():
    rng = np.random.default_rng(0)
    targets = (rng.random((60, 10)) < 0.3).astype(np.int8)
    targets[:, 0] = 0
    targets[:5, 0] = 1  # enough positives everywhere
    scores = np.clip(0.3 * targets + rng.random(targets.shape) * 0.8, 0, 1)
    targets[3, 2] = -1
    return scores, targets


def test_attention_grid_marks_each_label_true_or_false():
    rng = np.random.default_rng(1)
    labels = np.array([3, 1, 7, 5])
    result = dict(image=rng.integers(0, 255, (64, 64, 3), dtype=np.uint8),
                  labels=labels,
                  scores=np.array([0.9, 0.63, 0.55, 0.51]),
                  class_names=[NAMES[k] for k in labels],
                  attention=rng.random((10, 4, 4)))
    targets = np.zeros(10, dtype=np.int8)
    targets[[3, 5]] = 1
    targets[7] = -1
    fig = attention_grid_figure(result, targets=targets, ncols=5)
    titles = [ax.get_title() for ax in fig.axes[1:len(labels) + 1]]
    expected = {1: 'TP', 0: 'FP', -1: 'ignored'}
    assert titles == [
        f'{expected[int(targets[k])]} {NAMES[k]}: {s:.2f}'
        for k, s in zip(labels, result['scores'])
    ]
    assert titles[1] == 'FP one: 0.63'  # the false positive no longer reads as a hit
    colorbars = [ax for ax in fig.axes if ax.get_label() == COLORBAR_LABEL]
    assert len(colorbars) == 1
    # without targets: no marks, and no colour bar without attention maps
    fig = attention_grid_figure(dict(result, attention=None))
    assert [ax.get_title() for ax in fig.axes][1] == 'three: 0.90'
    assert not [ax for ax in fig.axes if ax.get_label() == COLORBAR_LABEL]
    with pytest.raises(ValueError, match='1 / 0 / -1'):
        attention_grid_figure(result, targets=np.full(10, 2))


@pytest.mark.parametrize('mode', ['sklearn', 'voc', 'voc11'])
def test_pr_legend_gives_each_class_ap(scores_targets, mode):
    scores, targets = scores_targets
    fig = pr_curves_figure(scores, targets, NAMES, classes=[0, 'two', 5], ap_mode=mode)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    expected = [
        f'{NAMES[c]} (AP {100 * average_precision(scores[:, c], targets[:, c], mode=mode):.2f})'
        for c in (0, 2, 5)
    ]
    assert labels == expected
    assert f'{mode} AP' in ax.get_title()


def _extent(artist, renderer):
    return artist.get_window_extent(renderer)


@pytest.mark.parametrize('num_classes', [3, 10, 20])
def test_per_class_ap_legend_covers_no_bar(num_classes):
    rng = np.random.default_rng(num_classes)
    ap = rng.uniform(5, 100, num_classes)
    ap[0] = 99.0  # a long bar at the bottom or top, where legends used to sit
    names = [f'class_{i}' for i in range(num_classes)]
    fig = per_class_ap_figure(ap, names, ap_mode='voc')
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[0]
    legend = _extent(ax.get_legend(), renderer)
    bars = [_extent(p, renderer) for p in ax.patches]
    assert len(bars) == num_classes
    assert not any(legend.overlaps(bar) for bar in bars)
    values = [_extent(t, renderer) for t in ax.texts]  # the AP printed beside each bar
    assert len(values) == num_classes and not any(legend.overlaps(v) for v in values)
    assert not legend.overlaps(_extent(ax, renderer).shrunk(0.999, 0.999))  # outside the axes
    assert legend.x1 <= fig.bbox.x1 + 0.5  # and inside the figure
    assert ax.get_title() == f'per-class AP (voc AP; mAP = {ap.mean():.2f})'
    assert 'voc AP' in ax.get_xlabel()


def test_pointing_game_figure_says_what_its_percentages_mean():
    rng = np.random.default_rng(2)
    cases = [
        dict(image=rng.integers(0, 255, (32, 32, 3), dtype=np.uint8),
             attention=rng.random((4, 4)),
             peak=(3, 4),
             boxes=np.array([[1.0, 1.0, 10.0, 10.0]]),
             hit=True,
             title='three hit 45% p=0.83') for _ in range(3)
    ]
    fig = pointing_cases_figure(cases, title='best cases; pointing game 62.5 % (chance 20.0 %)')
    texts = ' '.join(t.get_text() for t in fig.texts).replace('\n', ' ')
    assert ' '.join(POINTING_CAPTION.split()) in ' '.join(texts.split())
    assert 'peak of the class\'s attention map falls inside' in texts
    assert 'share of the class\'s attention inside its boxes' in texts


def test_dump_records_the_headline_ap_mode_and_plots_default_to_it(scores_targets, tmp_path):
    scores, targets = scores_targets
    voc = save_predictions(str(tmp_path / 'voc.npz'), scores, targets, NAMES, ap_mode='voc')
    old = save_predictions(str(tmp_path / 'old.npz'), scores, targets, NAMES)
    assert recorded_ap_mode(voc) == 'voc' and recorded_ap_mode(old) is None
    assert resolve_ap_mode(voc) == ('voc', "the run's headline")
    assert resolve_ap_mode(old)[0] == 'sklearn'
    # the default is the recorded mode; it differs from the sklearn AP on these scores
    np.testing.assert_array_equal(load_per_class_ap(voc), per_class_ap(scores, targets, 'voc'))
    assert not np.allclose(load_per_class_ap(voc), per_class_ap(scores, targets, 'sklearn'))
    np.testing.assert_array_equal(load_per_class_ap(voc, 'sklearn'),
                                  per_class_ap(scores, targets, 'sklearn'))
    # a metrics JSON cannot be scored again in another mode
    results = tmp_path / 'results.json'
    results.write_text(
        json.dumps(dict(metrics={'multi-label/AP_classwise': [50.0] * 10}, ap_mode='voc')))
    assert resolve_ap_mode(str(results)) == ('voc', "the run's headline")
    with pytest.raises(ValueError, match='cannot be scored again in "sklearn" mode'):
        load_per_class_ap(str(results), 'sklearn')


def test_the_dump_of_a_test_run_records_its_metric_headline_mode(scores_targets, tmp_path):
    """``tools/test.py --out preds.npz`` takes the first MultiLabelMAP's headline mode into the
    dump, and the per-class AP read back by default averages to that metric's mAP (not the
    sklearn one)."""
    from mmml_plugin.evaluation import MultiLabelMAP, prediction_dump
    scores, targets = scores_targets
    metric = MultiLabelMAP(ap_mode=['voc', 'sklearn'])
    metric.dataset_meta = dict(classes=NAMES)
    dump = prediction_dump(str(tmp_path / 'preds.npz'), [metric])
    assert dump.ap_mode == 'voc'
    dump.add_batch(
        dict(pred_score=np.asarray(scores),
             gt_target=np.asarray(targets, dtype=np.int8),
             img_path=np.array([f'{i}.jpg' for i in range(len(scores))])))
    dump.compute_metrics(dump.results)
    reported = metric.summarize(scores, targets)
    ap = load_per_class_ap(str(tmp_path / 'preds.npz'))
    assert ap.mean() == pytest.approx(reported['mAP'], abs=1e-9)
    assert ap.mean() != pytest.approx(reported['mAP_sklearn'], abs=1e-3)
    fig = per_class_ap_figure(ap, NAMES, ap_mode=recorded_ap_mode(str(tmp_path / 'preds.npz')))
    assert fig.axes[0].get_title() == f'per-class AP (voc AP; mAP = {reported["mAP"]:.2f})'


def test_training_curves_name_the_runs_ap_mode(tmp_path):
    """The mAP panel says the AP mode of the validation metric, read from the config the
    Runner saved in the work dir."""
    from mmml_plugin.visualization.training_curves import training_curves_figure
    run = tmp_path / '20260101_000000' / 'vis_data'
    run.mkdir(parents=True)
    (run / 'scalars.json').write_text(
        '{"loss": 1.0, "iter": 1, "epoch": 1, "step": 1}\n'
        '{"multi-label/mAP": 50.0, "multi-label/mAP_sklearn": 48.0, "step": 1}\n')
    (tmp_path / 'ssgrl.py'
     ).write_text("val_evaluator = dict(type='MultiLabelMAP', ap_mode=['voc', 'sklearn'])\n")
    titles = [ax.get_title() for ax in training_curves_figure(str(tmp_path)).axes]
    assert titles == ['loss', 'multi-label/mAP (voc AP)']
    (tmp_path / 'ssgrl.py').unlink()
    titles = [ax.get_title() for ax in training_curves_figure(str(tmp_path)).axes]
    assert titles[1] == 'multi-label/mAP (AP mode not recorded)'
