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
