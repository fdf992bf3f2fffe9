"""browse_dataset on tiny generated COCO, VOC, held-out and demo trees: the images it writes have
the pipeline's output size and carry exactly the dataset's labels (difficult-only VOC classes
marked, never as labels), for every dataset type of the plugin's configs and mmdet's Faster
R-CNN VOC config."""
import json
import os.path as osp
import runpy
import sys

import pytest
from foundation.voc_data import VOC_CLASSES, make_tiny_voc
from PIL import Image

from mmml_plugin.apis.browse_dataset import browse_dataset
from mmml_plugin.visualization.labelled_image import label_text, labelled_image_figure


@pytest.fixture(scope='module')
def voc_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('voc')
    info = make_tiny_voc(str(root), splits={'VOC2007': {'trainval': 3, 'test': 3}})
    (root / 'VOC2007' / 'holdout_trainval_10pct_seed0.txt').write_text('2007_trainval_0001\n')
    return root, info


def _voc_difficult(root, img_id):
    """Classes of an image's difficult objects that have no normal object, from its XML."""
    import xml.etree.ElementTree as ET
    tree = ET.parse(osp.join(root, 'VOC2007', 'Annotations', f'{img_id}.xml'))
    normal, hard = set(), set()
    for obj in tree.findall('object'):
        (hard if obj.find('difficult').text == '1' else normal).add(obj.find('name').text)
    return hard - normal


def _check_files(records, size):
    for r in records:
        with Image.open(r['file']) as image:
            assert image.size == size and r['shape'] == size[::-1]


def test_coco_demo_digits_train_and_test_pipelines(demo_data, repo_root, tmp_path):
    with open(demo_data['train_ann']) as f:
        coco = json.load(f)
    names = {c['id']: c['name'] for c in coco['categories']}
    truth = {im['file_name']: set() for im in coco['images']}
    files = {im['id']: im['file_name'] for im in coco['images']}
    for a in coco['annotations']:
        truth[files[a['image_id']]].add(names[a['category_id']])
    order = [c['name'] for c in coco['categories']]
    config = str(repo_root / 'configs/demo/ssgrl_r18_demo.py')
    options = {'data_root': demo_data['data_root'].rstrip('/') + '/'}
    records = browse_dataset(config, str(tmp_path / 'train'), 'train', num=5, cfg_options=options)
    assert len(records) == 5 and len(list((tmp_path / 'train').glob('*.png'))) == 5
    for r in records:
        expected = truth[osp.basename(r['img_path'])]
        assert r['labels'] == [n for n in order if n in expected] and not r['difficult']
    _check_files(records, (115, 115))  # RandomSquareCropResize(out_size=115)
    test = browse_dataset(config, str(tmp_path / 'test'), 'test', num=2, cfg_options=options)
    _check_files(test, (115, 115))


def test_voc_and_holdout(voc_root, repo_root, tmp_path):
    root, info = voc_root
    options = {'data_root': str(root / 'VOC2007') + '/'}
    config = str(repo_root / 'configs/ssgrl/ssgrl_r101_1xb4_voc07-576px.py')
    records = browse_dataset(config, str(tmp_path / 'voc'), 'test', num=None, cfg_options=options)
    assert [osp.basename(r['img_path']) for r in records] == \
        [f'{i}.jpg' for i in info[('VOC2007', 'test')]]
    for r in records:
        img_id = osp.splitext(osp.basename(r['img_path']))[0]
        assert r['labels'] == [c for c in VOC_CLASSES if c in info['labels'][img_id]]
        assert r['difficult'] == [c for c in VOC_CLASSES if c in _voc_difficult(root, img_id)]
    assert any(r['difficult'] for r in records)  # the fixture has difficult-only classes
    _check_files(records, (576, 576))
    holdout = str(repo_root / 'configs/ssgrl/ssgrl_r101_1xb4_voc07-holdout-576px.py')
    val = browse_dataset(holdout, str(tmp_path / 'val'), 'val', num=None, cfg_options=options)
    assert [osp.basename(r['img_path']) for r in val] == ['2007_trainval_0001.jpg']
    assert val[0]['labels'] == [c for c in VOC_CLASSES if c in info['labels']['2007_trainval_0001']]
    train = browse_dataset(holdout, str(tmp_path / 'train'), 'train', num=None, cfg_options=options)
    assert len(train) == 2 and '2007_trainval_0001.jpg' not in [
        osp.basename(r['img_path']) for r in train
    ]


def test_faster_rcnn_config_gives_its_boxes_classes(voc_root, repo_root, tmp_path):
    """mmdet's VOC dataset: labels are the classes of the boxes the detector trains on; a class
    whose boxes are all ignored (difficult, or under bbox_min_size = 32 px) is 'difficult'."""
    root, info = voc_root
    config = str(repo_root / 'configs/faster_rcnn/faster-rcnn_r50_fpn_1x_voc0712.py')
    records = browse_dataset(config,
                             str(tmp_path),
                             'test',
                             num=None,
                             cfg_options={'data_root': str(root) + '/'})
    assert len(records) == 3
    for r in records:
        img_id = osp.splitext(osp.basename(r['img_path']))[0]
        assert r['labels'] == [c for c in VOC_CLASSES if c in info['labels'][img_id]]
        with Image.open(r['file']) as image:  # Resize(1000, 600) keep_ratio of 160x120
            assert image.size == (800, 600)


def test_label_text_on_the_image():
    import numpy as np
    fig = labelled_image_figure(np.zeros((40, 60, 3), np.uint8), ['dog', 'person'], ['bus'])
    (text, ) = fig.axes[0].texts
    assert text.get_text() == 'dog\nperson\nbus (difficult)' == label_text(['dog', 'person'],
                                                                           ['bus'])
    assert label_text([]) == '(no label)'


def test_tool_command(demo_data, repo_root, tmp_path, capsys):
    script = str(repo_root / 'tools/analysis_tools/browse_dataset.py')
    argv, sys.argv = sys.argv, [
        script,
        str(repo_root / 'configs/demo/ssgrl_r18_demo.py'), '--out-dir',
        str(tmp_path), '--num', '3', '--phase', 'test', '--cfg-options',
        f'data_root={demo_data["data_root"].rstrip("/")}/'
    ]
    try:
        runpy.run_path(script, run_name='__main__')
    finally:
        sys.argv = argv
    out = capsys.readouterr().out
    assert '3 images written' in out and len(list(tmp_path.glob('*.png'))) == 3
