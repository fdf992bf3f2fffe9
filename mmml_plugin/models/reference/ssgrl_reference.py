"""The paper-literal SSGRL head (Chen et al. ICCV 2019, Eq. 1-8): the oracle of the fused modules.

This is a reference, not a model to train: it is not registered in any registry, and nothing in
the library uses it. The tests (``tests/models/``) and ``tools/benchmarks/ssgrl_head.py`` compare
:class:`~mmml_plugin.models.SSGRLHead` (fused attention, no repeated tensors) against it, same
weights, same inputs.

Written from the equations, unfused: every term is materialised (the map repeated per class, the
class embeddings repeated per position, the P projection, the attention repeated per channel),
with the parameter names of the official code (HCPLab-SYSU/SSGRL) so that its state dict is an
official one without the ``resnet_101.`` backbone (see
:func:`mmml_plugin.models.convert_official_ssgrl`).
"""
import math

import torch
import torch.nn as nn


class LiteralSemanticDecoupling(nn.Module):
    """Semantic decoupling, Eq. 1-4, every term materialised.

    Args:
        D (int): channels of the feature map.
        E (int): size of the class embeddings.
        I (int): size of the joint embedding.
    """

    def __init__(self, D, E, I):  # noqa: E741 (the paper's names)
        super().__init__()
        self.fc_1 = nn.Linear(D, I, bias=False)  # U
        self.fc_2 = nn.Linear(E, I, bias=False)  # V
        self.fc_3 = nn.Linear(I, I)  # P
        self.fc_a = nn.Linear(I, 1)  # f_a

    def forward(self, fmap, embeddings):
        """fmap (B, D, H, W), embeddings (C, E) -> features (B, C, D), attention (B, C, H, W)."""
        B, D, H, W = fmap.shape
        C = embeddings.shape[0]
        f = fmap.permute(0, 2, 3, 1).reshape(B, H * W, D)
        uf = self.fc_1(f).unsqueeze(2).repeat(1, 1, C, 1)  # U f: (B, N, C, I)
        vx = self.fc_2(embeddings)[None, None].repeat(B, H * W, 1, 1)  # V x: (B, N, C, I)
        p = self.fc_3(torch.tanh(uf * vx))  # P tanh(U f ⊙ V x) + b_P  (Eq. 1)
        f_tilde = self.fc_a(p).squeeze(-1)  # (B, N, C)  (Eq. 2)
        a = torch.softmax(f_tilde, dim=1)  # over positions  (Eq. 3)
        a_rep = a.unsqueeze(-1).repeat(1, 1, 1, D)  # (B, N, C, D)
        f_rep = f.unsqueeze(2).repeat(1, 1, C, 1)  # (B, N, C, D)
        feats = (a_rep * f_rep).sum(1)  # f_c = Σ_n a_{c,n} f_n  (Eq. 4)
        return feats, a.permute(0, 2, 1).reshape(B, C, H, W)


class LiteralGGNN(nn.Module):
    """The gated graph network, Eq. 5-6, with the official code's parameter names.

    Args:
        D (int): node state size.
        adjacency (torch.Tensor): the label graph M, (C, C); A_in = M, A_out = Mᵀ.
        num_steps (int): T. Defaults to 3.
        reset_gate (str): ``'official'`` (reset gate reuses ``U_z``) or ``'paper'``.
    """

    def __init__(self, D, adjacency, num_steps=3, reset_gate='official'):
        super().__init__()
        self.num_steps, self.reset_gate = num_steps, reset_gate
        self.register_buffer('adjacency', adjacency)
        for g in ('fc_eq3', 'fc_eq4', 'fc_eq5'):
            setattr(self, f'{g}_w', nn.Linear(2 * D, D))
            setattr(self, f'{g}_u', nn.Linear(D, D))

    def forward(self, h):
        B, C, D = h.shape
        a_in = self.adjacency.unsqueeze(0).repeat(B, 1, 1)  # A_in = M
        a_out = self.adjacency.t().unsqueeze(0).repeat(B, 1, 1)  # A_out = Mᵀ
        u_r = self.fc_eq3_u if self.reset_gate == 'official' else self.fc_eq4_u
        for _ in range(self.num_steps):
            a = torch.cat([torch.bmm(a_in, h), torch.bmm(a_out, h)], dim=2)  # Eq. 5
            z = torch.sigmoid(self.fc_eq3_w(a) + self.fc_eq3_u(h))  # update gate
            r = torch.sigmoid(self.fc_eq4_w(a) + u_r(h))  # reset gate
            h_cand = torch.tanh(self.fc_eq5_w(a) + self.fc_eq5_u(r * h))
            h = (1 - z) * h + z * h_cand  # Eq. 6
        return h


class LiteralSSGRLHead(nn.Module):
    """Backbone map (B, D, H, W) -> logits (B, C), Eq. 1-8.

    Args:
        embeddings (torch.Tensor): class embeddings, (C, E).
        adjacency (torch.Tensor): the label graph M, (C, C).
        D (int): channels of the map. Defaults to 2048.
        I (int): joint embedding size. Defaults to 1024.
        out_channels (int): size of o_c. Defaults to 2048.
        num_steps (int): GGNN steps T. Defaults to 3.
        reset_gate (str): see :class:`LiteralGGNN`. Defaults to 'official'.
        pool (bool): the official 2x2/s2 average pool first. Defaults to True.
    """

    def __init__(self,
                 embeddings,
                 adjacency,
                 D=2048,
                 I=1024,
                 out_channels=2048,
                 num_steps=3,
                 reset_gate='official',
                 pool=True):
        super().__init__()
        C, E = embeddings.shape
        self.pool = pool
        self.register_buffer('embeddings', embeddings)
        self.word_semantic = LiteralSemanticDecoupling(D, E, I)
        self.graph_net = LiteralGGNN(D, adjacency, num_steps, reset_gate)
        self.fc_output = nn.Linear(2 * D, out_channels)
        self.classifiers = nn.Module()
        bound = 1 / math.sqrt(out_channels)
        self.classifiers.weight = nn.Parameter(torch.empty(C, out_channels).uniform_(-bound, bound))
        self.classifiers.bias = nn.Parameter(torch.empty(C).uniform_(-bound, bound))

    def forward(self, fmap, return_attention=False):
        if self.pool:
            fmap = nn.functional.avg_pool2d(fmap, 2, 2)
        h0, attention = self.word_semantic(fmap, self.embeddings)
        logits = self.interaction(h0)
        return (logits, attention) if return_attention else logits

    def interaction(self, h0):
        """Per-class features (B, C, D) -> logits (B, C)."""
        hT = self.graph_net(h0)
        o = torch.tanh(self.fc_output(torch.cat([hT, h0], dim=2)))  # Eq. 7
        return (o * self.classifiers.weight).sum(2) + self.classifiers.bias  # Eq. 8
