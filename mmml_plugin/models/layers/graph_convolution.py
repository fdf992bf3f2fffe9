"""Graph convolution over a fixed label graph (ML-GCN, Chen et al. CVPR 2019, Eq. 3)."""
import math

import torch
import torch.nn as nn


def normalize_adjacency(correlation: torch.Tensor) -> torch.Tensor:
    """``Â = D^{-1/2} Aᵀ D^{-1/2}`` with ``D = diag(Σ_j A[i, j])`` (row sums).

    This is ML-GCN's ``gen_adj`` (util.py:304-308: ``(A D)ᵀ D``). The transpose matters: the
    re-weighted correlation matrix A is not symmetric, and the official code propagates along
    Aᵀ. Every row of A must have a positive sum (ML-GCN's A has a unit diagonal).

    Args:
        correlation (torch.Tensor): A, (C, C).

    Returns:
        torch.Tensor: Â, (C, C).
    """
    degree = correlation.sum(1)
    if not bool((degree > 0).all()):
        raise ValueError('normalize_adjacency: a row of the correlation matrix sums to 0 '
                         f'(rows {torch.nonzero(degree <= 0).flatten().tolist()}); ML-GCN\'s '
                         'matrix has ones on the diagonal (build it with mlgcn_correlation).')
    d = degree.pow(-0.5)
    return d[:, None] * correlation.t() * d[None, :]  # D^{-1/2} Aᵀ D^{-1/2}


class GraphConvolution(nn.Module):
    """``H' = Â H W`` without bias (ML-GCN models.py:7-35, ``bias=False`` in models.py:59-60).

    Args:
        in_channels (int): d of the node features H.
        out_channels (int): d' of H'.

    Shapes:
        input (C, d) node features and (C, C) Â -> output (C, d').
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.weight = nn.Parameter(torch.empty(in_channels, out_channels))  # W: (d, d')
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """U(±1/sqrt(d')), as the official ``reset_parameters`` (models.py:23-27)."""
        bound = 1. / math.sqrt(self.out_channels)
        nn.init.uniform_(self.weight, -bound, bound)

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        return adjacency @ (x @ self.weight)  # H' = Â (H W)

    def extra_repr(self) -> str:
        return f'in_channels={self.in_channels}, out_channels={self.out_channels}'
