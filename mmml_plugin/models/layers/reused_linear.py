"""A linear layer for weights applied several times per forward (the GGNN's T steps)."""
import math

import torch
import torch.nn as nn


class ReusedLinear(nn.Module):
    """``y = x W + b`` with the weight stored (in, out), i.e. transposed w.r.t. ``nn.Linear``.

    The weight gradient of ``addmm(b, x, W)`` is ``xᵀ g``, a plain (in, out) tensor, so autograd
    sums the contributions of the T uses in place. With ``nn.Linear`` it is a transposed view, and
    the first sum allocates another weight-sized buffer (96 MB for the GGNN's 4096 x 6144 weight).
    Initialised as ``nn.Linear``: U(±1/sqrt(in)) for weight and bias.

    Shapes:
        input (..., in) -> output (..., out).
    """

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1 / math.sqrt(in_features)
        self.weight = nn.Parameter(torch.empty(in_features, out_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.addmm(self.bias, x.reshape(-1, self.in_features), self.weight)
        return y.view(*x.shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f'in_features={self.in_features}, out_features={self.out_features}'
