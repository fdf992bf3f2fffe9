"""SemanticDecouplingNeck, GraphInteractionHead, SSGRLHead against the paper-literal reference."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from mmml_plugin.models import (SemanticDecouplingNeck, SSGRLHead, convert_official_ssgrl,
                                extract_attention)
from mmml_plugin.models.reference import LiteralSSGRLHead

C, E, D, I, OUT = 5, 12, 32, 16, 24


@pytest.fixture(scope='module')
def files(tmp_path_factory, write_label_files):
    return write_label_files(tmp_path_factory.mktemp('labels'), C, embed_dims=E)


def literal_and_ours(files, reset_gate='official', pool=True, max_chunk_elements=1 << 22, seed=0):
    """A literal head with random weights and our SSGRLHead holding the same weights."""
    torch.manual_seed(seed)
    emb = torch.from_numpy(np.load(files['embedding_file'])['embeddings'])
    adj = torch.from_numpy(np.load(files['graph_file'])['adj'])
    ref = LiteralSSGRLHead(emb, adj, D=D, I=I, out_channels=OUT, reset_gate=reset_gate, pool=pool)
    ours = SSGRLHead(num_classes=C,
                     embedding_file=files['embedding_file'],
                     graph_file=files['graph_file'],
                     in_channels=D,
                     embed_dims=E,
                     inter_channels=I,
                     out_channels=OUT,
                     reset_gate=reset_gate,
                     pool=pool,
                     max_chunk_elements=max_chunk_elements)
    state, _ = convert_official_ssgrl(
        {
            k: v
            for k, v in ref.state_dict().items() if k not in ('embeddings', 'graph_net.adjacency')
        },
        reset_gate=reset_gate,
        head_prefix='')
    ours.load_state_dict(state, strict=True)
    return ref, ours


def test_neck_shapes_and_attention_sums_to_one(files):
    neck = SemanticDecouplingNeck(in_channels=D,
                                  embedding_file=files['embedding_file'],
                                  embed_dims=E,
                                  inter_channels=I)
    x = torch.randn(2, D, 6, 6)
    (feats, ), attention = neck((x, ), return_attention=True)
    assert feats.shape == (2, C, D) and attention.shape == (2, C, 3, 3)  # 2x2/s2 pool: 6 -> 3
    torch.testing.assert_close(attention.sum((2, 3)), torch.ones(2, C))
    assert (attention > 0).all()
    # a tensor in gives a tensor out; each class feature is a convex combination of positions
    out = neck(x)
    torch.testing.assert_close(out, feats)
    pooled = F.avg_pool2d(x, 2, 2).flatten(2)  # (B, D, N)
    assert (out <= pooled.amax(-1)[:, None] + 1e-5).all()
    assert (out >= pooled.amin(-1)[:, None] - 1e-5).all()


@pytest.mark.parametrize('reset_gate', ['official', 'paper'])
@pytest.mark.parametrize('pool,max_chunk', [(True, 1 << 22), (False, 300)])
def test_fused_equals_literal_outputs_and_gradients(files, reset_gate, pool, max_chunk):
    ref, ours = literal_and_ours(files, reset_gate, pool, max_chunk)
    x = torch.randn(3, D, 6, 6)
    x_ref, x_ours = x.clone().requires_grad_(), x.clone().requires_grad_()
    logits_ref, att_ref = ref(x_ref, return_attention=True)
    logits = ours((x_ours, ))
    torch.testing.assert_close(logits, logits_ref, rtol=0, atol=1e-5)
    _, att = ours.decoupling(x_ours, return_attention=True)
    torch.testing.assert_close(att, att_ref, rtol=0, atol=1e-5)

    weights = torch.randn_like(logits)
    (logits_ref * weights).sum().backward()
    (logits * weights).sum().backward()
    torch.testing.assert_close(x_ours.grad, x_ref.grad, rtol=0, atol=1e-5)
    ref_grads = {
        k: (p.grad if p.grad is not None else torch.zeros_like(p))
        for k, p in ref.named_parameters()
    }
    expected, dropped = convert_official_ssgrl(ref_grads, reset_gate, head_prefix='')
    assert dropped == ([] if reset_gate == 'paper' else
                       ['graph_net.fc_eq4_u.weight', 'graph_net.fc_eq4_u.bias'])
    for name, p in ours.named_parameters():
        torch.testing.assert_close(p.grad, expected[name], rtol=0, atol=1e-5, msg=name)


def test_every_parameter_is_used(files):
    """No unused parameter in either mode, so DDP needs no find_unused_parameters."""
    for reset_gate in ('official', 'paper'):
        _, ours = literal_and_ours(files, reset_gate)
        ours((torch.randn(2, D, 4, 4), )).sum().backward()
        unused = [n for n, p in ours.named_parameters() if p.grad is None]
        assert unused == [], (reset_gate, unused)
    assert not hasattr(ours.ggnn, 'reset_proj')
    official = literal_and_ours(files, 'official')[1]
    assert official.ggnn.gate_proj.weight.shape == (D, D)  # U_z only: U_r = U_z
    assert ours.ggnn.gate_proj.weight.shape == (D, 2 * D)  # (in, out): U_z, U_r


def test_class_permutation_permutes_outputs(files, tmp_path):
    perm = np.array([3, 0, 4, 1, 2])
    emb, graph = np.load(files['embedding_file']), np.load(files['graph_file'])
    np.savez(tmp_path / 'emb.npz', embeddings=emb['embeddings'][perm], classes=emb['classes'][perm])
    np.savez(tmp_path / 'graph.npz',
             adj=graph['adj'][perm][:, perm],
             counts=graph['counts'][perm][:, perm],
             classes=graph['classes'][perm])
    _, ours = literal_and_ours(files)
    permuted = SSGRLHead(num_classes=C,
                         embedding_file=str(tmp_path / 'emb.npz'),
                         graph_file=str(tmp_path / 'graph.npz'),
                         in_channels=D,
                         embed_dims=E,
                         inter_channels=I,
                         out_channels=OUT)
    state = ours.state_dict()
    state['classifier.weight'] = state['classifier.weight'][perm]
    state['classifier.bias'] = state['classifier.bias'][perm]
    permuted.load_state_dict(state)
    x = (torch.randn(2, D, 6, 6), )
    torch.testing.assert_close(permuted(x), ours(x)[:, perm], rtol=0, atol=1e-5)
    _, att = ours.decoupling(x, return_attention=True)
    _, att_perm = permuted.decoupling(x, return_attention=True)
    torch.testing.assert_close(att_perm, att[:, perm], rtol=0, atol=1e-6)


def test_loss_is_mean_bce_and_predict_works(files):
    _, head = literal_and_ours(files)
    feats = (torch.randn(4, D, 4, 4), )
    samples = [DataSample().set_gt_label([i % C, (i + 2) % C]) for i in range(4)]
    target = torch.zeros(4, C)
    for i in range(4):
        target[i, [i % C, (i + 2) % C]] = 1
    loss = head.loss(feats, samples)['loss']
    torch.testing.assert_close(loss, F.binary_cross_entropy_with_logits(head(feats), target))
    preds = head.predict(feats)
    assert len(preds) == 4 and preds[0].pred_score.shape == (C, )
    # scores in float64: a float32 sigmoid ties at 1.0 above logit ~16.6 (docs/metrics.md)
    torch.testing.assert_close(preds[1].pred_score, torch.sigmoid(head(feats).double())[1])


def test_initialisation_matches_official(files):
    torch.manual_seed(0)
    head = SSGRLHead(num_classes=C,
                     embedding_file=files['embedding_file'],
                     graph_file=files['graph_file'],
                     in_channels=64,
                     embed_dims=E,
                     inter_channels=I,
                     out_channels=128)
    bounds = {
        'classifier.weight': 1 / math.sqrt(128),
        'classifier.bias': 1 / math.sqrt(128),
        'ggnn.msg_proj.weight': 1 / math.sqrt(128),
        'ggnn.msg_proj.bias': 1 / math.sqrt(128),
        'ggnn.gate_proj.weight': 1 / math.sqrt(64),
        'ggnn.cand_proj.weight': 1 / math.sqrt(64),
        'out_proj.weight': 1 / math.sqrt(128)
    }
    params = dict(head.named_parameters())
    for name, bound in bounds.items():
        p = params[name]
        assert p.abs().max() <= bound, name
        if p.numel() >= 1000:
            assert p.abs().max() > 0.99 * bound, name  # U(±bound), not something narrower
    assert 'decoupling.embeddings' not in head.state_dict()  # fixed inputs, not weights
    assert 'ggnn.adjacency' not in head.state_dict()


NARROW_R18 = dict(type='ResNet', depth=18, stem_channels=16, base_channels=16, out_indices=(3, ))


def _tiny_classifier(files, **head):
    cfg = dict(type='ImageClassifier',
               backbone=NARROW_R18,
               head=dict(type='SSGRLHead',
                         num_classes=C,
                         embedding_file=files['embedding_file'],
                         graph_file=files['graph_file'],
                         in_channels=128,
                         embed_dims=E,
                         inter_channels=I,
                         out_channels=OUT,
                         **head))
    return MODELS.build(cfg)


def test_three_training_steps_lower_the_loss(files):
    torch.manual_seed(0)
    model = _tiny_classifier(files)
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    data = dict(inputs=torch.randn(4, 3, 64, 64),
                data_samples=[DataSample().set_gt_label([i, (i + 1) % C]) for i in range(4)])
    model.eval()
    with torch.no_grad():
        before = model(**data, mode='loss')['loss'].item()
    model.train()
    for _ in range(3):
        model.train_step(data, optim)
    model.eval()
    with torch.no_grad():
        after = model(**data, mode='loss')['loss'].item()
    assert after < before - 1e-3, (before, after)


def test_extract_attention_for_head_and_neck_models(files):
    head_model = _tiny_classifier(files).eval()
    neck_model = MODELS.build(
        dict(type='ImageClassifier',
             backbone=NARROW_R18,
             neck=dict(type='SemanticDecouplingNeck',
                       in_channels=128,
                       embedding_file=files['embedding_file'],
                       embed_dims=E,
                       inter_channels=I),
             head=dict(type='PerClassLinearClsHead', num_classes=C, in_channels=128))).eval()
    x = torch.randn(2, 3, 128, 128)
    for model in (head_model, neck_model):
        att = extract_attention(model, x)
        assert att.shape == (2, C, 2, 2)  # 128 / 32 = 4, pooled to 2
        torch.testing.assert_close(att.sum((2, 3)), torch.ones(2, C))
    assert neck_model(x).shape == (2, C)
    with pytest.raises(ValueError, match='no semantic decoupling'):
        extract_attention(
            MODELS.build(
                dict(type='ImageClassifier',
                     backbone=NARROW_R18,
                     neck=dict(type='GlobalAveragePooling'),
                     head=dict(type='MultiLabelLinearClsHead', num_classes=C, in_channels=128))), x)


def test_without_decoupling_broadcasts_global_feature(files):
    head = MODELS.build(
        dict(type='GraphInteractionHead',
             num_classes=C,
             graph_file=files['graph_file'],
             in_channels=D,
             out_channels=OUT))
    g = torch.randn(3, D)
    torch.testing.assert_close(head((g, )), head((g[:, None].expand(3, C, D).contiguous(), )))
    assert head((g, )).shape == (3, C)


def test_runs_under_autocast(files):
    """bfloat16 autocast (the CPU form of AMP): finite outputs and gradients close to fp32."""
    _, head = literal_and_ours(files)
    x = torch.randn(2, D, 6, 6)
    expected = head((x, ))
    x.requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        logits = head((x, ))
    logits.float().sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    torch.testing.assert_close(logits.float(), expected, rtol=0, atol=0.1)
