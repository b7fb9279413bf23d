"""The `xp` namespaces the rules in `ops.py` compute with: the same rule, three kinds of number.

    floats     for `Value`: NumPy's functions on Python floats
    arrays     for `Tensor`: NumPy itself, plus getitem's transpose
    recorded   for `Tensor.backward(create_graph=True)`: the same functions as recorded Tensor ops,
               so every gradient the rules compute is itself a graph that can be differentiated

Each namespace also says how a gradient reaches an input (`sum_to`: undo broadcasting, keep the
input's dtype; `add`: accumulate; `own`: the array a leaf may keep) and how a tangent fits its
output (`fit_tangent`):
the engine's walk and `apply` call these, so no rule in ops.py knows about shapes.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from . import ops
from .autograd import apply


class floats:
    """NumPy's functions, for Python floats: a `Value` holds a plain float (fast, readable) while
    every number it computes is the number NumPy computes, so a `Value` and a 0-d `Tensor` agree to
    the last bit, and log(0), exp(1000), sqrt(-1) give -inf, inf, nan with NumPy's warning
    instead of a `math` domain error."""

    records = False       # the rules get the nodes' data, not the nodes

    def _on_floats(ufunc):
        def f(*args: float) -> float:
            return float(ufunc(*args))
        f.__name__ = f.__qualname__ = ufunc.__name__
        return staticmethod(f)

    exp, log, sqrt, tanh = _on_floats(np.exp), _on_floats(np.log), _on_floats(np.sqrt), _on_floats(np.tanh)
    power, sign, abs = _on_floats(np.power), _on_floats(np.sign), _on_floats(np.abs)  # noqa: A003
    sin, cos, tan, arctan = _on_floats(np.sin), _on_floats(np.cos), _on_floats(np.tan), _on_floats(np.arctan)
    sinh, cosh, log1p, expm1 = _on_floats(np.sinh), _on_floats(np.cosh), _on_floats(np.log1p), _on_floats(np.expm1)
    erf = staticmethod(math.erf)              # the number `arrays.erf` computes entry by entry

    @staticmethod
    def divide(a: float, b: float) -> float:
        try:
            return a / b
        except ZeroDivisionError:             # x/0: ±inf or nan, with NumPy's warning
            return float(np.divide(np.float64(a), b))

    @staticmethod
    def where(cond: bool, a: float, b: float) -> float:
        return a if cond else b

    @staticmethod
    def maximum(a: float, b: float) -> float:
        return a if (a >= b or a != a) else float(b)    # nan propagates, as in np.maximum

    sum_to = None                             # a number's gradient is a number: nothing to undo
    add = staticmethod(operator.add)          # (a C function: this runs for every node reached twice)
    add_into = None                           # floats are immutable: every sum is a new number

    @staticmethod
    def own(g: float, passed: float) -> float:
        return g                              # floats are immutable: nothing to copy

    @staticmethod
    def fit_tangent(t, out: float) -> float:
        return float(t)


class arrays:
    """NumPy, for `Tensor`."""

    records = False
    exp, log, sqrt, tanh, power, sign, abs = np.exp, np.log, np.sqrt, np.tanh, np.power, np.sign, np.abs  # noqa: A003
    divide, where, maximum = np.divide, np.where, np.maximum
    sin, cos, tan, arctan, sinh, cosh, log1p, expm1 = np.sin, np.cos, np.tan, np.arctan, np.sinh, np.cosh, np.log1p, np.expm1

    @staticmethod
    def erf(x):
        """math.erf on every entry, in x's dtype. NumPy has no erf and scipy is not a dependency;
        math.erf is the C library's (within an ulp or two), called once an entry."""
        return np.asarray(_erf_each(x), dtype=np.result_type(x, np.float32))

    @staticmethod
    def cumsum(g, axis: int, reverse: bool):
        return ops.cumsum.forward(None, g, axis=axis, reverse=reverse)

    @staticmethod
    def swapaxes(x, a: int, b: int):
        return x.swapaxes(a, b)               # the array's method: np.swapaxes wraps it in Python

    @staticmethod
    def broadcast_to(g, shape: tuple):
        # a new array: np.broadcast_to's read-only view costs more to make than a small copy, and
        # every rule downstream reads it whole anyway
        out = np.empty(shape, dtype=g.dtype)
        out[...] = g
        return out

    @staticmethod
    def scatter_add(g, shape: tuple, index):
        return ops.scatter_add.forward(None, g, shape=shape, index=index)

    @staticmethod
    def windows(g, size: tuple, strides: tuple):
        return ops.windows.forward(None, g, size=size, strides=strides)

    @staticmethod
    def window_sum(g, shape: tuple, size: tuple, strides: tuple):
        return ops.window_sum.forward(None, g, shape=shape, size=size, strides=strides)

    @staticmethod
    def sum_to(g, x: np.ndarray) -> np.ndarray:
        """g with broadcasting undone (summed to x's shape), in x's dtype (float32 stays float32)."""
        if type(g) is not np.ndarray:
            g = np.asarray(g)                 # NumPy gives 0-d results as scalars
        if g.shape != x.shape:
            g = sum_to(g, x.shape)
        if g.dtype == x.dtype:
            return g
        if g.dtype.kind not in "biuf":
            raise TypeError(f"a gradient of dtype {g.dtype} for an input of dtype {x.dtype}; it must be real")
        return g.astype(x.dtype)

    @staticmethod
    def own(g: np.ndarray, passed: np.ndarray) -> np.ndarray:
        """g as a leaf's own array: a copy when it is the gradient passed through unchanged, or a
        view of another array (an optimizer may update a leaf's gradient in place)."""
        return g if g is not passed and g.base is None and g.flags.writeable else g.copy()

    @staticmethod
    def add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        total = a + b
        return total if type(total) is np.ndarray else np.asarray(total)   # 0-d + 0-d is a scalar in NumPy

    @staticmethod
    def add_into(total: np.ndarray, b: np.ndarray) -> None:
        """total += b, in place: `total` is a sum the walk made and nothing else refers to."""
        np.add(total, b, out=total)

    @staticmethod
    def fit_tangent(t, out: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(t, dtype=out.dtype), out.shape)


class recorded:
    """The rules' functions as recorded Tensor ops (the rules get the nodes themselves), for
    `backward(create_graph=True)`. Only Tensors use it: a `Value` has no create_graph."""

    records = True

    exp = staticmethod(lambda x: x.exp())
    log = staticmethod(lambda x: x.log())
    sqrt = staticmethod(lambda x: x.sqrt())
    tanh = staticmethod(lambda x: x.tanh())
    abs = staticmethod(lambda x: x.abs())  # noqa: A003
    power = staticmethod(lambda a, b: a ** b)
    divide = staticmethod(lambda a, b: a / b)
    sin = staticmethod(lambda x: x.sin())
    cos = staticmethod(lambda x: x.cos())
    tan = staticmethod(lambda x: x.tan())
    arctan = staticmethod(lambda x: x.arctan())
    sinh = staticmethod(lambda x: x.sinh())
    cosh = staticmethod(lambda x: x.cosh())
    log1p = staticmethod(lambda x: x.log1p())
    expm1 = staticmethod(lambda x: x.expm1())
    erf = staticmethod(lambda x: x.erf())

    @staticmethod
    def cumsum(g, axis: int, reverse: bool):
        return apply(ops.cumsum, g, axis=axis, reverse=reverse)

    @staticmethod
    def sign(x):
        # piecewise constant: its derivative is zero wherever it exists, so a constant is exact
        return x._constant(np.sign(x.data))

    @staticmethod
    def where(cond, a, b):
        node = next(v for v in (cond, a, b) if hasattr(v, "inputs"))
        cond, a, b = (v if hasattr(v, "inputs") else node._constant(v) for v in (cond, a, b))
        return apply(ops.where, cond, a, b)

    @staticmethod
    def maximum(a, b):
        node = a if hasattr(a, "inputs") else b
        return apply(ops.maximum, *(v if hasattr(v, "inputs") else node._constant(v) for v in (a, b)))

    @staticmethod
    def swapaxes(x, a: int, b: int):
        axes = list(range(x.ndim))
        axes[a], axes[b] = axes[b], axes[a]
        return apply(ops.transpose, x, axes=tuple(axes))

    @staticmethod
    def broadcast_to(x, shape: tuple):
        # adding zeros broadcasts x; the walk's sum_to brings the gradient back to x's shape
        return x + x._constant(np.zeros(shape, dtype=x.dtype))

    @staticmethod
    def scatter_add(g, shape: tuple, index):
        return apply(ops.scatter_add, g, shape=shape, index=index)

    @staticmethod
    def windows(g, size: tuple, strides: tuple):
        return apply(ops.windows, g, size=size, strides=strides)

    @staticmethod
    def window_sum(g, shape: tuple, size: tuple, strides: tuple):
        return apply(ops.window_sum, g, shape=shape, size=size, strides=strides)

    @staticmethod
    def sum_to(g, x):
        """The recorded gradient g summed to x's shape, as recorded ops (so it stays differentiable)."""
        if not hasattr(g, "inputs"):
            g = x._constant(np.asarray(g, dtype=x.dtype))
        if g.shape == x.shape:
            return g
        added = g.ndim - x.ndim
        stretched = tuple(added + i for i, n in enumerate(x.shape) if n == 1 and g.shape[added + i] != 1)
        summed = apply(ops.sum, g, axis=tuple(range(added)) + stretched, keepdims=True)
        return apply(ops.reshape, summed, shape=x.shape)

    @staticmethod
    def own(g, passed):
        return g                              # a recorded gradient is a node: never updated in place

    add = staticmethod(lambda a, b: a + b)
    add_into = None                           # a recorded sum is a node: a new one for every share

    fit_tangent = arrays.fit_tangent


_erf_each = np.frompyfunc(math.erf, 1, 1)


def sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Undo broadcasting: sum g over the axes that broadcasting added or stretched from 1 to `shape`.

    The one place the engine handles broadcasting; no rule in ops.py has to.
    """
    if g.shape == shape:
        return g
    added = g.ndim - len(shape)
    if added < 0 or any(n != 1 and n != m for n, m in zip(shape, g.shape[added:])):
        raise ValueError(f"a gradient of shape {g.shape} does not sum to the input's shape {shape} "
                         f"(it must be that shape, or broadcast from it)")
    stretched = tuple(added + i for i, n in enumerate(shape) if n == 1 and g.shape[added + i] != 1)
    if shape and added > 0 and g.shape[added:] == shape:   # only leading axes added (a bias): no reshape view
        return g.sum(axis=tuple(range(added)))
    return g.sum(axis=tuple(range(added)) + stretched, keepdims=True).reshape(shape)
