"""Elementwise maths that `Value` and `Tensor` share, written once: both classes inherit it.

The first group are primitives of `ops.py` (one node each); the rest are composed from primitives
and the arithmetic both classes have, so they need no derivative rule of their own: reverse mode,
forward mode and second derivatives come from the pieces.
"""

from __future__ import annotations

import math

from . import ops
from .autograd import apply

_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


class ElementwiseMath:
    """exp log sqrt abs tanh sigmoid relu leaky_relu sin cos arctan sinh cosh log1p expm1 erf (primitives);
    tan square softplus gelu silu pow (composed)."""

    __slots__ = ()

    # ---- primitives: one node each, their rules in ops.py ---------------------------------------
    def exp(self): return apply(ops.exp, self)
    def log(self): return apply(ops.log, self)
    def sqrt(self): return apply(ops.sqrt, self)
    def abs(self): return apply(ops.abs, self)
    def __abs__(self): return apply(ops.abs, self)
    def tanh(self): return apply(ops.tanh, self)
    def sigmoid(self): return apply(ops.sigmoid, self)
    def relu(self): return apply(ops.relu, self)
    def leaky_relu(self, slope: float = 0.01): return apply(ops.leaky_relu, self, slope=slope)
    def sin(self): return apply(ops.sin, self)
    def cos(self): return apply(ops.cos, self)
    def arctan(self): return apply(ops.arctan, self)
    def sinh(self): return apply(ops.sinh, self)
    def cosh(self): return apply(ops.cosh, self)
    def log1p(self): return apply(ops.log1p, self)
    def expm1(self): return apply(ops.expm1, self)
    def erf(self): return apply(ops.erf, self)

    # ---- composed: no rule of their own ----------------------------------------------------------
    def tan(self):
        """tan x = sin x / cos x."""
        return self.sin() / self.cos()

    def square(self):
        """x² = x · x (the gradient 2x comes from the two paths into the product)."""
        return self * self

    def pow(self, exponent):
        """x ** exponent (PyTorch's name)."""
        return self ** exponent

    def softplus(self, beta: float = 1.0):
        """ln(1 + e^(βx))/β, computed as max(x, 0) + ln(1 + e^-|x|) (β = 1): finite for x = ±1000.
        max(x, 0) is written (x + |x|)/2, so at x = 0 the derivative is ½ + 0 = σ(0), as torch's."""
        if beta != 1:
            return (self * beta).softplus() / beta
        a = self.abs()
        return (self + a) * 0.5 + (-a).exp().log1p()

    def silu(self):
        """x · σ(x) (also called swish)."""
        return self * self.sigmoid()

    def gelu(self, approximate: str = "none"):
        """x · Φ(x) = x/2 · (1 + erf(x/√2)), torch's default; approximate='tanh' gives torch's
        x/2 · (1 + tanh(√(2/π) (x + 0.044715 x³)))."""
        if approximate == "none":
            return self * 0.5 * (1 + (self * _SQRT_HALF).erf())
        if approximate == "tanh":
            return self * 0.5 * (1 + ((self + self * self * self * 0.044715) * _SQRT_2_OVER_PI).tanh())
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
