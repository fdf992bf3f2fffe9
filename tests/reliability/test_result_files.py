"""Result files read together are compared class by class only after aligning them by class
name (or refusing them); a numpy file's declared size is checked before anything is allocated;
odd metrics JSON, a class file that contradicts a dump and an out-of-range ``--classes`` are
clear errors naming the file and the field.

The tools run in this process (``runpy``, as ``python tools/analysis_tools/X.py ARGS`` would)."""
import io
import json
import os.path as osp
import tracemalloc
import zipfile

import numpy as np
import pytest
import yaml
from foundation.utils import run_tool_here

from mmml_plugin.apis.model_zoo import benchmark_table
from mmml_plugin.evaluation.results_io import (dump_class_names, load_aligned_per_class_ap,
                                               load_class_names, load_per_class_ap,
                                               load_predictions, load_run_metrics, save_predictions)
from mmml_plugin.utils.label_files import load_npy, read_label_file
from mmml_plugin.visualization import plot_pr_curves

CLASSES = ['cat', 'dog', 'car', 'bus', 'cow']
PERM = [3, 0, 4, 1, 2]  # another class order: bus, cat, cow, dog, car


@pytest.fixture(scope='module')
def preds():
    """(40, 5) scores and targets; every class has positives and the APs all differ."""
    rng = np.random.default_rng(0)
    targets = (rng.random((40, 5)) < 0.4).astype(np.int8)
    targets[:2] = 1
    scores = rng.random((40, 5)) + np.linspace(0.1, 0.9, 5) * targets
    return scores, targets


@pytest.fixture
def two_orders(preds, tmp_path):
    """The same predictions stored in two class orders, both files carrying ``classes``."""
    scores, targets = preds
    orig = save_predictions(str(tmp_path / 'orig.npz'), scores, targets, classes=CLASSES)
    reordered = save_predictions(str(tmp_path / 'reordered.npz'),
                                 scores[:, PERM],
                                 targets[:, PERM],
                                 classes=[CLASSES[i] for i in PERM])
    return orig, reordered


def test_same_predictions_in_two_class_orders_compare_equal(two_orders, repo_root, tmp_path):
    orig, reordered = two_orders
    # Control: by position (what compare_runs did) the identical predictions look different.
    assert not np.allclose(load_per_class_ap(orig), load_per_class_ap(reordered))
    (ap_a, ap_b), names, notes = load_aligned_per_class_ap([orig, reordered])
    assert names == CLASSES
    np.testing.assert_array_equal(ap_a, ap_b)
    assert len(notes) == 1
    assert 'reordered.npz' in notes[0] and 'aligned by class name' in notes[0]
    out = run_tool_here('analysis_tools/compare_runs.py', orig, reordered, '--names', 'orig',
                        'reordered', '--out', tmp_path / 'compare.png')
    assert 'aligned by class name' in out and osp.isfile(tmp_path / 'compare.png')


def test_different_class_sets_are_refused(preds, two_orders, repo_root, tmp_path):
    scores, targets = preds
    orig, _ = two_orders
    other = save_predictions(str(tmp_path / 'other.npz'),
                             scores,
                             targets,
                             classes=['cat', 'dog', 'car', 'bus', 'sheep'])
    with pytest.raises(ValueError) as err:
        load_aligned_per_class_ap([orig, other])
    message = str(err.value)
    assert 'orig.npz' in message and 'other.npz' in message
    assert "only in {}: ['sheep']".format(other) in message and "['cow']" in message
    with pytest.raises(ValueError, match='hold different classes'):
        run_tool_here('analysis_tools/compare_runs.py', orig, other, '--out', tmp_path / 'x.png')
    assert not osp.exists(tmp_path / 'x.png')


def test_a_file_without_names_is_compared_by_position_only_with_the_same_count(
        preds, two_orders, tmp_path):
    scores, targets = preds
    orig, reordered = two_orders
    nameless = save_predictions(str(tmp_path / 'nameless.npz'), scores, targets)
    (ap_a, ap_b), names, notes = load_aligned_per_class_ap([reordered, nameless])
    assert names == [CLASSES[i] for i in PERM]
    assert notes == [
        f'{nameless} stores no class names: compared by position, assuming the '
        f'class order of {reordered}.'
    ]
    fewer = save_predictions(str(tmp_path / 'fewer.npz'), scores[:, :4], targets[:, :4])
    with pytest.raises(ValueError,
                       match='fewer.npz has 4 classes and .*orig.npz has 5.*'
                       'fewer.npz stores no class names'):
        load_aligned_per_class_ap([orig, fewer])
    # A class-wise --out JSON stores no names either; --class-names supplies them, and the JSON
    # is then aligned by name to a dump in another order.
    json_file, names_file = tmp_path / 'orig.json', tmp_path / 'classes.txt'
    json_file.write_text(
        json.dumps({'metrics': {
            'multi-label/AP_classwise': load_per_class_ap(orig).tolist()
        }}))
    names_file.write_text('\n'.join(CLASSES))
    (ap_json, ap_dump), names, notes = load_aligned_per_class_ap([str(json_file), reordered],
                                                                 str(names_file))
    assert names == CLASSES and 'aligned by class name' in notes[0]
    np.testing.assert_allclose(ap_json, ap_dump, atol=1e-9)


def test_a_class_file_contradicting_the_dump_is_refused(two_orders, tmp_path):
    """plot_per_class_ap / plot_pr_curves label the bars with --class-names; a dump carrying
    other names (or the same in another order) must not be labelled with them."""
    orig, _ = two_orders
    names_file = tmp_path / 'classes.txt'
    names_file.write_text('\n'.join(CLASSES[i] for i in PERM))
    with pytest.raises(ValueError, match='classes.txt differ from .*orig.npz at position 0'):
        dump_class_names(orig, str(names_file), len(CLASSES))
    names_file.write_text('\n'.join(CLASSES))
    assert dump_class_names(orig, str(names_file), len(CLASSES)) == CLASSES


def _npy_bomb_header(shape=(1 << 30, ), descr='<f4'):
    """A .npy header declaring ``shape`` (default 2**30 float32: 4 GiB)."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, dict(descr=descr, fortran_order=False,
                                                      shape=shape))
    return header.getvalue()


def _npz_bomb(path, keys):
    """An .npz whose first array declares 4 GiB: the 1 MiB of zeros it stores (what a deflate
    bomb begins with) compress to a kilobyte."""
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        for i, key in enumerate(keys):
            data = _npy_bomb_header() + bytes(1 << 20) if i == 0 else \
                _npy_bomb_header((5, ), '<U3') + b'\0' * 60
            archive.writestr(f'{key}.npy', data)
    return str(path)


@pytest.mark.parametrize('reader', ['label graph', 'bare .npy', 'prediction dump', 'class names'])
def test_a_small_file_declaring_gigabytes_is_refused_before_allocating(tmp_path, reader):
    if reader == 'bare .npy':  # a version 2.0 header (4-byte length) this time
        path = str(tmp_path / 'prob.npy')
        header = io.BytesIO()
        np.lib.format.write_array_header_2_0(
            header, dict(descr='<f4', fortran_order=False, shape=(1 << 30, )))
        with open(path, 'wb') as f:
            f.write(header.getvalue() + bytes(1 << 16))
        load = load_npy
    elif reader == 'label graph':
        path, load = _npz_bomb(tmp_path / 'graph.npz', ['adj', 'classes']), \
            lambda p: read_label_file(p, 'graph')
    elif reader == 'prediction dump':
        path, load = _npz_bomb(tmp_path / 'preds.npz', ['scores', 'targets']), load_predictions
    else:
        path, load = _npz_bomb(tmp_path / 'names.npz', ['classes']), \
            lambda p: load_class_names(p, 5)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as err:
            load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(err.value)
    assert message.startswith(f'{path}: its arrays declare 4.00 GiB')
    assert 'shape (1073741824,), float32' in message and 'refusing to allocate' in message
    assert peak < 64 << 20  # numpy would have allocated the 4 GiB before reading the data


def test_dump_arrays_of_disagreeing_shapes_are_refused_from_the_headers(preds, tmp_path):
    scores, targets = preds
    path = str(tmp_path / 'cut.npz')
    np.savez(path, scores=scores, targets=targets[:30], classes=np.array(CLASSES))
    with pytest.raises(ValueError,
                       match=r'cut.npz: "targets" has shape \(30, 5\) but "scores" '
                       r'has shape \(40, 5\)'):
        load_predictions(path)


def test_pr_curves_class_index_out_of_range_names_the_valid_range(two_orders, preds, repo_root,
                                                                  tmp_path):
    orig, _ = two_orders
    with pytest.raises(ValueError) as err:
        run_tool_here('analysis_tools/plot_pr_curves.py', orig, '--classes', '99', '--out',
                      tmp_path / 'x.png')
    message = str(err.value)
    assert message.startswith(orig) and 'class index 99 (--classes) is out of range' in message
    assert 'valid indices are 0 to 4' in message
    with pytest.raises(ValueError, match='class index -1'):
        plot_pr_curves(*preds, CLASSES, str(tmp_path / 'x.png'), classes=[-1])
    assert not osp.exists(tmp_path / 'x.png')


@pytest.fixture
def zoo(tmp_path):
    """A model index: one model with published figures, one without."""
    (tmp_path / 'metafile.yml').write_text(
        yaml.safe_dump({
            'Models': [{
                'Name':
                'published',
                'Config':
                'configs/x/published.py',
                'Results': [{
                    'Task': 'Multi-Label Classification',
                    'Dataset': 'demo',
                    'Metrics': {
                        'mAP': 50.0
                    }
                }]
            }, {
                'Name': 'unpublished',
                'Config': 'configs/x/unpublished.py'
            }]
        }))
    (tmp_path / 'model-index.yml').write_text('Import:\n  - metafile.yml\n')
    return str(tmp_path / 'model-index.yml')


def _results(tmp_path, name, metrics, config='configs/x/unpublished.py'):
    path = tmp_path / name
    path.write_text(json.dumps(dict(metrics=metrics, config=config)))
    return str(path)


def test_benchmark_table_refuses_odd_json_naming_file_and_field(tmp_path, zoo, repo_root):
    good = _results(tmp_path, 'good.json', {'multi-label/mAP': 61.5, 'multi-label/CF1': 55.0})
    assert '| multi-label/mAP | 61.50 |' in benchmark_table([good], zoo)
    # A string mAP used to drop the row silently (only CF1 left in the table).
    as_string = _results(tmp_path, 'string.json', {
        'multi-label/mAP': '61.5',
        'multi-label/CF1': 55.0
    })
    with pytest.raises(ValueError,
                       match=r'string.json: metric "multi-label/mAP" is "61.5" \(str\)'):
        benchmark_table([as_string], zoo)
    with pytest.raises(ValueError, match='string.json: metric "multi-label/mAP"'):
        run_tool_here('analysis_tools/benchmark_table.py', as_string, '--model-index', zoo)
    as_bool = _results(tmp_path, 'bool.json', {'multi-label/mAP': True})
    with pytest.raises(ValueError, match=r'bool.json: metric "multi-label/mAP" is true \(bool\)'):
        benchmark_table([as_bool], zoo)
    # A list where a published figure needs a number: TypeError from float() before.
    as_list = _results(tmp_path,
                       'list.json', {'multi-label/mAP': [1.0, 2.0]},
                       config='configs/x/published.py')
    with pytest.raises(ValueError, match=r'list.json: metric "multi-label/mAP" is \[1.0, 2.0\]'):
        benchmark_table([as_list], zoo)
    # Nested beyond the parser's recursion limit: RecursionError before.
    deep = tmp_path / 'deep.json'
    deep.write_text('{"metrics": ' + '[' * 100000 + ']' * 100000 + '}')
    with pytest.raises(ValueError, match='deep.json: JSON nested too deeply'):
        benchmark_table([str(deep)], zoo, ['unpublished'])
    odd_config = _results(tmp_path, 'config.json', {'multi-label/mAP': 61.5}, config=['a.py'])
    with pytest.raises(ValueError, match=r'config.json: "config" is \[\'a.py\'\] \(list\)'):
        benchmark_table([odd_config], zoo)


def test_scalar_log_with_a_string_metric_is_refused(tmp_path):
    vis = tmp_path / 'run' / 'vis_data'
    vis.mkdir(parents=True)
    (vis / 'scalars.json').write_text(json.dumps({'multi-label/mAP': 'n/a', 'step': 1}) + '\n')
    with pytest.raises(ValueError, match=r'scalars.json: metric "multi-label/mAP" is "n/a"'):
        load_run_metrics(str(tmp_path / 'run'))
