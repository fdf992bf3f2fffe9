"""A separate linear classifier per class (SSGRL's ``Element_Wise_Layer``)."""
import math

import torch
import torch.nn as nn


class PerClassLinear(nn.Module):
    """``y[b, c] = W[c] · x[b, c] + bias[c]``.

    Args:
        num_classes (int): C.
        in_channels (int): D.

    Shapes:
        input (B, C, D) -> output (B, C).
    """

    def __init__(self, num_classes: int, in_channels: int):
        super().__init__()
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.weight = nn.Parameter(torch.empty(num_classes, in_channels))
        self.bias = nn.Parameter(torch.empty(num_classes))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """U(±1/sqrt(D)) for weights and biases, as the official code."""
        bound = 1 / math.sqrt(self.in_channels)
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum('bcd,cd->bc', x, self.weight) + self.bias  # s_c = W_c · o_c + b_c

    def extra_repr(self) -> str:
        return f'num_classes={self.num_classes}, in_channels={self.in_channels}'
