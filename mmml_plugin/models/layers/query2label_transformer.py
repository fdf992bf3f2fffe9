"""Query2Label's transformer (Liu et al. 2021; SlongLiu/query2labels lib/models/transformer.py):
DETR's post-norm encoder, and decoder layers without self-attention whose learnable label
queries cross-attend to the image tokens."""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from .export_mode import is_exporting_onnx


def sine_position_encoding(height: int,
                           width: int,
                           num_feats: int,
                           temperature: float = 10000.,
                           scale: float = 2 * math.pi,
                           device: Optional[torch.device] = None) -> torch.Tensor:
    """DETR's normalised 2-D sine encoding (lib/models/position_encoding.py:34-51, used with
    ``normalize=True``, position_encoding.py:69).

    ``y = (row + 1) / H · 2π``, ``x = (col + 1) / W · 2π`` (+1e-6 in the denominators);
    ``ω_k = T^{2⌊k/2⌋ / F}``; channels ``[sin(y/ω_0), cos(y/ω_1), ..., sin(x/ω_0), ...]``.

    Args:
        height (int): H of the map.
        width (int): W of the map.
        num_feats (int): F, channels per axis (the model width / 2).
        temperature (float): T. Defaults to 10000.
        scale (float): Defaults to 2π.
        device (torch.device, optional): where to build it.

    Returns:
        torch.Tensor: (2F, H, W) float32.
    """
    y = torch.arange(1, height + 1, dtype=torch.float32, device=device)[:,
                                                                        None].expand(height, width)
    x = torch.arange(1, width + 1, dtype=torch.float32,
                     device=device)[None, :].expand(height, width)
    y = y / (height + 1e-6) * scale
    x = x / (width + 1e-6) * scale
    dim_t = torch.arange(num_feats, dtype=torch.float32, device=device)
    dim_t = temperature**(2 * torch.div(dim_t, 2, rounding_mode='floor') / num_feats)
    pos_x, pos_y = x[..., None] / dim_t, y[..., None] / dim_t  # (H, W, F)
    pos_x = torch.stack((pos_x[..., 0::2].sin(), pos_x[..., 1::2].cos()), dim=-1).flatten(2)
    pos_y = torch.stack((pos_y[..., 0::2].sin(), pos_y[..., 1::2].cos()), dim=-1).flatten(2)
    return torch.cat((pos_y, pos_x), dim=-1).permute(2, 0, 1)


class MultiheadAttention(nn.Module):
    """Multi-head attention with ``nn.MultiheadAttention``'s parameters (``in_proj_weight``
    (3d, d) = [W_q; W_k; W_v], ``in_proj_bias``, ``out_proj``) and initialisation, batch-first,
    computed with ``F.scaled_dot_product_attention``::

        MHA(Q, K, V) = concat_h softmax((Q W_q^h)(K W_k^h)ᵀ / sqrt(d/h)) (V W_v^h) · W_oᵀ

    When ``query is key`` (encoder self-attention: both are X + P) their two projections are
    one GEMM; a query without batch dimension (the first decoder layer's label queries, the
    same for every image) is projected once and broadcast over the batch.

    Args:
        embed_dims (int): d.
        num_heads (int): h.
        dropout (float): on the attention weights, in training.

    Shapes:
        query (B, Lq, d) or (Lq, d); key, value (B, Lk, d) -> (B, Lq, d).
    """

    def __init__(self, embed_dims: int, num_heads: int, dropout: float = 0.):
        super().__init__()
        self.embed_dims, self.num_heads, self.dropout = embed_dims, num_heads, dropout
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dims, embed_dims))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dims))
        self.out_proj = nn.Linear(embed_dims, embed_dims)
        nn.init.xavier_uniform_(self.in_proj_weight)  # as nn.MultiheadAttention
        nn.init.zeros_(self.out_proj.bias)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        """(..., L, d) -> (..., h, L, d/h)."""
        return x.unflatten(-1, (self.num_heads, -1)).transpose(-3, -2)

    def forward(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
        d = self.embed_dims
        w, b = self.in_proj_weight, self.in_proj_bias
        if query.dim() < key.dim() and is_exporting_onnx():
            # the ONNX exporter fixes the traced batch size in the broadcast of the projected
            # shared queries (ONNX Runtime then fails on other batch sizes): broadcast first
            query = query.expand(key.shape[0], -1, -1)
        if query is key:
            q, k = F.linear(query, w[:2 * d], b[:2 * d]).chunk(2, dim=-1)
        else:
            q, k = F.linear(query, w[:d], b[:d]), F.linear(key, w[d:2 * d], b[d:2 * d])
        v = F.linear(value, w[2 * d:], b[2 * d:])
        q, k, v = self._heads(q), self._heads(k), self._heads(v)
        if q.dim() < k.dim():  # shared queries
            q = q.expand(k.shape[0], *q.shape)
        out = F.scaled_dot_product_attention(q,
                                             k,
                                             v,
                                             dropout_p=self.dropout if self.training else 0.)
        return self.out_proj(out.transpose(-3, -2).flatten(-2))


class FeedForward(nn.Module):
    """``linear2(dropout(relu(linear1(x))))`` (transformer.py:191-193, 221)."""

    def __init__(self, embed_dims: int, feedforward_channels: int, dropout: float):
        super().__init__()
        self.linear1 = nn.Linear(embed_dims, feedforward_channels)
        self.linear2 = nn.Linear(feedforward_channels, embed_dims)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear2(self.dropout(F.relu(self.linear1(x))))


class Query2LabelEncoderLayer(nn.Module):
    """Post-norm self-attention layer; the position encoding is added to queries and keys only
    (transformer.py:209-224)::

        X = LN1(X + MHA(X + P, X + P, X));   X = LN2(X + FFN(X))

    Args:
        embed_dims (int): d.
        num_heads (int): attention heads.
        feedforward_channels (int): FFN width.
        dropout (float): on attention weights, residual branches and inside the FFN.

    Shapes:
        x, pos: (B, N, d) tokens and their encodings -> (B, N, d).
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 dropout: float = 0.1):
        super().__init__()
        self.self_attn = MultiheadAttention(embed_dims, num_heads, dropout)
        self.ffn = FeedForward(embed_dims, feedforward_channels, dropout)
        self.norm1 = nn.LayerNorm(embed_dims)
        self.norm2 = nn.LayerNorm(embed_dims)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        q = k = x + pos
        x = self.norm1(x + self.dropout1(self.self_attn(q, k, x)))
        return self.norm2(x + self.dropout2(self.ffn(x)))


class Query2LabelDecoderLayer(nn.Module):
    """Post-norm decoder layer WITHOUT self-attention (the official default removes it from
    every decoder layer, transformer.py:60-75, main_mlc.py:146-149): the label queries
    cross-attend to the encoded image tokens (transformer.py:279-306)::

        T = LN1(T + MHA(T + Q, M + P, M));   T = LN2(T + FFN(T))

    ``norm1``/``norm2`` here are the official ``norm2``/``norm3``.

    Args:
        embed_dims (int): d.
        num_heads (int): attention heads.
        feedforward_channels (int): FFN width.
        dropout (float): as :class:`Query2LabelEncoderLayer`.

    Shapes:
        tgt (B, K, d) or None; query_pos (K, d) or (B, K, d); memory, pos: (B, N, d)
        -> (B, K, d).
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 dropout: float = 0.1):
        super().__init__()
        self.cross_attn = MultiheadAttention(embed_dims, num_heads, dropout)
        self.ffn = FeedForward(embed_dims, feedforward_channels, dropout)
        self.norm1 = nn.LayerNorm(embed_dims)
        self.norm2 = nn.LayerNorm(embed_dims)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, tgt: Optional[torch.Tensor], memory: torch.Tensor, pos: torch.Tensor,
                query_pos: torch.Tensor) -> torch.Tensor:
        """``tgt=None`` stands for T = 0 (the first layer): the queries are then ``query_pos``
        alone, (C, d), projected once for the whole batch."""
        query = query_pos if tgt is None else tgt + query_pos
        attn = self.dropout1(self.cross_attn(query, memory + pos, memory))
        tgt = self.norm1(attn if tgt is None else tgt + attn)
        return self.norm2(tgt + self.dropout2(self.ffn(tgt)))
