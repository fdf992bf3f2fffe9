"""Checkpoints named by URL or scheme (``https://``, ``torchvision://``,
``open-mmlab://``, the ImageNet ``init_cfg`` of the COCO/VOC/baseline configs) are read
weights-only, like local files. No network: the crafted file is planted in a temporary torch hub
cache, where ``torch.hub.load_state_dict_from_url`` (and the plugin) look before downloading, and
the payload would create a marker file."""
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import checkpoint as mme_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint
from reliability_helpers import REPO_ROOT

from mmml_plugin.engine import UnsafeCheckpointError
from mmml_plugin.engine.safe_checkpoint_loader import (TRUST_ENV, WEIGHTS_ONLY_LOADERS,
                                                       hub_cache_file, trusted_entries)


class _Payload:
    """Unpickling this calls ``os.system('touch <marker>')``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A temporary ``TORCH_HOME``; returns a function planting a crafted file for a URL."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    monkeypatch.setenv('MMENGINE_HOME', str(tmp_path / 'mmengine_home'))
    monkeypatch.delenv(TRUST_ENV, raising=False)
    marker = tmp_path / 'pwned'

    def plant(url):
        path = hub_cache_file(url)
        assert path.startswith(str(tmp_path))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        torch.save({'state_dict': {'w': torch.ones(2)}, 'meta': _Payload(marker)}, path)
        return path

    plant.marker = marker
    return plant


URL = 'https://download.example.invalid/models/evil_20240101-0123abcd.pth'


def test_crafted_file_at_a_url_is_refused(hub):
    cached = hub(URL)
    with pytest.raises(UnsafeCheckpointError) as err:
        _load_checkpoint(URL, map_location='cpu')
    assert URL in str(err.value) and cached in str(err.value) and 'system' in str(err.value)
    assert not hub.marker.exists()


def test_mmengine_http_loader_runs_the_same_file(hub):
    """Control: mmengine 0.10.7's own HTTP loader (``torch.hub.load_state_dict_from_url``,
    full unpickling) executes the planted payload."""
    hub(URL)
    try:
        mme_checkpoint.load_from_http(URL, map_location='cpu')
    except Exception:  # torch >= 2.6 may refuse it after the payload ran; the marker tells
        pass
    assert hub.marker.exists()


@pytest.mark.parametrize('scheme', [
    'torchvision://resnet18', 'modelzoo://resnet18', 'open-mmlab://detectron2/resnet50_caffe',
    'openmmlab://resnet50_caffe'
])  # a deprecated alias
def test_crafted_file_behind_a_scheme_is_refused(hub, scheme):
    name = scheme.split('://')[1]
    if scheme.startswith(('torchvision', 'modelzoo')):
        url = mme_checkpoint.get_torchvision_models()[name]
    else:
        name = mme_checkpoint.get_deprecated_model_names().get(name, name)
        url = mme_checkpoint.get_external_models()[name]
    hub(url)
    with pytest.raises(UnsafeCheckpointError, match='system'):
        _load_checkpoint(scheme, map_location='cpu')
    assert not hub.marker.exists()


def test_pretrained_init_cfg_of_the_shipped_configs_is_refused(hub):
    """The ImageNet ``init_cfg`` URL the COCO, VOC and baseline configs inherit."""
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(str(REPO_ROOT / 'configs/_base_/models/resnet101_multilabel.py'))
    init_cfg = cfg.model.backbone.init_cfg
    assert init_cfg.checkpoint.startswith('https://')
    hub(init_cfg.checkpoint)
    backbone = MODELS.build(dict(type='ResNet', depth=18, init_cfg=init_cfg))
    with pytest.raises(UnsafeCheckpointError, match='system'):
        backbone.init_weights()
    assert not hub.marker.exists()


def test_genuine_url_checkpoint_loads(hub, tmp_path):
    url = 'https://download.example.invalid/models/fine.pth'
    path = hub_cache_file(url)
    os.makedirs(os.path.dirname(path))
    torch.save({'state_dict': {'w': torch.arange(3.)}}, path)
    assert torch.equal(
        _load_checkpoint(url, map_location='cpu')['state_dict']['w'], torch.arange(3.))


def test_full_loading_only_for_files_listed_in_the_opt_in(hub, tmp_path, monkeypatch):
    local = tmp_path / 'mine.pth'
    torch.save({'state_dict': {}, 'meta': _Payload(hub.marker)}, local)
    monkeypatch.setenv(TRUST_ENV, str(tmp_path / 'other.pth'))
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(str(local), map_location='cpu')
    assert not hub.marker.exists()
    monkeypatch.setenv(TRUST_ENV, os.pathsep.join([str(tmp_path / 'other.pth'), str(local)]))
    _load_checkpoint(str(local), map_location='cpu')
    assert hub.marker.exists()  # fully unpickled: that is what trusting a file means


@pytest.mark.det
def test_every_registered_scheme_loads_weights_only():
    """Once mmpretrain and mmdet are imported too, no loader that unpickles fully remains."""
    import mmdet.models  # noqa: F401
    import mmpretrain.models  # noqa: F401
    safe = set(WEIGHTS_ONLY_LOADERS.values())
    assert CheckpointLoader._schemes  # mmengine 0.10.7's private table, see the loader module
    for prefix, loader in CheckpointLoader._schemes.items():
        assert loader in safe, (prefix, loader)


def test_importing_the_package_alone_installs_the_loaders():
    """``custom_imports=['mmml_plugin']`` is all a config does: that import must be enough."""
    import subprocess
    import sys
    code = ('import mmml_plugin\n'
            'from mmengine.runner.checkpoint import CheckpointLoader\n'
            'names = {f.__name__ for f in CheckpointLoader._schemes.values()}\n'
            'assert all(n.endswith("_weights_only") for n in names), names\n'
            'assert CheckpointLoader._get_checkpoint_loader("https://x/y.pth").__name__ == '
            '"load_from_http_weights_only"\n')
    proc = subprocess.run([sys.executable, '-c', code],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True,
                          timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.parametrize('separator', [' ', ',', '\n', ', '])
def test_a_url_listed_in_the_opt_in_is_trusted(hub, monkeypatch, separator):
    """URLs contain ':' (scheme, port): the list is split on spaces, commas or newlines."""
    url = 'https://models.example.invalid:8443/zoo/mine_20240101.pth'
    hub(url)
    monkeypatch.setenv(TRUST_ENV, separator.join(['/models/other.pth', url]))
    _load_checkpoint(url, map_location='cpu')
    assert hub.marker.exists()  # fully unpickled: trusted as documented


def test_trusted_entries_keep_urls_whole_and_read_the_old_path_form():
    url = 'http://host:8080/a.pth'
    assert trusted_entries(f'{url}, /p/b.pth\n/p/c.pth') == [url, '/p/b.pth', '/p/c.pth']
    assert trusted_entries(os.pathsep.join(['/p/b.pth', '/p/c.pth'])) == ['/p/b.pth', '/p/c.pth']
    assert trusted_entries('') == []
