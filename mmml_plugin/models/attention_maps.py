"""Semantic-decoupling attention maps of an SSGRL-style classifier, for visualisation."""
import torch
import torch.nn as nn

from .necks import SemanticDecouplingNeck


def find_decoupling_module(model: nn.Module) -> SemanticDecouplingNeck:
    """The :class:`SemanticDecouplingNeck` of ``model``: its neck, or its head's ``decoupling``."""
    model = getattr(model, 'module', model)  # unwrap (Distributed)DataParallel
    for candidate in (getattr(model, 'neck',
                              None), getattr(getattr(model, 'head', None), 'decoupling', None)):
        if isinstance(candidate, SemanticDecouplingNeck):
            return candidate
    raise ValueError(f'{type(model).__name__} has no semantic decoupling: expected '
                     '`neck=dict(type="SemanticDecouplingNeck")` or `head=dict(type="SSGRLHead")`.')


@torch.no_grad()
def extract_attention(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """Per-class attention maps ``a_c`` of a classifier built from the SSGRL configs.

    Args:
        model (nn.Module): an ``ImageClassifier`` with a :class:`SemanticDecouplingNeck` neck or
            an :class:`SSGRLHead` (put it in eval mode first).
        inputs (Tensor): normalised images (B, 3, H, W), as ``model.data_preprocessor`` gives.

    Returns:
        Tensor: (B, C, h, w) softmax weights over the (pooled) backbone map, each map summing
        to 1; upsample to (H, W) to overlay.
    """
    decoupling = find_decoupling_module(model)
    backbone = getattr(model, 'module', model).backbone
    _, attention = decoupling(backbone(inputs), return_attention=True)
    return attention
