"""SSGRL transforms (output sizes, crop sizes, equivalence with the explicit chain) and the
dataset configs, including VOC's difficult-label policy."""
import os.path as osp
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import DATASETS, METRICS, TRANSFORMS
from mmpretrain.structures import DataSample
from PIL import Image

from mmml_plugin.datasets import RandomSquareCropResize

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs', '_base_', 'datasets')


def _config(name):
    init_default_scope('mmpretrain')
    return Config.fromfile(osp.join(CONFIG_DIR, name))


def _ssgrl_config(name):
    init_default_scope('mmpretrain')
    return Config.fromfile(osp.join(CONFIG_DIR, '..', '..', 'ssgrl', name))


def _jpeg(path, w=640, h=480, seed=0):
    rng = np.random.default_rng(seed)
    low = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    Image.fromarray(low).resize((w, h), Image.BICUBIC).save(path, quality=92)
    return str(path)


@pytest.mark.parametrize('config', ['coco2014_multilabel_576px.py', 'voc07_multilabel_576px.py'])
def test_ssgrl_pipelines_output_sizes(config, tmp_path):
    cfg = _config(config)
    path = _jpeg(tmp_path / 'a.jpg')
    train = Compose([TRANSFORMS.build(t) for t in cfg.train_pipeline])
    test = Compose([TRANSFORMS.build(t) for t in cfg.test_pipeline])
    for seed in range(4):
        np.random.seed(seed)
        out = train(dict(img_path=path, gt_label=[1], gt_label_difficult=[]))
        assert out['inputs'].shape == (3, 576, 576) and out['inputs'].dtype == torch.uint8
    out = test(dict(img_path=path, gt_label=[1], gt_label_difficult=[]))
    assert out['inputs'].shape == (3, 576, 576)
    assert out['data_samples'].ori_shape == (480, 640)


def test_random_square_crop_sizes_are_drawn_from_the_set():
    t = RandomSquareCropResize(scale=640, crop_sizes=(640, 576, 512, 384, 320), out_size=576)
    img = np.zeros((640, 640, 3), np.uint8)
    np.random.seed(0)
    seen = set()
    for _ in range(200):
        out = t(dict(img=img))
        x1, y1, x2, y2 = out['crop_bbox']
        assert out['img'].shape == (576, 576, 3) and out['img_shape'] == (576, 576)
        assert x2 - x1 == y2 - y1 and 0 <= x1 and x2 <= 640 and 0 <= y1 and y2 <= 640
        seen.add(int(x2 - x1))
    assert seen == {640, 576, 512, 384, 320}
    with pytest.raises(ValueError, match='crop_sizes'):
        RandomSquareCropResize(scale=320, crop_sizes=(640, ))


def test_fused_crop_matches_the_explicit_chain():
    """Resize 640 -> crop -> resize 576 vs one resize of the mapped window (same window)."""
    import cv2
    rng = np.random.default_rng(1)
    img = cv2.resize(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8), (640, 480),
                     interpolation=cv2.INTER_CUBIC)
    t = RandomSquareCropResize(backend='cv2')
    for size, x0, y0 in [(640, 0, 0), (512, 64, 100), (320, 300, 17)]:
        t._sample_window = lambda s=size, x=x0, y=y0: (s, x, y)
        fused = t(dict(img=img))['img'].astype(float)
        square = cv2.resize(img, (640, 640))
        chain = cv2.resize(square[y0:y0 + size, x0:x0 + size], (576, 576)).astype(float)
        assert np.abs(fused - chain).mean() < 3.0, size


def test_demo_config_pipelines(demo_data):
    cfg = _config('demo_multilabel.py')
    assert cfg.val_evaluator == dict(type='MultiLabelMAP')
    assert cfg.train_dataloader.batch_size == 8 and cfg.train_dataloader.num_workers == 0
    ds_cfg = dict(cfg.train_dataloader.dataset, data_root=demo_data['data_root'])
    dataset = DATASETS.build(ds_cfg)
    assert len(dataset) == 48 and dataset.metainfo['classes'] == tuple(demo_data['classes'])
    assert dataset[0]['inputs'].shape == (3, 115, 115)
    val = DATASETS.build(dict(cfg.val_dataloader.dataset, data_root=demo_data['data_root']))
    assert len(val) == 24 and val[0]['inputs'].shape == (3, 115, 115)


def test_label_files_live_under_data_root_and_move_with_it():
    """--cfg-options data_root=... moves the images, the label files and the held-out list."""
    from mmml_plugin.apis.train_test import load_config
    for name in ('coco2014_multilabel_576px.py', 'voc07_multilabel_576px.py',
                 'voc12_multilabel_576px.py', 'voc12_multilabel_576px_train-val.py'):
        cfg = _config(name)
        for key in ('label_graph_file', 'label_embedding_file'):
            assert cfg[key].startswith(cfg.data_root), (name, key)
        assert cfg.train_dataloader.dataset.data_root == cfg.data_root
        assert cfg.data_preprocessor.num_classes == cfg.num_classes
    for config in ('configs/ssgrl/ssgrl_r101_1xb4_voc07-576px.py',
                   'configs/ssgrl/ssgrl_r101_1xb4_coco-holdout-576px.py'):
        moved = load_config(osp.join(CONFIG_DIR, '..', '..', '..', config),
                            {'data_root': '/elsewhere/'})
        for key in ('graph_file', 'embedding_file'):
            assert moved.model.head[key].startswith('/elsewhere/'), (config, key)
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            assert '/elsewhere/' in str(moved[loader].dataset), (config, loader)
    voc12 = _config('voc12_multilabel_576px.py')
    assert voc12.train_dataloader.dataset.split == 'trainval'  # the paper's VOC 2012 protocol
    assert voc12.test_dataloader.dataset.split == 'test'
    assert voc12.test_evaluator.type == 'VOCDevkitClsWriter'
    assert voc12.test_evaluator.comp == voc12.voc_devkit_comp
    local = _config('voc12_multilabel_576px_train-val.py')
    assert (local.train_dataloader.dataset.split, local.val_dataloader.dataset.split) == ('train',
                                                                                          'val')
    assert local.label_graph_file != voc12.label_graph_file  # built from a different split


def _write_voc(root):
    """Three images: 'person' is positive in images 1 and 3 and difficult-only in image 2;
    'cat' is difficult-only in image 1; 'dog' in image 2 has a difficult and a normal object."""
    objects = {
        '000001': [('cat', 1), ('person', 0)],
        '000002': [('dog', 1), ('dog', 0), ('person', 1)],
        '000003': [('person', 0)]
    }
    for sub in ('JPEGImages', 'Annotations', 'ImageSets/Main'):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for i, (name, objs) in enumerate(objects.items()):
        _jpeg(root / 'JPEGImages' / f'{name}.jpg', 64, 48, i)
        ann = ET.Element('annotation')
        for cls, difficult in objs:
            obj = ET.SubElement(ann, 'object')
            ET.SubElement(obj, 'name').text = cls
            ET.SubElement(obj, 'difficult').text = str(difficult)
        ET.ElementTree(ann).write(root / 'Annotations' / f'{name}.xml')
    for split in ('trainval', 'test'):
        (root / 'ImageSets' / 'Main' / f'{split}.txt').write_text('\n'.join(objects) + '\n')


def test_voc_difficult_policy(tmp_path):
    """The official VOC 2007 config scores difficult-only classes as negatives (HCPLab-SYSU/SSGRL
    datasets/voc07dataset.py L32-36 skips difficult objects, so the class is 0 in the label
    vector scored by utils/metrics.py); the standard config ignores them."""
    root = tmp_path / 'VOC2007'
    _write_voc(root)
    cat, dog, person = 7, 11, 14
    official = _ssgrl_config('ssgrl_r101_1xb4_voc07-576px.py')
    standard = _ssgrl_config('ssgrl_r101_1xb4_voc07-ignore-difficult-576px.py')
    train = DATASETS.build(dict(official.train_dataloader.dataset, data_root=str(root)))
    assert train.get_data_info(0)['gt_label'] == [person]  # difficult-only cat: not positive
    assert train.get_data_info(0)['gt_label_difficult'] == [cat]
    assert train.get_data_info(1)['gt_label'] == [dog]
    test = DATASETS.build(dict(official.test_dataloader.dataset, data_root=str(root)))
    packed = [test[i]['data_samples'] for i in range(3)]
    assert packed[0].gt_label_difficult == [cat]

    assert sorted(packed[1].gt_label_difficult) == [dog, person]  # dog is also non-difficult
    assert packed[1].gt_label.tolist() == [dog]

    # "person" scored highest on image 2, where it is difficult-only.
    scores = torch.full((3, 20), 0.1)
    scores[1, person], scores[0, person], scores[2, person] = 0.95, 0.8, 0.7
    scores[1, dog] = 0.9
    person_ap = {}
    for name, cfg in (('standard', standard), ('official', official)):
        assert cfg.val_evaluator == cfg.test_evaluator
        assert cfg.test_evaluator.ap_mode[0] == 'voc'  # headline: official all-point AP
        metric = METRICS.build(dict(cfg.test_evaluator, classwise=True))
        samples = [
            DataSample(metainfo=p.metainfo).set_gt_label(p.gt_label).set_pred_score(s).to_dict()
            for p, s in zip(packed, scores)
        ]
        metric.process(None, samples)
        person_ap[name] = metric.compute_metrics(metric.results)['AP_classwise'][person]
    # standard: image 2 ignored -> both positives ranked first, AP 100
    # official: image 2 is a negative ranked first -> precision 1/2 at recall 1/2, 2/3 at
    # recall 1; the all-point interpolated AP of utils/metrics.py L44-51 (the configs'
    # ap_mode='voc') takes the precision envelope: AP = (2/3 + 2/3) / 2 = 66.7
    assert person_ap['standard'] == pytest.approx(100.0)
    assert person_ap['official'] == pytest.approx(100 * 2 / 3, abs=0.01)
