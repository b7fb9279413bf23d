"""The `xp` that `Tensor` hands to the rules in `ops.py`: NumPy, plus getitem's transpose.

The rules call array functions by NumPy's names through `xp`, so the same rule can run on NumPy
arrays (here), on Python floats (`scalar_math`) and on recorded Tensors (`graph_math`).
"""

from numpy import abs, divide, exp, log, maximum, power, sign, sqrt, tanh, where  # noqa: A004, F401

import numpy as np

from . import ops


def swapaxes(x, a: int, b: int):
    """np.swapaxes, as the array's own method (np.swapaxes wraps it in ~1 µs of Python)."""
    return x.swapaxes(a, b)


def broadcast_to(g, shape: tuple):
    """g spread over `shape`, as a new array: np.broadcast_to's read-only view costs more to make
    than a small copy, and every rule downstream would read it whole anyway."""
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g
    return out


def scatter_add(g, shape: tuple, index):
    """zeros(shape) with g added at index (repeated indices accumulate)."""
    return ops.scatter_add.forward(None, g, shape=shape, index=index)
