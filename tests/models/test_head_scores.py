"""Every multi-label head shares one loss and predictions step, and its scores rank as its
logits: float64 sigmoids, distinct for distinct float32 logits up to the documented bound."""
import inspect

import numpy as np
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from mmml_plugin.models.heads import (GraphInteractionHead, MLGCNHead, MultiLabelHead,
                                      MultiLabelLinearHead, PerClassLinearClsHead, Query2LabelHead,
                                      SSGRLHead)
from mmml_plugin.models.heads.multi_label_head import EXACT_RANKING_LOGIT

HEADS = [
    PerClassLinearClsHead, GraphInteractionHead, SSGRLHead, MLGCNHead, Query2LabelHead,
    MultiLabelLinearHead
]


def float32_range(lo, hi):
    """Every float32 in [lo, hi] (lo, hi > 0), ascending, as a float32 tensor."""
    a, b = np.float32(lo).view(np.int32), np.float32(hi).view(np.int32)
    return torch.from_numpy(np.arange(a, b + 1, dtype=np.int32).view(np.float32))


def scores_of(head, logits):
    """The (B, C) ``pred_score`` the head's predictions step gives to ``logits``."""
    return torch.stack([s.pred_score for s in head._get_predictions(logits, None)])


@pytest.fixture(scope='module')
def heads(five_class_label_files):
    """One small instance of each head, with C = 5 classes."""
    files = five_class_label_files
    torch.manual_seed(0)
    return {
        PerClassLinearClsHead:
        PerClassLinearClsHead(5, 6),
        GraphInteractionHead:
        GraphInteractionHead(5, files['graph_file'], 6, 6),
        SSGRLHead:
        SSGRLHead(5,
                  **files,
                  in_channels=6,
                  embed_dims=8,
                  inter_channels=4,
                  out_channels=6,
                  pool=False),
        MLGCNHead:
        MLGCNHead(5, **files, in_channels=6, embed_dims=8, hidden_channels=4),
        Query2LabelHead:
        Query2LabelHead(5, in_channels=8, embed_dims=8, num_heads=2, feedforward_channels=16),
        MultiLabelLinearHead:
        MultiLabelLinearHead(5, 6),
    }


@pytest.mark.parametrize('cls', HEADS, ids=lambda c: c.__name__)
def test_every_head_uses_the_shared_loss_and_predictions(cls):
    assert issubclass(cls, MultiLabelHead)
    for name in ('loss', 'predict', '_get_loss', '_get_predictions'):
        assert getattr(cls, name) is getattr(MultiLabelHead, name), (cls.__name__, name)
    # one place writes the loss and the scores: nowhere else in the heads package
    import mmml_plugin.models.heads as package
    for module in set(inspect.getmodule(c) for c in HEADS):
        if module is not inspect.getmodule(MultiLabelHead):
            assert 'def _get_loss' not in inspect.getsource(module), module.__name__
            assert 'def _get_predictions' not in inspect.getsource(module), module.__name__
    assert package.MultiLabelHead is MultiLabelHead


@pytest.mark.parametrize('cls', HEADS, ids=lambda c: c.__name__)
def test_predict_scores_are_float64_sigmoids_of_the_logits(heads, cls):
    head = heads[cls].eval()
    if cls is Query2LabelHead:
        feats = (torch.randn(3, 8, 2, 3), )
    elif cls in (MLGCNHead, SSGRLHead):
        feats = (torch.randn(3, 6, 2, 2), )
    elif cls is MultiLabelLinearHead:
        feats = (torch.randn(3, 6), )
    else:
        feats = (torch.randn(3, 5, 6), )
    with torch.no_grad():
        logits = head(feats)
        samples = head.predict(feats)
    scores = torch.stack([s.pred_score for s in samples])
    assert logits.dtype == torch.float32 and scores.dtype == torch.float64
    torch.testing.assert_close(scores, torch.sigmoid(logits.double()), rtol=0, atol=0)
    # thr 0.5 as mmpretrain's MultiLabelClsHead
    for s, row in zip(samples, logits):
        assert s.pred_label.tolist() == torch.where(row >= 0)[0].tolist()


@pytest.mark.parametrize('cls', HEADS, ids=lambda c: c.__name__)
def test_scores_of_logits_up_to_30_have_no_ties_the_logits_lack(heads, cls):
    """6,001 distinct logits from -30 to 30 (0.01 apart) keep 6,001 distinct scores in the same
    order; float32 sigmoids of the same logits tie above 16.6."""
    grid = torch.linspace(-30, 30, 6001, dtype=torch.float64).float()
    assert grid.unique().numel() == 6001
    perm = torch.randperm(6001, generator=torch.Generator().manual_seed(0))
    logits = torch.cat([grid[perm], grid[:4]]).view(-1, 5)  # (1201, 5)
    scores = scores_of(heads[cls], logits).flatten()
    flat = logits.flatten()
    assert scores.unique().numel() == flat.unique().numel() == 6001
    order = torch.argsort(flat, stable=True)
    assert (scores[order].diff() >= 0).all()  # same order: non-decreasing along the logits
    assert (scores[order].diff() > 0).sum() == 6000  # and strictly so between distinct logits
    assert torch.sigmoid(flat).unique().numel() < 5000  # what float32 would have given


def test_float64_sigmoid_separates_every_float32_logit_up_to_the_bound():
    """Every float32 in [16, 22.875] and in [-22.875, -16] gets its own score (the bound of
    ``MultiLabelHead``); just above it, neighbouring float32 logits share one."""
    head = MultiLabelLinearHead(1, 1)
    assert EXACT_RANKING_LOGIT == 22.875
    x = float32_range(16., EXACT_RANKING_LOGIT)
    for logits in (x, -x.flip(0)):  # one sample of 4M classes: one predictions call
        scores = scores_of(head, logits[None]).flatten()
        assert scores.dtype == torch.float64
        assert (scores.diff() > 0).all()
    above = float32_range(EXACT_RANKING_LOGIT, 23.)
    assert (scores_of(head, above[None]).flatten().diff() == 0).any()


def test_linear_head_loads_mmpretrain_linear_head_weights():
    """The baseline's head replaces mmpretrain's MultiLabelLinearClsHead: same parameters, same
    initialisation and logits, so its checkpoints load."""
    theirs = MODELS.build(dict(type='MultiLabelLinearClsHead', num_classes=4, in_channels=6))
    ours = MODELS.build(dict(type='MultiLabelLinearHead', num_classes=4, in_channels=6))
    assert ours.init_cfg == theirs.init_cfg
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = (torch.randn(2, 6), )
    torch.testing.assert_close(ours(x), theirs(x), rtol=0, atol=0)
    samples = [DataSample().set_gt_label([0, 2]), DataSample().set_gt_label([1])]
    torch.testing.assert_close(ours.loss(x, samples)['loss'], theirs.loss(x, samples)['loss'])
    with pytest.raises(ValueError, match='in_channels'):
        ours((torch.randn(2, 5), ))
