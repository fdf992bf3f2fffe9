"""The official-checkpoint converter: every key mapped, and the converted model reproduces the
paper-literal reference on the official weights."""
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
import torchvision
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmpretrain.registry import MODELS

from mmml_plugin.models import convert_official_ssgrl
from mmml_plugin.models.reference import LiteralSSGRLHead

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
C, INTER, OUT = 5, 32, 48


@pytest.fixture(scope='module')
def official(tmp_path_factory, write_label_files):
    """A checkpoint as the official main.py saves it, random weights, plus its literal model."""
    folder = tmp_path_factory.mktemp('official')
    files = write_label_files(folder, C)
    torch.manual_seed(0)
    resnet = torchvision.models.resnet101()
    resnet.fc = torch.nn.Identity()
    for m in resnet.modules():  # non-trivial BN statistics so that a mapping slip shows
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.1, 0.5)
    head = LiteralSSGRLHead(torch.from_numpy(np.load(files['embedding_file'])['embeddings']),
                            torch.from_numpy(np.load(files['graph_file'])['adj']),
                            D=2048,
                            I=INTER,
                            out_channels=OUT)
    state = {f'resnet_101.{k}': v for k, v in resnet.state_dict().items()}
    state.update((k, v) for k, v in head.state_dict().items()
                 if k not in ('embeddings', 'graph_net.adjacency'))
    path = str(folder / 'checkpoint_coco.pth.tar')
    torch.save({'epoch': 12, 'state_dict': state, 'best_mAP': np.float64(83.1)}, path)
    trunk = torch.nn.Sequential(*list(resnet.children())[:-2]).eval()  # to layer4
    return dict(path=path, state=state, files=files, trunk=trunk, head=head.eval(), folder=folder)


def build_ours(files, reset_gate='official'):
    cfg = Config.fromfile(osp.join(REPO, 'configs/_base_/models/ssgrl_r101.py'))
    cfg.model.backbone.init_cfg = None
    cfg.model.head.update(num_classes=C,
                          embedding_file=files['embedding_file'],
                          graph_file=files['graph_file'],
                          inter_channels=INTER,
                          out_channels=OUT,
                          reset_gate=reset_gate)
    return MODELS.build(cfg.model).eval()


@pytest.fixture(scope='module')
def ours(official):
    return build_ours(official['files'])


def test_every_official_key_is_mapped(official, ours):
    model = ours
    converted, dropped = convert_official_ssgrl(official['state'])
    assert dropped == ['graph_net.fc_eq4_u.weight', 'graph_net.fc_eq4_u.bias']
    assert set(converted) == set(model.state_dict())  # none missing, none left over
    # 12 official GGNN tensors (fc_eq{3,4,5}_{w,u}.{weight,bias}) become 6 stacked ones
    assert len(official['state']) - 12 == len(converted) - 6
    model.load_state_dict(converted, strict=True)
    # 'paper': the unused official fc_eq4_u becomes U_r; nothing dropped
    paper, dropped = convert_official_ssgrl(official['state'], reset_gate='paper')
    assert dropped == [] and set(paper) == set(build_ours(official['files'], 'paper').state_dict())


def test_converted_model_equals_literal_reference(official, ours):
    model = ours
    model.load_state_dict(convert_official_ssgrl(official['state'])[0], strict=True)
    x = torch.randn(2, 3, 128, 128)
    with torch.no_grad():
        expected = official['head'](official['trunk'](x))
        logits = model(x)
    assert expected.abs().max() > 0.1  # not a degenerate comparison
    torch.testing.assert_close(logits, expected, rtol=1e-5, atol=1e-5)


def test_cli_writes_a_loadable_checkpoint(official, ours):
    out = str(official['folder'] / 'converted.pth')
    result = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools/model_converters/ssgrl_official_to_mmml.py'), official['path'], out
    ],
                            capture_output=True,
                            text=True,
                            cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert 'dropped' in result.stdout and 'fc_eq4_u' in result.stdout
    model = ours
    for p in model.parameters():  # forget the weights loaded by the other tests
        torch.nn.init.zeros_(p)
    checkpoint = load_checkpoint(model, out, map_location='cpu', strict=True)
    assert checkpoint['meta']['official_best_mAP'] == pytest.approx(83.1)
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        torch.testing.assert_close(model(x),
                                   official['head'](official['trunk'](x)),
                                   rtol=1e-5,
                                   atol=1e-5)


def test_foreign_state_dict_is_refused(official):
    state = dict(official['state'])
    state.pop('classifiers.bias')
    state['extra.weight'] = torch.zeros(1)
    with pytest.raises(KeyError, match=r"missing \['classifiers.bias'\].*'extra.weight'"):
        convert_official_ssgrl(state)
