"""Random expression graphs, from hypothesis, against central differences.

A graph is a small program: leaves x₀, x₁, … then steps, each applying one operation to earlier
nodes (any earlier node, so nodes get reused and gradients must add up along every path). The
output is the sum of all nodes. The same program runs on floats, `Value`s, `Tensor`s and (in
test_torch_oracle.py) torch tensors, because every operation below is written with operators
and methods they share.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu import Tensor, Value
from numeric import assert_close, central_difference

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _is_torch(x) -> bool:
    return type(x).__module__.startswith("torch")


def _sum_last(x):
    """Σ over the last axis, kept as an axis of length 1 (torch spells keepdims `keepdim`)."""
    return _keep_last(x, "sum")


def _keep_last(x, name):
    """x.name over the last axis, kept as an axis of length 1."""
    return getattr(x, name)(-1, keepdim=True) if _is_torch(x) else getattr(x, name)(-1, keepdims=True)


# smooth everywhere, so central differences apply; `kink` marks the ops with a corner at 0
UNARY = {
    "tanh x":      lambda x: x.tanh(),
    "σ(x)":        lambda x: x.sigmoid(),
    "e^tanh x":    lambda x: x.tanh().exp(),
    "ln(1 + x²)":  lambda x: (1 + x * x).log(),
    "√(1 + x²)":   lambda x: (1 + x * x).sqrt(),
    "-x":          lambda x: -x,
    "2x - 1":      lambda x: 2 * x - 1,
    "x / 3":       lambda x: x / 3,
    "x²":          lambda x: x ** 2,
    "relu x":      lambda x: x.relu(),
    "|x|":         lambda x: x.abs(),
    "sin x":       lambda x: x.sin(),
    "cos x":       lambda x: x.cos(),
    "arctan x":    lambda x: x.arctan(),
    "sinh x":      lambda x: x.sinh(),
    "log1p(x²)":   lambda x: (x * x).log1p(),
    "expm1 x":     lambda x: x.expm1(),
    "erf x":       lambda x: x.erf(),
}
KINKS = {"relu x", "|x|", "‖x‖"}
BINARY = {
    "a + b":           lambda a, b: a + b,
    "a - b":           lambda a, b: a - b,
    "a · b":           lambda a, b: a * b,
    "a / (1 + b²)":    lambda a, b: a / (1 + b * b),
    "(1 + a²)^tanh b": lambda a, b: (1 + a * a) ** b.tanh(),
}
# only for tensors: reductions and normalisations (the leaves' shapes all broadcast to (2, 3))
TENSOR_UNARY = {
    "Σ x":              lambda x: x.sum(),
    "mean x":           lambda x: x.mean(),
    "Σ x, last axis":   lambda x: _sum_last(x) if x.ndim else x,
    "softmax x":        lambda x: x.softmax(-1) if x.ndim else x,
    "Π x":              lambda x: x.prod(),
    "‖x‖":              lambda x: x.norm(),
    "logsumexp x, last axis": lambda x: _keep_last(x, "logsumexp") if x.ndim else x,
    "cumsum x, last axis":    lambda x: x.cumsum(-1) if x.ndim else x,
}
SHAPES = [(), (3,), (2, 1), (2, 3)]


def steps(unary):
    """A list of (operation, operand index, operand index); indices are taken modulo the nodes so far."""
    names = sorted(unary) + sorted(BINARY)
    return st.lists(st.tuples(st.sampled_from(names), st.integers(0, 99), st.integers(0, 99)),
                    min_size=1, max_size=8)


def run(program, leaves, unary=UNARY, kink_gap=None):
    """Every node of the program, leaves first. With kink_gap, record min |x| at relu and |x| in it."""
    nodes = list(leaves)
    for name, i, j in program:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        if name in BINARY:
            nodes.append(BINARY[name](a, b))
        else:
            if kink_gap is not None and name in KINKS:
                kink_gap.append(float(np.min(np.abs(_numpy(a)))))
            nodes.append(unary[name](a))
    return nodes


def total(nodes):
    """The output: Σ over every node (summed to a number for tensors)."""
    out = 0
    for n in nodes:
        out = out + (n.sum() if hasattr(n, "ndim") and n.ndim else n)
    return out


def _numpy(x):
    if isinstance(x, (Value, Tensor)):
        return np.asarray(x.data)
    if _is_torch(x):
        return x.detach().numpy()
    return np.asarray(x)


def _tame(nodes, limit=1e3):
    """Values hypothesis may keep: finite and moderate, so central differences are accurate."""
    return all(np.all(np.abs(_numpy(n)) < limit) for n in nodes)


# 0, or at least 1e-100 in size: below that a square underflows, where torch's norm gives 0 (and a
# zero gradient) while ours divides by max |x| first and is exact (an underflow is not what these check)
scalars = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False).filter(lambda v: v == 0 or abs(v) >= 1e-100)


def tensor_leaves():
    """Two to four float64 arrays whose shapes broadcast together."""
    def arrays(shapes):
        return st.tuples(*[hnp.arrays(np.float64, s, elements=scalars) for s in shapes])
    return st.lists(st.sampled_from(SHAPES), min_size=2, max_size=4).flatmap(arrays)


# ---- Value ----------------------------------------------------------------------------------------

@SETTINGS
@given(leaves=st.lists(scalars, min_size=1, max_size=4), program=steps(UNARY))
def test_random_value_graph_matches_central_differences(leaves, program):
    gaps = []
    with np.errstate(all="ignore"):
        nodes = run(program, [Value(v) for v in leaves], kink_gap=gaps)
    assume(_tame(nodes) and all(g > 1e-3 for g in gaps))
    out = total(nodes)
    out.backward()

    def f(*xs):
        with tg.no_grad():
            return total(run(program, [Value(v) for v in xs])).data

    expected = central_difference(f, *leaves)
    for k, (x, g) in enumerate(zip(nodes[:len(leaves)], expected)):
        assert_close(x.grad, g, f"∂out/∂x{k}", rtol=1e-5, atol=1e-6)


# ---- Tensor ---------------------------------------------------------------------------------------

ALL_TENSOR_UNARY = {**UNARY, **TENSOR_UNARY}


@SETTINGS
@given(leaves=tensor_leaves(), program=steps(ALL_TENSOR_UNARY))
def test_random_tensor_graph_matches_central_differences(leaves, program):
    gaps = []
    xs = [Tensor(a, requires_grad=True) for a in leaves]
    with np.errstate(all="ignore"):
        nodes = run(program, xs, ALL_TENSOR_UNARY, kink_gap=gaps)
    assume(_tame(nodes) and all(g > 1e-3 for g in gaps))
    out = total(nodes)
    out.backward()

    def f(*arrays):
        with tg.no_grad():
            return total(run(program, [Tensor(np.asarray(a, dtype=np.float64)) for a in arrays],
                             ALL_TENSOR_UNARY)).item()

    for k, (x, g) in enumerate(zip(xs, central_difference(f, *leaves))):
        assert x.grad.shape == x.shape and x.grad.dtype == np.float64
        assert_close(x.grad, g, f"∂out/∂x{k} (shape {x.shape})", rtol=1e-5, atol=1e-6)


# ---- Value and 0-d Tensor: one table of rules, the same numbers to the last bit ------------------

@SETTINGS
@given(leaves=st.lists(scalars, min_size=1, max_size=4), program=steps(UNARY))
def test_value_and_0d_tensor_give_bit_identical_numbers(leaves, program):
    values = [Value(v) for v in leaves]
    tensors = [Tensor(np.float64(v), requires_grad=True) for v in leaves]
    with np.errstate(all="ignore"):
        v_nodes, t_nodes = run(program, values), run(program, tensors)
        v_out, t_out = total(v_nodes), total(t_nodes)
        v_out.backward()
        t_out.backward()
    for k, (v, t) in enumerate(zip(v_nodes, t_nodes)):
        assert t.shape == () and t.dtype == np.float64
        assert _same(v.data, t.data), f"node {k}: Value {v.data!r}, Tensor {t.data!r}"
        assert _same(v.grad, t.grad), f"node {k} grad: Value {v.grad!r}, Tensor {t.grad!r}"


def _same(a, b) -> bool:
    a, b = float(a), float(b)
    return a == b or (math.isnan(a) and math.isnan(b))


def test_a_program_worked_by_hand():
    """run() and total() themselves, on a program whose derivative is written out: reuse, a Value exponent."""
    program = [("a · b", 0, 0), ("(1 + a²)^tanh b", 2, 1), ("σ(x)", 3, 0)]
    x, y = Value(0.5), Value(-1.5)
    nodes = run(program, [x, y])
    total(nodes).backward()
    a2 = 0.25
    p = (1 + a2 * a2) ** math.tanh(-1.5)
    s = 1 / (1 + math.exp(-p))
    assert nodes[-1].data == pytest.approx(s, rel=1e-15)
    # out = x + y + x² + p + σ(p),  p = (1 + x⁴)^tanh y
    dp_dx = math.tanh(-1.5) * (1 + a2 * a2) ** (math.tanh(-1.5) - 1) * 4 * 0.5 ** 3
    dp_dy = p * math.log(1 + a2 * a2) * (1 - math.tanh(-1.5) ** 2)
    assert x.grad == pytest.approx(1 + 2 * 0.5 + dp_dx * (1 + s * (1 - s)), rel=1e-12)
    assert y.grad == pytest.approx(1 + dp_dy * (1 + s * (1 - s)), rel=1e-12)
