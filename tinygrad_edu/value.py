"""`Value`: one number that remembers how it was computed, micrograd's node with every rule from `ops.py`."""

from __future__ import annotations

import numbers

from . import ops
from .autograd import NO_SETTINGS, Node, apply, backward, new_node, next_serial
from .composed import ElementwiseMath
from .xp import floats


class Value(Node, ElementwiseMath):
    """A scalar in a computation graph.

    >>> x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8813735870195432, label="b")
    >>> y = (x * w + b).tanh()
    >>> y.backward()
    >>> round(y.data, 4), x.grad, w.grad
    (0.7071, -1.4999999999999996, 0.9999999999999998)

    The fields are `Node`'s: `data` (a float), `grad`, `requires_grad`, `label`, `op` and `inputs`
    (the primitive that made this node and its operands; None and () for a leaf), `attrs`.
    `grad` is 0.0 until `backward()` reaches this node, as in micrograd, so the lecture's
    `x.grad += ...` by hand works; `zero_grad()` sets it back to 0.0.
    Numbers combine with Values on either side: `2 * x`, `1 - x`. The elementwise functions
    (`exp log sqrt abs tanh sigmoid relu leaky_relu sin cos ... gelu silu pow`) are
    `ElementwiseMath`'s (composed.py), the same as `Tensor`'s.
    """

    __slots__ = ()
    xp = floats         # the functions the rules in ops.py compute with, for floats
    initial_grad = 0.0  # `grad` before any backward and after zero_grad()
    holds, as_data = float, float   # what a Value holds, and how to make it

    def __init__(self, data: float, requires_grad: bool = True, label: str = ""):
        if type(data) is not float and not isinstance(data, numbers.Real):
            raise TypeError(f"Value(data): data must be a real number, got {type(data).__name__} {data!r}")
        self.data = float(data)
        self.grad = 0.0
        self.requires_grad = requires_grad
        self.label = label
        self.op, self.inputs, self.attrs, self.group, self.tangent = None, (), NO_SETTINGS, None, None
        self.serial = next_serial()

    def backward(self, grad: float = 1.0) -> None:
        """Fill `.grad` of every node this one depends on with ∂self/∂node (times `grad`)."""
        backward(self, float(grad))

    # ---- arithmetic: numbers on either side become constant Values --------------------------
    def __add__(self, other): return apply(ops.add, self, other if type(other) is Value else _value(other))
    def __radd__(self, other): return apply(ops.add, _value(other), self)
    def __mul__(self, other): return apply(ops.mul, self, other if type(other) is Value else _value(other))
    def __rmul__(self, other): return apply(ops.mul, _value(other), self)
    def __truediv__(self, other): return apply(ops.div, self, other if type(other) is Value else _value(other))
    def __rtruediv__(self, other): return apply(ops.div, _value(other), self)
    def __pow__(self, other): return apply(ops.pow, self, other if type(other) is Value else _value(other))
    def __rpow__(self, other): return apply(ops.pow, _value(other), self)
    def __neg__(self): return self * -1.0
    def __sub__(self, other): return apply(ops.sub, self, other if type(other) is Value else _value(other))
    def __rsub__(self, other): return apply(ops.sub, _value(other), self)

    def __float__(self) -> float: return self.data
    def item(self) -> float: return self.data

    def __repr__(self) -> str:
        tangent = f", tangent={self.tangent!r}" if self.tangent is not None else ""
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{tangent}{label})"


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
        super().__init__(value, requires_grad=False, label=label)
        self.tangent = float(tangent)


def _value(x) -> Value:
    """A Value as is; a number as a constant Value (a leaf that needs no gradient)."""
    if type(x) is float:
        return new_node(Value, x)
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):
        return new_node(Value, float(x))
    raise TypeError(f"Value arithmetic needs a Value or a real number, got {type(x).__name__} {x!r}")
