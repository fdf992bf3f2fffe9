"""Query2LabelHead against a paper-literal Query2Label
(mmml_plugin/models/reference/query2label_reference.py), its loss against the official ASL
formula, and the official-checkpoint converter."""
import pytest
import torch
import torch.nn as nn
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from mmml_plugin.models.converters import convert_official_query2label
from mmml_plugin.models.heads import Query2LabelHead
from mmml_plugin.models.layers.query2label_transformer import sine_position_encoding
from mmml_plugin.models.losses import DetachedAsymmetricLoss
from mmml_plugin.models.reference import LiteralQuery2Label, literal_sine_encoding


@pytest.mark.parametrize('h,w,feats', [(14, 14, 1024), (3, 5, 8)])
def test_sine_encoding_is_official(h, w, feats):
    ours = sine_position_encoding(h, w, feats)
    assert ours.shape == (2 * feats, h, w)
    torch.testing.assert_close(ours, literal_sine_encoding(h, w, feats)[0], rtol=0, atol=1e-6)


def _pair(c=7, d=32, heads=4, ff=48, in_channels=None, **head_kwargs):
    """The literal model with random weights and our head holding the same (converted) ones."""
    torch.manual_seed(0)
    ref = LiteralQuery2Label(c, d, heads, ff, input_proj_from=in_channels)
    with torch.no_grad():  # non-trivial biases and norms
        for name, p in ref.named_parameters():
            if name.endswith('bias') or 'norm' in name:
                p.add_(torch.randn_like(p) * 0.1)
    sd = ref.state_dict()
    assert {
        'transformer.encoder.layers.0.self_attn.in_proj_weight', 'fc.W', 'fc.b',
        'transformer.decoder.layers.1.multihead_attn.out_proj.bias',
        'transformer.decoder.layers.0.norm3.weight', 'transformer.decoder.norm.bias',
        'query_embed.weight'
    } <= set(sd)
    assert sd['fc.W'].shape == (1, c, d) and sd['fc.b'].shape == (1, c)
    converted, dropped = convert_official_query2label(sd, head_prefix='')
    head = Query2LabelHead(c,
                           in_channels=in_channels or d,
                           embed_dims=d,
                           num_heads=heads,
                           feedforward_channels=ff,
                           input_proj=in_channels is not None,
                           **head_kwargs)
    head.load_state_dict(converted, strict=True)
    return ref, head


@pytest.mark.parametrize('in_channels', [None, 24])
def test_head_matches_literal_outputs_and_gradients(in_channels):
    ref, head = _pair(in_channels=in_channels, dropout=0.0)
    ref, head = ref.double().train(), head.double().train()
    x = torch.randn(2, in_channels or 32, 3, 4, dtype=torch.float64)
    weights = torch.randn(2, 7, dtype=torch.float64)
    results = []
    for model in (ref, head):
        xi = x.clone().requires_grad_()
        logits = model((xi, )) if model is head else model(xi)
        (logits * weights).sum().backward()
        results.append((logits.detach(), xi.grad))
    (ref_out, ref_grad), (out, grad) = results
    assert out.shape == (2, 7)
    torch.testing.assert_close(out, ref_out, rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-9, atol=1e-9)
    pairs = [(ref.query_embed.weight, head.query_embed.weight), (ref.fc.W, head.classifier.weight),
             (ref.transformer.encoder.layers[0].self_attn.in_proj_weight,
              head.encoder[0].self_attn.in_proj_weight),
             (ref.transformer.decoder.layers[1].multihead_attn.in_proj_weight,
              head.decoder[1].cross_attn.in_proj_weight),
             (ref.transformer.decoder.layers[0].norm3.weight, head.decoder[0].norm2.weight)]
    for theirs, ours in pairs:
        assert ours.grad.abs().sum() > 0
        torch.testing.assert_close(ours.grad,
                                   theirs.grad.reshape(ours.grad.shape),
                                   rtol=1e-9,
                                   atol=1e-9)


def test_dropout_acts_in_training_only():
    _, head = _pair(dropout=0.5)
    x = (torch.randn(2, 32, 3, 4), )
    head.eval()
    with torch.no_grad():
        assert torch.equal(head(x), head(x))
        head.train()
        assert not torch.equal(head(x), head(x))


def _official_asl(x, y, gamma_neg=2., gamma_pos=0., clip=0., eps=1e-5):
    """aslloss.py:70-115 with --dtgfl, term by term."""
    xs_pos = torch.sigmoid(x)
    xs_neg = 1.0 - xs_pos
    if clip > 0:
        xs_neg = (xs_neg + clip).clamp(max=1)
    loss = y * torch.log(xs_pos.clamp(min=eps)) + (1 - y) * torch.log(xs_neg.clamp(min=eps))
    with torch.no_grad():
        w = torch.pow(1 - xs_pos * y - xs_neg * (1 - y), gamma_pos * y + gamma_neg * (1 - y))
    loss = loss * w
    return -loss.sum() / x.size(0) / y.size(1) * 1000


@pytest.mark.parametrize('clip', [0., 0.05])
def test_loss_is_official_asl_with_constant_focusing(clip):
    torch.manual_seed(0)
    x = (torch.randn(4, 80, dtype=torch.float64) * 3).requires_grad_()
    y = (torch.rand(4, 80) < 0.2).double()
    expected = _official_asl(x, y, clip=clip)
    (g_expected, ) = torch.autograd.grad(expected, x)
    loss = DetachedAsymmetricLoss(clip=clip, loss_weight=1000 / 80)(x, y)
    (g, ) = torch.autograd.grad(loss, x)
    torch.testing.assert_close(loss, expected)
    torch.testing.assert_close(g, g_expected)
    # mmpretrain's AsymmetricLoss differentiates through the focusing weight: another gradient
    theirs = MODELS.build(
        dict(type='AsymmetricLoss',
             gamma_pos=0.,
             gamma_neg=2.,
             clip=clip,
             eps=1e-5,
             loss_weight=1000 / 80))(x, y, avg_factor=4)
    torch.testing.assert_close(theirs, expected)
    (g_theirs, ) = torch.autograd.grad(theirs, x)
    assert not torch.allclose(g_theirs, g_expected)


def test_head_loss_uses_the_official_asl():
    _, head = _pair(dropout=0.0)
    head.loss_module.loss_weight = 1000 / 7
    feats = (torch.randn(3, 32, 2, 2), )
    targets = (torch.rand(3, 7) < 0.3).float()
    samples = [DataSample().set_gt_score(t) for t in targets]
    head.eval()  # same dropout state for both calls
    loss = head.loss(feats, samples)['loss']
    torch.testing.assert_close(loss, _official_asl(head(feats), targets))


def test_head_errors():
    with pytest.raises(ValueError, match='input_proj=True'):
        Query2LabelHead(5, in_channels=64, embed_dims=32)
    with pytest.raises(ValueError, match='num_decoder_layers'):
        Query2LabelHead(5, in_channels=32, embed_dims=32, num_decoder_layers=0)
    with pytest.raises(ValueError, match='num_heads'):
        Query2LabelHead(5, in_channels=30, embed_dims=30, num_heads=4)
    head = Query2LabelHead(5, in_channels=32, embed_dims=32, feedforward_channels=16)
    with pytest.raises(ValueError, match='in_channels'):
        head((torch.randn(1, 16, 2, 2), ))


def test_converter_reproduces_the_official_model():
    torchvision = pytest.importorskip('torchvision')
    from torchvision.models._utils import IntermediateLayerGetter
    from torchvision.ops.misc import FrozenBatchNorm2d
    torch.manual_seed(0)
    net = torchvision.models.resnet18(norm_layer=FrozenBatchNorm2d)  # backbone.py:111-115
    for m in net.modules():
        if isinstance(m, FrozenBatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.uniform_(0.5, 1.5)
    body = IntermediateLayerGetter(net, return_layers={'layer4': '0'})  # backbone.py:93, 119
    ref = LiteralQuery2Label(5, 512, 4, 64, body=_FirstOutput(body)).eval()
    sd = {k.replace('body.module.', 'body.'): v for k, v in ref.state_dict().items()}
    sd['backbone.1.pe'] = literal_sine_encoding(2, 2, 256)  # the official fixed buffer
    assert 'backbone.0.body.layer4.1.bn2.running_var' in sd and not any(
        'num_batches_tracked' in k for k in sd)  # frozen BN
    converted, dropped = convert_official_query2label({'module.' + k: v for k, v in sd.items()})
    assert dropped == ['backbone.1.pe']
    model = MODELS.build(
        dict(type='ImageClassifier',
             backbone=dict(type='ResNet',
                           depth=18,
                           out_indices=(3, ),
                           frozen_stages=1,
                           norm_cfg=dict(type='BN', requires_grad=False),
                           norm_eval=True),
             head=dict(type='Query2LabelHead',
                       num_classes=5,
                       in_channels=512,
                       embed_dims=512,
                       feedforward_channels=64)))
    model.load_state_dict(converted, strict=True)
    model.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(model(x), ref(x), rtol=1e-4, atol=1e-4)


class _FirstOutput(nn.Module):
    """IntermediateLayerGetter returns a dict; the official Joiner takes its only map."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module(x)['0']


def test_converter_refuses_decoder_self_attention():
    ref = LiteralQuery2Label(3, 8, 2, 16)
    sd = ref.state_dict()
    sd['transformer.decoder.layers.0.self_attn.in_proj_weight'] = torch.zeros(24, 8)
    with pytest.raises(KeyError, match='self_attn'):
        convert_official_query2label(sd)


def test_converter_tool_writes_a_loadable_checkpoint(tmp_path):
    import importlib.util
    import os.path as osp
    path = osp.join(osp.dirname(__file__), '..', '..', 'tools', 'model_converters',
                    'query2label_official_to_mmml.py')
    spec = importlib.util.spec_from_file_location('q2l_tool', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    ref = LiteralQuery2Label(4, 16, 2, 8, input_proj_from=12)
    sd = dict(ref.state_dict(), **{'backbone.0.body.conv1.weight': torch.zeros(64, 3, 7, 7)})
    src, dst = str(tmp_path / 'checkpoint.pkl'), str(tmp_path / 'converted.pth')
    torch.save(dict(epoch=30, state_dict=sd, best_mAP=84.9), src)  # main_mlc.py:401-407
    tool.main([src, dst])
    checkpoint = torch.load(dst, weights_only=True)
    assert checkpoint['meta']['official_best_mAP'] == pytest.approx(84.9)
    assert checkpoint['state_dict']['head.input_proj.weight'].shape == (16, 12, 1, 1)
    assert checkpoint['state_dict']['head.classifier.weight'].shape == (4, 16)
    torch.save(dict(state_dict=ref.state_dict()), src)  # no backbone: refused by the tool
    with pytest.raises(KeyError, match='backbone'):
        tool.main([src, dst])
