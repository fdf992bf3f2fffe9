"""Gated graph network of SSGRL's semantic interaction (Li et al. 2016; paper Eq. 4-6).

Per step, with A_in = M and A_out = Mᵀ (M the label graph):

    a = [A_in h ; A_out h]                  z = σ(W_z a + U_z h)
    r = σ(W_r a + U_r h)                    h~ = tanh(W_h a + U_h (r ⊙ h))
    h <- (1 - z) ⊙ h + z ⊙ h~

The message projections of the three gates are one GEMM on ``a``, (B·C, 2D) x (2D, 3D), the
recurrent projections ``U_z`` [, ``U_r``] a second and ``U_h`` (it needs ``r``) a third: three
GEMMs per step instead of the official six. The messages ``A h`` are formed before projecting,
so autograd keeps the (B, C, 2D) ``a`` rather than a (B, C, 6D) projection.
"""
import torch
import torch.nn as nn

from .reused_linear import ReusedLinear

RESET_GATE_MODES = ('official', 'paper')


class GatedGraphNetwork(nn.Module):
    """Propagate per-class node states over a fixed label graph for ``num_steps`` steps.

    Args:
        adjacency (Tensor): the label graph M, (C, C); kept as a fixed, non-persistent buffer.
        channels (int): D, the node state size.
        num_steps (int): T. Defaults to 3.
        reset_gate (str): ``'official'`` reuses ``U_z`` (with its bias) for the reset gate, as
            the official SSGRL code does; ``'paper'`` gives the reset gate its own ``U_r``.

    Parameters (official name in brackets), :class:`ReusedLinear` layers, weights stored (in, out):
        msg_proj (2D -> 3D): ``W_z``, ``W_r``, ``W_h`` stacked (``fc_eq{3,4,5}_w``).
        gate_proj (D -> D, or D -> 2D for 'paper'): ``U_z`` [, ``U_r``]
            (``fc_eq3_u`` [, ``fc_eq4_u``]).
        cand_proj (D -> D): ``U_h`` (``fc_eq5_u``).
    """

    def __init__(self,
                 adjacency: torch.Tensor,
                 channels: int,
                 num_steps: int = 3,
                 reset_gate: str = 'official'):
        super().__init__()
        if reset_gate not in RESET_GATE_MODES:
            raise ValueError(f'reset_gate must be one of {RESET_GATE_MODES}, got {reset_gate!r}.')
        if num_steps < 1:
            raise ValueError(f'num_steps must be >= 1, got {num_steps}.')
        self.channels = channels
        self.num_steps = num_steps
        self.reset_gate = reset_gate
        self.register_buffer('adjacency', adjacency.float(), persistent=False)
        num_gate = 1 if reset_gate == 'official' else 2
        # nn.Linear's init: the same distributions as the official separate layers
        self.msg_proj = ReusedLinear(2 * channels, 3 * channels)
        self.gate_proj = ReusedLinear(channels, num_gate * channels)
        self.cand_proj = ReusedLinear(channels, channels)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """(B, C, D) initial node states h_0 -> (B, C, D) states h_T."""
        D = self.channels
        for _ in range(self.num_steps):
            adj = self.adjacency.to(h.dtype)
            a = torch.cat([adj @ h, adj.t() @ h], dim=-1)  # a = [A_in h; A_out h]: (B, C, 2D)
            msg = self.msg_proj(a)  # [W_z a, W_r a, W_h a] + b: (B, C, 3D)
            gates = self.gate_proj(h)  # U_z h [, U_r h]
            gate_z = gates[..., :D]
            gate_r = gate_z if self.reset_gate == 'official' else gates[..., D:]
            z = torch.sigmoid(msg[..., :D] + gate_z)  # z = σ(W_z a + U_z h)
            r = torch.sigmoid(msg[..., D:2 * D] + gate_r)  # r = σ(W_r a + U_r h)
            # h~ = tanh(W_h a + U_h (r ⊙ h))
            cand = torch.tanh(msg[..., 2 * D:] + self.cand_proj(r * h))
            h = h + z * (cand - h)  # h = (1 - z) ⊙ h + z ⊙ h~
        return h

    def extra_repr(self) -> str:
        return (f'channels={self.channels}, num_classes={self.adjacency.shape[0]}, '
                f'num_steps={self.num_steps}, reset_gate={self.reset_gate!r}')
