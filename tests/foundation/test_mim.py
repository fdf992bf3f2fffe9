"""mim (openmim 0.3.9) works with the plugin installed as the README's set-up installs it (an
editable install, ``tools/misc/install_editable.py`` called by ``tools/setup_env.sh``): ``mim
search``, ``mim train``, ``mim test`` and ``mim download`` of ``mmml_plugin``, run through mim's
own command line in a throwaway environment holding this checkout's install; and
``mim train/test mmpretrain <our config>``: mmpretrain's own tools find the plugin through the
config's custom_imports.

``mim download`` fetches the weights a model-index entry names; offline, only an entry whose
weights file is already in the destination folder can be "downloaded" (mim then only writes the
config), which is what is tested here."""
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest
import torch

from .utils import REPO_ROOT

CONFIG = str(REPO_ROOT / 'configs' / 'demo' / 'resnet18_demo.py')
MIM = str(Path(sys.executable).parent / 'mim')


def _mim(*args, cwd):
    proc = subprocess.run([MIM, *map(str, args)],
                          cwd=cwd,
                          capture_output=True,
                          text=True,
                          timeout=900)
    assert proc.returncode == 0, f'mim {args} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}'
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def editable_env(tmp_path_factory):
    """A new virtual environment whose packages are this one's, except mmml_plugin: installed
    from this checkout by ``tools/misc/install_editable.py``, as ``tools/setup_env.sh`` does.

    Returns the environment's python and the variables to run it with.
    """
    venv = tmp_path_factory.mktemp('mim_env') / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True)
    python = str(venv / 'bin' / 'python')
    purelib = 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
    site = subprocess.run([python, '-c', purelib], check=True, capture_output=True,
                          text=True).stdout.strip()
    # torch, mmpretrain, mim, pip, setuptools ...: this environment's, after the new one's own
    Path(site, 'outer_env.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    proc = subprocess.run(
        [python, str(REPO_ROOT / 'tools' / 'misc' / 'install_editable.py')],
        env=env,
        capture_output=True,
        text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return python, env


def _mim_in(editable_env, *args, cwd):
    python, env = editable_env
    proc = subprocess.run([python, '-m', 'mim', *map(str, args)],
                          cwd=cwd,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'mim {args} failed:\n{out[-6000:]}'
    return out


def _demo_options(demo_data):
    options = {
        'data_root': demo_data['data_root'].rstrip('/') + '/',
        'model.backbone.init_cfg': None,
        'train_cfg.max_epochs': 1,
    }
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options[f'{loader}.num_workers'] = 0
    return ['--cfg-options', *[f'{k}={v}' for k, v in options.items()]]


def test_mim_finds_the_editable_install(editable_env, tmp_path):
    python, env = editable_env
    located = subprocess.run([
        python, '-c', 'from mim.utils import get_installed_path; '
        'print(get_installed_path("mmml_plugin"))'
    ],
                             env=env,
                             capture_output=True,
                             text=True,
                             check=True).stdout
    assert Path(located.strip().splitlines()[-1]).resolve() == REPO_ROOT / 'mmml_plugin'
    out = _mim_in(editable_env, 'search', 'mmml_plugin', cwd=tmp_path)
    for name in ('ssgrl_r18_demo', 'resnet18_demo', 'ssgrl_r101_1xb4_coco-576px',
                 'faster-rcnn_r50_fpn_1x_voc0712'):
        assert f'config id: {name}' in out, out[-3000:]
    out = _mim_in(editable_env,
                  'search',
                  'mmml_plugin',
                  '--model',
                  'demo',
                  '--field',
                  'config',
                  cwd=tmp_path)
    assert 'configs/demo/resnet18_demo.py' in out and 'coco' not in out


def test_mim_train_and_test_mmml_plugin(editable_env, demo_data, tmp_path):
    work = tmp_path / 'work'
    out = _mim_in(editable_env,
                  'train',
                  'mmml_plugin',
                  'resnet18_demo.py',
                  '--work-dir',
                  work,
                  *_demo_options(demo_data),
                  cwd=tmp_path)
    assert str(REPO_ROOT / 'configs' / 'demo' / 'resnet18_demo.py') in out  # mim found it
    assert 'Traceback' not in out
    assert torch.load(work / 'epoch_1.pth', map_location='cpu')['meta']['epoch'] == 1
    preds, metrics = tmp_path / 'preds.npz', tmp_path / 'metrics.json'
    _mim_in(editable_env,
            'test',
            'mmml_plugin',
            'resnet18_demo.py',
            '--checkpoint',
            work / 'epoch_1.pth',
            '--work-dir',
            tmp_path / 'test',
            '--out',
            preds,
            *_demo_options(demo_data),
            cwd=tmp_path)
    with np.load(preds, allow_pickle=False) as f:
        assert f['scores'].shape == (len(f['img_paths']), len(demo_data['classes']))
    _mim_in(editable_env,
            'test',
            'mmml_plugin',
            'resnet18_demo.py',
            '--checkpoint',
            work / 'epoch_1.pth',
            '--work-dir',
            tmp_path / 'test',
            '--out',
            metrics,
            '--out-item',
            'metrics',
            *_demo_options(demo_data),
            cwd=tmp_path)
    assert 0 <= json.loads(metrics.read_text())['metrics']['multi-label/mAP'] <= 100


def test_mim_download_writes_the_config_when_the_weights_are_there(editable_env, tmp_path):
    # Offline: mim downloads a model's weights unless the file is already in --dest; put it
    # there, and mim only writes the config (the Faster R-CNN entry is the one with weights).
    dest = tmp_path / 'checkpoints'
    dest.mkdir()
    name = 'faster_rcnn_r50_fpn_1x_voc0712_20220320_192712-54bef0f3.pth'
    (dest / name).write_bytes(b'placeholder')
    out = _mim_in(editable_env,
                  'download',
                  'mmml_plugin',
                  '--config',
                  'faster-rcnn_r50_fpn_1x_voc0712',
                  '--dest',
                  dest,
                  cwd=tmp_path)
    assert f'{name} exists in {dest}' in out
    config = (dest / 'faster-rcnn_r50_fpn_1x_voc0712.py').read_text()
    assert 'DetectionMultiLabelMetric' in config and 'MMMLRunner' in config


def test_mim_train_and_test_with_mmpretrain(demo_data, tmp_path):
    # The demo configs read data/demo/ relative to the working directory.
    (tmp_path / 'data').mkdir()
    os.symlink(demo_data['data_root'], tmp_path / 'data' / 'demo')
    work_dir = tmp_path / 'work'
    # no digit-pretrained backbone in the fixture's data: random initialisation
    log = _mim('train',
               'mmpretrain',
               CONFIG,
               '--work-dir',
               work_dir,
               '--cfg-options',
               'train_cfg.max_epochs=1',
               'model.backbone.init_cfg=None',
               cwd=tmp_path)
    assert 'mmpretrain/.mim/tools/train.py' in log
    ckpt = torch.load(work_dir / 'epoch_1.pth', map_location='cpu')
    assert ckpt['meta']['epoch'] == 1
    assert list(ckpt['meta']['dataset_meta']['classes']) == demo_data['classes']

    out = tmp_path / 'results.json'
    log = _mim('test',
               'mmpretrain',
               CONFIG,
               '--checkpoint',
               work_dir / 'epoch_1.pth',
               '--work-dir',
               tmp_path / 'test',
               '--out',
               out,
               '--out-item',
               'metrics',
               cwd=tmp_path)
    assert 'mmpretrain/.mim/tools/test.py' in log
    metrics = json.loads(out.read_text())
    assert 0 <= metrics['multi-label/mAP'] <= 100
    assert 0 <= metrics['multi-label/OF1'] <= 100
