"""The `xp` for `backward(create_graph=True)`: the rules' array functions as recorded Tensor ops.

With create_graph, the backward walk evaluates each rule in `ops.py` on the graph's Tensors
instead of their NumPy data, so every gradient it produces is itself a node in a graph, and can be
differentiated again (second derivatives, Hessians). The rules do not change; only `xp` does.
"""

import numpy as np

from . import ops
from .autograd import apply
from .tensor import Tensor, maximum, where  # noqa: F401  (names the rules call)


def exp(x): return x.exp()
def log(x): return x.log()
def sqrt(x): return x.sqrt()
def tanh(x): return x.tanh()
def abs(x): return x.abs()  # noqa: A001
def power(a, b): return a ** b
def divide(a, b): return a / b


def sign(x):
    # piecewise constant: its derivative is zero wherever it exists, so a constant tensor is exact
    return Tensor(np.sign(x.data))


def swapaxes(x, a: int, b: int):
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return x.transpose(*axes)


def broadcast_to(x, shape: tuple):
    # adding zeros broadcasts x; the engine's sum_to brings the gradient back to x's shape
    return x + Tensor(np.zeros(shape, dtype=x.dtype))


def scatter_add(g, shape: tuple, index):
    return apply(ops.scatter_add, g, shape=shape, index=index)
