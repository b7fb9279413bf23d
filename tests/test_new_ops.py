"""Issue 14's operations beyond first order: second derivatives, forward mode, Value against Tensor,
and the edge points PyTorch defines (first-order gradients against central differences are rows of
test_tensor_grads.CATALOGUE; against torch, rows of test_torch_oracle.ORACLE)."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, Value, jvp, vjp
from numeric import assert_close
from test_tensor_grads import NEW_OPS

rng = np.random.default_rng(14)


def _case(row, seed=0):
    name, f, shapes, domain = row
    r = np.random.default_rng([len(name), seed])
    shape_list = shapes(r) if callable(shapes) else shapes
    return f, [np.asarray(domain(r, s), dtype=np.float64) for s in shape_list], r


ROWS = [pytest.param(row, id=row[0]) for row in NEW_OPS]


def _grads(f, arrays, w):
    """∂(Σ w · f)/∂x for every input, first order (numbers)."""
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    f(*xs).backward(w)
    return [x.grad for x in xs]


@pytest.mark.parametrize("row", ROWS)
def test_second_derivative_matches_central_differences_of_the_first(row):
    """H v from backward(create_graph=True) then backward again, against (∇L(x + hv) - ∇L(x - hv)) / 2h."""
    f, arrays, r = _case(row)
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = f(*xs)
    w = r.standard_normal(out.shape)
    vs = [r.standard_normal(a.shape) for a in arrays]
    out.backward(w, create_graph=True)
    first = [x.grad for x in xs]
    for x in xs:
        x.zero_grad()
    s = tg.stack([(g * v).sum() for g, v in zip(first, vs)]).sum()
    if s.requires_grad:                       # a linear op's gradient does not depend on x
        s.backward()
    h = 1e-5
    up = _grads(f, [a + h * v for a, v in zip(arrays, vs)], w)
    down = _grads(f, [a - h * v for a, v in zip(arrays, vs)], w)
    for i, (x, u, d) in enumerate(zip(xs, up, down)):
        actual = np.zeros(x.shape) if x.grad is None else x.grad
        assert_close(actual, (u - d) / (2 * h), f"(H v) for input{i}", rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("row", ROWS)
def test_forward_mode_agrees_with_reverse_mode(row):
    """u · (J v) from jvp equals (uᵀ J) · v from vjp, for random u and v."""
    f, arrays, r = _case(row, seed=1)
    vs = [r.standard_normal(a.shape) for a in arrays]
    out, Jv = jvp(f, arrays, vs)
    u = r.standard_normal(np.shape(out))
    out2, vjp_fn = vjp(f, *arrays)
    uJ = vjp_fn(u)
    np.testing.assert_array_equal(out, out2)
    assert np.sum(u * Jv) == pytest.approx(sum(np.sum(g * v) for g, v in zip(uJ, vs)), rel=1e-12, abs=1e-12)


# ---- Value and a 0-d Tensor: the same methods, the same numbers to the last bit -------------------

METHODS = ["sin", "cos", "tan", "arctan", "sinh", "cosh", "log1p", "expm1", "erf", "square", "softplus",
           "gelu", "silu"]


@pytest.mark.parametrize("name", METHODS)
@pytest.mark.parametrize("x", [-2.5, -0.3, 0.0, 1e-9, 0.7, 3.0])
def test_value_and_0d_tensor_agree_bit_for_bit(name, x):
    v = Value(x)
    t = Tensor(np.float64(x), requires_grad=True)
    with np.errstate(all="ignore"):
        vo, to = getattr(v, name)(), getattr(t, name)()
        vo.backward()
        to.backward()
    assert t.dtype == to.dtype == np.float64
    assert vo.data == to.data.item() or (math.isnan(vo.data) and np.isnan(to.data))
    assert v.grad == t.grad.item() or (math.isnan(v.grad) and np.isnan(t.grad))


def test_value_methods_against_math():
    x = 0.37
    for name, expected, slope in [("sin", math.sin(x), math.cos(x)), ("cos", math.cos(x), -math.sin(x)),
                                  ("tan", math.tan(x), 1 / math.cos(x) ** 2), ("arctan", math.atan(x), 1 / (1 + x * x)),
                                  ("sinh", math.sinh(x), math.cosh(x)), ("cosh", math.cosh(x), math.sinh(x)),
                                  ("log1p", math.log1p(x), 1 / (1 + x)), ("expm1", math.expm1(x), math.exp(x)),
                                  ("erf", math.erf(x), 2 / math.sqrt(math.pi) * math.exp(-x * x)),
                                  ("square", x * x, 2 * x)]:
        v = Value(x)
        y = getattr(v, name)()
        y.backward()
        assert (y.data, v.grad) == (pytest.approx(expected, rel=1e-15), pytest.approx(slope, rel=1e-14)), name


# ---- edge points, as torch 2.13 gives them ----------------------------------------------------------

@pytest.mark.parametrize("make", [Value, lambda v: Tensor(np.float64(v), requires_grad=True)], ids=["Value", "Tensor"])
@pytest.mark.parametrize("a, b, da, db", [
    (0.0, 0.0, 0.0, 0.0),                       # x⁰ at 0: torch 0 and 0 (0·0⁻¹ was nan)
    (3.0, 0.0, 0.0, math.log(3.0)),             # x⁰ elsewhere: 0; ∂/∂y = 1 · ln 3
    (0.0, 2.0, 0.0, 0.0),                       # 0²: ∂/∂y = 0 (torch 0.0)
    (0.0, 0.5, math.inf, 0.0),                  # √0: ∂/∂x = inf, ∂/∂y = 0 (torch inf, 0.0)
    (0.0, -1.0, -math.inf, -math.inf),          # 0⁻¹: torch -inf and -inf
    (-2.0, 2.0, -4.0, math.nan),                # a negative base: ∂/∂y = 4 · ln(-2) = nan, as torch
])
def test_pow_at_the_edges_as_torch(make, a, b, da, db):
    x, y = make(a), make(b)
    with np.errstate(all="ignore"):
        (x ** y).backward()
    for got, want in [(float(x.grad), da), (float(y.grad), db)]:
        assert got == want or (math.isnan(got) and math.isnan(want)), (got, want)


def test_x_to_the_zero_has_zero_gradient_for_every_x_including_zero():
    x = Tensor(np.array([0.0, -1.0, 2.0, 1e-300]), requires_grad=True)
    with np.errstate(all="ignore"):
        (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(4))


@pytest.mark.parametrize("a, b, da, db", [
    (math.nan, 1.0, 1.0, 1.0),                  # torch.maximum(nan, 1): both get the gradient
    (1.0, math.nan, 1.0, 1.0),
    (1.0, 1.0, 0.5, 0.5),                       # a tie splits it
    (2.0, 1.0, 1.0, 0.0),
])
def test_maximum_and_minimum_pass_the_gradient_as_torch(a, b, da, db):
    for op in (tg.maximum, tg.minimum):
        x, y = (Tensor(np.float64(v), requires_grad=True) for v in (a, b))
        op(x, y).backward()
        if op is tg.minimum and a != b and not (math.isnan(a) or math.isnan(b)):
            da, db = db, da                     # the smaller one wins
        assert (x.grad.item(), y.grad.item()) == (da, db), op.__name__


@pytest.mark.parametrize("x, expected", [
    ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),         # one zero: it gets the product of the others
    ([2.0, 0.0, 0.0, 3.0], [0.0, 0.0, 0.0, 0.0]),   # two zeros: every gradient is 0
    ([0.0], [1.0]),
    ([2.0, 5.0, -1.0, 4.0, 0.5], [-10.0, -4.0, 20.0, -5.0, -40.0]),
])
def test_prod_gradient_is_exact_where_entries_are_zero(x, expected):
    t = Tensor(np.array(x), requires_grad=True)
    t.prod().backward()
    np.testing.assert_array_equal(t.grad, expected)


def test_prod_second_derivative_with_a_zero():
    t = Tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
    t.prod().backward(create_graph=True)
    g = t.grad
    t.zero_grad()
    g[1].backward()                             # ∂/∂x (x₀ x₂) = (x₂, 0, x₀)
    np.testing.assert_array_equal(t.grad, [3.0, 0.0, 2.0])


def test_prod_of_an_empty_axis_is_one():
    t = Tensor(np.ones((2, 0)), requires_grad=True)
    out = t.prod(1)
    np.testing.assert_array_equal(out.data, [1.0, 1.0])
    out.sum().backward()
    assert t.grad.shape == (2, 0)


def test_norm_at_zero_has_zero_gradient_as_torch():
    t = Tensor(np.array([[0.0, 0.0], [3.0, 4.0]]), requires_grad=True)
    n = t.norm(axis=1)
    np.testing.assert_array_equal(n.data, [0.0, 5.0])
    n.sum().backward()
    np.testing.assert_allclose(t.grad, [[0.0, 0.0], [0.6, 0.8]], rtol=1e-15)
    for ord_ in (1, 3, np.inf):
        z = Tensor(np.zeros(3), requires_grad=True)
        z.norm(ord_).backward()
        np.testing.assert_array_equal(z.grad, np.zeros(3))


def test_logsumexp_and_softplus_are_stable_at_1000():
    x = Tensor(np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0]]), requires_grad=True)
    out = x.logsumexp(1)
    np.testing.assert_allclose(out.data, [1000.0, -999.0 + math.log1p(2 * math.exp(-1.0))], rtol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, x.softmax(1).data, rtol=1e-15)
    y = Tensor(np.array([1000.0, -1000.0, 0.0]), requires_grad=True)
    s = y.softplus()
    np.testing.assert_array_equal(s.data, [1000.0, 0.0, math.log(2.0)])
    s.sum().backward()
    np.testing.assert_array_equal(y.grad, [1.0, 0.0, 0.5])


def test_logsumexp_of_minus_infinity():
    x = Tensor(np.array([-np.inf, -np.inf]))
    with np.errstate(divide="ignore"):          # log 0, as np.log gives it
        assert x.logsumexp().item() == -np.inf


def test_argmax_and_argmin_give_integer_tensors_without_gradient():
    x = Tensor(np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]]), requires_grad=True)
    i = x.argmax(1)
    assert i.dtype.kind == "i" and not i.requires_grad and i.op is None
    np.testing.assert_array_equal(i.data, [1, 0])
    np.testing.assert_array_equal(x.argmin(axis=0, keepdims=True).data, [[0, 1, 0]])
    assert x.argmax().item() == 3
    with pytest.raises(ValueError, match="argmax: axis 2 is out of range"):
        x.argmax(2)


def test_squeeze_and_expand_dims_shapes_and_errors():
    x = Tensor(np.zeros((1, 3, 1)))
    assert x.squeeze().shape == (3,)
    assert x.squeeze((0, 2)).shape == (3,)
    assert x.expand_dims((0, -1)).shape == (1, 1, 3, 1, 1)
    assert x.unsqueeze(2).shape == np.expand_dims(x.data, 2).shape
    with pytest.raises(ValueError, match=r"squeeze: axis 1 of shape \(1, 3, 1\) has length 3, not 1"):
        x.squeeze(1)
    with pytest.raises(ValueError, match="expand_dims: axis 5 is out of range"):
        x.expand_dims(5)


def test_cumsum_matches_numpy_forward_and_its_transpose_backward():
    a = rng.standard_normal((3, 4))
    t = Tensor(a, requires_grad=True)
    out = t.cumsum(1)
    np.testing.assert_array_equal(out.data, np.cumsum(a, 1))
    w = rng.standard_normal((3, 4))
    out.backward(w)
    np.testing.assert_allclose(t.grad, np.cumsum(w[:, ::-1], 1)[:, ::-1], rtol=1e-15)


@pytest.mark.parametrize("subscripts, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]), ("i,i->", [(3,), (3,)]),
    ("ij->ji", [(2, 3)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("ij->", [(2, 3)]), ("ij", [(2, 3)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]), ("...ij,jk", [(2, 2, 3), (3, 4)]), ("...", [(2, 3)]),
    ("i,j->ij", [(2,), (3,)]), ("ij,ij->i", [(2, 3), (2, 3)]), ("i,i,i->", [(3,), (3,), (3,)]),
    ("iij->ji", [(3, 3, 2)]), (",i->i", [(), (3,)]), ("bi,bi->b", [(1, 3), (4, 3)]), ("ba,cb", [(2, 3), (4, 2)]),
])
def test_einsum_matches_numpy(subscripts, shapes):
    arrays = [rng.standard_normal(s) for s in shapes]
    out = tg.einsum(subscripts, *[Tensor(a) for a in arrays])
    expected = np.einsum(subscripts, *arrays)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("subscripts, shapes, message", [
    ("ij,jk->ik", [(2, 3)], "names 2 operand"),
    ("ij,jk->ik", [(2, 3), (4, 5)], "index 'j' has length 3 in one operand and 4 in another"),
    ("ij->k", [(2, 3)], "output index 'k'"),
    ("ijk->i", [(2, 3)], "has 2 dimensions but its subscripts 'ijk' name 3"),
    ("ii->i", [(2, 3)], "repeated index 'i' has lengths 2 and 3"),
    ("...i->i", [(2, 3)], "the output must have '...' too"),
    ("i1->i", [(2, 3)], "cannot read the subscripts"),
])
def test_einsum_errors_name_the_problem(subscripts, shapes, message):
    with pytest.raises(ValueError, match=message):
        tg.einsum(subscripts, *[Tensor(np.ones(s)) for s in shapes])


def test_gelu_refuses_an_unknown_approximation():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh', got 'fast'"):
        Tensor([1.0]).gelu("fast")


def test_new_methods_keep_float32():
    x = Tensor(np.array([0.5, -0.75], dtype=np.float32), requires_grad=True)
    outs = [getattr(x, m)() for m in METHODS] + [x.prod(), x.var(), x.std(), x.norm(), x.logsumexp(), x.cumsum(0),
                                                 tg.minimum(x, 0.1), tg.einsum("i,i->", x, x)]
    assert all(o.dtype == np.float32 for o in outs), [(o.dtype) for o in outs]
    tg.stack([o.sum() for o in outs]).sum().backward()
    assert x.grad.dtype == np.float32


# ---- a user's own primitive written with the xp functions differentiates twice ---------------------

XP_FUNCTIONS = {   # name: its derivative, in NumPy
    "sin": np.cos, "cos": lambda x: -np.sin(x), "tan": lambda x: 1 / np.cos(x) ** 2,
    "arctan": lambda x: 1 / (1 + x * x), "sinh": np.cosh, "cosh": np.sinh,
    "log1p": lambda x: 1 / (1 + x), "expm1": np.exp, "erf": lambda x: 2 / np.sqrt(np.pi) * np.exp(-x * x),
}


@pytest.mark.parametrize("name", XP_FUNCTIONS)
def test_a_user_primitive_written_with_xp_differentiates_twice(name):
    """A primitive whose derivative is xp.<name>(x): its second derivative comes from recording that
    derivative (xp.recorded), so xp.<name> must exist as a differentiable op there."""
    def antiderivative_rule(xp, out, x):
        return getattr(xp, name)(x)
    op = tg.elementwise(f"∫{name}", f"∫ {name} x dx", lambda xp, x: x * 0, antiderivative_rule)
    a = np.array([0.3, -0.6, 1.1])
    x = Tensor(a, requires_grad=True)
    tg.apply(op, x).sum().backward(create_graph=True)
    first = x.grad
    np.testing.assert_allclose(first.data, getattr(np, name)(a) if name != "erf" else [math.erf(v) for v in a],
                               rtol=1e-15)
    x.zero_grad()
    first.sum().backward()
    np.testing.assert_allclose(x.grad, XP_FUNCTIONS[name](a), rtol=1e-13)
    v = Value(0.3)                              # the floats namespace has it too
    tg.apply(op, v).backward()
    assert v.grad == pytest.approx(first.data[0], rel=1e-15)


# ---- which are primitives, which are composed ---------------------------------------------------------

PRIMITIVES = ["sin", "cos", "arctan", "sinh", "cosh", "log1p", "expm1", "erf", "cumsum"]
COMPOSED = ["tan", "square", "softplus", "gelu", "silu", "minimum", "prod", "var", "std", "norm",
            "logsumexp", "squeeze", "expand_dims", "einsum", "clamp", "unsqueeze", "permute"]


def test_the_new_primitives_are_in_the_table_and_the_composed_ops_are_not():
    for name in PRIMITIVES:
        assert isinstance(getattr(tg.ops, name), tg.Op), name
    for name in COMPOSED:
        assert not hasattr(tg.ops, name), name
    x = Tensor(np.array([[0.5, -1.0], [2.0, 0.25]]), requires_grad=True)
    out = (x.tan() + x.sinh() + x.cosh() + x.square() + x.softplus() + x.gelu() + x.silu() + tg.minimum(x, 0.1)
           + x.prod(0) + x.var(0) + x.std(0) + x.norm(axis=0) + x.logsumexp(0) + tg.einsum("ij,jk->k", x, x)).sum()
    used = {node.op.name for node in tg.topological_order(out) if node.op is not None}
    assert used <= {op.name for op in vars(tg.ops).values() if isinstance(op, tg.Op)}   # table entries only
    assert {"sin", "cos", "sinh", "cosh", "erf", "log1p", "@"} <= used


def test_norm_neither_underflows_nor_overflows():
    # ‖x‖ = m·‖x/m‖ with m = max |x|: exact where squaring would underflow (torch's gives 0) or overflow (inf)
    for x, norm in [([3e-295, 0.0], 3e-295), ([1e200, 1e200], 2 ** 0.5 * 1e200), ([3.0, 4.0], 5.0)]:
        t = Tensor(np.array(x), requires_grad=True)
        n = t.norm()
        n.backward()
        assert n.item() == pytest.approx(norm, rel=1e-15)
        np.testing.assert_allclose(t.grad, np.array(x) / norm, rtol=1e-15)
