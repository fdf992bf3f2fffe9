"""A paper-literal Query2Label model (Liu et al. 2021, Sec. 3), for tests and benchmarks only.

Written from the equations of the official transformer (SlongLiu/query2labels
lib/models/transformer.py:97-116, 209-224, 279-306; position_encoding.py:34-51;
query2label.py:19-81) without ``nn.MultiheadAttention``: every projection, head split, softmax
and residual is spelled out. Parameter names are the official ones (``transformer.encoder.
layers.N.self_attn.in_proj_weight``, ``fc.W``, ...), so its state dict is an official one.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def literal_sine_encoding(h, w, num_pos_feats, temperature=10000., scale=2 * math.pi):
    """(1, 2F, H, W): cumulative sums of ones, normalised to (0, 2π], sin/cos interleaved."""
    ones = torch.ones(1, h, w)
    y_embed = ones.cumsum(1)
    x_embed = ones.cumsum(2)
    y_embed = y_embed / (y_embed[:, -1:, :] + 1e-6) * scale
    x_embed = x_embed / (x_embed[:, :, -1:] + 1e-6) * scale
    dim_t = torch.arange(num_pos_feats, dtype=torch.float32)
    dim_t = temperature**(2 * (dim_t // 2) / num_pos_feats)
    pos_x = x_embed[:, :, :, None] / dim_t
    pos_y = y_embed[:, :, :, None] / dim_t
    pos_x = torch.stack((pos_x[:, :, :, 0::2].sin(), pos_x[:, :, :, 1::2].cos()), dim=4).flatten(3)
    pos_y = torch.stack((pos_y[:, :, :, 0::2].sin(), pos_y[:, :, :, 1::2].cos()), dim=4).flatten(3)
    return torch.cat((pos_y, pos_x), dim=3).permute(0, 3, 1, 2)


class LiteralAttention(nn.Module):
    """softmax((Q W_q)(K W_k)ᵀ / sqrt(d_h)) (V W_v) per head, concatenated, then W_o."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d, d))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * d))
        self.out_proj = nn.Linear(d, d)
        nn.init.xavier_uniform_(self.in_proj_weight)

    def forward(self, q, k, v):
        """q (Lq, B, d), k / v (Lk, B, d) -> (Lq, B, d) (sequence-first, as the official)."""
        d = q.shape[-1]
        dh = d // self.heads
        wq, wk, wv = self.in_proj_weight.chunk(3)
        bq, bk, bv = self.in_proj_bias.chunk(3)
        q = F.linear(q, wq, bq)
        k = F.linear(k, wk, bk)
        v = F.linear(v, wv, bv)
        outs = []
        for i in range(self.heads):
            sl = slice(i * dh, (i + 1) * dh)
            qi = q[..., sl].permute(1, 0, 2)  # (B, Lq, dh)
            ki = k[..., sl].permute(1, 0, 2)
            vi = v[..., sl].permute(1, 0, 2)
            attn = torch.softmax(qi @ ki.transpose(1, 2) / math.sqrt(dh), dim=-1)
            outs.append((attn @ vi).permute(1, 0, 2))
        return self.out_proj(torch.cat(outs, dim=-1))


class LiteralEncoderLayer(nn.Module):

    def __init__(self, d, heads, ff):
        super().__init__()
        self.self_attn = LiteralAttention(d, heads)
        self.linear1, self.linear2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)

    def forward(self, src, pos):
        q = k = src + pos
        src = self.norm1(src + self.self_attn(q, k, src))
        return self.norm2(src + self.linear2(F.relu(self.linear1(src))))


class LiteralDecoderLayer(nn.Module):
    """No self-attention (the official default), hence only norm2 / norm3."""

    def __init__(self, d, heads, ff):
        super().__init__()
        self.multihead_attn = LiteralAttention(d, heads)
        self.linear1, self.linear2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.norm2, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d)

    def forward(self, tgt, memory, pos, query_pos):
        tgt = self.norm2(tgt + self.multihead_attn(tgt + query_pos, memory + pos, memory))
        return self.norm3(tgt + self.linear2(F.relu(self.linear1(tgt))))


class LiteralTransformer(nn.Module):

    def __init__(self, d, heads, ff, enc, dec):
        super().__init__()
        self.encoder = nn.Module()
        self.encoder.layers = nn.ModuleList(LiteralEncoderLayer(d, heads, ff) for _ in range(enc))
        self.decoder = nn.Module()
        self.decoder.layers = nn.ModuleList(LiteralDecoderLayer(d, heads, ff) for _ in range(dec))
        self.decoder.norm = nn.LayerNorm(d)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)


class LiteralQuery2Label(nn.Module):
    """(optional backbone) -> [input_proj] -> transformer with label queries -> GroupWiseLinear.

    Args:
        num_classes (int): C.
        d (int): model width (= channels of the map unless ``input_proj_from`` is given).
        heads (int): attention heads.
        ff (int): FFN width.
        enc (int): encoder layers.
        dec (int): decoder layers.
        body (nn.Module, optional): backbone giving (B, D, H, W) (official ``backbone.0.body``).
        input_proj_from (int, optional): channels of the map, for a 1x1 ``input_proj``.
    """

    def __init__(self, num_classes, d, heads, ff, enc=1, dec=2, body=None, input_proj_from=None):
        super().__init__()
        if body is not None:
            self.backbone = nn.ModuleList([nn.Module(), nn.Module()])
            self.backbone[0].body = body
        self.transformer = LiteralTransformer(d, heads, ff, enc, dec)
        if input_proj_from is not None:
            self.input_proj = nn.Conv2d(input_proj_from, d, 1)
        self.query_embed = nn.Embedding(num_classes, d)
        self.fc = nn.Module()
        self.fc.W = nn.Parameter(torch.empty(1, num_classes, d).uniform_(-d**-0.5, d**-0.5))
        self.fc.b = nn.Parameter(torch.empty(1, num_classes).uniform_(-d**-0.5, d**-0.5))
        self.d = d

    def forward(self, x):
        if hasattr(self, 'backbone'):
            x = self.backbone[0].body(x)
        if hasattr(self, 'input_proj'):
            x = self.input_proj(x)
        bs, c, h, w = x.shape
        pos = literal_sine_encoding(h, w, self.d // 2).to(x).repeat(bs, 1, 1, 1)
        src = x.flatten(2).permute(2, 0, 1)  # (HW, B, d)
        pos = pos.flatten(2).permute(2, 0, 1)
        query_pos = self.query_embed.weight.unsqueeze(1).repeat(1, bs, 1)  # (C, B, d)
        memory = src
        for layer in self.transformer.encoder.layers:
            memory = layer(memory, pos)
        tgt = torch.zeros_like(query_pos)
        for layer in self.transformer.decoder.layers:
            tgt = layer(tgt, memory, pos, query_pos)
        hs = self.transformer.decoder.norm(tgt).transpose(0, 1)  # (B, C, d)
        return (self.fc.W * hs).sum(-1) + self.fc.b  # GroupWiseLinear
