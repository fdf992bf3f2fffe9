"""A paper-literal ML-GCN model (Chen et al. CVPR 2019, Eqs. 2-7 with the ML-GCN README's
corrected Eq. 8), for tests and benchmarks only.

Written from the equations and the official formulas (Megvii-Nanjing/ML-GCN models.py:43-83,
util.py:291-308), unfused, in numpy/torch one step per line, with the official parameter names
(``gc1.weight``, ``gc2.weight``, ``A``, ``features.*``) so that its state dict is an official one.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def literal_gen_a(pair_counts: np.ndarray, nums: np.ndarray, t: float, p: float = 0.25):
    """A' from the pair counts (zero diagonal) and the per-class image counts ``nums``."""
    a = pair_counts / nums[:, np.newaxis]  # P(j | i) = N(i, j) / N(i)
    a[a < t] = 0  # binarise at t (Eq. 6)
    a[a >= t] = 1
    a = a * p / (a.sum(0, keepdims=True) + 1e-6)  # re-weight (Eq. 7 as coded)
    return a + np.identity(len(nums))  # self-loops


def literal_gen_adj(a: torch.Tensor) -> torch.Tensor:
    """Â = (A D)ᵀ D with D = diag(rowsum(A))^{-1/2}."""
    d = torch.diag(torch.pow(a.sum(1), -0.5))
    return torch.matmul(torch.matmul(a, d).t(), d)


class LiteralGraphConvolution(nn.Module):

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(
            torch.empty(in_features, out_features).uniform_(-1 / out_features**0.5,
                                                            1 / out_features**0.5))

    def forward(self, x, adj):
        support = torch.matmul(x, self.weight)  # H W
        return torch.matmul(adj, support)  # Â H W


class LiteralMLGCN(nn.Module):
    """``features`` (optional backbone) -> MaxPool2d over the whole map -> x (B, D);
    W = Â LeakyReLU(Â Z W1) W2 (C, D); logits = x Wᵀ.

    Args:
        pair_counts (np.ndarray): (C, C) co-occurrence counts, zero diagonal (``adj``).
        nums (np.ndarray): (C,) images per class.
        embeddings (torch.Tensor): Z, (C, E).
        t (float): threshold.
        hidden (int): width of gc1.
        out_channels (int): D.
        features (nn.Module, optional): backbone giving (B, D, H, W).
    """

    def __init__(self,
                 pair_counts,
                 nums,
                 embeddings,
                 t=0.4,
                 hidden=1024,
                 out_channels=2048,
                 features=None):
        super().__init__()
        if features is not None:
            self.features = features
        self.gc1 = LiteralGraphConvolution(embeddings.shape[1], hidden)
        self.gc2 = LiteralGraphConvolution(hidden, out_channels)
        self.relu = nn.LeakyReLU(0.2)
        self.A = nn.Parameter(
            torch.from_numpy(
                literal_gen_a(np.asarray(pair_counts, np.float64), np.asarray(nums, np.float64),
                              t)).float())
        self.register_buffer('inp', embeddings, persistent=False)

    def forward(self, x):
        if hasattr(self, 'features'):
            x = self.features(x)
        feature = F.max_pool2d(x, x.shape[-2:])  # MaxPool2d(14, 14) on a 14x14 map
        feature = feature.view(feature.size(0), -1)
        adj = literal_gen_adj(self.A).detach()
        h = self.relu(self.gc1(self.inp.to(self.A.dtype), adj))
        w = self.gc2(h, adj)
        return torch.matmul(feature, w.transpose(0, 1))
