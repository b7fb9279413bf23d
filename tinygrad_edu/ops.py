"""The primitives: each one's forward computation and its derivative, written once.

This file is the whole derivative catalogue of the engine. `Value` (scalars) and `Tensor` (NumPy
arrays), reverse mode (`backward`) and forward mode (tangents, `jvp`) all use these entries; nothing
else in the engine knows a derivative. Everything not listed here (`mean`, `flatten`, `.T`, ...) is
composed from these primitives and so needs no rule of its own.

A primitive gives its derivative in one of three ways:

- **Elementwise** primitives give their `partials`: ∂out/∂input for each input. Both modes follow:
  reverse mode sends back g · ∂out/∂input, forward mode carries ṫ · ∂out/∂input forward.
- **Linear** primitives (sum, reshape, getitem, ...) are their own derivative: forward mode applies the
  primitive to the tangents; reverse mode needs the transpose, given as `vjp`.
- The rest (matmul, max, softmax, ...) give `vjp` (reverse) and `jvp` (forward) side by side.

Names in scope in every rule:

    xp        the array namespace, with NumPy's names (xp.divide, not /, where a divisor can be 0:
              Python floats raise ZeroDivisionError where NumPy gives ±inf with a warning): `array_math` (NumPy) for `Tensor`, `scalar_math`
              (NumPy on floats) for `Value`, and `graph_math` (Tensor ops) when `backward(create_graph=True)`
              runs the rules themselves as recorded ops, so gradients can be differentiated again
    g         the gradient arriving at the output, ∂L/∂out (reverse mode)
    ts        the inputs' tangents ṫ, one per input, None where an input carries none (forward mode)
    out       the forward result
    a, b, x   the inputs' data, by position
    **attrs   the op's non-differentiable settings (axis, keepdims, slope, shape, index, ...)

`vjp` holds one rule per input returning that input's share of the gradient (a vector-Jacobian
product); `None` marks an input that is not differentiable. Results may come out in the broadcast
shape of the output: the engine sums a gradient back to its input's shape (`tensor.sum_to`) and
broadcasts a tangent to the output's shape, so no rule here knows about broadcasting. Variadic
primitives (`concatenate`, `stack`) have a single vjp rule that also receives the input's position `i`.
"""

import builtins
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True, eq=False)
class Op:
    """A primitive: how to compute it, and how derivatives pass through it in both modes."""

    name: str                         # as drawn in graphs and named in error messages
    formula: str                      # the maths, as shown in docs and pictures
    forward: Callable                 # forward(xp, *inputs, **attrs) -> out
    partials: tuple | None = None     # elementwise: partial(xp, out, *inputs, **attrs) -> ∂out/∂input
    vjp: tuple | None = None          # reverse rule per input: rule(xp, g, out, *inputs, **attrs) -> ∂L/∂input
    jvp: Callable | None = None       # forward rule: jvp(xp, ts, out, *inputs, **attrs) -> ṫ_out
    linear: bool = False              # linear in its inputs: the jvp is the op itself, on the tangents
    variadic: bool = False            # any number of inputs; the one vjp rule is called with i=position

    def __post_init__(self):
        if self.partials is not None:
            object.__setattr__(self, "vjp", tuple(None if p is None else _reverse_by(p) for p in self.partials))
            object.__setattr__(self, "jvp", _forward_by(self.partials))
        elif self.linear:
            object.__setattr__(self, "jvp", _forward_through(self.forward))

    def __repr__(self) -> str:
        return f"<op {self.name}: {self.formula}>"


def one(xp, out, *xs, **attrs):
    """∂out/∂input = 1: the gradient (reverse) or tangent (forward) passes through unchanged."""
    return 1


def _reverse_by(partial):
    if partial is one:                                  # no multiplication by 1 over a whole array
        return lambda xp, g, out, *xs, **attrs: g
    def rule(xp, g, out, *xs, **attrs):
        return g * partial(xp, out, *xs, **attrs)           # chain rule: ∂L/∂x = ∂L/∂out · ∂out/∂x
    return rule


def _forward_by(partials):
    def jvp(xp, ts, out, *xs, **attrs):
        terms = [t if p is one else t * p(xp, out, *xs, **attrs)   # ṫ_out = Σ ṫ_x · ∂out/∂x
                 for p, t in zip(partials, ts) if t is not None and p is not None]
        return builtins.sum(terms[1:], terms[0])
    return jvp


def _forward_through(forward):
    def jvp(xp, ts, out, *xs, **attrs):                     # f linear: ṫ_out = f(ṫ)
        return forward(xp, *[np.zeros_like(x) if t is None else t for t, x in zip(ts, xs)], **attrs)
    return jvp


# ---- helpers shared by several rules -------------------------------------------------------

def _unreduce(g, ndim, axis, keepdims):
    """Put back the axes a reduction removed, so g broadcasts against the reduction's input."""
    if keepdims:
        return g
    kept = (axis,) if isinstance(axis, int) else range(ndim) if axis is None else axis
    shape = list(g.shape)
    for a in sorted(a % ndim for a in kept):
        shape.insert(a, 1)
    return g.reshape(tuple(shape))


def _ties(x, out, axis, keepdims):
    """The entries equal to the max (min), each weighted 1/(number of ties): ties share equally,
    as in torch.amax and jax.numpy.max."""
    hit = x == _unreduce(out, x.ndim, axis, keepdims)
    return hit / hit.sum(axis=axis, keepdims=True)


def _extremum_vjp(xp, g, out, x, *, axis, keepdims):
    return _unreduce(g, x.ndim, axis, keepdims) * _ties(x, out, axis, keepdims)


def _extremum_jvp(xp, ts, out, x, *, axis, keepdims):
    return (ts[0] * _ties(x, out, axis, keepdims)).sum(axis=axis, keepdims=keepdims)


def _matmul_promoted(g, a, b):
    """NumPy treats a 1-D left operand as a row and a 1-D right operand as a column, then drops
    that axis from the result. Put the axes back so both gradients are plain matrix products."""
    a2 = a.reshape((1,) + a.shape) if a.ndim == 1 else a
    b2 = b.reshape(b.shape + (1,)) if b.ndim == 1 else b
    g2 = g.reshape(g.shape + (1,)) if b.ndim == 1 else g
    g2 = g2.reshape(g2.shape[:-1] + (1,) + g2.shape[-1:]) if a.ndim == 1 else g2
    return a2, b2, g2


def _matmul_vjp_a(xp, g, out, a, b):
    if a.ndim > 1 and b.ndim > 1:                       # matrices (or stacks of them): no axes to restore
        return g @ xp.swapaxes(b, -1, -2)               # ∂L/∂a = g bᵀ
    a2, b2, g2 = _matmul_promoted(g, a, b)
    ga = g2 @ xp.swapaxes(b2, -1, -2)
    return ga[..., 0, :] if a.ndim == 1 else ga


def _matmul_vjp_b(xp, g, out, a, b):
    if a.ndim > 1 and b.ndim > 1:
        return xp.swapaxes(a, -1, -2) @ g               # ∂L/∂b = aᵀ g
    a2, b2, g2 = _matmul_promoted(g, a, b)
    gb = xp.swapaxes(a2, -1, -2) @ g2
    return gb[..., 0] if b.ndim == 1 else gb


def _matmul_jvp(xp, ts, out, a, b):
    ta, tb = ts                                         # product rule: ṫ = ȧ b + a ḃ
    if ta is None:
        return a @ tb
    return ta @ b if tb is None else ta @ b + a @ tb


def _scatter_add(xp, g, *, shape, index):
    """zeros(shape) with g added at index; repeated indices accumulate (np.add.at)."""
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, index, g)
    return out


def _log_softmax(xp, x, *, axis):
    shifted = x - x.max(axis=axis, keepdims=True)       # the largest logit becomes 0: no overflow
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _softmax(xp, x, *, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_jacobian_times(v, s, axis):
    # J = diag(s) - s sᵀ is symmetric, so reverse (vᵀJ) and forward (J v) mode apply it alike
    return s * (v - (v * s).sum(axis=axis, keepdims=True))


def _sigmoid(xp, x):
    # 1/(1+e^-x) for x ≥ 0 and e^x/(1+e^x) for x < 0, both through e = e^-|x| ≤ 1: never overflows
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _inside(x, lo, hi):
    """Where lo ≤ x ≤ hi (either bound may be None): the entries clip lets through."""
    if lo is None:
        return x <= hi
    return x >= lo if hi is None else (x >= lo) * (x <= hi)


def _inverse_permutation(axes: tuple) -> list:
    """The permutation that undoes `axes`: inverse[axes[i]] = i (np.argsort(axes), without NumPy)."""
    inverse = [0] * len(axes)
    for i, a in enumerate(axes):
        inverse[a] = i
    return inverse


def _concatenate_vjp(xp, g, out, *xs, axis, i):
    start = builtins.sum(x.shape[axis] for x in xs[:i])
    return g[(slice(None),) * (axis % g.ndim) + (slice(start, start + xs[i].shape[axis]),)]


# ---- elementwise, two inputs: ∂out/∂a, ∂out/∂b ----------------------------------------------

add = Op("+", "a + b", lambda xp, a, b: a + b, partials=(one, one))

sub = Op("-", "a - b", lambda xp, a, b: a - b, partials=(
    one,
    lambda xp, out, a, b: -1))

mul = Op("*", "a · b", lambda xp, a, b: a * b, partials=(
    lambda xp, out, a, b: b,
    lambda xp, out, a, b: a))

div = Op("/", "a / b", lambda xp, a, b: xp.divide(a, b), partials=(
    lambda xp, out, a, b: xp.divide(1, b),
    lambda xp, out, a, b: xp.divide(-out, b)))          # ∂(a/b)/∂b = -a/b² = -out/b

pow = Op("**", "a ** b", lambda xp, a, b: xp.power(a, b), partials=(  # noqa: A001
    lambda xp, out, a, b: b * xp.power(a, b - 1),
    lambda xp, out, a, b: out * xp.log(xp.where(a == 0, 1, a))))   # ∂(aᵇ)/∂b = aᵇ ln a; 0 at a = 0, as PyTorch

maximum = Op("maximum", "max(a, b)", lambda xp, a, b: xp.maximum(a, b), partials=(
    lambda xp, out, a, b: (a > b) + (a == b) / 2,       # a tie splits the gradient
    lambda xp, out, a, b: (b > a) + (a == b) / 2))

where = Op("where", "cond ? a : b", lambda xp, cond, a, b: xp.where(cond, a, b), partials=(
    None,                                               # the condition is not differentiable
    lambda xp, out, cond, a, b: cond,
    lambda xp, out, cond, a, b: cond == 0))


# ---- elementwise, one input: ∂out/∂x --------------------------------------------------------

neg = Op("neg", "-x", lambda xp, x: -x, partials=(
    lambda xp, out, x: -1,))

exp = Op("exp", "eˣ", lambda xp, x: xp.exp(x), partials=(
    lambda xp, out, x: out,))                           # (eˣ)' = eˣ

log = Op("log", "ln x", lambda xp, x: xp.log(x), partials=(
    lambda xp, out, x: xp.divide(1, x),))               # (ln x)' = 1/x

sqrt = Op("sqrt", "√x", lambda xp, x: xp.sqrt(x), partials=(
    lambda xp, out, x: xp.divide(0.5, out),))           # (√x)' = 1/(2√x)

abs = Op("abs", "|x|", lambda xp, x: xp.abs(x), partials=(  # noqa: A001
    lambda xp, out, x: xp.sign(x),))                    # |x|' = sign x  (0 at x = 0)

tanh = Op("tanh", "tanh x", lambda xp, x: xp.tanh(x), partials=(
    lambda xp, out, x: 1 - out * out,))                 # tanh' = 1 - tanh²

sigmoid = Op("sigmoid", "σ(x) = 1/(1+e⁻ˣ)", _sigmoid, partials=(
    lambda xp, out, x: out * (1 - out),))               # σ' = σ(1 - σ)

relu = Op("relu", "max(x, 0)", lambda xp, x: xp.maximum(x, 0), partials=(
    lambda xp, out, x: x > 0,))                         # 0 at x = 0, as in PyTorch

leaky_relu = Op("leaky_relu", "x if x > 0 else slope·x",
    lambda xp, x, *, slope: xp.where(x > 0, x, slope * x), partials=(
    lambda xp, out, x, *, slope: xp.where(x > 0, 1.0, slope),))

clip = Op("clip", "min(max(x, lo), hi)", lambda xp, x, *, lo, hi: np.clip(x, lo, hi), partials=(
    lambda xp, out, x, *, lo, hi: _inside(x, lo, hi),))


# ---- linear: the derivative is the op itself; reverse mode needs its transpose --------------

sum = Op("sum", "Σ x", lambda xp, x, *, axis, keepdims: x.sum(axis=axis, keepdims=keepdims), linear=True, vjp=(  # noqa: A001
    lambda xp, g, out, x, *, axis, keepdims: xp.broadcast_to(_unreduce(g, x.ndim, axis, keepdims), x.shape),))

reshape = Op("reshape", "reshape", lambda xp, x, *, shape: x.reshape(shape), linear=True, vjp=(
    lambda xp, g, out, x, *, shape: g.reshape(x.shape),))

transpose = Op("transpose", "transpose", lambda xp, x, *, axes: x.transpose(axes), linear=True, vjp=(
    lambda xp, g, out, x, *, axes: g.transpose(_inverse_permutation(axes)),))

getitem = Op("getitem", "x[index]", lambda xp, x, *, index: x[index], linear=True, vjp=(
    lambda xp, g, out, x, *, index: xp.scatter_add(g, x.shape, index),))

# getitem's transpose: reverse mode of x[index] scatters g back; reverse mode of that gathers again
scatter_add = Op("scatter_add", "zeros[index] += x", _scatter_add, linear=True, vjp=(
    lambda xp, g, out, x, *, shape, index: g[index],))

concatenate = Op("concatenate", "[x₀, x₁, …]", lambda xp, *xs, axis: np.concatenate(xs, axis=axis),
                 linear=True, variadic=True, vjp=(_concatenate_vjp,))

stack = Op("stack", "stack(x₀, x₁, …)", lambda xp, *xs, axis: np.stack(xs, axis=axis),
           linear=True, variadic=True, vjp=(lambda xp, g, out, *xs, axis, i: g[(slice(None),) * axis + (i,)],))


# ---- the rest: reverse and forward rule side by side ----------------------------------------

matmul = Op("@", "a @ b", lambda xp, a, b: a @ b, vjp=(_matmul_vjp_a, _matmul_vjp_b), jvp=_matmul_jvp)

max = Op("max", "max x", lambda xp, x, *, axis, keepdims: x.max(axis=axis, keepdims=keepdims),  # noqa: A001
         vjp=(_extremum_vjp,), jvp=_extremum_jvp)

min = Op("min", "min x", lambda xp, x, *, axis, keepdims: x.min(axis=axis, keepdims=keepdims),  # noqa: A001
         vjp=(_extremum_vjp,), jvp=_extremum_jvp)

softmax = Op("softmax", "eˣ / Σ eˣ", _softmax,
    vjp=(lambda xp, g, out, x, *, axis: _softmax_jacobian_times(g, out, axis),),
    jvp=lambda xp, ts, out, x, *, axis: _softmax_jacobian_times(ts[0], out, axis))

# log_softmax's Jacobian I - 1 sᵀ is not: reverse applies its transpose, forward the Jacobian itself
log_softmax = Op("log_softmax", "x - log Σ eˣ", _log_softmax, vjp=(
    lambda xp, g, out, x, *, axis: g - xp.exp(out) * g.sum(axis=axis, keepdims=True),),
    jvp=lambda xp, ts, out, x, *, axis: ts[0] - (xp.exp(out) * ts[0]).sum(axis=axis, keepdims=True))
