"""Fused scores of SSGRL's low-rank bilinear attention (semantic decoupling, Sec. 3.2).

The paper scores position ``n`` of image ``b`` for class ``c`` with

    s[b, c, n] = f_a(P tanh(U f[b, n] ⊙ V x[c]) + b_P) = w · tanh(u[b, n] ⊙ v[c]) + b,

where ``w = Pᵀ w_a`` and ``b = w_a · b_P + b_a``, because ``f_a`` follows ``P`` with no
nonlinearity. So the (B·C·N, I) output of ``P`` and its (B·C·N, I) x (I, I) GEMM never exist.
:class:`TanhBilinearScore` evaluates the tanh term class-chunk by class-chunk (chunks small
enough to stay in cache and be reused by the allocator) and recomputes it in the backward pass,
so no (B, C, N, I) tensor is ever allocated.
"""
import torch
from torch.autograd.function import once_differentiable


def _work_dtype(*tensors: torch.Tensor) -> torch.dtype:
    """float32, or float64 if an input is float64 (half inputs under AMP are upcast)."""
    dtype = torch.float32
    for t in tensors:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype


class TanhBilinearScore(torch.autograd.Function):
    """``s[c, m] = Σ_i w[i] tanh(u[m, i] v[c, i])`` over positions m = (image, location).

    Computed in float32 (float64 for float64 inputs), whatever the input dtype (AMP-safe);
    gradients are returned in the inputs' dtypes. Not twice differentiable.
    """

    @staticmethod
    def forward(ctx, u, v, w, max_elements):
        """u: (M, I), v: (C, I), w: (I,) -> scores (C, M)."""
        dtype = _work_dtype(u, v, w)
        u_, v_, w_ = u.to(dtype), v.to(dtype), w.to(dtype)
        step = max(1, max_elements // u.numel())  # classes per chunk
        scores = u_.new_empty(v.shape[0], u.shape[0])
        for c0 in range(0, v.shape[0], step):
            t = (u_ * v_[c0:c0 + step, None, :]).tanh_()  # tanh(U f ⊙ V x): (c, M, I)
            torch.matmul(t, w_, out=scores[c0:c0 + step])  # w · tanh(.)
        ctx.save_for_backward(u, v, w)
        ctx.step = step
        return scores

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        u, v, w = ctx.saved_tensors
        dtype = _work_dtype(u, v, w)
        u_, v_, w_, grad = u.to(dtype), v.to(dtype), w.to(dtype), grad.to(dtype)
        grad_u, grad_v, grad_w = torch.zeros_like(u_), torch.empty_like(v_), torch.zeros_like(w_)
        for c0 in range(0, v.shape[0], ctx.step):
            vc, g = v_[c0:c0 + ctx.step], grad[c0:c0 + ctx.step]  # (c, I), (c, M)
            t = (u_ * vc[:, None, :]).tanh_()  # recomputed tanh term, (c, M, I)
            grad_w += torch.matmul(g.reshape(1, -1), t.reshape(-1, t.shape[-1]))[0]
            d = torch.ops.aten.tanh_backward(g.unsqueeze(-1), t)  # g (1 - tanh²), w applied below
            grad_v[c0:c0 + ctx.step] = (d * u_).sum(1)
            grad_u += (d * vc[:, None, :]).sum(0)
        return (grad_u.mul_(w_).to(u.dtype), grad_v.mul_(w_).to(v.dtype), grad_w.to(w.dtype),
                None)


def tanh_bilinear_score(u: torch.Tensor, v: torch.Tensor, w: torch.Tensor,
                        max_elements: int = 1 << 20) -> torch.Tensor:
    """Scores ``s[b, c, n] = Σ_i w[i] tanh(u[b, n, i] v[c, i])``.

    Args:
        u (Tensor): projected image features ``U f``, (B, N, I).
        v (Tensor): projected class embeddings ``V x``, (C, I).
        w (Tensor): fused score weight ``Pᵀ w_a``, (I,).
        max_elements (int): the largest (c, B·N, I) chunk evaluated at once.

    Returns:
        Tensor: (B, C, N), float32 (float64 for float64 inputs).
    """
    B, N, I = u.shape
    scores = TanhBilinearScore.apply(u.reshape(B * N, I), v, w, max_elements)  # (C, B·N)
    return scores.view(-1, B, N).transpose(0, 1)
