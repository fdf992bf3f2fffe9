"""The installed package: version, registration into the toolboxes' registries, mim files."""
import importlib
import os.path as osp

import pytest
from mmengine.config import Config


@pytest.mark.det
def test_version_and_import_registers_everything():
    from mmdet.registry import METRICS as DET_METRICS
    from mmpretrain.registry import DATASETS, METRICS, MODELS

    import mmml_plugin
    import mmml_plugin.evaluation.metrics.detection_multilabel  # noqa: F401  (the mmdet side)
    assert isinstance(mmml_plugin.__version__, str) and mmml_plugin.__version__.count('.') == 2
    for name in ('SemanticDecouplingNeck', 'GraphInteractionHead', 'SSGRLHead'):
        assert MODELS.get(name) is not None, name
    assert DATASETS.get('CocoMultiLabelDataset') is not None
    assert METRICS.get('MultiLabelMAP') is not None
    assert DET_METRICS.get('DetectionMultiLabelMetric') is not None


def test_custom_imports_in_a_fresh_scope():
    """A config naming only `custom_imports` is enough to find the plugin's modules."""
    from mmengine.utils import import_modules_from_strings
    cfg = Config(dict(custom_imports=dict(imports=['mmml_plugin'], allow_failed_imports=False)))
    modules = import_modules_from_strings(**cfg.custom_imports)
    assert modules[0] is importlib.import_module('mmml_plugin')


def test_mim_folder_exposes_configs_and_tools():
    import mmml_plugin
    mim = osp.join(osp.dirname(mmml_plugin.__file__), '.mim')
    assert osp.isfile(osp.join(mim, 'tools', 'train.py'))
    assert osp.isfile(osp.join(mim, 'configs', 'faster_rcnn', 'faster-rcnn_r50_fpn_1x_voc0712.py'))


@pytest.mark.det
def test_data_root_override_reroots_every_path(repo_root):
    from mmml_plugin.apis import load_config
    cfg = load_config(str(repo_root / 'configs/faster_rcnn/faster-rcnn_r50_fpn_1x_voc0712.py'),
                      cfg_options={'data_root': '/elsewhere/VOC'})
    datasets = cfg.train_dataloader.dataset.dataset.datasets
    assert [d.data_root for d in datasets] == ['/elsewhere/VOC/', '/elsewhere/VOC/']
    assert cfg.test_dataloader.dataset.data_root == '/elsewhere/VOC/'
    assert 'data/VOCdevkit' not in cfg.pretty_text


def test_amp_without_gpu_is_a_clear_error(repo_root, monkeypatch):
    import torch

    from mmml_plugin.apis import run_train
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)  # the CPU-only machine
    with pytest.raises(RuntimeError, match='--amp needs a CUDA GPU'):
        run_train(str(repo_root / 'configs/faster_rcnn/faster-rcnn_r50_fpn_1x_voc0712.py'),
                  amp=True,
                  work_dir='/tmp/unused')
