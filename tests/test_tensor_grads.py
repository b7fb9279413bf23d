"""Every `Tensor` op's gradient against float64 central differences, as one catalogue.

Each row is (what it computes, the function, the input shapes, where the inputs are drawn from).
A shape entry is either a list of shapes or a function of a random generator returning one, so the
same row is checked on several random shapes, broadcasting included. The test pushes a random
seed ∂L/∂out = w through `backward(w)` and compares every input's gradient with the central
difference of L = Σ w · f(inputs).
"""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from numeric import assert_close, central_difference

# ---- where inputs come from ---------------------------------------------------------------------

def _real(rng, shape):
    return rng.standard_normal(shape)


def _positive(rng, shape):                  # log, sqrt, the base of a power
    return rng.uniform(0.5, 2.0, shape)


def _nonzero(rng, shape):                   # away from the kink of |x|, relu, … and from x = 0 in 1/x
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape)


def _distinct(rng, shape):                  # no two entries within 0.1: max/min has one winner
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.3 - 0.15 * n + rng.uniform(0, 0.1, n)).reshape(shape)


def _off_clip(rng, shape):                  # away from the clip bounds used below: -0.5, 0 and 0.5
    bands = np.array([[-2.0, -0.6], [-0.4, -0.1], [0.1, 0.4], [0.6, 2.0]])
    lo, hi = bands[rng.integers(0, 4, shape)].transpose(-1, *range(len(shape)))
    return rng.uniform(lo, hi)


def _small(rng, shape):                     # |x| < 1.2: tan away from its poles at ±π/2
    return rng.uniform(-1.2, 1.2, shape)


def _above_minus_one(rng, shape):           # log1p's domain, away from -1
    return rng.uniform(-0.8, 2.0, shape)


def _with_zeros(rng, shape):                # entries of 0 (none, one or several per row): prod's hard case
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    return np.where(rng.random(shape) < 0.3, 0.0, x)


real, positive, nonzero, distinct, off_clip = _real, _positive, _nonzero, _distinct, _off_clip
small, above_minus_one, with_zeros = _small, _above_minus_one, _with_zeros

# ---- random shapes ------------------------------------------------------------------------------

def any_shape(rng):
    """One shape of 0 to 3 dimensions, each 1 to 3 long."""
    return [tuple(int(n) for n in rng.integers(1, 4, rng.integers(0, 4)))]


def any_shape_1d_up(rng):
    """One shape of 1 to 3 dimensions, each 1 to 4 long (something to reduce or normalise along)."""
    return [tuple(int(n) for n in rng.integers(1, 5, rng.integers(1, 4)))]


def any_shape_2_up(rng):
    """One shape of 1 to 3 dimensions, each 2 to 4 long (a spread to take: var, std)."""
    return [tuple(int(n) for n in rng.integers(2, 5, rng.integers(1, 4)))]


def broadcast_pair(rng):
    """Two shapes that broadcast against each other: dimensions set to 1, leading ones dropped."""
    full = [int(n) for n in rng.integers(2, 4, rng.integers(1, 4))]
    shapes = []
    for _ in range(2):
        s = [1 if rng.random() < 0.3 else n for n in full]
        drop = rng.integers(0, len(s) + 1) if rng.random() < 0.4 else 0
        shapes.append(tuple(s[drop:]))
    return shapes


# constants that appear in rows: an array operand, a boolean mask, an index array
ARR = np.array([0.5, -2.0, 3.0])
MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])
COND = np.array([[True], [False]])

B2 = broadcast_pair
X = any_shape
X1 = any_shape_1d_up
X2 = any_shape_2_up
ABC = [(2, 3, 4)]

# issue 14: trig, log1p/expm1, activations, reductions, shapes, einsum (test_new_ops.py checks them
# again, to second order and in forward mode)
NEW_OPS = [
    ("sin a",                 lambda a: a.sin(),                    X,                       real),
    ("cos a",                 lambda a: a.cos(),                    X,                       real),
    ("tan a",                 lambda a: a.tan(),                    X,                       small),
    ("arctan a",              lambda a: a.arctan(),                 X,                       real),
    ("sinh a",                lambda a: a.sinh(),                   X,                       real),
    ("cosh a",                lambda a: a.cosh(),                   X,                       real),
    ("log1p a",               lambda a: a.log1p(),                  X,                       above_minus_one),
    ("expm1 a",               lambda a: a.expm1(),                  X,                       real),
    ("erf a",                 lambda a: a.erf(),                    X,                       real),
    ("a²",                    lambda a: a.square(),                 X,                       real),
    ("a.pow(b)",              lambda a, b: a.pow(b),                B2,                      positive),
    ("softplus a",            lambda a: a.softplus(),               X,                       real),
    ("softplus(a, β=2)",      lambda a: a.softplus(beta=2.0),       X,                       real),
    ("gelu a",                lambda a: a.gelu(),                   X,                       real),
    ("gelu a, tanh",          lambda a: a.gelu(approximate="tanh"), X,                       real),
    ("silu a",                lambda a: a.silu(),                   X,                       real),
    ("min(a, b)",             lambda a, b: tg.minimum(a, b),        B2,                      real),
    ("min(0.3, a)",           lambda a: tg.minimum(0.3, a),         [(4, 3)],                nonzero),
    ("clamp(a, -0.5, 0.5)",   lambda a: a.clamp(-0.5, 0.5),         X,                       off_clip),
    ("Π a",                   lambda a: a.prod(),                   X,                       real),
    ("Π a with zeros",        lambda a: a.prod(),                   X1,                      with_zeros),
    ("Π a over -1 with zeros", lambda a: a.prod(-1),                X1,                      with_zeros),
    ("Π a over (0, 2), kept", lambda a: a.prod((0, 2), keepdims=True), [(3, 2, 5)],          with_zeros),
    ("Π a over 1",            lambda a: a.prod(1),                  [(2, 7, 3)],             real),
    ("var a",                 lambda a: a.var(),                    X2,                      real),
    ("var a over 0, ddof 1",  lambda a: a.var(0, ddof=1),           [(4, 3)],                real),
    ("var a over (0, 2), kept", lambda a: a.var((0, 2), keepdims=True), ABC,                 real),
    ("std a",                 lambda a: a.std(),                    X2,                      real),
    ("std a over -1, ddof 1, kept", lambda a: a.std(-1, keepdims=True, ddof=1), ABC,         real),
    ("‖a‖",                   lambda a: a.norm(),                   X,                       nonzero),
    ("‖a‖ over 1",            lambda a: a.norm(axis=1),             ABC,                     nonzero),
    ("‖a‖ over -1, kept",     lambda a: a.norm(axis=-1, keepdims=True), X1,                  nonzero),
    ("‖a‖₁ over 0",           lambda a: a.norm(1, axis=0),          ABC,                     nonzero),
    ("‖a‖∞ over (0, 1)",      lambda a: a.norm(np.inf, axis=(0, 1)), ABC,                    distinct),
    ("‖a‖₃",                  lambda a: a.norm(3),                  X1,                      nonzero),
    ("logsumexp a",           lambda a: a.logsumexp(),              X,                       real),
    ("logsumexp a over 1",    lambda a: a.logsumexp(1),             ABC,                     real),
    ("logsumexp a over (0,-1), kept", lambda a: a.logsumexp((0, -1), keepdims=True), ABC,    real),
    ("cumsum a over 0",       lambda a: a.cumsum(0),                X1,                      real),
    ("cumsum a over -1",      lambda a: a.cumsum(-1),               ABC,                     real),
    ("squeeze",               lambda a: a.squeeze(),                [(1, 3, 1, 2)],          real),
    ("squeeze(2)",            lambda a: a.squeeze(2),               [(1, 3, 1, 2)],          real),
    ("expand_dims((0, -1))",  lambda a: a.expand_dims((0, -1)),     X,                       real),
    ("unsqueeze(1)",          lambda a: a.unsqueeze(1),             X1,                      real),
    ("permute(1, 2, 0)",      lambda a: a.permute(1, 2, 0),         ABC,                     real),
    ("einsum ij,jk->ik",      lambda a, b: tg.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)],   real),
    ("einsum bij,bjk->bik",   lambda a, b: tg.einsum("bij,bjk->bik", a, b), [(5, 2, 3), (5, 3, 4)], real),
    ("einsum i,i->",          lambda a, b: tg.einsum("i,i->", a, b), [(3,), (3,)],           real),
    ("einsum ij->ji",         lambda a: tg.einsum("ij->ji", a),     [(2, 3)],                real),
    ("einsum ii->i",          lambda a: tg.einsum("ii->i", a),      [(3, 3)],                real),
    ("einsum ij->",           lambda a: tg.einsum("ij->", a),       [(2, 3)],                real),
    ("einsum ...ij,...jk",    lambda a, b: tg.einsum("...ij,...jk->...ik", a, b), [(2, 1, 2, 3), (4, 3, 2)], real),
    ("einsum ijk,jl,lm->mi",  lambda a, b, c: tg.einsum("ijk,jl,lm->mi", a, b, c), [(2, 3, 4), (3, 5), (5, 2)], real),
    ("einsum bi,bi->b bcast", lambda a, b: tg.einsum("bi,bi->b", a, b), [(1, 3), (4, 3)],    real),
]

CATALOGUE = [
    # ---- + - * / ** with broadcasting, numbers and arrays on either side
    ("a + b",                 lambda a, b: a + b,                   B2,                      real),
    ("a - b",                 lambda a, b: a - b,                   B2,                      real),
    ("a · b",                 lambda a, b: a * b,                   B2,                      real),
    ("a / b",                 lambda a, b: a / b,                   B2,                      nonzero),
    ("aᵇ",                    lambda a, b: a ** b,                  B2,                      positive),
    ("max(a, b)",             lambda a, b: tg.maximum(a, b),        B2,                      real),
    ("max(a, 0.3)",           lambda a: tg.maximum(a, 0.3),         [(4, 3)],                nonzero),
    ("-a",                    lambda a: -a,                         X,                       real),
    ("2·a",                   lambda a: 2 * a,                      X,                       real),
    ("a·2",                   lambda a: a * 2,                      X,                       real),
    ("1 - a",                 lambda a: 1 - a,                      X,                       real),
    ("a - 1",                 lambda a: a - 1,                      X,                       real),
    ("1 + a",                 lambda a: 1 + a,                      X,                       real),
    ("2 / a",                 lambda a: 2 / a,                      X,                       nonzero),
    ("a / 2",                 lambda a: a / 2,                      X,                       real),
    ("a³",                    lambda a: a ** 3,                     X,                       real),
    ("√a as a^0.5",           lambda a: a ** 0.5,                   X,                       positive),
    ("2ᵃ",                    lambda a: 2 ** a,                     X,                       real),
    ("a / arr",               lambda a: a / ARR,                    [(2, 3)],                real),
    ("arr · a",               lambda a: ARR * a,                    [(2, 3)],                real),
    ("arr - a",               lambda a: ARR - a,                    [(4, 1)],                real),
    ("arr / a",               lambda a: ARR / a,                    [(3,)],                  nonzero),
    ("arr ** a",              lambda a: np.abs(ARR) ** a,           [(2, 1)],                real),
    # ---- matmul: 1-D, 2-D, batched, broadcast batches
    ("v · w",                 lambda a, b: a @ b,                   [(3,), (3,)],            real),
    ("vᵀ M",                  lambda a, b: a @ b,                   [(3,), (3, 4)],          real),
    ("M v",                   lambda a, b: a @ b,                   [(2, 3), (3,)],          real),
    ("A B",                   lambda a, b: a @ b,                   [(2, 3), (3, 4)],        real),
    ("batched A B",           lambda a, b: a @ b,                   [(5, 2, 3), (5, 3, 4)],  real),
    ("batched A · B",         lambda a, b: a @ b,                   [(5, 2, 3), (3, 4)],     real),
    ("A · batched B",         lambda a, b: a @ b,                   [(2, 3), (5, 3, 4)],     real),
    ("broadcast batches",     lambda a, b: a @ b,                   [(2, 1, 2, 3), (4, 3, 2)], real),
    ("batched A · v",         lambda a, b: a @ b,                   [(5, 2, 3), (3,)],       real),
    ("vᵀ · batched B",        lambda a, b: a @ b,                   [(3,), (5, 3, 2)],       real),
    ("A · constant",          lambda a: a @ np.ones((3, 2)),        [(4, 3)],                real),
    ("constant · A",          lambda a: np.ones((2, 4)) @ a,        [(4, 3)],                real),
    # ---- elementwise functions
    ("eᵃ",                    lambda a: a.exp(),                    X,                       real),
    ("ln a",                  lambda a: a.log(),                    X,                       positive),
    ("√a",                    lambda a: a.sqrt(),                   X,                       positive),
    ("|a|",                   lambda a: a.abs(),                    X,                       nonzero),
    ("abs(a)",                lambda a: abs(a),                     X,                       nonzero),
    ("tanh a",                lambda a: a.tanh(),                   X,                       real),
    ("σ(a)",                  lambda a: a.sigmoid(),                X,                       real),
    ("relu a",                lambda a: a.relu(),                   X,                       nonzero),
    ("leaky_relu a",          lambda a: a.leaky_relu(),             X,                       nonzero),
    ("leaky_relu(a, 0.2)",    lambda a: a.leaky_relu(0.2),          X,                       nonzero),
    ("clip(a, -0.5, 0.5)",    lambda a: a.clip(-0.5, 0.5),          X,                       off_clip),
    ("clip(a, lo=0)",         lambda a: a.clip(0),                  X,                       off_clip),
    ("clip(a, hi=0)",         lambda a: a.clip(hi=0),               X,                       off_clip),
    # ---- reductions: axis None / int / tuple / negative, keepdims
    ("Σ a",                   lambda a: a.sum(),                    ABC,                     real),
    ("Σ a over axis 0",       lambda a: a.sum(0),                   ABC,                     real),
    ("Σ a over axis -1",      lambda a: a.sum(axis=-1),             ABC,                     real),
    ("Σ a over (0, 2)",       lambda a: a.sum((0, 2)),              ABC,                     real),
    ("Σ a over 1, kept",      lambda a: a.sum(1, keepdims=True),    ABC,                     real),
    ("Σ a over (0,-1), kept", lambda a: a.sum((0, -1), keepdims=True), ABC,                  real),
    ("Σ a, kept",             lambda a: a.sum(keepdims=True),       ABC,                     real),
    ("Σ a (random shape)",    lambda a: a.sum(),                    X,                       real),
    ("Σ a over -1, kept (random shape)", lambda a: a.sum(-1, keepdims=True), X1,              real),
    ("mean a",                lambda a: a.mean(),                   ABC,                     real),
    ("mean a over 0 (random shape)", lambda a: a.mean(0),           X1,                      real),
    ("mean a over 1",         lambda a: a.mean(1),                  ABC,                     real),
    ("mean a over (-1, 0)",   lambda a: a.mean((-1, 0)),            ABC,                     real),
    ("mean a over 2, kept",   lambda a: a.mean(2, keepdims=True),   ABC,                     real),
    ("max a",                 lambda a: a.max(),                    ABC,                     distinct),
    ("max a over 1",          lambda a: a.max(1),                   ABC,                     distinct),
    ("max a over (0, 2)",     lambda a: a.max((0, 2)),              ABC,                     distinct),
    ("max a over -1, kept",   lambda a: a.max(-1, keepdims=True),   ABC,                     distinct),
    ("max a, kept",           lambda a: a.max(keepdims=True),       ABC,                     distinct),
    ("max a over -1 (random shape)", lambda a: a.max(-1),           X1,                      distinct),
    ("min a",                 lambda a: a.min(),                    ABC,                     distinct),
    ("min a over 0",          lambda a: a.min(0),                   ABC,                     distinct),
    ("min a over (1, -1)",    lambda a: a.min((1, -1)),             ABC,                     distinct),
    ("min a over 2, kept",    lambda a: a.min(2, keepdims=True),    ABC,                     distinct),
    # ---- softmax and log-softmax along each axis
    ("softmax a",             lambda a: a.softmax(),                ABC,                     real),
    ("softmax a over 0",      lambda a: a.softmax(0),               ABC,                     real),
    ("softmax a over 1",      lambda a: a.softmax(axis=1),          ABC,                     real),
    ("softmax a (random shape)", lambda a: a.softmax(),             X1,                      real),
    ("log_softmax a",         lambda a: a.log_softmax(),            ABC,                     real),
    ("log_softmax a over 0 (random shape)", lambda a: a.log_softmax(0), X1,                  real),
    ("log_softmax a over 0",  lambda a: a.log_softmax(0),           ABC,                     real),
    ("log_softmax a over -2", lambda a: a.log_softmax(axis=-2),     ABC,                     real),
    # ---- moving entries around
    ("reshape (6, 4)",        lambda a: a.reshape(6, 4),            ABC,                     real),
    ("reshape ((4, -1))",     lambda a: a.reshape((4, -1)),         ABC,                     real),
    ("reshape 1×1 to ()",     lambda a: a.reshape(()),              [(1, 1)],                real),
    ("transpose()",           lambda a: a.transpose(),              ABC,                     real),
    ("transpose(2, 0, 1)",    lambda a: a.transpose(2, 0, 1),       ABC,                     real),
    ("transpose((1, 0, 2))",  lambda a: a.transpose((1, 0, 2)),     ABC,                     real),
    ("transpose(-1, 0, 1)",   lambda a: a.transpose(-1, 0, 1),      ABC,                     real),
    ("aᵀ",                    lambda a: a.T,                        [(3, 4)],                real),
    ("flatten",               lambda a: a.flatten(),                ABC,                     real),
    ("flatten(1)",            lambda a: a.flatten(1),               ABC,                     real),
    ("a[1]",                  lambda a: a[1],                       [(3, 4)],                real),
    ("a[-1, 2]",              lambda a: a[-1, 2],                   [(3, 4)],                real),
    ("a[:, 1:3]",             lambda a: a[:, 1:3],                  [(3, 4)],                real),
    ("a[::-1, ::2]",          lambda a: a[::-1, ::2],               [(3, 4)],                real),
    ("a[..., 0]",             lambda a: a[..., 0],                  ABC,                     real),
    ("a[None, 1]",            lambda a: a[None, 1],                 [(3, 4)],                real),
    ("a[[0, 2, 0, 0]]",       lambda a: a[np.array([0, 2, 0, 0])],  [(3, 4)],                real),
    ("a[:, [1, 1, 3]]",       lambda a: a[:, [1, 1, 3]],            [(3, 4)],                real),
    ("a[[0, 0], [2, 2]]",     lambda a: a[[0, 0], [2, 2]],          [(3, 4)],                real),
    ("a[mask]",               lambda a: a[MASK],                    [(3, 4)],                real),
    ("a[Tensor(mask)]",       lambda a: a[Tensor(MASK)],            [(3, 4)],                real),
    # ---- joining, choosing
    ("[a, b, c] along 0",     lambda a, b, c: tg.concatenate([a, b, c]),          [(1, 3), (2, 3), (3, 3)], real),
    ("[a, b] along 1",        lambda a, b: tg.concatenate([a, b], axis=1),        [(2, 1, 2), (2, 3, 2)],  real),
    ("[a, b] along -1",       lambda a, b: tg.concatenate((a, b), axis=-1),       [(2, 3), (2, 2)],        real),
    ("[a, constant] along 0", lambda a: tg.concatenate([a, np.ones((1, 3))]),     [(2, 3)],                real),
    ("stack(a, b, c)",        lambda a, b, c: tg.stack([a, b, c]),                [(2, 3)] * 3,            real),
    ("stack(a, b) along 1",   lambda a, b: tg.stack([a, b], axis=1),              [(2, 3)] * 2,            real),
    ("stack(a, b) along -1",  lambda a, b: tg.stack([a, b], axis=-1),             [(2, 3)] * 2,            real),
    ("where(c, a, b)",        lambda a, b: tg.where(COND, a, b),                  [(2, 3), (3,)],          real),
    ("where(c, a, 0)",        lambda a: tg.where(COND, a, 0.0),                   [(1, 3)],                real),
    ("where(a > 0, a, 2a)",   lambda a: tg.where(a > 0, a, 2 * a),                [(3, 4)],                nonzero),
    *NEW_OPS,
    # ---- a few compositions
    ("Σ (a - b)² / n",        lambda a, b: ((a - b) ** 2).mean(),                 B2,                      real),
    ("σ(x W + b)",            lambda x, w, b: (x @ w + b).sigmoid(),              [(4, 3), (3, 2), (2,)],  real),
    ("-Σ log_softmax(z)[y]",  lambda z: -z.log_softmax()[[0, 1, 2], [1, 0, 1]].sum(), [(3, 2)],           real),
]

SEEDS = 4   # random-shape rows run on this many random shapes


def _cases():
    for row, (name, f, shapes, domain) in enumerate(CATALOGUE):
        for seed in range(SEEDS if callable(shapes) else 1):
            rng = np.random.default_rng([row, seed])
            shape_list = shapes(rng) if callable(shapes) else shapes
            yield pytest.param(f, shape_list, domain, seed, id=f"{name} {' '.join(map(str, shape_list))}")


@pytest.mark.parametrize("f, shapes, domain, seed", list(_cases()))
def test_gradient_matches_central_differences(f, shapes, domain, seed):
    rng = np.random.default_rng(1000 + seed)
    arrays = [np.asarray(domain(rng, s), dtype=np.float64) for s in shapes]
    xs = [Tensor(a, requires_grad=True) for a in arrays]           # float64: NumPy arrays keep their dtype
    out = f(*xs)
    w = rng.standard_normal(out.shape)                             # L = Σ w · f(xs)
    out.backward(w)

    def loss(*values):
        with tg.no_grad():
            return float((f(*[Tensor(np.asarray(v, dtype=np.float64)) for v in values]).data * w).sum())

    expected = central_difference(loss, *arrays)
    for i, (x, g) in enumerate(zip(xs, expected)):
        assert isinstance(x.grad, np.ndarray), f"input {i}: grad is a {type(x.grad).__name__}, not an ndarray"
        assert (x.grad.shape, x.grad.dtype) == (x.shape, np.float64), f"input {i}"
        assert_close(x.grad, g, f"∂L/∂input{i} (shape {x.shape})")


# ---- forward values that have a closed form -------------------------------------------------------

@pytest.mark.parametrize("logits", [[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0], [1000.0, 1000.0, 1000.0]])
def test_softmax_and_log_softmax_are_finite_for_huge_logits(logits):
    for dtype in (np.float32, np.float64):
        x = Tensor(np.array(logits, dtype=dtype), requires_grad=True)
        shifted = np.array(logits) - max(logits)                   # softmax is shift-invariant
        p_expected = np.exp(shifted) / np.exp(shifted).sum()
        p = x.softmax()
        lp = x.log_softmax()
        assert np.all(np.isfinite(p.data)) and np.all(np.isfinite(lp.data))
        assert_close(p.data, p_expected, "softmax", rtol=1e-6, atol=1e-30)
        assert_close(lp.data, shifted - np.log(np.exp(shifted).sum()), "log_softmax", rtol=1e-6)
        (lp * Tensor(np.array([1.0, 0.0, 0.0], dtype=dtype))).sum().backward()   # ∂lp₀/∂x = e₀ - p
        assert np.all(np.isfinite(x.grad))
        assert_close(x.grad, np.array([1.0, 0.0, 0.0]) - p_expected, "∂ log_softmax₀ / ∂x", rtol=1e-6, atol=1e-7)


def test_max_and_min_ties_share_the_gradient():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [[0, 0.5, 0.5], [0, 0, 0]]
    x.zero_grad()
    x.max(axis=1).sum().backward()
    assert np.allclose(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    x.zero_grad()
    x.min(axis=1, keepdims=True).sum().backward()
    assert np.allclose(x.grad, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    a, b = Tensor(np.array([1.0, 2.0]), requires_grad=True), Tensor(np.array([1.0, 0.0]), requires_grad=True)
    tg.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 1.0] and b.grad.tolist() == [0.5, 0.0]


def test_repeated_indices_accumulate():
    x = Tensor(np.arange(4.0), requires_grad=True)
    x[np.array([3, 0, 3, 3])].sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 0.0, 3.0]


# ---- dtypes -------------------------------------------------------------------------------------

def test_dtype_follows_pytorch():
    assert Tensor(1.5).dtype == np.float32                           # Python float
    assert Tensor([1.0, 2.0]).dtype == np.float32                    # list of floats
    assert Tensor([[1, 2.5]]).dtype == np.float32
    assert Tensor(np.array([1.0])).dtype == np.float64               # NumPy float64 kept
    assert Tensor(np.float64(2.0)).dtype == np.float64
    assert Tensor(np.array([1.0], dtype=np.float16)).dtype == np.float16
    assert Tensor([1, 2]).dtype.kind == "i"                          # integers stay integers
    assert Tensor([True, False]).dtype == bool
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64      # unless a dtype is asked for
    with pytest.raises(TypeError, match="requires_grad"):
        Tensor([1, 2], requires_grad=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_survives_python_numbers_and_reaches_grad(dtype):
    x = Tensor(np.array([[0.5, 1.5, 2.0]], dtype=dtype), requires_grad=True)
    ys = [2 * x, x * 0.5, 1 - x, x - 1, x / 3, 3 / x, x ** 2, 2 ** x, -x, x.exp(), x.sigmoid(),
          x.clip(0, 1), x.leaky_relu(0.1), tg.maximum(x, 1.0), tg.where(x > 1, x, 0.0), x.mean(),
          x.softmax(), x @ np.ones(3, dtype=dtype), x[0, 1:], x.max(0)]
    for y in ys:
        assert y.dtype == dtype, f"{y.op.name}: {y.dtype}"
        y.backward(np.ones(y.shape, dtype=dtype))
        assert isinstance(x.grad, np.ndarray) and (x.grad.shape, x.grad.dtype) == (x.shape, dtype), y.op.name
        assert isinstance(y.grad, np.ndarray) and (y.grad.shape, y.grad.dtype) == (y.shape, dtype), y.op.name


def test_grad_has_the_shape_and_dtype_of_a_broadcast_leaf():
    b = Tensor(np.zeros((1, 3), dtype=np.float32), requires_grad=True)
    x = Tensor(np.ones((4, 2, 3)))                                   # float64
    (x * b).sum().backward()
    assert (b.grad.shape, b.grad.dtype) == ((1, 3), np.float32)
    assert b.grad.tolist() == [[8.0, 8.0, 8.0]]
    s = Tensor(np.float64(2.0), requires_grad=True)                  # 0-d, used twice
    (s * s * x).sum().backward()
    assert isinstance(s.grad, np.ndarray) and s.grad.shape == () and s.grad == 2 * 2.0 * 24


def test_numbers_and_arrays_on_either_side():
    t = Tensor(np.array([1.0, 2.0, 4.0]), requires_grad=True)
    arr = np.array([2.0, 4.0, 8.0])
    for y, expected, dy_dt in [(2 * t, [2, 4, 8], [2, 2, 2]),
                               (1 - t, [0, -1, -3], [-1, -1, -1]),
                               (t / arr, [0.5, 0.5, 0.5], 1 / arr),
                               (arr * t, [2, 8, 32], arr),
                               (arr / t, [2, 2, 2], -arr / t.data ** 2),
                               (arr - t, [1, 2, 4], [-1, -1, -1]),
                               (arr @ t, 42, arr)]:
        assert isinstance(y, Tensor)
        assert_close(y.data, expected, "value")
        t.zero_grad()
        y.sum().backward()
        assert_close(t.grad, dy_dt)


def test_intermediate_tensor_grads_and_leaf_accumulation():
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    h = x * 3.0
    (h * h).sum().backward()                                         # ∂/∂h = 2h
    assert h.grad.tolist() == [6.0, -12.0] and x.grad.tolist() == [18.0, -36.0]
    h.sum().backward()
    assert h.grad.tolist() == [1.0, 1.0]                             # the latest walk only
    assert x.grad.tolist() == [21.0, -33.0]                          # leaves add up
    x.zero_grad()
    assert x.grad is None


def test_no_grad_tensor():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with tg.no_grad():
        y = (x * 2).sum()
    assert (y.requires_grad, y.op, y.inputs) == (False, None, ())
    d = x.detach()
    assert d.data is x.data and not d.requires_grad and d.op is None
