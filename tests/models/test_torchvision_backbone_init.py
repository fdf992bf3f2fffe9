"""Backbone init from a torchvision-format ResNet state dict, the format of the official SSGRL
``./pretrain_model/resnet101.pth.tar`` (HCPLab-SYSU/SSGRL main_coco.sh L29, loaded by
utils/load_pretrain_model.py L9-12: ``torch.load`` of a plain state dict, ``fc.*`` dropped, the
rest loaded into torchvision's resnet101). The documented option (docs/reproduction.md):

    --cfg-options model.backbone.init_cfg.checkpoint=pretrain_model/resnet101.pth.tar \\
                  model.backbone.init_cfg.prefix=None

ResNet-50 stands in for ResNet-101 here (same key names and Bottleneck blocks, 2x faster)."""
import os.path as osp

import torch
import torchvision
from mmengine.config import Config
from mmpretrain.registry import MODELS

import mmml_plugin  # noqa: F401

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIG = osp.join(REPO, 'configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py')


def test_official_config_backbone_loads_a_torchvision_state_dict(tmp_path):
    torch.manual_seed(0)
    reference = torchvision.models.resnet50()
    with torch.no_grad():  # non-default BatchNorm statistics, so that buffers are checked too
        for m in reference.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
    path = str(tmp_path / 'resnet50.pth.tar')
    torch.save(reference.state_dict(), path)  # with fc.*, as torchvision's files

    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict({
        'model.backbone.init_cfg.checkpoint': path,
        'model.backbone.init_cfg.prefix': None,
        'model.backbone.depth': 50
    })
    backbone = MODELS.build(cfg.model.backbone)
    backbone.init_weights()
    ours = backbone.state_dict()
    theirs = {k: v for k, v in reference.state_dict().items() if not k.startswith('fc.')}
    assert set(ours) == set(theirs)  # the same key names: nothing left at random init
    for key, value in theirs.items():
        assert torch.equal(ours[key], value), key
    # and the same function: layer4 features of the two networks agree
    backbone.eval(), reference.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        trunk = torch.nn.Sequential(*list(reference.children())[:-2])
        assert torch.allclose(backbone(x)[-1], trunk(x), atol=1e-5)
