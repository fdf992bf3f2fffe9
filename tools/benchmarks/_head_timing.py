"""Timing shared by the head benchmarks (``ssgrl_head.py``, ``mlgcn_head.py``,
``query2label_head.py``): one forward + backward, timed, reference and ours interleaved.

Not a benchmark itself (``make bench`` skips ``_*.py``); the scripts import it from their folder.
"""
import statistics
import time


def step(fn, x):
    """One forward + backward; returns the logits and the input gradient."""
    x = x.detach().requires_grad_()
    logits = fn(x)
    logits.sum().backward()
    return logits.detach(), x.grad


def timed(fn, x) -> float:
    """Seconds of one :func:`step`."""
    start = time.perf_counter()
    step(fn, x)
    return time.perf_counter() - start


def compare(ref_fn, our_fn, x, repeats: int):
    """Median seconds of the reference and of ours: one warm-up each, then ``repeats``
    interleaved runs (so that a change in the machine's load hits both alike)."""
    timed(ref_fn, x), timed(our_fn, x)
    ref_t, our_t = [], []
    for _ in range(repeats):
        ref_t.append(timed(ref_fn, x))
        our_t.append(timed(our_fn, x))
    return statistics.median(ref_t), statistics.median(our_t)


def compare_heads(ref_fn, our_fn, x, repeats: int) -> dict:
    """Outputs, input gradients and times of a reference and ours on the same input: the JSON
    fields ``speedup`` (reference time / ours), ``max_abs_diff`` (logits and gradients),
    ``ref_s`` and ``ours_s`` (median seconds of a forward + backward)."""
    ref_logits, ref_grad = step(ref_fn, x)
    our_logits, our_grad = step(our_fn, x)
    max_abs_diff = max((ref_logits - our_logits).abs().max().item(),
                       (ref_grad - our_grad).abs().max().item())
    ref_time, our_time = compare(ref_fn, our_fn, x, repeats)
    return dict(speedup=round(ref_time / our_time, 2),
                max_abs_diff=float(f'{max_abs_diff:.3g}'),
                ref_s=round(ref_time, 4),
                ours_s=round(our_time, 4))
