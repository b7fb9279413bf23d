"""The primitives: each one's forward computation and its derivative, written once.

This file is the whole derivative catalogue of the engine. `Value` (scalars) and `Tensor`
(NumPy arrays) both call these entries; nothing else in the engine knows a derivative.
Everything not listed here (subtraction aside, `mean`, `flatten`, `.T`, ...) is composed from
these primitives and so needs no rule of its own.

Names in scope in every rule:

    xp        the array namespace: NumPy for `Tensor`, `scalar_math` (NumPy on floats) for `Value`
    g         the gradient arriving at the output, ∂L/∂out (same shape as out)
    out       the forward result
    a, b, x   the inputs' data, by position
    **attrs   the op's non-differentiable settings (axis, keepdims, slope, shape, index, ...)

`vjp` holds one rule per input, returning that input's share of the gradient, ∂L/∂input =
g · ∂out/∂input (a vector-Jacobian product). `None` marks an input that is not differentiable.
A rule may return a gradient in the broadcast shape of the output: the engine sums it back to the
input's shape (`tensor.sum_to`), so no rule here knows about broadcasting. Variadic primitives
(`concatenate`, `stack`) have a single rule that also receives the input's position `i`.
"""

import builtins
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True, eq=False)
class Op:
    """A primitive: how to compute it, and how to send a gradient back through it."""

    name: str                      # as drawn in graphs and named in error messages
    formula: str                   # the maths, as shown in docs and pictures
    forward: Callable              # forward(xp, *inputs, **attrs) -> out
    vjp: tuple                     # one rule per input: rule(xp, g, out, *inputs, **attrs) -> ∂L/∂input
    variadic: bool = False         # one rule for any number of inputs, called with i=position

    def __repr__(self) -> str:
        return f"<op {self.name}: {self.formula}>"


# ---- helpers shared by several rules -------------------------------------------------------

def _unreduce(g, ndim, axis, keepdims):
    """Put back the axes a reduction removed, so g broadcasts against the reduction's input."""
    if keepdims:
        return g
    if axis is None:
        return np.reshape(g, (1,) * ndim)
    return np.expand_dims(g, axis)


def _extremum_vjp(xp, g, out, x, *, axis, keepdims):
    # the gradient goes to the entries equal to the max (min); ties share it equally, as in
    # torch.amax and jax.numpy.max
    g, out = _unreduce(g, x.ndim, axis, keepdims), _unreduce(out, x.ndim, axis, keepdims)
    hit = x == out
    return g * hit / hit.sum(axis=axis, keepdims=True).astype(g.dtype)


def _matmul_promoted(g, a, b):
    """NumPy treats a 1-D left operand as a row and a 1-D right operand as a column, then drops
    that axis from the result. Put the axes back so both gradients are plain matrix products."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g[..., None] if b.ndim == 1 else g
    g2 = np.expand_dims(g2, -2) if a.ndim == 1 else g2
    return a2, b2, g2


def _matmul_vjp_a(xp, g, out, a, b):
    a2, b2, g2 = _matmul_promoted(g, a, b)
    ga = g2 @ np.swapaxes(b2, -1, -2)                   # ∂L/∂a = g bᵀ
    return ga[..., 0, :] if a.ndim == 1 else ga


def _matmul_vjp_b(xp, g, out, a, b):
    a2, b2, g2 = _matmul_promoted(g, a, b)
    gb = np.swapaxes(a2, -1, -2) @ g2                   # ∂L/∂b = aᵀ g
    return gb[..., 0] if b.ndim == 1 else gb


def _getitem_vjp(xp, g, out, x, *, index):
    gx = np.zeros(x.shape, dtype=g.dtype)
    np.add.at(gx, index, g)                             # repeated indices accumulate
    return gx


def _log_softmax(xp, x, *, axis):
    shifted = x - x.max(axis=axis, keepdims=True)       # the largest logit becomes 0: no overflow
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _softmax(xp, x, *, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sigmoid(xp, x):
    # 1/(1+e^-x) for x ≥ 0 and e^x/(1+e^x) for x < 0, both through e = e^-|x| ≤ 1: never overflows
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _inside(x, lo, hi):
    """Where lo ≤ x ≤ hi (either bound may be None): the entries clip lets through."""
    keep = np.ones(np.shape(x), dtype=bool)
    if lo is not None:
        keep &= x >= lo
    if hi is not None:
        keep &= x <= hi
    return keep


def _along(axis, ndim, start, stop):
    """The index selecting start:stop along axis."""
    return (slice(None),) * (axis % ndim) + (slice(start, stop),)


def _concatenate_vjp(xp, g, out, *xs, axis, i):
    start = builtins.sum(x.shape[axis] for x in xs[:i])
    return g[_along(axis, g.ndim, start, start + xs[i].shape[axis])]


# ---- elementwise, two inputs ---------------------------------------------------------------

add = Op("+", "a + b", lambda xp, a, b: a + b, (
    lambda xp, g, out, a, b: g,
    lambda xp, g, out, a, b: g))

sub = Op("-", "a - b", lambda xp, a, b: a - b, (
    lambda xp, g, out, a, b: g,
    lambda xp, g, out, a, b: -g))

mul = Op("*", "a · b", lambda xp, a, b: a * b, (
    lambda xp, g, out, a, b: g * b,
    lambda xp, g, out, a, b: g * a))

div = Op("/", "a / b", lambda xp, a, b: a / b, (
    lambda xp, g, out, a, b: g / b,
    lambda xp, g, out, a, b: -g * out / b))             # ∂(a/b)/∂b = -a/b² = -out/b

pow = Op("**", "a ** b", lambda xp, a, b: xp.power(a, b), (  # noqa: A001
    lambda xp, g, out, a, b: g * b * xp.power(a, b - 1),
    lambda xp, g, out, a, b: g * out * xp.log(a)))      # ∂(aᵇ)/∂b = aᵇ ln a

maximum = Op("maximum", "max(a, b)", lambda xp, a, b: xp.maximum(a, b), (
    lambda xp, g, out, a, b: g * (a > b) + (g / 2) * (a == b),   # a tie splits the gradient
    lambda xp, g, out, a, b: g * (b > a) + (g / 2) * (a == b)))

where = Op("where", "cond ? a : b", lambda xp, cond, a, b: xp.where(cond, a, b), (
    None,
    lambda xp, g, out, cond, a, b: xp.where(cond, g, 0),
    lambda xp, g, out, cond, a, b: xp.where(cond, 0, g)))

matmul = Op("@", "a @ b", lambda xp, a, b: a @ b, (_matmul_vjp_a, _matmul_vjp_b))


# ---- elementwise, one input ----------------------------------------------------------------

neg = Op("neg", "-x", lambda xp, x: -x, (
    lambda xp, g, out, x: -g,))

exp = Op("exp", "eˣ", lambda xp, x: xp.exp(x), (
    lambda xp, g, out, x: g * out,))                    # (eˣ)' = eˣ

log = Op("log", "ln x", lambda xp, x: xp.log(x), (
    lambda xp, g, out, x: g / x,))                      # (ln x)' = 1/x

sqrt = Op("sqrt", "√x", lambda xp, x: xp.sqrt(x), (
    lambda xp, g, out, x: g / (2 * out),))              # (√x)' = 1/(2√x)

abs = Op("abs", "|x|", lambda xp, x: xp.abs(x), (  # noqa: A001
    lambda xp, g, out, x: g * xp.sign(x),))             # |x|' = sign x  (0 at x = 0)

tanh = Op("tanh", "tanh x", lambda xp, x: xp.tanh(x), (
    lambda xp, g, out, x: g * (1 - out * out),))        # tanh' = 1 - tanh²

sigmoid = Op("sigmoid", "σ(x) = 1/(1+e⁻ˣ)", _sigmoid, (
    lambda xp, g, out, x: g * out * (1 - out),))        # σ' = σ(1 - σ)

relu = Op("relu", "max(x, 0)", lambda xp, x: xp.maximum(x, 0), (
    lambda xp, g, out, x: g * (x > 0),))                # 0 at x = 0, as in PyTorch

leaky_relu = Op("leaky_relu", "x if x > 0 else slope·x",
    lambda xp, x, *, slope: xp.where(x > 0, x, slope * x), (
    lambda xp, g, out, x, *, slope: xp.where(x > 0, g, slope * g),))

clip = Op("clip", "min(max(x, lo), hi)", lambda xp, x, *, lo, hi: np.clip(x, lo, hi), (
    lambda xp, g, out, x, *, lo, hi: g * _inside(x, lo, hi),))


# ---- reductions and normalisations along axes ----------------------------------------------

sum = Op("sum", "Σ x", lambda xp, x, *, axis, keepdims: x.sum(axis=axis, keepdims=keepdims), (  # noqa: A001
    lambda xp, g, out, x, *, axis, keepdims: np.broadcast_to(_unreduce(g, x.ndim, axis, keepdims), x.shape),))

max = Op("max", "max x", lambda xp, x, *, axis, keepdims: x.max(axis=axis, keepdims=keepdims), (  # noqa: A001
    _extremum_vjp,))

min = Op("min", "min x", lambda xp, x, *, axis, keepdims: x.min(axis=axis, keepdims=keepdims), (  # noqa: A001
    _extremum_vjp,))

softmax = Op("softmax", "eˣ / Σ eˣ", _softmax, (
    lambda xp, g, out, x, *, axis: out * (g - (g * out).sum(axis=axis, keepdims=True)),))

log_softmax = Op("log_softmax", "x - log Σ eˣ", _log_softmax, (
    lambda xp, g, out, x, *, axis: g - np.exp(out) * g.sum(axis=axis, keepdims=True),))


# ---- moving entries around -----------------------------------------------------------------

reshape = Op("reshape", "reshape", lambda xp, x, *, shape: x.reshape(shape), (
    lambda xp, g, out, x, *, shape: g.reshape(x.shape),))

transpose = Op("transpose", "transpose", lambda xp, x, *, axes: x.transpose(axes), (
    lambda xp, g, out, x, *, axes: g.transpose(np.argsort(axes)),))   # the inverse permutation

getitem = Op("getitem", "x[index]", lambda xp, x, *, index: x[index], (_getitem_vjp,))

concatenate = Op("concatenate", "[x₀, x₁, …]",
    lambda xp, *xs, axis: np.concatenate(xs, axis=axis), (_concatenate_vjp,), variadic=True)

stack = Op("stack", "stack(x₀, x₁, …)", lambda xp, *xs, axis: np.stack(xs, axis=axis), (
    lambda xp, g, out, *xs, axis, i: np.take(g, i, axis=axis),), variadic=True)
