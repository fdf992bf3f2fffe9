"""The inference API (MultiLabelInferencer, init_model, inference_multilabel) and
tools/image_demo.py on a demo SSGRL checkpoint: paths, arrays, lists and folders in batches, one
thr/topk rule (per-class thresholds included), attention grids and per-image prediction files,
and checkpoints trained with another class order refused."""
import contextlib
import io
import json
import math
import os.path as osp
import re
import runpy
import shutil
import sys

import mmcv
import numpy as np
import pytest
import torch
from PIL import Image

from mmml_plugin.apis import MultiLabelInferencer, inference_multilabel, init_model
from mmml_plugin.apis.inference import has_attention, select_labels
from mmml_plugin.engine.safe_checkpoint_loader import load_from_local_weights_only
from mmml_plugin.evaluation.results_io import load_prediction_arrays
from mmml_plugin.utils.label_files import ClassOrderError


@pytest.fixture(scope='module')
def inferencer(demo_run):
    return MultiLabelInferencer(demo_run['config'],
                                demo_run['checkpoint'],
                                device='cpu',
                                cfg_options=demo_run['options'])


@pytest.fixture(scope='module')
def dumped(demo_run):
    arrays = load_prediction_arrays(demo_run['preds'])
    return [
        dict(img_path=str(p), pred_score=s) for p, s in zip(arrays['img_paths'], arrays['scores'])
    ]


def _run_image_demo(repo_root, *args):
    """``python tools/image_demo.py ARGS``, run in this process (``runpy``); returns stdout."""
    script = str(repo_root / 'tools' / 'image_demo.py')
    argv, sys.argv = sys.argv, [script, *args]
    stdout = io.StringIO()
    try:
        with contextlib.redirect_stdout(stdout):
            runpy.run_path(script, run_name='__main__')
    finally:
        sys.argv = argv
    return stdout.getvalue()


def test_classes_come_from_the_checkpoint(inferencer, demo_data):
    assert inferencer.classes == demo_data['classes']


def test_scores_equal_the_test_run(inferencer, dumped):
    """The API's probabilities equal the Runner's on the same images (same pipeline, same
    weights), in input order, batched or not."""
    paths = [s['img_path'] for s in dumped[:3]]
    for batch_size in (1, 2):
        results = inferencer(paths, batch_size=batch_size)
        assert [r['img_path'] for r in results] == paths
        for result, sample in zip(results, dumped[:3]):
            np.testing.assert_allclose(result['pred_score'],
                                       sample['pred_score'],
                                       rtol=1e-5,
                                       atol=1e-6)


def test_result_fields(inferencer, dumped):
    result = inferencer(dumped[0]['img_path'], thr=0.0)[0]
    num_classes = len(inferencer.classes)
    scores = result['pred_score']
    assert scores.shape == (num_classes, ) and ((scores >= 0) & (scores <= 1)).all()
    assert list(result['labels']) == list(np.argsort(-scores, kind='stable'))  # thr 0: all
    np.testing.assert_array_equal(result['scores'], scores[result['labels']])
    assert result['class_names'] == [inferencer.classes[i] for i in result['labels']]
    attention = result['attention']
    assert attention.ndim == 3 and attention.shape[0] == num_classes
    np.testing.assert_allclose(attention.sum(axis=(1, 2)), 1.0, rtol=1e-5)  # softmax per class
    assert result['image'].dtype == np.uint8 and result['image'].shape == (115, 115, 3)


def test_one_thr_topk_rule(inferencer, dumped):
    """Neither: score >= 0.5; thr: score >= thr; topk alone: the k best whatever their score
    (it used to keep thr=0.5 as well); both: the k best among those >= thr."""
    path = dumped[1]['img_path']
    scores = inferencer(path, thr=0.0)[0]['pred_score']
    order = list(np.argsort(-scores, kind='stable'))
    assert list(inferencer(path)[0]['labels']) == [k for k in order if scores[k] >= 0.5]
    thr = float(np.median(scores))
    result = inferencer(path, thr=thr)[0]
    assert set(result['labels']) == set(np.flatnonzero(scores >= thr))
    assert (np.diff(result['scores']) <= 0).all()  # best first
    assert list(inferencer(path, topk=3)[0]['labels']) == order[:3]
    assert list(inferencer(path, thr=thr, topk=3)[0]['labels']) == \
        [k for k in order[:3] if scores[k] >= thr]
    with pytest.raises(ValueError, match='topk must be a positive integer'):
        inferencer(path, topk=0)


def test_per_class_thresholds(inferencer, dumped):
    """thr may be C thresholds, one per class in the model's class order."""
    path = dumped[2]['img_path']
    scores = inferencer(path, thr=0.0)[0]['pred_score']
    per_class = np.where(np.arange(len(scores)) % 2 == 0, 0.0, 1.1)  # even classes only
    labels = inferencer(path, thr=per_class)[0]['labels']
    assert sorted(labels.tolist()) == list(range(0, len(scores), 2))
    assert list(inferencer(path, thr=list(per_class), topk=2)[0]['labels']) == \
        list(np.argsort(-np.where(per_class == 0.0, scores, -1), kind='stable')[:2])
    with pytest.raises(ValueError, match='one value per class: got 3 for 10 classes'):
        inferencer(path, thr=[0.5, 0.5, 0.5])


def test_thresholds_file_applies_with_its_class_names_checked(inferencer, dumped, tmp_path):
    """thr may be the file of tune_thresholds.py: its thresholds apply per class, and a file
    written for another class order is refused."""
    from mmml_plugin.evaluation.threshold_file import save_thresholds
    from mmml_plugin.utils.label_files import ClassOrderError
    path = dumped[2]['img_path']
    classes = list(inferencer.classes)
    per_class = np.where(np.arange(len(classes)) % 2 == 0, 0.0, 1.1)
    good = save_thresholds(str(tmp_path / 'thr.json'), per_class, classes)
    labels = inferencer(path, thr=good)[0]['labels']
    assert sorted(labels.tolist()) == list(range(0, len(classes), 2))
    wrong = save_thresholds(str(tmp_path / 'reversed.json'), per_class[::-1], classes[::-1])
    with pytest.raises(ClassOrderError):
        inferencer(path, thr=wrong)


def test_list_array_and_folder_inputs(inferencer, dumped, tmp_path):
    """A list mixing paths and arrays, and a folder, give the single-image predictions."""
    paths = [s['img_path'] for s in dumped[:3]]
    single = [inferencer(p)[0]['pred_score'] for p in paths]
    mixed = inferencer([paths[0], mmcv.imread(paths[1]), paths[2]], batch_size=2)
    assert [r['img_path'] for r in mixed] == [paths[0], None, paths[2]]
    for result, expected in zip(mixed, single):  # batched convolutions round differently
        np.testing.assert_allclose(result['pred_score'], expected, rtol=1e-6, atol=1e-7)
    folder = tmp_path / 'images'
    folder.mkdir()
    for p in paths:
        shutil.copy(p, folder)
    by_name = {osp.basename(r['img_path']): r for r in inferencer(str(folder), batch_size=3)}
    assert sorted(by_name) == sorted(osp.basename(p) for p in paths)
    for p, expected in zip(paths, single):
        np.testing.assert_allclose(by_name[osp.basename(p)]['pred_score'],
                                   expected,
                                   rtol=1e-6,
                                   atol=1e-7)


def test_show_dir_and_pred_out_dir(inferencer, dumped, tmp_path):
    paths = [s['img_path'] for s in dumped[:2]]
    results = inferencer([paths[0], mmcv.imread(paths[1])],
                         topk=3,
                         show_dir=str(tmp_path / 'vis'),
                         pred_out_dir=str(tmp_path / 'preds'),
                         cell_size=64)
    stem = osp.splitext(osp.basename(paths[0]))[0]
    assert results[0]['visualization'] == str(tmp_path / 'vis' / f'{stem}_attention.png')
    assert results[1]['visualization'] == str(tmp_path / 'vis' / '1_attention.png')
    with Image.open(results[0]['visualization']) as grid:
        assert grid.size == (4 * 64, 64)  # input + 3 labels
    with open(tmp_path / 'preds' / f'{stem}.json') as f:
        record = json.load(f)
    assert record['class_names'] == results[0]['class_names'] and len(record['labels']) == 3
    assert record['classes'] == inferencer.classes
    np.testing.assert_allclose(record['pred_score'], results[0]['pred_score'], rtol=1e-6)
    assert (tmp_path / 'preds' / '1.json').is_file()


def test_datasamples(inferencer, dumped):
    sample = inferencer(dumped[0]['img_path'], return_datasamples=True, topk=2)[0]
    scores = sample.pred_score.numpy()
    assert sample.pred_label.tolist() == list(np.argsort(-scores, kind='stable')[:2])


def test_functions_and_attention_grid(demo_run, dumped, tmp_path):
    model = init_model(demo_run['config'], demo_run['checkpoint'], cfg_options=demo_run['options'])
    assert has_attention(model)
    result = inference_multilabel(model, dumped[0]['img_path'], topk=5)
    assert len(result['labels']) == 5
    out = MultiLabelInferencer.save_attention_grid(result,
                                                   str(tmp_path / 'grid.png'),
                                                   cell_size=128)
    with Image.open(out) as image:
        assert image.size == (4 * 128, math.ceil(6 / 4) * 128)


def test_baseline_has_no_attention(repo_root, dumped, demo_data):
    model = init_model(str(repo_root / 'configs/demo/resnet18_demo.py'),
                       classes=demo_data['classes'])
    assert not has_attention(model)
    result = inference_multilabel(model, dumped[0]['img_path'], topk=2)
    assert result['attention'] is None and len(result['labels']) == 2
    assert result['class_names'] == [demo_data['classes'][i] for i in result['labels']]


def test_bad_inputs(demo_run, inferencer, tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.jpg'):
        inferencer(str(tmp_path / 'nope.jpg'))
    broken = tmp_path / 'broken.jpg'
    broken.write_bytes(b'not an image')
    with pytest.raises(ValueError, match='broken.jpg'):
        inferencer(str(broken))
    with pytest.raises(ValueError, match=r'input 0: an array image must be \(H, W, 3\) uint8'):
        inferencer(np.zeros((8, 8), np.uint8))
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        init_model(demo_run['config'], str(tmp_path / 'missing.pth'))
    with pytest.raises(ValueError, match='3 class names for a head with 10 classes'):
        init_model(demo_run['config'], classes=['a', 'b', 'c'], cfg_options=demo_run['options'])
    with pytest.raises(ClassOrderError, match="differ from the classes= argument at position 0"):
        init_model(demo_run['config'],
                   demo_run['checkpoint'],
                   classes=['a', 'b', 'c'],
                   cfg_options=demo_run['options'])


@pytest.fixture(scope='module')
def reversed_checkpoint(demo_run, tmp_path_factory):
    """The demo checkpoint claiming it was trained with the classes in reverse order."""
    checkpoint = load_from_local_weights_only(demo_run['checkpoint'], map_location='cpu')
    meta = checkpoint['meta']['dataset_meta']
    meta['classes'] = list(meta['classes'])[::-1]
    path = str(tmp_path_factory.mktemp('reversed') / 'reversed.pth')
    torch.save(checkpoint, path)
    return path


def test_another_class_order_is_refused(demo_run, reversed_checkpoint, repo_root, tmp_path):
    """Scores index the checkpoint's classes: a checkpoint trained with another order is refused
    by the inferencer and tools/image_demo.py, naming both sources and the first difference."""
    message = (r'class names of .*reversed\.pth differ from .*ssgrl_r18_demo\.py at position 0: '
               r"'nine' vs 'zero' \(10 vs 10 classes; the same classes in another order\)")
    with pytest.raises(ClassOrderError, match=message):
        MultiLabelInferencer(demo_run['config'],
                             reversed_checkpoint,
                             cfg_options=demo_run['options'])
    image = osp.join(demo_run['work_dir'], 'dummy.jpg')
    with pytest.raises(ClassOrderError, match=message):
        _run_image_demo(repo_root, image, demo_run['config'], reversed_checkpoint, '--out-dir',
                        str(tmp_path), '--cfg-options',
                        f"data_root={demo_run['options']['data_root']}")


def test_image_demo_tool(demo_run, inferencer, dumped, repo_root, tmp_path):
    """``--topk 3`` prints the same 3 labels as ``inferencer(image, topk=3)`` and draws them."""
    image = dumped[0]['img_path']
    stdout = _run_image_demo(repo_root, image, demo_run['config'], demo_run['checkpoint'],
                             '--out-dir', str(tmp_path), '--topk', '3', '--cfg-options',
                             f"data_root={demo_run['options']['data_root']}")
    out = tmp_path / f'{osp.splitext(osp.basename(image))[0]}_attention.png'
    with Image.open(out) as grid:
        assert grid.size == (4 * 256, 256)  # input + 3 labels in one row
    printed = [line for line in stdout.splitlines() if re.fullmatch(r'\w+: [01]\.\d{3}', line)]
    assert [line.split(':')[0] for line in printed] == \
        inferencer(image, topk=3)[0]['class_names']


def test_image_demo_on_a_folder_with_per_class_thresholds(demo_run, inferencer, dumped, repo_root,
                                                          tmp_path):
    folder = tmp_path / 'images'
    folder.mkdir()
    for sample in dumped[:2]:
        shutil.copy(sample['img_path'], folder)
    thr = ['0.0', '1.1'] * 5  # even classes only
    stdout = _run_image_demo(repo_root, str(folder), demo_run['config'], demo_run['checkpoint'],
                             '--out-dir', str(tmp_path / 'vis'), '--pred-out-dir',
                             str(tmp_path / 'preds'), '--batch-size', '2', '--thr', *thr,
                             '--cfg-options', f"data_root={demo_run['options']['data_root']}")
    for sample in dumped[:2]:
        stem = osp.splitext(osp.basename(sample['img_path']))[0]
        assert (tmp_path / 'vis' / f'{stem}_attention.png').is_file()
        with open(tmp_path / 'preds' / f'{stem}.json') as f:
            assert sorted(json.load(f)['labels']) == [0, 2, 4, 6, 8]
        assert f'{stem}' in stdout


def test_select_labels_is_the_label_selection_rule():
    """apis.inference re-exports the one rule of evaluation.functional.label_selection."""
    from mmml_plugin.evaluation.functional import label_selection
    assert select_labels is label_selection.select_labels
