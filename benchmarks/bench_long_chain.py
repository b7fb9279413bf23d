"""long_chain: a chain of 10⁶ ops, forward + backward, and the memory each node costs.

A graph as deep as it is long: the test of an iterative topological sort (a recursive one dies near
a thousand levels, micrograd's at about 500) and of how lean a node is.
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import numpy as np

import tinygrad_edu
from common import Result, paused, try_import
from tinygrad_edu import Value


def value_chain(n: int, Value=Value):
    x = Value(0.5)
    y = x
    for i in range(n):
        y = y * 1.0000001 if i % 2 else y + 0.001
    return x, y


def tensor_chain(n: int, make):
    x = make()
    y = x
    for i in range(n):
        y = y * 1.0000001 if i % 2 else y + 0.001
    return x, y


def seconds(build, backward) -> float:
    start = time.perf_counter()
    x, y = build()
    backward(y)
    elapsed = time.perf_counter() - start
    del x, y
    return elapsed


def bytes_per_node(build, n: int) -> float:
    tracemalloc.start()
    x, y = build(n)
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del x, y
    return current / n


def length(quick: bool) -> int:
    return 10_000 if quick else 1_000_000


def timers(engine, nn, quick: bool) -> dict:
    """The tinygrad_edu rows on `engine` (ab.py also passes an older copy; no nn here): each call
    times one chain, forward + backward, and returns the seconds."""
    n = length(quick)
    values = lambda: seconds(lambda: value_chain(n, engine.Value), lambda y: y.backward())  # noqa: E731
    tensors = lambda: seconds(lambda: tensor_chain(n, small_tensor(engine.Tensor)), lambda y: y.sum().backward())  # noqa: E731
    return {"tinygrad_edu Value": values, "tinygrad_edu Value, collector paused": paused(values),
            "tinygrad_edu Tensor": tensors}


def memory(engine, quick: bool) -> dict:
    """Bytes per node of `engine`'s chains (at most 10⁵ nodes long), by the rows of timers()."""
    n = min(length(quick), 100_000)
    return {"tinygrad_edu Value": bytes_per_node(lambda k: value_chain(k, engine.Value), n),
            "tinygrad_edu Tensor": bytes_per_node(lambda k: tensor_chain(k, small_tensor(engine.Tensor)), n)}


def small_tensor(Tensor):
    return lambda: Tensor(np.ones(4), requires_grad=True)


def run(quick: bool, repeat: int) -> list[Result]:
    n = length(quick)
    limit = sys.getrecursionlimit()
    ours, bytes_per = timers(tinygrad_edu, None, quick), memory(tinygrad_edu, quick)

    scalars = Result(f"long_chain: {n:,} Value ops, forward + backward", "seconds", "tinygrad_edu Value")
    scalars.add("tinygrad_edu Value", min(ours["tinygrad_edu Value"]() for _ in range(max(1, repeat // 2))),
                bytes_per_node=bytes_per["tinygrad_edu Value"])
    scalars.add("tinygrad_edu Value, collector paused", ours["tinygrad_edu Value, collector paused"]())
    micrograd = try_import("micrograd.engine")
    if micrograd is None:
        scalars.skip("micrograd 0.1.0", "not installed (pip install micrograd==0.1.0)")
    else:
        try:
            scalars.add("micrograd 0.1.0", seconds(lambda: value_chain(n, micrograd.Value), lambda y: y.backward()))
        except RecursionError:
            depth = next(d for d in (100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 2000, 5000)
                         if _fails(lambda: value_chain(d, micrograd.Value)[1].backward()))
            scalars.skip("micrograd 0.1.0", f"RecursionError: its recursive sort fails at a chain of {depth} ops")
    assert sys.getrecursionlimit() == limit

    tensors = Result(f"long_chain: {n:,} small Tensor ops (shape (4,)), forward + backward", "seconds", "tinygrad_edu Tensor")
    tensors.add("tinygrad_edu Tensor", ours["tinygrad_edu Tensor"](), bytes_per_node=bytes_per["tinygrad_edu Tensor"])
    torch = try_import("torch")
    if torch is None:
        tensors.skip("torch", "not installed (pip install torch==2.13.0)")
    else:
        tensors.add("torch", seconds(lambda: tensor_chain(n, lambda: torch.ones(4, dtype=torch.float64, requires_grad=True)),
                                     lambda y: y.sum().backward()))
    return [scalars, tensors]


def _fails(fn) -> bool:
    try:
        fn()
        return False
    except RecursionError:
        return True
