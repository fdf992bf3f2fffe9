"""Fused scores of SSGRL's low-rank bilinear attention (semantic decoupling, Sec. 3.2).

The paper scores position ``n`` of image ``b`` for class ``c`` with

    s[b, c, n] = f_a(P tanh(U f[b, n] ⊙ V x[c]) + b_P) = w · tanh(u[b, n] ⊙ v[c]) + b,

where ``w = Pᵀ w_a`` and ``b = w_a · b_P + b_a``, because ``f_a`` follows ``P`` with no
nonlinearity. So the (B·C·N, I) output of ``P`` and its (B·C·N, I) x (I, I) GEMM never exist.
:class:`TanhBilinearScore` evaluates the tanh term class-chunk by class-chunk (chunks small
enough to be reused by the allocator instead of page-faulted in again) and recomputes it in the
backward pass, so no (B, C, N, I) tensor is ever allocated.
"""
import torch
from torch.autograd.function import once_differentiable

from .export_mode import is_exporting_onnx


def _work_dtype(*tensors: torch.Tensor) -> torch.dtype:
    """float32, or float64 if an input is float64 (half inputs under AMP are upcast)."""
    dtype = torch.float32
    for t in tensors:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype


class TanhBilinearScore(torch.autograd.Function):
    """``s[c, m] = Σ_i w[i] tanh(u[m, i] v[c, i])`` over positions m = (image, location).

    Uses ``tanh(x) = 2 σ(2x) - 1`` (σ is several times cheaper than tanh on CPUs), so
    ``s = (2w) · σ(u ⊙ 2v) - Σ w`` and ``d tanh(uv) / d(uv) = 4 σ (1 - σ)``: per chunk, one
    product, one in-place σ and one GEMV forward; the same plus one ``sigmoid_backward`` and two
    product-sums backward. Computed in float32 (float64 for float64 inputs) whatever the input
    dtype (AMP-safe); gradients are returned in the inputs' dtypes. Not twice differentiable.
    """

    @staticmethod
    def forward(ctx, u, v, w, max_elements):
        """u: (M, I), v: (C, I), w: (I,) -> scores (C, M)."""
        dtype = _work_dtype(u, v, w)
        u_, v2, w2 = u.to(dtype), 2 * v.to(dtype), 2 * w.to(dtype)
        step = max(1, max_elements // u.numel())  # classes per chunk
        scores = u_.new_empty(v.shape[0], u.shape[0])
        for c0 in range(0, v.shape[0], step):
            sig = torch.sigmoid_(u_ * v2[c0:c0 + step, None, :])  # σ(2 U f ⊙ V x): (c, M, I)
            torch.matmul(sig, w2, out=scores[c0:c0 + step])
        ctx.save_for_backward(u, v, w)
        ctx.step = step
        return scores.sub_(w2.sum() / 2)  # w · tanh(U f ⊙ V x) = 2w · σ - Σ w

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        u, v, w = ctx.saved_tensors
        dtype = _work_dtype(u, v, w)
        u_, v_, w_, grad = u.to(dtype), v.to(dtype), w.to(dtype), grad.to(dtype)
        v2 = 2 * v_
        grad_u, grad_v, grad_sig = torch.zeros_like(u_), torch.empty_like(v_), torch.zeros_like(w_)
        for c0 in range(0, v.shape[0], ctx.step):
            vc, g = v_[c0:c0 + ctx.step], grad[c0:c0 + ctx.step]  # (c, I), (c, M)
            sig = torch.sigmoid_(u_ * v2[c0:c0 + ctx.step, None, :])  # recomputed, (c, M, I)
            grad_sig += torch.matmul(g.reshape(1, -1), sig.reshape(-1, sig.shape[-1]))[0]
            d = torch.ops.aten.sigmoid_backward(g.unsqueeze(-1), sig)  # g σ (1 - σ)
            grad_v[c0:c0 + ctx.step] = (d * u_).sum(1)
            grad_u += (d * vc[:, None, :]).sum(0)
        scale = 4 * w_  # d s / d(u v) = 4 w σ (1 - σ)
        grad_w = 2 * grad_sig - grad.sum()  # Σ g tanh(.) = Σ g (2σ - 1)
        return (grad_u.mul_(scale).to(u.dtype), grad_v.mul_(scale).to(v.dtype), grad_w.to(w.dtype),
                None)


def tanh_bilinear_score(u: torch.Tensor,
                        v: torch.Tensor,
                        w: torch.Tensor,
                        max_elements: int = 1 << 21) -> torch.Tensor:
    """Scores ``s[b, c, n] = Σ_i w[i] tanh(u[b, n, i] v[c, i])``.

    Args:
        u (Tensor): projected image features ``U f``, (B, N, I).
        v (Tensor): projected class embeddings ``V x``, (C, I).
        w (Tensor): fused score weight ``Pᵀ w_a``, (I,).
        max_elements (int): the largest (c, B·N, I) chunk evaluated at once.

    Returns:
        Tensor: (B, C, N), float32 (float64 for float64 inputs).
    """
    B, N, I = u.shape  # noqa: E741 (the paper's names)
    if is_exporting_onnx():
        # the exporter records the chunk loop's in-place writes wrongly: the plain expression,
        # with its (B, C, N, I) intermediate (inference only, no backward)
        return torch.tanh(u[:, None] * v[None, :, None]) @ w.to(u.dtype)
    scores = TanhBilinearScore.apply(u.reshape(B * N, I), v, w, max_elements)  # (C, B·N)
    return scores.view(-1, B, N).transpose(0, 1)
