"""`mim train mmpretrain <our config>` and `mim test mmpretrain <our config>` work with the plugin
installed: mmpretrain's own tools find the plugin through the config's custom_imports."""
import json
import os
import subprocess
import sys
from pathlib import Path

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
