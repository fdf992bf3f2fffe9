"""Query2Label (Liu et al. 2021, arXiv 2107.10834): label queries decoded by a transformer."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

from .. import losses  # noqa: F401 (registers DetachedAsymmetricLoss)
from ..layers import PerClassLinear
from ..layers.query2label_transformer import (Query2LabelDecoderLayer, Query2LabelEncoderLayer,
                                              sine_position_encoding)
from .multi_label_head import Feats, MultiLabelHead


@MODELS.register_module()
class Query2LabelHead(MultiLabelHead):
    """Transformer over the backbone map with C learnable label queries, then a group-wise
    linear classifier, as the official ``Qeruy2Label.forward`` (lib/models/query2label.py:72-81)::

        X = proj(F).flatten          (B, HW, d)    1x1 conv, or identity (official default)
        P = sine(H, W)               (B, HW, d)    fixed 2-D encoding (position_encoding.py)
        M = Encoder_L(X; P)                        1 post-norm layer (main_mlc.py:129)
        T_0 = 0, Q = query_embed     (B, C, d)     learnable label queries (query2label.py:68)
        T = LN(Decoder_2(T_0, M; Q, P))            cross-attention only (transformer.py:97-116)
        s_c = W_c · T_c + b_c        (B, C)        GroupWiseLinear (query2label.py:19-47)

    Defaults are the official recipe (main_mlc.py:129-139, README "Train": hidden 2048, FFN
    8192, 4 heads, dropout 0.1, 1 encoder and 2 decoder layers, no ``--keep_input_proj``).

    Args:
        num_classes (int): C.
        in_channels (int): channels of the backbone map. Defaults to 2048.
        embed_dims (int): d, the transformer width. Defaults to 2048.
        num_encoder_layers (int): Defaults to 1.
        num_decoder_layers (int): Defaults to 2.
        num_heads (int): Defaults to 4.
        feedforward_channels (int): Defaults to 8192.
        dropout (float): Defaults to 0.1.
        input_proj (bool): a 1x1 conv from in_channels to d (official ``--keep_input_proj``);
            required when in_channels != d. Defaults to False.
        loss (dict): Defaults to the official ASL (gamma_neg 2, gamma_pos 0, no clip, eps 1e-5,
            constant focusing weight; README "Train", main_mlc.py:233-238), summed over classes
            and averaged over images (see :class:`DetachedAsymmetricLoss` for the x1000/C).
        thr, topk, init_cfg: as :class:`MultiLabelHead` (scores in float64).

    Shapes:
        feats: tuple whose last item is (B, in_channels, H, W); output logits (B, C).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int = 2048,
                 embed_dims: int = 2048,
                 num_encoder_layers: int = 1,
                 num_decoder_layers: int = 2,
                 num_heads: int = 4,
                 feedforward_channels: int = 8192,
                 dropout: float = 0.1,
                 input_proj: bool = False,
                 loss: dict = dict(type='DetachedAsymmetricLoss',
                                   gamma_pos=0.,
                                   gamma_neg=2.,
                                   clip=0.,
                                   eps=1e-5),
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(loss=loss, thr=thr, topk=topk, init_cfg=init_cfg)
        if not input_proj and in_channels != embed_dims:
            raise ValueError(f'{type(self).__name__}: in_channels ({in_channels}) != embed_dims '
                             f'({embed_dims}) needs input_proj=True (a 1x1 conv) in the config.')
        if num_decoder_layers < 1:
            raise ValueError(f'{type(self).__name__}: num_decoder_layers must be >= 1 (the label '
                             f'queries are decoded), got {num_decoder_layers}.')
        if embed_dims % 2 or embed_dims % num_heads:
            raise ValueError(f'{type(self).__name__}: embed_dims ({embed_dims}) must be even and '
                             f'divisible by num_heads ({num_heads}).')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.embed_dims = embed_dims
        self.input_proj = nn.Conv2d(in_channels, embed_dims, 1) if input_proj else nn.Identity()
        layer_args = (embed_dims, num_heads, feedforward_channels, dropout)
        self.encoder = nn.ModuleList(
            Query2LabelEncoderLayer(*layer_args) for _ in range(num_encoder_layers))
        self.decoder = nn.ModuleList(
            Query2LabelDecoderLayer(*layer_args) for _ in range(num_decoder_layers))
        self.decoder_norm = nn.LayerNorm(embed_dims)
        for p in [*self.encoder.parameters(), *self.decoder.parameters()]:
            if p.dim() > 1:  # transformer.py:92-95
                nn.init.xavier_uniform_(p)
        self.query_embed = nn.Embedding(num_classes, embed_dims)
        self.classifier = PerClassLinear(num_classes, embed_dims)  # GroupWiseLinear
        self._pos_cache: Dict[Tuple, torch.Tensor] = {}

    def position_encoding(self, height: int, width: int, ref: torch.Tensor) -> torch.Tensor:
        """P, (1, HW, d) in ``ref``'s dtype and device (cached per size)."""
        key = (height, width, ref.device, ref.dtype)
        if key not in self._pos_cache:
            pos = sine_position_encoding(height, width, self.embed_dims // 2, device=ref.device)
            self._pos_cache[key] = pos.flatten(1).t()[None].to(ref.dtype)
        return self._pos_cache[key]

    def pre_logits(self, feats: Feats) -> torch.Tensor:
        """The decoded label embeddings T, (B, C, d)."""
        x = feats[-1] if isinstance(feats, (tuple, list)) else feats
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'{type(self).__name__} expects a (B, {self.in_channels}, H, W) map, '
                             f'got {tuple(x.shape)}: set in_channels to the backbone\'s output '
                             'channels (and use no neck).')
        x = self.input_proj(x)
        _, _, h, w = x.shape
        memory = x.flatten(2).transpose(1, 2)  # (B, HW, d)
        pos = self.position_encoding(h, w, memory)
        for layer in self.encoder:
            memory = layer(memory, pos)
        query_pos = self.query_embed.weight  # (C, d), the same for every image
        tgt = None  # T_0 = 0 (transformer.py:112)
        for layer in self.decoder:
            tgt = layer(tgt, memory, pos, query_pos)
        return self.decoder_norm(tgt)

    def forward(self, feats: Feats) -> torch.Tensor:
        """Logits (B, C)."""
        return self.classifier(self.pre_logits(feats))
