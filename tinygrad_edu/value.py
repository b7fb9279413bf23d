"""`Value`: one number that remembers how it was computed, micrograd's node with every rule from `ops.py`."""

from __future__ import annotations

import numbers

from . import ops, scalar_math
from .autograd import _NO_ATTRS, _Modes, apply, backward, next_serial


class Value:
    """A scalar in a computation graph.

    >>> x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8813735870195432, label="b")
    >>> y = (x * w + b).tanh()
    >>> y.backward()
    >>> round(y.data, 4), x.grad, w.grad
    (0.7071, -1.4999999999999996, 0.9999999999999998)

    Attributes: `data` (a float), `grad` (∂L/∂self after `backward()`), `label` (for pictures),
    `op` and `inputs` (the primitive that made this node and its operands; None and () for a leaf),
    `attrs` (the op's settings). Numbers combine with Values on either side: `2 * x`, `1 - x`.
    """

    __slots__ = ("data", "grad", "requires_grad", "label", "op", "inputs", "attrs", "group", "tangent", "serial")
    xp = scalar_math   # the functions the rules in ops.py compute with, for floats

    def __init__(self, data: float, label: str = "", requires_grad: bool = True):
        if type(data) is not float and not isinstance(data, numbers.Real):
            raise TypeError(f"Value(data): data must be a real number, got {type(data).__name__} {data!r}")
        self.data = float(data)
        self.grad = 0.0
        self.requires_grad = requires_grad
        self.label = label
        self.op, self.inputs, self.attrs = None, (), {}
        self.group = None
        self.serial = next_serial()   # its place in the order nodes are made (autograd.topological_order)
        self.tangent = None   # forward mode: dself/dt along a chosen direction (see Dual)

    @staticmethod
    def _from_op(data: float) -> Value:
        # no checks, no keyword arguments: an op's result is a float already, and this runs per op
        # (one field per line: a ten-field tuple assignment would build and unpack a tuple each time)
        v = Value.__new__(Value)
        v.data = data
        v.grad = 0.0
        v.requires_grad = False
        v.label = ""
        v.op = None
        v.inputs = ()
        v.attrs = _NO_ATTRS
        v.group = _Modes.group
        v.tangent = None
        v.serial = next_serial()
        return v

    def _set_tangent(self, t: float) -> None:
        self.tangent = float(t)

    def _accumulate(self, g: float, shared: bool = False) -> None:
        self.grad = g if self.grad is None else self.grad + g

    def backward(self, grad: float = 1.0) -> None:
        """Fill `.grad` of every node this one depends on with ∂self/∂node (times `grad`)."""
        backward(self, float(grad))

    def zero_grad(self) -> None:
        self.grad = 0.0

    # ---- arithmetic: numbers on either side become constant Values --------------------------
    def __add__(self, other): return _binary(ops.add, self, other)
    def __radd__(self, other): return _binary(ops.add, _value(other), self)
    def __sub__(self, other): return _binary(ops.sub, self, other)
    def __rsub__(self, other): return _binary(ops.sub, _value(other), self)
    def __mul__(self, other): return _binary(ops.mul, self, other)
    def __rmul__(self, other): return _binary(ops.mul, _value(other), self)
    def __truediv__(self, other): return _binary(ops.div, self, other)
    def __rtruediv__(self, other): return _binary(ops.div, _value(other), self)
    def __pow__(self, other): return _binary(ops.pow, self, other)
    def __rpow__(self, other): return _binary(ops.pow, _value(other), self)
    def __neg__(self): return _unary(ops.neg, self)

    # ---- functions ---------------------------------------------------------------------------
    def exp(self) -> Value: return _unary(ops.exp, self)
    def log(self) -> Value: return _unary(ops.log, self)
    def sqrt(self) -> Value: return _unary(ops.sqrt, self)
    def abs(self) -> Value: return _unary(ops.abs, self)
    def tanh(self) -> Value: return _unary(ops.tanh, self)
    def sigmoid(self) -> Value: return _unary(ops.sigmoid, self)
    def relu(self) -> Value: return _unary(ops.relu, self)
    def leaky_relu(self, slope: float = 0.01) -> Value: return apply(ops.leaky_relu, self, slope=slope)

    def __abs__(self) -> Value: return self.abs()
    def __float__(self) -> float: return self.data
    def item(self) -> float: return self.data

    def __repr__(self) -> str:
        tangent = f", tangent={self.tangent!r}" if self.tangent is not None else ""
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{tangent}{label})"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:   # Jupyter: the graph (draw.py)
        from .draw import jupyter_bundle; return jupyter_bundle(self, include, exclude)  # noqa: E702


class Dual(Value):
    """A dual number value + tangent·ε (ε² = 0): forward-mode differentiation of `Value`.

    Every op on a Dual carries the tangent along by the op's JVP rule in `ops.py`, as the value is
    computed, so after f(x) the result's `tangent` is f'(x)·ẋ. No graph is recorded (a Dual does
    not require a gradient), so memory stays constant however long the computation.
    The results are `Value`s carrying a `tangent`.

    >>> x = Dual(3.0, 1.0)          # x = 3, dx/dx = 1
    >>> y = x * x + 2 * x
    >>> y.data, y.tangent           # y = 15, dy/dx = 2x + 2 = 8
    (15.0, 8.0)
    """

    __slots__ = ()

    def __init__(self, value: float, tangent: float = 0.0, label: str = ""):
        super().__init__(value, label=label, requires_grad=False)
        self.tangent = float(tangent)


_node = Value._from_op  # a new node from a float: no checks (a plain function, looked up once)


def _value(x) -> Value:
    """A Value as is; a number as a constant Value (a leaf that needs no gradient)."""
    if isinstance(x, Value):
        return x
    if type(x) is float or type(x) is int or isinstance(x, numbers.Real):
        return _node(float(x))       # a leaf that requires no gradient
    raise TypeError(f"Value arithmetic needs a Value or a real number, got {type(x).__name__} {x!r}")


# ---- the hot path --------------------------------------------------------------------------
# A scalar graph is millions of tiny ops, so the two helpers below are `apply(op, a, b)` and
# `apply(op, x)` written out for Values: the same recording, without apply's argument packing
# (2-3× faster per op). Anything apply does beyond recording (carrying a tangent, counting ops,
# checking for nan) sends the op to `apply` itself.

def _binary(op, a: Value, b) -> Value:
    if type(b) is not Value:
        b = _node(b) if type(b) is float else _value(b)
    if a.tangent is not None or b.tangent is not None or _Modes.counter is not None or _Modes.detect_anomaly:
        return apply(op, a, b)
    out = _node(op.forward(scalar_math, a.data, b.data))
    if (a.requires_grad or b.requires_grad) and _Modes.grad_enabled:
        out.requires_grad, out.op, out.inputs = True, op, (a, b)
    return out


def _unary(op, x: Value) -> Value:
    if x.tangent is not None or _Modes.counter is not None or _Modes.detect_anomaly:
        return apply(op, x)
    out = _node(op.forward(scalar_math, x.data))
    if x.requires_grad and _Modes.grad_enabled:
        out.requires_grad, out.op, out.inputs = True, op, (x,)
    return out
