"""Each plot function on the demo data: the PNG exists, has the requested pixel size, and bad
input is a clear error."""
import json
import math

import numpy as np
import pytest
from PIL import Image
from sklearn.metrics import average_precision_score

from mmml_plugin.evaluation.functional import UNDEFINED_AP
from mmml_plugin.evaluation.results_io import load_class_names, load_scalars, per_class_ap
from mmml_plugin.visualization import (overlay_attention, plot_label_graph, plot_per_class_ap,
                                       plot_pr_curves, plot_run_comparison, plot_training_curves,
                                       save_attention_grid)
from mmml_plugin.visualization.label_graph import default_heat_map_size
from mmml_plugin.visualization.per_class_ap import default_bar_chart_size


def _size(path):
    with Image.open(path) as image:
        assert image.format == 'PNG'
        return image.size


@pytest.fixture(scope='module')
def scores_targets(demo_data):
    """Scores that rank the demo val labels imperfectly, and the labels (one class ignored -1)."""
    with open(demo_data['val_ann']) as f:
        coco = json.load(f)
    cat_index = {c['id']: i for i, c in enumerate(coco['categories'])}
    image_index = {im['id']: i for i, im in enumerate(coco['images'])}
    targets = np.zeros((len(image_index), len(cat_index)), dtype=np.int64)
    for ann in coco['annotations']:
        targets[image_index[ann['image_id']], cat_index[ann['category_id']]] = 1
    rng = np.random.default_rng(0)
    scores = np.clip(0.4 * targets + rng.random(targets.shape) * 0.8, 0, 1)
    targets[0, 0] = -1
    return scores, targets


def test_per_class_ap_equals_sklearn(scores_targets):
    scores, targets = scores_targets
    ap = per_class_ap(scores, targets)
    for c in range(scores.shape[1]):
        keep = targets[:, c] >= 0
        if (targets[keep, c] == 1).any():
            ref = 100 * average_precision_score(targets[keep, c], scores[keep, c])
            assert ap[c] == pytest.approx(ref, abs=1e-9)
        else:
            assert ap[c] == UNDEFINED_AP  # the one "undefined" value, as the metrics report it


def test_per_class_ap_plot(scores_targets, demo_data, tmp_path):
    ap = per_class_ap(*scores_targets)
    names = demo_data['classes']
    out = plot_per_class_ap(ap, names, str(tmp_path / 'sub' / 'ap.png'))
    assert _size(out) == default_bar_chart_size(len(names))
    ap[2] = UNDEFINED_AP  # a class without positives is labelled, not drawn as zero
    assert _size(plot_per_class_ap(ap, names, str(tmp_path / 'ap2.png'), size=(500, 400))) == \
        (500, 400)
    with pytest.raises(ValueError, match='one AP per class'):
        plot_per_class_ap(ap[:3], names, str(tmp_path / 'bad.png'))
    with pytest.raises(ValueError, match='every class AP is undefined'):
        plot_per_class_ap(np.full(len(names), UNDEFINED_AP), names, str(tmp_path / 'u.png'))
    for bad in (np.nan, 101.0, -0.5):  # NaN is never an AP: a bug upstream, refused
        wrong = ap.copy()
        wrong[1] = bad
        with pytest.raises(ValueError, match=r'\[0, 100\] percent or -1'):
            plot_per_class_ap(wrong, names, str(tmp_path / 'nan.png'))
    with pytest.raises(ValueError, match='PNG'):
        plot_per_class_ap(ap, names, str(tmp_path / 'ap.jpg'))


def test_pr_curves(scores_targets, demo_data, tmp_path):
    scores, targets = scores_targets
    names = demo_data['classes']
    out = plot_pr_curves(scores,
                         targets,
                         names,
                         str(tmp_path / 'pr.png'),
                         classes=[names[1], 3],
                         size=(600, 420))
    assert _size(out) == (600, 420)
    with pytest.raises(KeyError, match='unknown class "zebra"'):
        plot_pr_curves(scores, targets, names, str(tmp_path / 'x.png'), classes=['zebra'])
    no_pos = targets.copy()
    no_pos[:, 4] = 0
    with pytest.raises(ValueError, match='no positive'):
        plot_pr_curves(scores, no_pos, names, str(tmp_path / 'x.png'), classes=[4])


def test_label_graph_heat_map(demo_data, tmp_path):
    out = plot_label_graph(demo_data['graph_file'], str(tmp_path / 'graph.png'))
    assert _size(out) == default_heat_map_size(len(demo_data['classes']))
    with pytest.raises(FileNotFoundError, match='missing.npz'):
        plot_label_graph(str(tmp_path / 'missing.npz'), str(tmp_path / 'g.png'))


def test_class_names_from_graph_file(demo_data, tmp_path):
    assert load_class_names(demo_data['graph_file'], 10) == demo_data['classes']
    with pytest.raises(ValueError, match='holds 10 class names but the results have 80'):
        load_class_names(demo_data['graph_file'], 80)
    names = tmp_path / 'names.txt'
    names.write_text('a\nb\n')
    assert load_class_names(str(names), 2) == ['a', 'b']


def test_run_comparison(scores_targets, demo_data, tmp_path):
    ap_a = per_class_ap(*scores_targets)
    ap_b = np.clip(ap_a + np.where(np.arange(len(ap_a)) % 2 == 0, 3.0, -2.0), 0, 100)
    ap_b[1] = UNDEFINED_AP  # left out of the comparison
    out = plot_run_comparison(ap_a,
                              ap_b,
                              demo_data['classes'],
                              str(tmp_path / 'cmp.png'),
                              names=('SSGRL', 'baseline'),
                              size=(700, 350))
    assert _size(out) == (700, 350)
    with pytest.raises(ValueError, match='same order'):
        plot_run_comparison(ap_a, ap_b[:5], demo_data['classes'], str(tmp_path / 'x.png'))


def test_overlay_attention_puts_heat_on_the_peak():
    image = np.full((64, 48, 3), 128, dtype=np.uint8)
    attention = np.zeros((4, 3), dtype=np.float32)
    attention[0, 0] = 1.0  # top-left cell of the 4x3 map
    blend = overlay_attention(image, attention, alpha=0.6)
    assert blend.shape == image.shape and blend.dtype == np.uint8
    hot, cold = blend[2, 2].astype(int), blend[60, 45].astype(int)
    assert hot[0] > hot[2] and cold[2] > cold[0]  # red at the peak, blue far away
    flat = overlay_attention(image, np.full((4, 3), 1 / 12), alpha=0.5)
    assert len(np.unique(flat.reshape(-1, 3), axis=0)) == 1  # a uniform map: one colour
    with pytest.raises(ValueError, match='NaN'):
        overlay_attention(image, np.full((4, 3), np.nan))


@pytest.mark.parametrize('num_labels,with_attention', [(0, True), (3, True), (5, False)])
def test_attention_grid_size(num_labels, with_attention, tmp_path):
    rng = np.random.default_rng(num_labels)
    result = dict(image=rng.integers(0, 255, (115, 115, 3), dtype=np.uint8),
                  labels=np.arange(num_labels),
                  scores=np.linspace(0.9, 0.5, num_labels),
                  class_names=[f'c{i}' for i in range(num_labels)],
                  attention=rng.random((10, 4, 4)) if with_attention else None)
    out = save_attention_grid(result, str(tmp_path / 'grid.png'), ncols=4, cell_size=200)
    cells = 1 + num_labels
    assert _size(out) == (min(cells, 4) * 200, math.ceil(cells / 4) * 200)
    with pytest.raises(KeyError, match='attention'):
        save_attention_grid({
            k: v
            for k, v in result.items() if k != 'attention'
        }, str(tmp_path / 'x.png'))


def test_training_curves_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='scalars.json'):
        load_scalars(str(tmp_path))
    run = tmp_path / '20260101_000000' / 'vis_data'
    run.mkdir(parents=True)
    (run / 'scalars.json').write_text('{"loss": 1.0, "iter": 1, "step": 1}\nnot json\n')
    with pytest.raises(ValueError, match='scalars.json:2'):
        load_scalars(str(tmp_path))
    (run / 'scalars.json').write_text('{"lr": 1.0, "iter": 1, "step": 1}\n')
    with pytest.raises(ValueError, match='neither "loss" nor an mAP'):
        plot_training_curves(str(tmp_path), str(tmp_path / 'c.png'))
