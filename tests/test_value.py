"""`Value`, the scalar node: every op's derivative against central differences, and the rules of the walk."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Value
from numeric import assert_close, central_difference

# ---- the catalogue: (name, f, points to check at) -------------------------------------------------
# f works on plain floats and on Values alike; the points avoid the kinks (|x| at 0, relu at 0)
# and the edges of the domains (log, sqrt at 0; a power's base ≤ 0).

CATALOGUE = [
    ("a + b",          lambda a, b: a + b,                 [(1.5, -0.7), (-2.0, 3.0)]),
    ("a - b",          lambda a, b: a - b,                 [(1.5, -0.7), (-2.0, 3.0)]),
    ("a · b",          lambda a, b: a * b,                 [(1.5, -0.7), (-2.0, 3.0)]),
    ("a / b",          lambda a, b: a / b,                 [(1.5, -0.7), (-2.0, 3.0)]),
    ("aᵇ",             lambda a, b: a ** b,                [(1.5, -0.7), (0.3, 2.5), (2.0, 3.0)]),
    ("x³",             lambda x: x ** 3,                   [(-1.3,), (0.7,)]),
    ("x⁻¹ᐟ²",          lambda x: x ** -0.5,                [(0.4,), (2.2,)]),
    ("2ˣ",             lambda x: 2 ** x,                   [(-1.3,), (0.7,)]),
    ("2·x",            lambda x: 2 * x,                    [(-1.3,), (0.7,)]),
    ("x·2",            lambda x: x * 2,                    [(-1.3,), (0.7,)]),
    ("1 - x",          lambda x: 1 - x,                    [(-1.3,), (0.7,)]),
    ("x - 1",          lambda x: x - 1,                    [(-1.3,), (0.7,)]),
    ("1 + x",          lambda x: 1 + x,                    [(-1.3,), (0.7,)]),
    ("3 / x",          lambda x: 3 / x,                    [(-1.3,), (0.7,)]),
    ("x / 3",          lambda x: x / 3,                    [(-1.3,), (0.7,)]),
    ("-x",             lambda x: -x,                       [(-1.3,), (0.7,)]),
    ("eˣ",             lambda x: _f(x, "exp"),             [(-1.3,), (0.7,)]),
    ("ln x",           lambda x: _f(x, "log"),             [(0.3,), (4.0,)]),
    ("√x",             lambda x: _f(x, "sqrt"),            [(0.3,), (4.0,)]),
    ("|x|",            lambda x: _f(x, "abs"),             [(-1.3,), (0.7,)]),
    ("tanh x",         lambda x: _f(x, "tanh"),            [(-1.3,), (0.7,)]),
    ("σ(x)",           lambda x: _f(x, "sigmoid"),         [(-1.3,), (0.7,), (-30.0,)]),
    ("relu x",         lambda x: _f(x, "relu"),            [(-1.3,), (0.7,)]),
    ("leaky_relu x",   lambda x: _f(x, "leaky_relu", 0.1), [(-1.3,), (0.7,)]),
    ("sin x",          lambda x: _f(x, "sin"),             [(-1.3,), (0.7,)]),
    ("cos x",          lambda x: _f(x, "cos"),             [(-1.3,), (0.7,)]),
    ("tan x",          lambda x: _f(x, "tan"),             [(-1.3,), (0.7,)]),
    ("arctan x",       lambda x: _f(x, "arctan"),          [(-1.3,), (0.7,)]),
    ("sinh x",         lambda x: _f(x, "sinh"),            [(-1.3,), (0.7,), (1e-3,)]),
    ("cosh x",         lambda x: _f(x, "cosh"),            [(-1.3,), (0.7,)]),
    ("log1p x",        lambda x: _f(x, "log1p"),           [(-0.5,), (0.7,)]),
    ("expm1 x",        lambda x: _f(x, "expm1"),           [(-1.3,), (0.7,)]),
    ("erf x",          lambda x: _f(x, "erf"),             [(-1.3,), (0.7,)]),
    ("x²",             lambda x: _f(x, "square"),          [(-1.3,), (0.7,)]),
    ("x.pow(2.5)",     lambda x: _f(x, "pow", 2.5),        [(0.4,), (2.2,)]),
    ("softplus x",     lambda x: _f(x, "softplus"),        [(-1.3,), (0.7,), (30.0,)]),
    ("gelu x",         lambda x: _f(x, "gelu"),            [(-1.3,), (0.7,)]),
    ("gelu x, tanh",   lambda x: _f(x, "gelu", "tanh"),    [(-1.3,), (0.7,)]),
    ("silu x",         lambda x: _f(x, "silu"),            [(-1.3,), (0.7,)]),
    ("x·x + x",        lambda x: x * x + x,                [(-1.3,), (0.7,)]),
    ("ln(1+eᵃᵇ) / b",  lambda a, b: _f(1 + _f(a * b, "exp"), "log") / b, [(0.5, -2.0)]),
]


def _f(x, name, *args):
    """x.name(*args) for a Value; the same function for a float, from NumPy."""
    if isinstance(x, Value):
        return getattr(x, name)(*args)
    floats = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "abs": abs, "tanh": math.tanh,
              "sigmoid": lambda v: 1 / (1 + math.exp(-v)), "relu": lambda v: max(v, 0.0),
              "leaky_relu": lambda v, s: v if v > 0 else s * v,
              "sin": math.sin, "cos": math.cos, "tan": math.tan, "arctan": math.atan, "sinh": math.sinh,
              "cosh": math.cosh, "log1p": math.log1p, "expm1": math.expm1, "erf": math.erf,
              "square": lambda v: v * v, "pow": lambda v, p: v ** p,
              "softplus": lambda v: math.log1p(math.exp(v)), "silu": lambda v: v / (1 + math.exp(-v)),
              "gelu": lambda v, approximate="none": (
                  v / 2 * (1 + math.erf(v / math.sqrt(2))) if approximate == "none"
                  else v / 2 * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3))))}
    return floats[name](x, *args)


CASES = [pytest.param(f, point, id=f"{name} at {point}") for name, f, points in CATALOGUE for point in points]


@pytest.mark.parametrize("f, point", CASES)
def test_value_gradient_matches_central_differences(f, point):
    xs = [Value(p) for p in point]
    out = f(*xs)
    assert_close(out.data, f(*point), "forward", rtol=1e-12, atol=1e-12)
    out.backward()
    expected = central_difference(f, *point)
    for i, (x, g) in enumerate(zip(xs, expected)):
        assert_close(x.grad, g, f"∂f/∂x{i}")


def test_value_exponent_differentiates_both_base_and_exponent():
    a, b = Value(3.0), Value(2.0)
    (a ** b).backward()
    assert a.grad == pytest.approx(2.0 * 3.0)                  # ∂(aᵇ)/∂a = b·aᵇ⁻¹
    assert b.grad == pytest.approx(9.0 * math.log(3.0))        # ∂(aᵇ)/∂b = aᵇ ln a


def test_numbers_on_either_side_are_constants_without_gradient():
    x = Value(3.0)
    for y, dy_dx in [(2 * x, 2.0), (x * 2, 2.0), (1 - x, -1.0), (x - 1, 1.0), (6 / x, -6 / 9),
                     (x / 2, 0.5), (2 ** x, 8 * math.log(2)), (x ** 2, 6.0), (1 + x, 1.0)]:
        x.zero_grad()
        y.backward()
        assert x.grad == pytest.approx(dy_dx)
        assert [type(i) for i in y.inputs] == [Value, Value]
        assert [i.requires_grad for i in y.inputs].count(False) == 1


def test_numpy_scalars_on_either_side_give_values():
    x = Value(3.0)
    for y in [np.float64(2.0) * x, x * np.float32(2.0), np.int64(2) * x]:
        assert type(y) is Value and y.data == 6.0
        x.zero_grad()
        y.backward()
        assert x.grad == 2.0


def test_values_combine_only_with_numbers():
    with pytest.raises(TypeError, match="got str"):
        Value(1.0) + "2"


# ---- how the walk adds gradients up -------------------------------------------------------------

def test_a_node_used_twice_gets_the_sum_of_both_paths():
    a = Value(3.0)
    b = a + a                      # db/da = 1 + 1
    b.backward()
    assert a.grad == 2.0
    a = Value(3.0)
    c = a * a                      # dc/da = a + a
    c.backward()
    assert a.grad == 6.0
    x = Value(-2.0)
    d = x * 3.0
    e = d * d + d.tanh()           # de/dd = 2d + (1 - tanh² d), de/dx = 3 · de/dd
    e.backward()
    assert d.grad == pytest.approx(2 * -6.0 + 1 - math.tanh(-6.0) ** 2)
    assert x.grad == pytest.approx(3 * d.grad)


def test_leaf_gradients_accumulate_across_backward_calls_until_zero_grad():
    x = Value(2.0)
    y = x * x                      # dy/dx = 4
    y.backward()
    assert x.grad == 4.0
    y.backward()
    assert x.grad == 8.0           # added, as in PyTorch
    x.zero_grad()
    assert x.grad == 0.0
    y.backward()
    assert x.grad == 4.0


def test_intermediate_nodes_hold_the_latest_backward_gradient():
    # autograd.py's decision: leaves accumulate, intermediates show the most recent backward
    x = Value(2.0)
    h = x * 3.0                    # an intermediate
    (h * 5.0).backward()
    assert h.grad == 5.0
    (h * 7.0).backward()
    assert h.grad == 7.0           # replaced, not 12
    assert x.grad == 3 * 5.0 + 3 * 7.0
    y = h * 1.0
    y.backward()
    y.backward()
    assert y.grad == 1.0           # the output too is an intermediate of its own walk
    assert h.grad == 1.0


def test_backward_seed_scales_every_gradient():
    x = Value(2.0)
    y = x * x
    y.backward(0.5)
    assert (y.grad, x.grad) == (0.5, 2.0)


def test_no_grad_records_nothing():
    x = Value(2.0)
    with tg.no_grad():
        y = x * 3.0 + 1.0
        assert not tg.is_grad_enabled()
        with tg.enable_grad():
            z = x * 3.0
    assert tg.is_grad_enabled()
    assert y.data == 7.0
    assert (y.op, y.inputs, y.requires_grad) == (None, (), False)
    assert z.op is tg.ops.mul and z.inputs[0] is x
    w = y * x                      # y is a constant now: only x is recorded to need a gradient
    w.backward()
    assert x.grad == 7.0 and y.grad == 0.0


def test_value_records_op_inputs_in_argument_order():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = b / a
    assert c.op is tg.ops.div and c.inputs == (b, a)
    assert c.data == 2.0 and a.label == "a"


# ---- known numbers ------------------------------------------------------------------------------

def test_micrograd_neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.backward()
    assert out.data == pytest.approx(0.7071, abs=5e-5)
    assert out.data == pytest.approx(math.sqrt(0.5), rel=1e-12)   # b was chosen so that tanh(n) = 1/√2
    assert x1.grad == pytest.approx(-1.5, rel=1e-12)   # w1 · (1 - out²) = -3 · 0.5
    assert w1.grad == pytest.approx(1.0, rel=1e-12)    # x1 · 0.5
    assert x2.grad == pytest.approx(0.5, rel=1e-12)    # w2 · 0.5
    assert w2.grad == 0.0                              # x2 · 0.5 = 0
    assert b.grad == pytest.approx(0.5, rel=1e-12)


def test_course_worked_example_line_fit():
    # y = m·x + b on the points (1, 3), (2, 5), from m = -1, b = 5:
    # predictions 4, 3; errors 1, -2; MSE = (1 + 4)/2 = 2.5
    # ∂MSE/∂m = (2·1·1 + 2·(-2)·2)/2 = -3,  ∂MSE/∂b = (2·1 + 2·(-2))/2 = -1
    m, b = Value(-1.0, label="m"), Value(5.0, label="b")
    points = [(1.0, 3.0), (2.0, 5.0)]
    mse = sum(((m * x + b) - y) ** 2 for x, y in points) / len(points)
    mse.backward()
    assert mse.data == 2.5
    assert m.grad == -3.0
    assert b.grad == -1.0


def test_value_follows_numpy_at_the_edges_of_domains():
    # no math.domain error: log(0) = -inf, log(-1) = nan, as NumPy (with its warning)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert Value(0.0).log().data == -math.inf
        assert math.isnan(Value(-1.0).log().data)
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).sigmoid().data == 0.0      # no overflow in e^1000


def test_value_rejects_non_numbers():
    with pytest.raises(TypeError, match="Value\\(data\\).*str 'abc'"):
        Value("abc")


# ---- the scalar hot path is the general path, only faster ------------------------------------------
# Value records its ops without `apply`'s argument packing and backward walks scalar graphs by the
# partials directly; counting ops sends both through the general code, so the two can be compared.

def _mixed_graph(a: Value, b: Value, c: Value) -> Value:
    h = (a * b + 2.0).tanh() - 1.5 / (c * c + 1) + (a - 3).relu() * b.sigmoid()
    h = h + (b * 0.5).exp() * (c.abs() + 1).log() + (a * a + 1).sqrt() + (-c).leaky_relu(0.1)
    return h * h + 2 ** (a * 0.25) + (b + 3.0) ** 1.5


@pytest.mark.parametrize("point", [(0.3, -1.2, 2.0), (4.1, 0.6, -0.9), (-2.0, 2.5, 0.0)])
def test_fast_scalar_path_equals_the_general_path_bit_for_bit(point):
    fast = [Value(p) for p in point]
    out_fast = _mixed_graph(*fast)
    out_fast.backward()
    general = [Value(p) for p in point]
    with tg.count_ops():                       # forces apply() and the general walk
        out_general = _mixed_graph(*general)
        out_general.backward()
    assert out_fast.data == out_general.data
    assert [v.grad for v in fast] == [v.grad for v in general]


def test_fast_scalar_path_hands_tangents_to_the_general_path():
    x = tg.Dual(0.5, 1.0)                      # d/dx of x·x·3 + x at 0.5 = 6x + 1 = 4
    y = 3 * (x * x) + x
    assert y.tangent == 4.0 and y.op is None    # a Dual records no graph


def test_scalar_backward_accumulates_into_leaves_and_resets_intermediates():
    x = Value(2.0)
    y = x * x                                   # dy/dx = 4
    y.backward()
    y.backward()
    assert x.grad == 8.0                        # leaves accumulate, as in PyTorch
    assert y.grad == 1.0                        # an intermediate keeps only the latest call
    x.grad = None                               # a cleared leaf (PyTorch's set_to_none) starts again
    y.backward()
    assert x.grad == 4.0
