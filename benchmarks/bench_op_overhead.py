"""op_overhead: microseconds per op on tiny tensors, forward and backward.

On 4 × 4 arrays the arithmetic is nothing; what is measured is what the engine adds around it
(making the node, recording it, walking it back). NumPy alone (the forward op, and the backward
formulas written out by hand) is the floor.
"""

from __future__ import annotations

import timeit

import numpy as np

from common import Result, try_import
from tinygrad_edu import Tensor

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


def run(quick: bool, repeat: int) -> list[Result]:
    number = 200 if quick else 20_000
    rng = np.random.default_rng(0)
    a_np, b_np = rng.normal(size=(4, 4)).astype(np.float32), rng.normal(size=(4, 4)).astype(np.float32)
    g_np = np.ones((4, 4), dtype=np.float32)
    torch = try_import("torch")
    results = []
    for name, (forward, numpy_forward, numpy_backward) in OPS.items():
        r = Result(f"op_overhead: {name} on 4×4 float32, forward + backward", "µs per op", "torch" if torch else "NumPy alone")
        a, b = Tensor(a_np, requires_grad=True), Tensor(b_np, requires_grad=True)
        r.add("tinygrad_edu", micro(lambda: forward(a, b).backward(g_np), number, repeat),
              forward_only=micro(lambda: forward(a, b), number, repeat))

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
