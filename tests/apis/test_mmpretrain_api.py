"""The plugin's four classifiers (SSGRL, ML-GCN, Query2Label, the ResNet baseline) through
mmpretrain's public inference API: ``get_model`` on a config, ``ImageClassificationInferencer``
on file paths and in-memory arrays, and ``inference_model``, each returning every class's score
and the selected label set. Tiny models (narrow ResNet-18, demo label files, random weights
saved as a checkpoint with its class names)."""
import glob
import os
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from foundation.tiny_models import shrink_to_demo
from mmengine.config import Config

from mmml_plugin.apis import MultiLabelInferencer, init_model, load_config, select_labels

CONFIGS = {
    'ssgrl': 'configs/demo/ssgrl_r18_demo.py',
    'baseline': 'configs/demo/resnet18_demo.py',
    'mlgcn': 'configs/mlgcn/mlgcn_r101_1xb16_coco-448px.py',
    'query2label': 'configs/query2label/query2label_r101_1xb64_coco-448px.py',
}


def tiny_config(name: str, repo_root, demo) -> Config:
    """The model's shipped config on the demo data: a narrow ResNet-18, the demo's label files,
    32-448 px test input, no pretrained weights to fetch."""
    options = {'data_root': demo['data_root'].rstrip('/') + '/', 'model.backbone.init_cfg': None}
    cfg = load_config(str(repo_root / CONFIGS[name]), options)
    if name in ('mlgcn', 'query2label'):
        shrink_to_demo(cfg, demo)
        for t in cfg.test_dataloader.dataset.pipeline:
            if t['type'] == 'Warp':
                t['size'] = 64
    return cfg


@pytest.fixture(scope='module')
def images(demo_data):
    return sorted(glob.glob(osp.join(demo_data['val_img_prefix'], '*')))[:2]


@pytest.fixture(scope='module', params=list(CONFIGS))
def tiny(request, repo_root, demo_data, tmp_path_factory):
    """(name, config, checkpoint): random weights saved with the demo classes in their meta."""
    from mmpretrain.apis import get_model
    cfg = tiny_config(request.param, repo_root, demo_data)
    torch.manual_seed(0)
    model = get_model(cfg)
    model.init_weights()
    checkpoint = str(tmp_path_factory.mktemp(request.param) / 'tiny.pth')
    torch.save(
        dict(state_dict=model.state_dict(),
             meta=dict(dataset_meta=dict(classes=list(demo_data['classes'])))), checkpoint)
    return request.param, cfg, checkpoint


def _check_prediction(sample, num_classes):
    """A multi-label DataSample: every class's probability and the selected label set."""
    scores = sample.pred_score.numpy()
    assert scores.shape == (num_classes, ) and ((scores >= 0) & (scores <= 1)).all()
    assert sorted(sample.pred_label.tolist()) == sorted(select_labels(scores).tolist())


def test_image_classification_inferencer_on_paths_and_arrays(tiny, images, demo_data):
    """get_model(Config) + ImageClassificationInferencer: a path and an array (the array used to
    fail with KeyError 'img_path' in LoadImageChecked) give the same multi-label prediction."""
    from mmpretrain.apis import ImageClassificationInferencer, get_model
    _, cfg, checkpoint = tiny
    model = get_model(cfg, pretrained=checkpoint)
    assert model._dataset_meta['classes'] == list(demo_data['classes'])
    inferencer = ImageClassificationInferencer(model, device='cpu')
    from_path, from_array = inferencer([images[0], mmcv.imread(images[0])], return_datasamples=True)
    for sample in (from_path, from_array):
        _check_prediction(sample, len(demo_data['classes']))
    np.testing.assert_allclose(from_path.pred_score, from_array.pred_score, rtol=1e-6)
    summary = inferencer(images[1])[0]  # mmpretrain's dict: every class's score is there
    assert summary['pred_scores'].shape == (len(demo_data['classes']), )


def test_inference_model_picks_an_inferencer(tiny, images, demo_data):
    """mmpretrain.inference_model on a model from init_model (it used to raise 'No available
    inferencer'), and the same scores as the plugin's MultiLabelInferencer."""
    from mmpretrain import inference_model
    _, cfg, checkpoint = tiny
    model = init_model(cfg, checkpoint)
    sample = inference_model(model, images[0], return_datasamples=True)
    _check_prediction(sample, len(demo_data['classes']))
    ours = MultiLabelInferencer(cfg, checkpoint, device='cpu')(images[0])[0]
    np.testing.assert_allclose(ours['pred_score'], sample.pred_score.numpy(), rtol=1e-5, atol=1e-6)
    assert sorted(ours['labels'].tolist()) == sorted(sample.pred_label.tolist())


def test_get_model_on_a_config_path_reads_label_files_from_the_working_dir(
        repo_root, demo_data, images, tmp_path, monkeypatch):
    """get_model('configs/...py') resolves data_root/label files against the working directory,
    as tools/test.py does: SSGRL's demo config finds data/demo/label_*.npz there."""
    from mmpretrain.apis import ImageClassificationInferencer, get_model
    (tmp_path / 'data').mkdir()
    os.symlink(demo_data['data_root'], tmp_path / 'data' / 'demo')
    monkeypatch.chdir(tmp_path)
    model = get_model(str(repo_root / CONFIGS['ssgrl']))
    assert model.head.num_classes == len(demo_data['classes'])
    sample = ImageClassificationInferencer(model, device='cpu')(mmcv.imread(images[0]),
                                                                return_datasamples=True)[0]
    _check_prediction(sample, len(demo_data['classes']))
