"""FLOPs of the plugin's models written out from their equations: the check of the traced count
of :mod:`mmml_plugin.apis.flops`.

Convention (mmengine's ``FlopAnalyzer``, as fvcore and mmpretrain's model zoo): one
multiply-accumulate of a convolution or matrix product is one FLOP; batch normalisation in eval
mode costs 2 per element (scale and shift), layer normalisation 5, average pooling 1 per input
element; additions, activations (ReLU, sigmoid, tanh, LeakyReLU), softmax and max pooling
count 0. Every count is for one forward pass of ONE image in eval mode; parts that do not depend
on the image (ML-GCN's classifiers, SSGRL's projected class embeddings) are counted once, as
they run once per forward.

Each function takes the built module (the sizes are read from it) and the input size.
"""
from typing import Dict, Tuple

import torch.nn as nn


def _out(size: int, stride: int) -> int:
    """Side after a convolution or pooling with ``padding = dilation·(k-1)/2``: ⌈size / s⌉."""
    return (size - 1) // stride + 1


def resnet_flops(backbone: nn.Module, input_size: Tuple[int, int]) -> Tuple[int, Tuple[int, int]]:
    """FLOPs of mmpretrain's ``ResNet`` (plain stem, ``avg_down=False``) and its output size.

    Per convolution ``C_out·C_in·k²·H_out·W_out``, per batch norm ``2·C·H·W``; stem: 7x7/s2
    convolution, then 3x3/s2 max pooling (0); stage ``i`` has ``base·2^i·expansion`` output
    channels; a block's projection shortcut (1x1 conv + BN) exists where the stride or the
    channels change.

    Args:
        backbone (nn.Module): ``mmpretrain.models.ResNet``.
        input_size (tuple): (H, W) of the image.

    Returns:
        tuple: (FLOPs, (h, w) of the last stage's map).
    """
    if getattr(backbone, 'deep_stem', False) or getattr(backbone, 'avg_down', False):
        raise NotImplementedError('resnet_flops: deep_stem / avg_down ResNets are not written '
                                  'out; compare the traced count only.')
    h, w = _out(input_size[0], 2), _out(input_size[1], 2)
    stem = backbone.stem_channels
    flops = stem * 3 * 49 * h * w + 2 * stem * h * w  # conv1 7x7/s2 + BN
    h, w = _out(h, 2), _out(w, 2)  # max pooling 3x3/s2 (0 FLOPs)
    bottleneck = backbone.expansion != 1
    in_ch, out_ch = stem, backbone.base_channels * backbone.expansion
    for i, num_blocks in enumerate(backbone.stage_blocks):
        for j in range(num_blocks):
            stride = backbone.strides[i] if j == 0 else 1
            ho, wo = _out(h, stride), _out(w, stride)
            if bottleneck:
                mid = out_ch // backbone.expansion
                # pytorch style: the stride on the 3x3 conv; caffe style: on the first 1x1 conv
                h1, w1 = (h, w) if backbone.style == 'pytorch' else (ho, wo)
                flops += in_ch * mid * h1 * w1 + 2 * mid * h1 * w1  # conv1 1x1 + BN
                flops += mid * mid * 9 * ho * wo + 2 * mid * ho * wo  # conv2 3x3 + BN
                flops += mid * out_ch * ho * wo + 2 * out_ch * ho * wo  # conv3 1x1 + BN
            else:
                flops += in_ch * out_ch * 9 * ho * wo + 2 * out_ch * ho * wo  # conv1 3x3 + BN
                flops += out_ch * out_ch * 9 * ho * wo + 2 * out_ch * ho * wo  # conv2 3x3 + BN
            if stride != 1 or in_ch != out_ch:  # projection shortcut 1x1/s + BN
                flops += in_ch * out_ch * ho * wo + 2 * out_ch * ho * wo
            in_ch, h, w = out_ch, ho, wo
        out_ch *= 2
    return flops, (h, w)


def semantic_decoupling_flops(neck: nn.Module, map_size: Tuple[int, int]) -> int:
    """SSGRL's semantic decoupling (:class:`SemanticDecouplingNeck`) on a (D, h, w) map.

    ``pool``: 2x2/s2 average pooling, D·h·w; then with N positions, C classes, E, I::

        U f_n             N·D·I       V x_c            C·E·I      (once per forward)
        w = Pᵀ w_a        I·I         b = f_a(b_P)     I
        w·tanh(U f ⊙ V x) C·N·I       Σ_n a_{c,n} f_n  C·N·D
    """
    h, w = map_size
    D = neck.in_channels
    flops = 0
    if neck.pool:
        flops += D * h * w
        h, w = h // 2, w // 2
    N, C = h * w, neck.num_classes
    E, I = neck.word_proj.in_features, neck.img_proj.out_features  # noqa: E741
    return flops + N * D * I + C * E * I + I * I + I + C * N * I + C * N * D


def graph_interaction_flops(head: nn.Module) -> int:
    """SSGRL's semantic interaction (:class:`GraphInteractionHead`) and classifier, per image.

    Per GGNN step (Eq. 4-6) with C nodes of size D: ``[A_in h; A_out h]`` 2·C·C·D, ``W a``
    C·2D·3D, ``U_z h`` [``U_r h``] C·D·D [·2], ``U_h (r ⊙ h)`` C·D·D; then
    ``o = tanh(W[h_T; h_0])`` C·2D·O and the per-class classifier C·O.
    """
    ggnn = head.ggnn
    C, D, O = ggnn.adjacency.shape[0], ggnn.channels, head.out_proj.out_features  # noqa: E741
    gates = ggnn.gate_proj.out_features
    step = 2 * C * C * D + C * 2 * D * 3 * D + C * D * gates + C * D * D
    return ggnn.num_steps * step + C * 2 * D * O + C * O


def ssgrl_head_flops(head: nn.Module, map_size: Tuple[int, int]) -> int:
    """:class:`SSGRLHead`: semantic decoupling + interaction."""
    return semantic_decoupling_flops(head.decoupling, map_size) + graph_interaction_flops(head)


def mlgcn_head_flops(head: nn.Module, map_size: Tuple[int, int]) -> int:
    """:class:`MLGCNHead`: global max pooling (0), the two graph convolutions over C classes
    ``Â (Z W1)`` C·E·H1 + C·C·H1 and ``Â (H1 W2)`` C·H1·D (classifiers made once per forward),
    then the logits ``x Wᵀ`` D·C."""
    C, D = head.num_classes, head.in_channels
    E, H1 = head.gc1.in_channels, head.gc1.out_channels
    return C * E * H1 + C * C * H1 + C * H1 * D + C * C * D + D * C


def query2label_head_flops(head: nn.Module, map_size: Tuple[int, int]) -> int:
    """:class:`Query2LabelHead` on an h x w map (N tokens), width d, FFN F, C label queries.

    Encoder layer: Q, K from X+P (N·d·2d), V (N·d·d), attention QKᵀ and AV (2·N·N·d), output
    projection N·d·d, FFN 2·N·d·F, two layer norms 2·5·N·d. Decoder layer (no self-attention):
    Q of the C queries C·d·d, K, V of the N tokens 2·N·d·d, attention 2·C·N·d, output C·d·d, FFN
    2·C·d·F, two layer norms 2·5·C·d. Then the final layer norm 5·C·d and the per-class linear
    classifier C·d. Optional 1x1 input projection: N·C_in·d.
    """
    N = map_size[0] * map_size[1]
    C, d = head.num_classes, head.embed_dims
    flops = N * head.in_channels * d if isinstance(head.input_proj, nn.Conv2d) else 0
    for layer in head.encoder:
        F = layer.ffn.linear1.out_features
        flops += N * d * 2 * d + N * d * d + 2 * N * N * d + N * d * d + 2 * N * d * F + 10 * N * d
    for layer in head.decoder:
        F = layer.ffn.linear1.out_features
        flops += C * d * d + 2 * N * d * d + 2 * C * N * d + C * d * d + 2 * C * d * F + 10 * C * d
    return flops + 5 * C * d + C * d


def analytic_flops(model: nn.Module, input_size: Tuple[int, int]) -> Dict[str, int]:
    """Analytic FLOPs of a plugin model (ResNet backbone + any plugin head) for one image.

    Args:
        model (nn.Module): an ``ImageClassifier`` with a ``ResNet`` backbone and a neck among
            None, ``GlobalAveragePooling`` and :class:`SemanticDecouplingNeck`, and a head among
            :class:`SSGRLHead`, :class:`GraphInteractionHead`, :class:`PerClassLinearClsHead`,
            :class:`MLGCNHead`, :class:`Query2LabelHead`, :class:`MultiLabelLinearHead`.
        input_size (tuple): (H, W) of the image.

    Returns:
        dict: ``backbone``, ``neck``, ``head`` and ``total`` FLOPs.
    """
    from mmml_plugin.models.heads import (GraphInteractionHead, MLGCNHead, MultiLabelLinearHead,
                                          PerClassLinearClsHead, Query2LabelHead, SSGRLHead)
    from mmml_plugin.models.necks import SemanticDecouplingNeck

    backbone, (h, w) = resnet_flops(model.backbone, input_size)
    neck, head = 0, 0
    channels = model.backbone.feat_dim
    mod = getattr(model, 'neck', None)
    if isinstance(mod, SemanticDecouplingNeck):
        neck = semantic_decoupling_flops(mod, (h, w))
    elif mod is not None and type(mod).__name__ == 'GlobalAveragePooling':
        neck = channels * h * w  # adaptive average pooling: 1 per input element
    elif mod is not None:
        raise NotImplementedError(f'analytic_flops: no count for the neck {type(mod).__name__}.')
    mod = model.head
    if isinstance(mod, SSGRLHead):
        head = ssgrl_head_flops(mod, (h, w))
    elif isinstance(mod, GraphInteractionHead):
        head = graph_interaction_flops(mod)
    elif isinstance(mod, PerClassLinearClsHead):
        head = mod.num_classes * mod.in_channels  # s_c = W_c · f_c
    elif isinstance(mod, MLGCNHead):
        head = mlgcn_head_flops(mod, (h, w))
    elif isinstance(mod, Query2LabelHead):
        head = query2label_head_flops(mod, (h, w))
    elif isinstance(mod, MultiLabelLinearHead):
        head = mod.in_channels * mod.num_classes
    else:
        raise NotImplementedError(f'analytic_flops: no count for the head {type(mod).__name__}.')
    return dict(backbone=backbone, neck=neck, head=head, total=backbone + neck + head)
