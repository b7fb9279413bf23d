"""op_overhead: microseconds per op on tiny tensors, forward and backward.

On 4 × 4 arrays the arithmetic is nothing; what is measured is what the engine adds around it
(making the node, recording it, walking it back). NumPy alone (the forward op, and the backward
formulas written out by hand) is the floor.
"""

from __future__ import annotations

import timeit

import numpy as np

import tinygrad_edu
from common import Result, try_import

# name: (the op on Tensors or torch tensors, the op in NumPy, its backward written out in NumPy)
OPS = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, lambda g, a, b: (g, g)),
    "matmul 4×4": (lambda a, b: a @ b, lambda a, b: a @ b, lambda g, a, b: (g @ b.T, a.T @ g)),
    "relu": (lambda a, b: a.relu(), lambda a, b: np.maximum(a, 0), lambda g, a, b: (g * (a > 0),)),
}


def micro(fn, number: int, repeat: int) -> float:
    """Median microseconds per call."""
    times = timeit.repeat(fn, number=number, repeat=max(3, repeat))
    return float(np.median(times)) / number * 1e6


def arrays(quick: bool):
    """(a, b, the incoming gradient g, how many ops a timing runs)."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 4)).astype(np.float32), rng.normal(size=(4, 4)).astype(np.float32)
    return a, b, np.ones((4, 4), dtype=np.float32), 200 if quick else 20_000


def engine_timers(engine, forward, a_np, b_np, g_np, number: int, repeat: int):
    """Microseconds per op on `engine`'s Tensors: (forward + backward, forward only)."""
    a, b = engine.Tensor(a_np, requires_grad=True), engine.Tensor(b_np, requires_grad=True)
    return (lambda: micro(lambda: forward(a, b).backward(g_np), number, repeat),
            lambda: micro(lambda: forward(a, b), number, repeat))


def timers(engine, nn, quick: bool) -> dict:
    """The tinygrad_edu rows on `engine` (ab.py also passes an older copy; no nn here): each call
    times a tenth of run()'s ops a few times (short calls interleave finely) and returns the median
    seconds per op."""
    a_np, b_np, g_np, number = arrays(quick)
    rows = {}
    for name, (forward, _, _) in OPS.items():
        both, forward_only = engine_timers(engine, forward, a_np, b_np, g_np, number // 10, 1)
        rows[name] = lambda both=both: both() / 1e6
        rows[f"{name}, forward only"] = lambda forward_only=forward_only: forward_only() / 1e6
    return rows


def run(quick: bool, repeat: int) -> list[Result]:
    a_np, b_np, g_np, number = arrays(quick)
    torch = try_import("torch")
    results = []
    for name, (forward, numpy_forward, numpy_backward) in OPS.items():
        r = Result(f"op_overhead: {name} on 4×4 float32, forward + backward", "µs per op", "torch" if torch else "NumPy alone")
        both, forward_only = engine_timers(tinygrad_edu, forward, a_np, b_np, g_np, number, repeat)
        r.add("tinygrad_edu", both(), forward_only=forward_only())

        def numpy_alone():
            numpy_forward(a_np, b_np)
            numpy_backward(g_np, a_np, b_np)
        r.add("NumPy alone", micro(numpy_alone, number, repeat),
              forward_only=micro(lambda: numpy_forward(a_np, b_np), number, repeat))

        if torch is None:
            r.skip("torch", "not installed (pip install torch==2.13.0)")
        else:
            ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
            tg = torch.ones(4, 4)
            r.add("torch", micro(lambda: forward(ta, tb).backward(tg), number, repeat),
                  forward_only=micro(lambda: forward(ta, tb), number, repeat))
        results.append(r)
    return results
