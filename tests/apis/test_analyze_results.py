"""analyze_results on demo images: the grids show exactly each class's highest-scoring false
positives and lowest-scoring false negatives under the label-selection rule (counted here by
brute force), ignored targets are never errors, and with the model every cell carries the
class's attention map."""
import json
import os.path as osp
import runpy
import sys

import numpy as np
import pytest
from PIL import Image

from mmml_plugin.apis.analyze_results import analyze_results, find_errors
from mmml_plugin.evaluation.results_io import save_predictions


def _targets(ann_file):
    with open(ann_file) as f:
        coco = json.load(f)
    cat = {c['id']: i for i, c in enumerate(coco['categories'])}
    img = {im['id']: i for i, im in enumerate(coco['images'])}
    targets = np.zeros((len(img), len(cat)), dtype=np.int8)
    for a in coco['annotations']:
        targets[img[a['image_id']], cat[a['category_id']]] = 1
    return targets, [im['file_name'] for im in coco['images']]


@pytest.fixture(scope='module')
def dump(demo_data, tmp_path_factory):
    targets, files = _targets(demo_data['val_ann'])
    rng = np.random.default_rng(3)
    scores = np.clip(0.35 * targets + rng.random(targets.shape) * 0.75, 0, 1)
    targets[2, 1] = -1  # an ignored target: never an error, whatever its score
    scores[2, 1] = 0.99
    paths = [osp.join(demo_data['val_img_prefix'], f) for f in files]
    path = str(tmp_path_factory.mktemp('dump') / 'preds.npz')
    save_predictions(path, scores, targets, demo_data['classes'], paths)
    return dict(path=path, scores=scores, targets=targets, paths=paths)


def _expected(scores, targets, predicted, c, num):
    """Brute force: (score, index) pairs sorted in Python."""
    fp = sorted(
        (-scores[i, c], i) for i in range(len(scores)) if predicted[i, c] and targets[i, c] == 0)
    fn = sorted(
        (scores[i, c], i) for i in range(len(scores)) if not predicted[i, c] and targets[i, c] == 1)
    return [i for _, i in fp[:num]], [i for _, i in fn[:num]], len(fp), len(fn)


def test_grids_hold_the_worst_errors_by_threshold(dump, demo_data, tmp_path):
    scores, targets = dump['scores'], dump['targets']
    report = analyze_results(dump['path'], str(tmp_path), num=3)
    predicted = scores >= 0.5
    assert set(report['classes']) == set(demo_data['classes'])
    for c, name in enumerate(demo_data['classes']):
        entry = report['classes'][name]
        fp, fn, n_fp, n_fn = _expected(scores, targets, predicted, c, 3)
        assert [e['index'] for e in entry['false_positives']] == fp
        assert [e['index'] for e in entry['false_negatives']] == fn
        assert (entry['num_false_positives'], entry['num_false_negatives']) == (n_fp, n_fn)
        for e in entry['false_positives'] + entry['false_negatives']:
            assert e['score'] == scores[e['index'], c]
            assert e['img_path'] == dump['paths'][e['index']]
            assert e['true_labels'] == [
                demo_data['classes'][k] for k in np.flatnonzero(targets[e['index']] == 1)
            ]
        for key in ('false_positives', 'false_negatives'):
            png = tmp_path / f'{name}_{key}.png'
            assert png.is_file() == bool(entry[key])
    assert 2 not in [e['index'] for e in report['classes']['one']['false_positives']]
    assert not report['attention']
    # the grid: one cell per error, 4 per row, 224 px cells, no colour bar without attention
    entry = report['classes']['zero']
    with Image.open(entry['files'][0]) as image:
        cells = len(entry['false_positives'])
        assert image.size == (min(cells, 4) * 224, -(-cells // 4) * 224 + 30)
    assert json.loads((tmp_path / 'errors.json').read_text())['classes'] == report['classes']


def test_topk_rule_and_find_errors(dump):
    scores, targets = dump['scores'], dump['targets']
    errors = find_errors(scores, targets, topk=2, num=4)
    predicted = np.zeros_like(scores, dtype=bool)
    for i, row in enumerate(scores):
        predicted[i, sorted(range(len(row)), key=lambda k: (-row[k], k))[:2]] = True
    for c in range(scores.shape[1]):
        fp, fn, n_fp, n_fn = _expected(scores, targets, predicted, c, 4)
        assert errors[c]['false_positives'].tolist() == fp
        assert errors[c]['false_negatives'].tolist() == fn
        assert (errors[c]['num_false_positives'], errors[c]['num_false_negatives']) == (n_fp, n_fn)
    with pytest.raises(ValueError, match='num must be a positive integer'):
        find_errors(scores, targets, num=0)


def test_with_the_model_cells_carry_attention(dump, demo_data, repo_root, tmp_path):
    """With an SSGRL config the cells are the model input with the class's attention map; the
    random weights score differently from the dump, which the report says."""
    options = {
        'data_root': demo_data['data_root'].rstrip('/') + '/',
        'model.backbone.init_cfg': None
    }
    report = analyze_results(dump['path'],
                             str(tmp_path),
                             config=str(repo_root / 'configs/demo/ssgrl_r18_demo.py'),
                             num=2,
                             classes=['three', 'seven'],
                             cfg_options=options)
    assert report['attention'] and list(report['classes']) == ['three', 'seven']
    assert any('not the one that wrote the dump' in n for n in report['notes'])
    files = report['classes']['three']['files']
    with Image.open(files[0]) as image:  # 2 cells of 224 px, a 64 px colour bar, the title
        assert image.size == (2 * 224 + 64, 224 + 30)
    with pytest.raises(KeyError, match='unknown class'):
        analyze_results(dump['path'], str(tmp_path), classes=['eleven'])


def test_tool_command(dump, repo_root, tmp_path, capsys):
    script = str(repo_root / 'tools/analysis_tools/analyze_results.py')
    argv, sys.argv = sys.argv, [
        script, dump['path'], '--out-dir',
        str(tmp_path), '--num', '2', '--classes', 'five'
    ]
    try:
        runpy.run_path(script, run_name='__main__')
    finally:
        sys.argv = argv
    out = capsys.readouterr().out
    n_fp = int(((dump['scores'][:, 5] >= 0.5) & (dump['targets'][:, 5] == 0)).sum())
    assert f'five: {n_fp} false positives' in out
    assert (tmp_path / 'five_false_positives.png').is_file()
