"""The primitives: each one's forward computation and its derivative, written once.

This file is the whole derivative catalogue of the engine. `Value` (scalars) and `Tensor` (NumPy
arrays), reverse mode (`backward`) and forward mode (tangents, `jvp`) all use these entries; nothing
else in the engine knows a derivative. Everything not listed here (`a - b`, `mean`, `flatten`, `.T`,
...) is composed from these primitives and so needs no rule of its own.

Three constructors, one per kind of primitive:

    elementwise(name, formula, forward, *partials)   each partial gives ∂out/∂input for one input:
        reverse mode sends back g · ∂out/∂input, forward mode carries ṫ · ∂out/∂input forward
    linear(name, formula, forward, *transposes)      linear in its inputs: forward mode applies the
        primitive itself to the tangents; reverse mode needs its transpose, one rule per input
    primitive(name, formula, forward, vjp, jvp)      anything else: a reverse rule per input (vjp)
        and a forward rule (jvp), side by side

Names in scope in every rule:

    xp        the array namespace (`xp.py`), with NumPy's names: `xp.floats` for `Value`,
              `xp.arrays` for `Tensor`, `xp.recorded` when `backward(create_graph=True)` runs the
              rules as recorded Tensor ops so gradients can be differentiated again. A rule must
              call a function through `xp` (xp.exp, xp.divide, xp.where) whenever its argument may
              be a Tensor in that last case: only then is the rule itself differentiable. `np` is
              for what never carries a gradient: the forward computations, shapes, index
              bookkeeping, and constants such as masks that are piecewise constant.
    g         the gradient arriving at the output, ∂L/∂out (reverse mode)
    ts        the inputs' tangents ṫ, one per input, None where an input carries none (forward mode)
    out       the forward result
    a, b, x   the inputs' data, by position
    **attrs   the op's non-differentiable settings (axis, keepdims, slope, shape, index, ...)

A vjp rule returns its input's share of the gradient (a vector-Jacobian product); `None` in place
of a rule marks an input that is not differentiable. Results may come out in the broadcast shape
of the output: the engine sums a gradient back to its input's shape (`xp.sum_to`) and broadcasts a
tangent to the output's shape, so no rule here knows about broadcasting. Variadic primitives
(`concatenate`, `stack`) give one rule for all their inputs (`each_input=`), called with the
input's position `i`.

Few primitives, the rest composed (a composed op needs no rule, so it cannot have a wrong one):
`-x` is (-1)·x, `min` is -max(-x), `clip` is a `where`, and in `composed.py`, `tensor.py`
and `einsumfunc.py` tan, square, softplus, gelu, silu, minimum, prod, var, std, norm,
logsumexp, squeeze, expand_dims and einsum. Kept although composable: `relu` (its derivative at 0 is 0, as PyTorch's; maximum(x, 0) would split it, ½), `leaky_relu` (one node
showing its slope in a picture of a network, where a `where` would draw three),
`sigmoid` and `tanh` (built from exp they overflow to inf/inf = nan gradients at |x| ≈ 1000), and
`softmax`/`log_softmax` (the same, and the fused form is what makes cross-entropy stable).
Primitives because nothing above composes them: `sin`, `cos`, `arctan`, `erf` (no finite
composition of the others); `log1p` and `expm1` (for stability: 1 + x rounds away the digits of a
small x before log or after exp see them); `sinh` and `cosh` (for stability: composed of e^±x they
overflow where eˣ does, at |x| = 709.78, although their value is finite up to 710.48; composed of
e^(±x/2) to stay finite, their derivative would pass through x/2, 2 cosh x, which overflows there
too); `cumsum` (composed as a triangular matmul it costs n²).

In this file: the three constructors (a few lines each), then the table, then the helpers that its
longer rules call (a rule refers to a helper by name when it runs, so the helpers can come last).
"""

import builtins
import operator
from functools import partial

import numpy as np


class Op:
    """A primitive: its name, its maths, how to compute it, and how derivatives pass through it.

    `partials` (elementwise ops) holds ∂out/∂input per input, partial(xp, out, *inputs, **attrs);
    `vjp` holds one reverse rule per input, rule(xp, g, out, *inputs, **attrs) -> ∂L/∂input, or
    `each_input` one rule for every input of a variadic op, called with the input's position i;
    `jvp(xp, ts, out, *inputs, **attrs) -> ṫ_out` is the forward rule. A rule may be missing
    (None): using that mode then raises NotImplementedError naming the primitive.
    """

    __slots__ = ("name", "formula", "forward", "vjp", "each_input", "jvp", "partials")

    def __init__(self, name: str, formula: str, forward, vjp=None, jvp=None, partials=None, each_input=None):
        self.name = name              # as drawn in graphs and named in error messages
        self.formula = formula        # the maths, as shown in docs and pictures
        self.forward = forward        # forward(xp, *inputs, **attrs) -> out
        self.vjp = None if vjp is None else tuple(vjp)
        self.each_input = each_input
        self.jvp = jvp
        self.partials = None if partials is None else tuple(partials)   # elementwise ops only:
                                      # the walk multiplies g by them itself (autograd.backward_step)

    def reverse_rule(self, i: int):
        """The reverse rule of input i (None: that input is not differentiable)."""
        if self.each_input is not None:
            return partial(self.each_input, i=i)
        if self.vjp is None:
            raise NotImplementedError(self.no_rule("reverse mode (vjp)"))
        return self.vjp[i]

    def no_rule(self, mode: str) -> str:
        return f"primitive '{self.name}' has no rule for {mode}; give one when defining it"

    def __repr__(self) -> str:
        return f"<op {self.name}: {self.formula}>"


def primitive(name: str, formula: str, forward, vjp=None, jvp=None) -> Op:
    """Any primitive: a reverse rule per input (vjp) and a forward rule (jvp), side by side."""
    return Op(name, formula, forward, vjp, jvp)


def elementwise(name: str, formula: str, forward, *partials) -> Op:
    """A primitive acting entry by entry, given ∂out/∂input for each input (None: not differentiable).
    Reverse mode multiplies g by them (autograd.backward_step); forward mode, below, the tangents."""
    def jvp(xp, ts, out, *xs, **attrs):   # ṫ_out = Σ ṫ_x · ∂out/∂x
        terms = [t if p is one else t * p(xp, out, *xs, **attrs)
                 for p, t in zip(partials, ts) if t is not None and p is not None]
        return builtins.sum(terms[1:], terms[0])

    return Op(name, formula, forward, jvp=jvp, partials=partials)


def linear(name: str, formula: str, forward, *transposes, each_input=None) -> Op:
    """A primitive linear in its inputs: its derivative is itself, so forward mode applies it to
    the tangents; reverse mode applies its transpose, one rule per input (or `each_input`: one
    rule for every input of a variadic primitive, called with the input's position i)."""
    def jvp(xp, ts, out, *xs, **attrs):   # f linear: ṫ_out = f(ṫ)
        return forward(xp, *[np.zeros_like(x) if t is None else t for t, x in zip(ts, xs)], **attrs)
    return Op(name, formula, forward, transposes or None, jvp, each_input=each_input)


def one(xp, out, *xs, **attrs):
    """∂out/∂input = 1: the gradient (reverse) or tangent (forward) passes through unchanged."""
    return 1


# ---- elementwise, two inputs: ∂out/∂a, ∂out/∂b ----------------------------------------------

add = elementwise("+", "a + b", lambda xp, a, b: a + b, one, one)

# a row of its own, although a + (-1)·b would do: a picture of y - t then shows one "-" node where
# the composition drew a "* -1.0" and a "+", and a student reads the subtraction they wrote
sub = elementwise("-", "a - b", lambda xp, a, b: a - b, one,
    lambda xp, out, a, b: -1)

mul = elementwise("*", "a · b", lambda xp, a, b: a * b,
    lambda xp, out, a, b: b,
    lambda xp, out, a, b: a)

div = elementwise("/", "a / b", lambda xp, a, b: xp.divide(a, b),
    lambda xp, out, a, b: xp.divide(1, b),
    lambda xp, out, a, b: xp.divide(-out, b))           # ∂(a/b)/∂b = -a/b² = -out/b

# At the edges, PyTorch's numbers (torch 2.13, checked in tests/test_new_ops.py):
# ∂(aᵇ)/∂a = b·aᵇ⁻¹, and 0 wherever b = 0, for every a: aᵇ is then the constant 1. The exponent
#   b - 1 becomes b - 0 there, so the product is 0 · a⁰ = 0 where 0 · 0⁻¹ would be nan. So ∂(x⁰)/∂x
#   at x = 0 is 0 (torch: 0.0); ∂(0^0.5)/∂a = inf and ∂(0⁻¹)/∂a = -inf (torch: inf, -inf).
#   (One comparison more than b·aᵇ⁻¹, and cheaper than a `where` on small arrays.)
# ∂(aᵇ)/∂b = aᵇ ln a; at a = 0 it is 0 where b ≥ 0 (torch: 0.0 for b = 0, 0.5, 2; 0ᵇ is constant for
#   b > 0) and -inf where b < 0 (torch: -inf for b = -1, -0.5: aᵇ ln a → +inf · -inf).
pow = elementwise("**", "a ** b", lambda xp, a, b: xp.power(a, b),  # noqa: A001
    lambda xp, out, a, b: b * xp.power(a, b - (b != 0)),
    lambda xp, out, a, b: xp.where((a == 0) * (b < 0), -np.inf, out * xp.log(xp.where(a == 0, 1, a))))

# a > b: a gets g; a < b: b gets g; a tie splits it; where a or b is nan (unordered; out is nan)
# both get all of it, as in torch (maximum(nan, 1), maximum(1, nan): gradients 1.0 and 1.0).
# Written with out, as many comparisons as the tie rule alone: out ≠ b holds for a > b and for nan.
maximum = elementwise("maximum", "max(a, b)", lambda xp, a, b: xp.maximum(a, b),
    lambda xp, out, a, b: (out != b) + (a == b) / 2,
    lambda xp, out, a, b: (out != a) + (a == b) / 2)

where = elementwise("where", "cond ? a : b", lambda xp, cond, a, b: xp.where(cond, a, b),
    None,                                               # the condition is not differentiable
    lambda xp, out, cond, a, b: cond,
    lambda xp, out, cond, a, b: cond == 0)


# ---- elementwise, one input: ∂out/∂x --------------------------------------------------------

exp = elementwise("exp", "eˣ", lambda xp, x: xp.exp(x),
    lambda xp, out, x: out)                             # (eˣ)' = eˣ

log = elementwise("log", "ln x", lambda xp, x: xp.log(x),
    lambda xp, out, x: xp.divide(1, x))                 # (ln x)' = 1/x

sqrt = elementwise("sqrt", "√x", lambda xp, x: xp.sqrt(x),
    lambda xp, out, x: xp.divide(0.5, out))             # (√x)' = 1/(2√x)

abs = elementwise("abs", "|x|", lambda xp, x: xp.abs(x),  # noqa: A001
    lambda xp, out, x: xp.sign(x))                      # |x|' = sign x  (0 at x = 0)

tanh = elementwise("tanh", "tanh x", lambda xp, x: xp.tanh(x),
    lambda xp, out, x: 1 - out * out)                   # tanh' = 1 - tanh²

sigmoid = elementwise("sigmoid", "σ(x) = 1/(1+e⁻ˣ)", lambda xp, x: _sigmoid(xp, x),
    lambda xp, out, x: out * (1 - out))                 # σ' = σ(1 - σ)

relu = elementwise("relu", "max(x, 0)", lambda xp, x: xp.maximum(x, 0),
    lambda xp, out, x: x > 0)                           # 0 at x = 0, as in PyTorch

leaky_relu = elementwise("leaky_relu", "x if x > 0 else slope·x",
    lambda xp, x, *, slope: xp.where(x > 0, x, slope * x),
    lambda xp, out, x, *, slope: xp.where(x > 0, 1.0, slope))

sin = elementwise("sin", "sin x", lambda xp, x: xp.sin(x),
    lambda xp, out, x: xp.cos(x))                       # sin' = cos

cos = elementwise("cos", "cos x", lambda xp, x: xp.cos(x),
    lambda xp, out, x: -xp.sin(x))                      # cos' = -sin

arctan = elementwise("arctan", "arctan x", lambda xp, x: xp.arctan(x),
    lambda xp, out, x: xp.divide(1, 1 + x * x))         # arctan' = 1/(1 + x²)

sinh = elementwise("sinh", "sinh x = (eˣ - e⁻ˣ)/2", lambda xp, x: xp.sinh(x),
    lambda xp, out, x: xp.cosh(x))                      # sinh' = cosh

cosh = elementwise("cosh", "cosh x = (eˣ + e⁻ˣ)/2", lambda xp, x: xp.cosh(x),
    lambda xp, out, x: xp.sinh(x))                      # cosh' = sinh

log1p = elementwise("log1p", "ln(1 + x)", lambda xp, x: xp.log1p(x),
    lambda xp, out, x: xp.divide(1, 1 + x))             # (ln(1 + x))' = 1/(1 + x)

expm1 = elementwise("expm1", "eˣ - 1", lambda xp, x: xp.expm1(x),
    lambda xp, out, x: out + 1)                         # (eˣ - 1)' = eˣ

# erf's forward is math.erf entry by entry (xp.erf): as exact as the C library, slower than a ufunc;
# NumPy has no erf and scipy is not a dependency.
erf = elementwise("erf", "erf x = 2/√π ∫₀ˣ e^(-t²) dt", lambda xp, x: xp.erf(x),
    lambda xp, out, x: _TWO_OVER_SQRT_PI * xp.exp(-(x * x)))   # erf' = 2/√π e^(-x²)


# ---- linear: the derivative is the op itself; reverse mode needs its transpose --------------

sum = linear("sum", "Σ x", lambda xp, x, *, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),  # noqa: A001
    lambda xp, g, out, x, *, axis, keepdims: xp.broadcast_to(_unreduce(g, x.ndim, axis, keepdims), x.shape))

reshape = linear("reshape", "reshape", lambda xp, x, *, shape: x.reshape(shape),
    lambda xp, g, out, x, *, shape: g.reshape(x.shape))

transpose = linear("transpose", "transpose", lambda xp, x, *, axes: x.transpose(axes),
    lambda xp, g, out, x, *, axes: g.transpose(_inverse_permutation(axes)))

getitem = linear("getitem", "x[index]", lambda xp, x, *, index: x[index],
    lambda xp, g, out, x, *, index: xp.scatter_add(g, x.shape, index))

# getitem's transpose: reverse mode of x[index] scatters g back; reverse mode of that gathers again
scatter_add = linear("scatter_add", "zeros[index] += x",
    lambda xp, g, *, shape, index: _scatter_add(g, shape, index),
    lambda xp, g, out, x, *, shape, index: g[index])

concatenate = linear("concatenate", "[x₀, x₁, …]", lambda xp, *xs, axis: np.concatenate(xs, axis=axis),
    each_input=lambda xp, g, out, *xs, axis, i: _slice_of_input(g, xs, axis, i))

# the running sum along an axis; its transpose is the running sum from the other end (reverse=True)
cumsum = linear("cumsum", "running Σ x", lambda xp, x, *, axis, reverse: _cumsum(x, axis, reverse),
    lambda xp, g, out, x, *, axis, reverse: xp.cumsum(g, axis, not reverse))

# sliding windows over the two spatial axes of (N, H, W, C): convolution is windows then a matrix
# product, max pooling windows then max, average pooling windows then mean (no rule of their own)
windows = linear("windows", "windows(x)", lambda xp, x, *, size, strides: _windows(x, size, strides),
    lambda xp, g, out, x, *, size, strides: xp.window_sum(g, x.shape, size, strides))

# windows' transpose; its own transpose is windows again
window_sum = linear("window_sum", "Σ windows",
    lambda xp, g, *, shape, size, strides: _window_sum(g, shape, size, strides),
    lambda xp, g, out, x, *, shape, size, strides: xp.windows(g, size, strides))

# pad with a constant: affine, not linear (its constant may be -inf, for max pooling), so its
# derivative pads with zeros
pad = primitive("pad", "pad(x)", lambda xp, x, *, widths, value: np.pad(x, widths, constant_values=value),
    (lambda xp, g, out, x, *, widths, value: _unpad(g, widths),),
    lambda xp, ts, out, x, *, widths, value: np.pad(ts[0], widths, constant_values=0.0))

stack = linear("stack", "stack(x₀, x₁, …)", lambda xp, *xs, axis: np.stack(xs, axis=axis),
    each_input=lambda xp, g, out, *xs, axis, i: g[(slice(None),) * axis + (i,)])


# ---- the rest: reverse and forward rule side by side ----------------------------------------

matmul = primitive("@", "a @ b", lambda xp, a, b: a @ b,
    (lambda xp, g, out, a, b: _matmul_vjp_a(xp, g, a, b),        # g bᵀ
     lambda xp, g, out, a, b: _matmul_vjp_b(xp, g, a, b)),       # aᵀ g
    lambda xp, ts, out, a, b: _matmul_jvp(ts, a, b))             # ȧ b + a ḃ

# out[r, f] = Σₚ Σ_c a[r, p, c] · b[p, c, f]: convolution's product (conv.py: a holds each window's
# kh·kw positions p of C channels, b is the kernel), one matrix product forward. It is a primitive,
# not a reshape and a matmul, for a's gradient: taken position by position, g @ b[p]ᵀ, each
# position's (rows, C) block comes out contiguous, and windows' transpose (window_sum) then adds
# whole blocks back into the image. g @ bᵀ in one product would leave each block as strips of C
# numbers a row apart, and adding those is the slowest step of a CNN's epoch (2.3× slower here).
tensordot = primitive("tensordot", "Σₚ Σ_c a[r, p, c] · b[p, c, f]", lambda xp, a, b: _tensordot(a, b),
    (lambda xp, g, out, a, b: (g @ b.transpose(0, 2, 1)).transpose(1, 0, 2),            # g b[p]ᵀ, p by p
     lambda xp, g, out, a, b: (a.reshape(a.shape[0], -1).T @ g).reshape(b.shape)),       # aᵀ g
    lambda xp, ts, out, a, b: _matmul_jvp(ts, a, b, product=_tensordot))                 # ȧ b + a ḃ

# the gradient goes to the largest entry; ties share it equally, as in torch.amax and jax.numpy.max:
# ∂out/∂x = hit / count, hit marking the entries equal to the max and count how many tie (_ties)
max = primitive("max", "max x", lambda xp, x, *, axis, keepdims: _max(x, axis, keepdims),  # noqa: A001
    (lambda xp, g, out, x, *, axis, keepdims: _ties_share(g, x, out, axis, keepdims),),
    lambda xp, ts, out, x, *, axis, keepdims: _ties_share_forward(ts[0], x, out, axis, keepdims))

softmax = primitive("softmax", "eˣ / Σ eˣ", lambda xp, x, *, axis: _softmax(x, axis),
    (lambda xp, g, out, x, *, axis: _softmax_jacobian_times(g, out, axis),),
    lambda xp, ts, out, x, *, axis: _softmax_jacobian_times(ts[0], out, axis))

# log_softmax's Jacobian I - 1 sᵀ is not: reverse applies its transpose, forward the Jacobian itself
log_softmax = primitive("log_softmax", "x - log Σ eˣ", lambda xp, x, *, axis: _log_softmax(x, axis),
    (lambda xp, g, out, x, *, axis: g - xp.exp(out) * g.sum(axis=axis, keepdims=True),),
    lambda xp, ts, out, x, *, axis: ts[0] - (xp.exp(out) * ts[0]).sum(axis=axis, keepdims=True))


# ---- helpers the rules above call ------------------------------------------------------------

def _unreduce(g, ndim, axis, keepdims):
    """Put back the axes a reduction removed, so g broadcasts against the reduction's input."""
    if keepdims:
        return g
    kept = (axis,) if isinstance(axis, int) else range(ndim) if axis is None else axis
    shape = list(g.shape)
    for a in sorted(a % ndim for a in kept):
        shape.insert(a, 1)
    return g.reshape(tuple(shape))


def _axes(axis, ndim) -> tuple:
    return tuple(range(ndim)) if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)


def _ties(x, out, axis, keepdims):
    """(hit, count): the entries of x equal to the max, as 1s in x's dtype (bool or int64 would make
    float64), and how many of them each reduced slice holds, kept as axes of length 1."""
    hit = (x == _unreduce(out, x.ndim, axis, keepdims)) * x.dtype.type(1)
    return hit, _sum_short_axes(hit, axis)


def _ties_share(g, x, out, axis, keepdims):
    """max's reverse rule: g / count at the output's size, then to the entries hit."""
    hit, count = _ties(x, out, axis, keepdims)
    return hit * (_unreduce(g, x.ndim, axis, keepdims) / count)


def _ties_share_forward(t, x, out, axis, keepdims):
    """max's forward rule: the mean of the tangents of the entries that tie for the max."""
    hit, count = _ties(x, out, axis, keepdims)
    shared = _sum_short_axes(t * hit, axis) / count
    return shared if keepdims else shared.reshape(out.shape)


# Max pooling reduces over windows of 2×2 (or 3×3): axes of two or three entries, in a strided view.
# NumPy reduces such an axis a few entries per inner loop, several times slower than one elementwise
# op per entry of the axis (np.maximum(x[..., 0, :], x[..., 1, :])): so the helpers below reduce
# one axis at a time, a short one (≤ SHORT entries) by elementwise ops on its slices. The same
# numbers either way; this is how max pooling by reshape is written by hand.
SHORT = 4


def _max(x, axis, keepdims):
    """x.max(axis, keepdims), one axis at a time, short axes by np.maximum of their slices."""
    if axis is None or isinstance(axis, int) and x.shape[axis] > SHORT:
        return x.max(axis=axis, keepdims=keepdims)
    axes = _axes(axis, x.ndim)
    for a in sorted((a % x.ndim for a in axes), reverse=True):
        if x.shape[a] > SHORT:
            x = x.max(axis=a, keepdims=True)
        else:
            first, *rest = _slices(x, a)
            x = first.copy() if not rest else np.maximum(first, rest[0])
            for more in rest[1:]:
                np.maximum(x, more, out=x)
    return x if keepdims else x.reshape(tuple(n for i, n in enumerate(x.shape) if i not in {a % x.ndim for a in axes}))


def _sum_short_axes(x, axis):
    """x summed over `axis`, axes kept (length 1), one axis at a time, short ones by adding slices;
    x an array or (when max's rule runs recorded, for second derivatives) a Tensor."""
    for a in sorted((a % x.ndim for a in _axes(axis, x.ndim)), reverse=True):
        if x.shape[a] > SHORT:
            x = x.sum(axis=a, keepdims=True)
        else:
            first, *rest = _slices(x, a)
            x = builtins.sum(rest, first)
    return x


def _slices(x, a):
    """The entries of x along axis a, each a slice keeping the axis (length 1)."""
    return [x[(slice(None),) * a + (slice(i, i + 1),)] for i in range(x.shape[a])]


def _matmul_promoted(g, a, b):
    """NumPy treats a 1-D left operand as a row and a 1-D right operand as a column, then drops
    that axis from the result. Put the axes back so both gradients are plain matrix products."""
    a2 = a.reshape((1,) + a.shape) if a.ndim == 1 else a
    b2 = b.reshape(b.shape + (1,)) if b.ndim == 1 else b
    g2 = g.reshape(g.shape + (1,)) if b.ndim == 1 else g
    g2 = g2.reshape(g2.shape[:-1] + (1,) + g2.shape[-1:]) if a.ndim == 1 else g2
    return a2, b2, g2


def _matmul_vjp_a(xp, g, a, b):
    if a.ndim > 1 and b.ndim > 1:                       # matrices (or stacks of them): no axes to restore
        return g @ xp.swapaxes(b, -1, -2)               # ∂L/∂a = g bᵀ
    a2, b2, g2 = _matmul_promoted(g, a, b)
    ga = g2 @ xp.swapaxes(b2, -1, -2)
    return ga[..., 0, :] if a.ndim == 1 else ga


def _matmul_vjp_b(xp, g, a, b):
    if a.ndim > 1 and b.ndim > 1:
        return xp.swapaxes(a, -1, -2) @ g               # ∂L/∂b = aᵀ g
    a2, b2, g2 = _matmul_promoted(g, a, b)
    gb = xp.swapaxes(a2, -1, -2) @ g2
    return gb[..., 0] if b.ndim == 1 else gb


def _matmul_jvp(ts, a, b, product=operator.matmul):
    ta, tb = ts                                         # product rule: ṫ = ȧ b + a ḃ
    if ta is None:
        return product(a, tb)
    return product(ta, b) if tb is None else product(ta, b) + product(a, tb)


def _tensordot(a, b):
    """Σₚ Σ_c a[r, p, c] · b[p, c, f] as one matrix product (R, P·C) @ (P·C, F)."""
    return a.reshape(a.shape[0], -1) @ b.reshape(-1, b.shape[-1])


def _scatter_add(g, shape, index):
    """zeros(shape) with g added at index; repeated indices accumulate (np.add.at).

    An index of slices and integers only (x[:, t], a gate's block of columns) names every place
    at most once, so plain assignment adds the same; it is what an RNN's backward does at every
    step, and np.add.at's general loop costs many times more."""
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _is_basic(index) -> bool:
    """Whether an index is NumPy's basic indexing: slices, integers, `...`, None; no arrays."""
    parts = index if type(index) is tuple else (index,)
    return all(type(i) in _BASIC for i in parts)


_BASIC = {slice, int, type(Ellipsis), type(None)}


def _log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)       # the largest logit becomes 0: no overflow
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_jacobian_times(v, s, axis):
    # J = diag(s) - s sᵀ is symmetric, so reverse (vᵀJ) and forward (J v) mode apply it alike
    return s * (v - (v * s).sum(axis=axis, keepdims=True))


def _sigmoid(xp, x):
    # 1/(1+e^-x) for x ≥ 0 and e^x/(1+e^x) for x < 0, both through e = e^-|x| ≤ 1: never overflows.
    # One division for both branches (the same numbers as dividing in each; a third quicker)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1, e) / (1 + e)


_TWO_OVER_SQRT_PI = 2 / np.sqrt(np.pi)


def _cumsum(x, axis, reverse):
    if reverse:                                         # from the far end: flip, running sum, flip back
        return np.flip(np.cumsum(np.flip(x, axis), axis), axis)
    return np.cumsum(x, axis)


def _inverse_permutation(axes: tuple) -> list:
    """The permutation that undoes `axes`: inverse[axes[i]] = i (np.argsort(axes), without NumPy)."""
    inverse = [0] * len(axes)
    for i, a in enumerate(axes):
        inverse[a] = i
    return inverse


def _slice_of_input(g, xs, axis, i):
    """concatenate's transpose for input i: the part of g that came from xs[i]."""
    start = builtins.sum(x.shape[axis] for x in xs[:i])
    return g[(slice(None),) * (axis % g.ndim) + (slice(start, start + xs[i].shape[axis]),)]


def _windows(x, size, strides):
    """The (kh, kw) windows of a channels-last batch x (N, H, W, C), every `strides` apart, as
    (N, OH, OW, kh, kw, C): a strided view, no copy (np.lib.stride_tricks.sliding_window_view)."""
    (kh, kw), (sh, sw) = size, strides
    view = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    return view.transpose(0, 1, 2, 4, 5, 3)          # (N, OH, OW, C, kh, kw) -> window axes before C


def _window_sum(g, shape, size, strides):
    """windows' transpose: each window's entries added back where they came from (overlaps add up),
    into zeros of the input's `shape`: one strided slice per kernel position, kh·kw adds in all."""
    (kh, kw), (sh, sw) = size, strides
    n, oh, ow, c = g.shape[0], g.shape[1], g.shape[2], g.shape[5]
    if (sh, sw) == (kh, kw) and (oh * kh, ow * kw) == tuple(shape[1:3]):
        # windows that tile the image exactly (2×2 pooling of an even image): nothing overlaps,
        # so the sum is only a change of layout, much quicker than the adds below
        return g.transpose(0, 1, 3, 2, 4, 5).reshape(shape)
    out = np.zeros(shape, dtype=g.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, i:i + sh * oh:sh, j:j + sw * ow:sw, :] += g[:, :, :, i, j, :]
    return out


def _unpad(g, widths):
    """pad's transpose: the part of g that was x (the padding gets no gradient)."""
    return g[tuple(slice(before, n - after) for (before, after), n in zip(widths, g.shape))]
