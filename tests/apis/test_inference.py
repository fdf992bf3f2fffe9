"""The inference API and tools/image_demo.py on a demo SSGRL checkpoint."""
import contextlib
import io
import math
import os.path as osp
import re
import runpy
import sys

import numpy as np
import pytest
from PIL import Image

from mmml_plugin.apis import MultiLabelInferencer, inference_multilabel, init_model
from mmml_plugin.apis.inference import has_attention, select_labels
from mmml_plugin.evaluation.results_io import load_prediction_arrays


@pytest.fixture(scope='module')
def inferencer(demo_run):
    return MultiLabelInferencer(demo_run['config'],
                                demo_run['checkpoint'],
                                cfg_options=demo_run['options'])


@pytest.fixture(scope='module')
def dumped(demo_run):
    arrays = load_prediction_arrays(demo_run['preds'])
    return [
        dict(img_path=str(p), pred_score=s) for p, s in zip(arrays['img_paths'], arrays['scores'])
    ]


def test_classes_come_from_the_checkpoint(inferencer, demo_data):
    assert inferencer.classes == demo_data['classes']


def test_scores_equal_the_test_run(inferencer, dumped):
    """The API's probabilities for an image equal the Runner's on the same image (same pipeline,
    same weights)."""
    for sample in dumped[:3]:
        result = inferencer(sample['img_path'])
        np.testing.assert_allclose(result['pred_score'], sample['pred_score'], rtol=1e-5, atol=1e-6)


def test_result_fields(inferencer, dumped):
    result = inferencer(dumped[0]['img_path'], thr=0.0)
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


def test_threshold_and_topk(inferencer, dumped):
    path = dumped[1]['img_path']
    scores = inferencer(path)['pred_score']
    thr = float(np.median(scores))
    result = inferencer(path, thr=thr)
    assert set(result['labels']) == set(np.flatnonzero(scores >= thr))
    assert (np.diff(result['scores']) <= 0).all()  # best first
    top = inferencer(path, thr=None, topk=3)  # the 3 best, whatever their score
    assert list(top['labels']) == list(np.argsort(-scores, kind='stable')[:3])
    top_thr = inferencer(path, thr=thr, topk=3)  # the 3 best among those >= thr, as the metric
    assert list(top_thr['labels']) == [k for k in top['labels'] if scores[k] >= thr]
    with pytest.raises(ValueError, match='topk must be a positive integer'):
        select_labels(scores, topk=0)


def test_array_input_equals_file_input(inferencer, dumped):
    import mmcv
    path = dumped[2]['img_path']
    from_file = inferencer(path)['pred_score']
    from_array = inferencer(mmcv.imread(path))['pred_score']
    np.testing.assert_array_equal(from_file, from_array)


def test_functions_and_attention_grid(demo_run, dumped, tmp_path):
    model = init_model(demo_run['config'], demo_run['checkpoint'], cfg_options=demo_run['options'])
    assert has_attention(model)
    result = inference_multilabel(model, dumped[0]['img_path'], thr=None, topk=5)
    out = MultiLabelInferencer.save_attention_grid(result,
                                                   str(tmp_path / 'grid.png'),
                                                   cell_size=128)
    with Image.open(out) as image:
        assert image.size == (4 * 128, math.ceil(6 / 4) * 128)


def test_baseline_has_no_attention(repo_root, dumped, demo_data):
    model = init_model(str(repo_root / 'configs/demo/resnet18_demo.py'),
                       classes=demo_data['classes'])
    assert not has_attention(model)
    result = inference_multilabel(model, dumped[0]['img_path'], thr=None, topk=2)
    assert result['attention'] is None and len(result['labels']) == 2
    assert result['class_names'] == [demo_data['classes'][i] for i in result['labels']]


def test_bad_inputs(demo_run, inferencer, tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.jpg'):
        inferencer(str(tmp_path / 'nope.jpg'))
    broken = tmp_path / 'broken.jpg'
    broken.write_bytes(b'not an image')
    with pytest.raises(ValueError, match='broken.jpg'):
        inferencer(str(broken))
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        init_model(demo_run['config'], str(tmp_path / 'missing.pth'))
    with pytest.raises(ValueError, match='3 class names for a head with 10 classes'):
        init_model(demo_run['config'],
                   demo_run['checkpoint'],
                   classes=['a', 'b', 'c'],
                   cfg_options=demo_run['options'])


def test_image_demo_tool(demo_run, inferencer, dumped, repo_root, tmp_path):
    """``python tools/image_demo.py IMAGE CONFIG CKPT ...``, run in this process (``runpy``)."""
    image = dumped[0]['img_path']
    script = str(repo_root / 'tools' / 'image_demo.py')
    argv, sys.argv = sys.argv, [
        script, image, demo_run['config'], demo_run['checkpoint'], '--out-dir',
        str(tmp_path), '--topk', '3', '--cfg-options',
        f"data_root={demo_run['options']['data_root']}"
    ]
    stdout = io.StringIO()
    try:
        with contextlib.redirect_stdout(stdout):
            runpy.run_path(script, run_name='__main__')
    finally:
        sys.argv = argv
    out = tmp_path / f'{osp.splitext(osp.basename(image))[0]}_attention.png'
    assert out.is_file()
    with Image.open(out) as grid:
        assert grid.size == (4 * 256, 256)  # input + 3 labels in one row
    printed = [
        line for line in stdout.getvalue().splitlines() if re.fullmatch(r'\w+: [01]\.\d{3}', line)
    ]
    assert [line.split(':')[0] for line in printed] == \
        inferencer(image, thr=None, topk=3)['class_names']
