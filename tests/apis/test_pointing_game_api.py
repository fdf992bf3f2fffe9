"""The pointing game on a real model: coordinates through the test transform, the API on the demo
val set, and ``tools/analysis_tools/attention_pointing_game.py``."""
import contextlib
import io
import json
import runpy
import sys

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from mmml_plugin.apis import MultiLabelInferencer
from mmml_plugin.apis.inference import build_test_pipeline
from mmml_plugin.apis.pointing_game import (evaluate_pointing_game, input_to_image_coordinates,
                                            load_coco_boxes)
from mmml_plugin.visualization.pointing_game import POINTING_CAPTION, caption_height


def _pipeline(*transforms):
    cfg = Config(
        dict(test_dataloader=dict(dataset=dict(
            pipeline=[dict(type='LoadImageChecked'), *transforms,
                      dict(type='PackInputs')]))))
    return build_test_pipeline(cfg)


def test_coordinates_through_resize_and_center_crop():
    """The demo's test transform: resize 128 -> 128 then center crop 115, i.e. a 6 px offset."""
    coords = input_to_image_coordinates(
        _pipeline(dict(type='Resize', scale=(128, 128), keep_ratio=False),
                  dict(type='CenterCrop', crop_size=115)), 128, 128)
    assert coords.shape == (115, 115, 2)
    np.testing.assert_allclose(coords[0, 0], [6.5, 6.5], atol=1e-4)
    np.testing.assert_allclose(coords[114, 114], [120.5, 120.5], atol=1e-4)
    np.testing.assert_allclose(coords[10, 3], [9.5, 16.5], atol=1e-4)  # (x, y) order


def test_coordinates_through_a_non_square_resize():
    """A 200 x 100 image resized to 64 x 64: x shrinks by 200 / 64, y by 100 / 64, about the
    pixel centres (OpenCV's half-pixel convention)."""
    coords = input_to_image_coordinates(
        _pipeline(dict(type='Resize', scale=(64, 64), keep_ratio=False)), 100, 200)
    assert coords.shape == (64, 64, 2)
    for col in (5, 30, 58):  # away from the border, where bilinear blends with the edge
        assert coords[20, col, 0] == pytest.approx((col + 0.5) * 200 / 64, abs=1e-3)
    for row in (5, 30, 58):
        assert coords[row, 20, 1] == pytest.approx((row + 0.5) * 100 / 64, abs=1e-3)


def test_boxes_matched_by_class_name(demo_data):
    classes = list(reversed(demo_data['classes']))  # the model's order differs from the file's
    images, index = load_coco_boxes(demo_data['val_ann'], classes)
    assert index['zero'] == 9 and index['nine'] == 0
    with open(demo_data['val_ann']) as f:
        coco = json.load(f)
    first = coco['images'][0]
    name, shape, boxes = images[0]
    assert name == first['file_name'] and shape == (first['height'], first['width'])
    anns = [a for a in coco['annotations'] if a['image_id'] == first['id']]
    assert sum(len(b) for b in boxes.values()) == len(anns)
    with pytest.raises(ValueError, match='none of its categories'):
        load_coco_boxes(demo_data['val_ann'], ['cat', 'dog'])


@pytest.fixture(scope='module')
def game(demo_run, demo_data):
    inferencer = MultiLabelInferencer(demo_run['config'],
                                      demo_run['checkpoint'],
                                      cfg_options=demo_run['options'])
    return inferencer, evaluate_pointing_game(inferencer,
                                              demo_data['val_ann'],
                                              demo_data['val_img_prefix'],
                                              progress=False)


def test_pointing_game_on_the_demo_val_set(game, demo_data):
    _, out = game
    with open(demo_data['val_ann']) as f:
        coco = json.load(f)
    pairs = {(a['image_id'], a['category_id']) for a in coco['annotations']}
    assert out['num_pairs'] == len(pairs) == len(out['pairs'])
    assert 0 <= out['pointing_game'] <= 100 and 0 < out['pointing_game_chance'] < 50
    assert out['pointing_game'] == pytest.approx(100 * np.mean([p['hit'] for p in out['pairs']]))
    for pair in out['pairs']:  # every peak lies in the image (no padding in the demo)
        assert 0 <= pair['point'][0] <= 128 and 0 <= pair['point'][1] <= 128


def test_pointing_game_tool(demo_run, demo_data, repo_root, tmp_path):
    script = str(repo_root / 'tools' / 'analysis_tools' / 'attention_pointing_game.py')
    out_json = tmp_path / 'pg.json'
    argv, sys.argv = sys.argv, [
        script, demo_run['config'], demo_run['checkpoint'], '--ann-file', demo_data['val_ann'],
        '--img-prefix', demo_data['val_img_prefix'], '--out',
        str(out_json), '--plot-dir',
        str(tmp_path / 'plots'), '--num-cases', '4', '--max-images', '10', '--cfg-options',
        f"data_root={demo_run['options']['data_root']}"
    ]
    stdout = io.StringIO()
    try:
        with contextlib.redirect_stdout(stdout):
            runpy.run_path(script, run_name='__main__')
    finally:
        sys.argv = argv
    report = json.loads(out_json.read_text())
    assert set(report['per_class']) == set(demo_data['classes'])
    assert report['num_pairs'] == len(report['pairs'])
    assert {p['file'].split('/')[-1]
            for p in report['pairs']} <= {f'val_{i:06d}.jpg'
                                          for i in range(10)}
    assert f"pointing game: {report['pointing_game']:.1f} %" in stdout.getvalue()
    worst = tmp_path / 'plots' / 'pointing_game_worst.png'
    with Image.open(worst) as img:
        assert img.size == (4 * 256, 256 + 30 + caption_height(POINTING_CAPTION, 4 * 256))


def test_model_without_attention_is_refused(repo_root, demo_data):
    inferencer = MultiLabelInferencer(str(repo_root / 'configs/demo/resnet18_demo.py'),
                                      classes=demo_data['classes'])
    with pytest.raises(ValueError, match='needs per-class attention maps'):
        evaluate_pointing_game(inferencer, demo_data['val_ann'], demo_data['val_img_prefix'])
