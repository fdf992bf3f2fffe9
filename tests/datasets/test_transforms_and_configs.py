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
    t = RandomSquareCropResize()
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


def test_label_file_paths_agreed_with_the_model_configs():
    coco = _config('coco2014_multilabel_576px.py')
    voc = _config('voc07_multilabel_576px.py')
    assert coco.label_graph_file == 'data/coco/label_graph_train2014.npz'
    assert coco.label_embedding_file == 'data/coco/label_embeddings_glove.npz'
    assert voc.label_graph_file == 'data/voc/label_graph_voc07trainval.npz'
    assert voc.label_embedding_file == 'data/voc/label_embeddings_glove.npz'
    assert coco.val_dataloader.dataset.empty_images == 'keep'
    voc12 = _config('voc12_multilabel_576px.py')
    assert voc12.train_dataloader.dataset.split == 'train'
    assert voc12.val_dataloader.dataset.split == 'val'
    assert voc12.val_dataloader.dataset.data_root == 'data/voc/VOC2012/'


def _write_voc(root):
    """Three images: 'person' is positive in images 1 and 3 and difficult-only in image 2;
    'cat' is difficult-only in image 1; 'dog' in image 2 has a difficult and a normal object."""
    objects = {'000001': [('cat', 1), ('person', 0)],
               '000002': [('dog', 1), ('dog', 0), ('person', 1)],
               '000003': [('person', 0)]}
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
    root = tmp_path / 'VOC2007'
    _write_voc(root)
    cat, dog, person = 7, 11, 14
    standard = _config('voc07_multilabel_576px.py')
    ssgrl = _config('voc07_multilabel_576px_ssgrl_difficult.py')
    train = DATASETS.build(dict(standard.train_dataloader.dataset, data_root=str(root)))
    assert train.get_data_info(0)['gt_label'] == [person]  # difficult-only cat: not positive
    assert train.get_data_info(0)['gt_label_difficult'] == [cat]
    assert train.get_data_info(1)['gt_label'] == [dog]
    test = DATASETS.build(dict(standard.val_dataloader.dataset, data_root=str(root)))
    packed = [test[i]['data_samples'] for i in range(3)]
    assert packed[0].gt_label_difficult == [cat]

    assert sorted(packed[1].gt_label_difficult) == [dog, person]  # dog is also non-difficult
    assert packed[1].gt_label.tolist() == [dog]

    # "person" scored highest on image 2, where it is difficult-only.
    scores = torch.full((3, 20), 0.1)
    scores[1, person], scores[0, person], scores[2, person] = 0.95, 0.8, 0.7
    scores[1, dog] = 0.9
    person_ap = {}
    for name, cfg in (('standard', standard), ('ssgrl', ssgrl)):
        metric = METRICS.build(dict(cfg.val_evaluator, classwise=True))
        samples = [DataSample(metainfo=p.metainfo).set_gt_label(p.gt_label)
                   .set_pred_score(s).to_dict() for p, s in zip(packed, scores)]
        metric.process(None, samples)
        person_ap[name] = metric.compute_metrics(metric.results)['AP_classwise'][person]
    assert standard.val_evaluator == dict(type='MultiLabelMAP', difficult_as_positive=None)
    assert ssgrl.val_evaluator == dict(type='MultiLabelMAP', difficult_as_positive=False)
    # standard: image 2 ignored -> both positives ranked first, AP 100
    # SSGRL: image 2 is a negative ranked first -> AP = (1/2 + 2/3) / 2 = 58.3
    assert person_ap['standard'] == pytest.approx(100.0)
    assert person_ap['ssgrl'] == pytest.approx(100 * (1 / 2 + 2 / 3) / 2, abs=0.01)
