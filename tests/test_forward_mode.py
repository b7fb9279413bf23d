"""Forward mode beside reverse mode: the same primitives, the same numbers, different costs."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Dual, Tensor, Value, count_ops, grad, jacfwd, jacrev, jvp, vjp

rng = np.random.default_rng(0)


def numerical_jacobian(f, x, eps=1e-6):
    """J[..., k] = (f(x + ε e_k) - f(x - ε e_k)) / 2ε, column by column, in float64."""
    def value(a):
        return np.asarray(f(Tensor(a)).data, dtype=np.float64)
    out_shape = value(x).shape
    J = np.zeros(out_shape + x.shape)
    for k in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[k] = eps
        J[(...,) + k] = (value(x + e) - value(x - e)) / (2 * eps)
    return J


# Compositions touching every primitive: f: (3, 4) float64 -> some shape
A = rng.normal(size=(4, 5))
B = rng.normal(size=(3, 1))
COMPOSITIONS = {
    "add sub mul div": lambda x: (x + B) * (x - 2.0) / (1.5 + x * x),
    "pow exp log sqrt": lambda x: (x * x + 1.0).log() + (x * 0.1).exp() ** 1.5 + (x * x + 0.5).sqrt(),
    "abs tanh sigmoid": lambda x: x.abs() * x.tanh() + x.sigmoid(),
    "relu leaky_relu clip": lambda x: x.relu() + x.leaky_relu(0.1) * 2 + x.clip(-0.5, 0.7),
    "matmul softmax": lambda x: (x @ Tensor(A)).softmax(axis=-1),
    "log_softmax axis 0": lambda x: x.log_softmax(axis=0) * B,
    "sum mean keepdims": lambda x: x.sum(axis=1, keepdims=True) * x.mean(axis=0),
    "max min": lambda x: x.max(axis=0) - x.min(axis=1).sum() + x.max(),
    "reshape transpose flatten": lambda x: x.reshape(2, 6).T.flatten() * np.arange(12.0),
    "getitem repeated index": lambda x: x[[0, 0, 2], 1:3] * 3.0 + x[x.data > 0].sum(),
    "concatenate stack": lambda x: tg.stack([tg.concatenate([x, x * 2], axis=1), tg.concatenate([x * x, -x], axis=1)], axis=0),
    "where maximum": lambda x: tg.where(x.data > 0.1, x * 3, x * x) + tg.maximum(x, x.T.sum(axis=1) * 0.1 + B),
    "rpow rsub rtruediv": lambda x: 2.0 ** x - 1.0 / (2.0 + x.tanh()) - (3.0 - x),
}


@pytest.mark.parametrize("name", COMPOSITIONS)
def test_jvp_is_J_times_v_and_vjp_is_u_transpose_J(name):
    f = COMPOSITIONS[name]
    x = rng.normal(size=(3, 4))
    J = numerical_jacobian(f, x)
    out_shape = J.shape[:J.ndim - 2]
    v = rng.normal(size=x.shape)
    u = rng.normal(size=out_shape)
    Jm = J.reshape(int(np.prod(out_shape)), x.size)

    out, Jv = jvp(f, (x,), (v,))
    np.testing.assert_allclose(Jv.ravel(), Jm @ v.ravel(), rtol=1e-6, atol=1e-7)
    out2, vjp_fn = vjp(f, x)
    (uJ,) = vjp_fn(u)
    np.testing.assert_allclose(uJ.ravel(), u.ravel() @ Jm, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(out, out2)


@pytest.mark.parametrize("name", COMPOSITIONS)
def test_jacfwd_equals_jacrev(name):
    f = COMPOSITIONS[name]
    x = rng.normal(size=(3, 4))
    np.testing.assert_allclose(jacfwd(f)(x), jacrev(f)(x), rtol=1e-12, atol=1e-12)


def test_jacobian_shape_is_out_shape_plus_in_shape():
    f = lambda x: (x @ Tensor(A)).tanh()  # (3, 4) -> (3, 5)
    x = rng.normal(size=(3, 4))
    assert jacrev(f)(x).shape == (3, 5, 3, 4)
    assert jacfwd(f)(x).shape == (3, 5, 3, 4)


def test_dual_and_value_agree_on_the_same_scalar_expression():
    def expr(x):
        return ((x * 2.0 + 1.0) ** 3 / (x.exp() + 1.0)).tanh() + (x * x + 1.0).log().sqrt() - x.sigmoid() * x.relu() + 2.0 ** x

    x = Value(0.7)
    y = expr(x)
    y.backward()
    d = expr(Dual(0.7, 1.0))
    assert d.data == y.data
    assert d.tangent == pytest.approx(x.grad, rel=1e-14)


def test_dual_number_by_hand():
    y = Dual(3.0, 1.0) ** 2 + 2 * Dual(3.0, 1.0)   # y = x² + 2x at 3; y' = 2x + 2 = 8
    assert (y.data, y.tangent) == (15.0, 8.0)


def test_a_dual_records_no_graph():
    y = Dual(1.0, 1.0).exp() * 3.0
    assert y.inputs == () and y.op is None


def test_grad_with_argnums():
    f = lambda x, y: (x * y * y).sum()
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    np.testing.assert_array_equal(grad(f)(x, y), y * y)
    gx, gy = grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gy, 2 * x * y)


def test_vjp_fn_calls_do_not_accumulate():
    _, vjp_fn = vjp(lambda x: x * 3.0, np.array([1.0, 2.0]))
    first = vjp_fn(np.ones(2))[0]
    second = vjp_fn(np.ones(2))[0]
    np.testing.assert_array_equal(first, second)


def test_bad_input_names_the_shapes():
    with pytest.raises(ValueError, match=r"tangent 0 has shape \(3,\) but its primal has shape \(2,\)"):
        jvp(lambda x: x * 2, (np.ones(2),), (np.ones(3),))
    _, vjp_fn = vjp(lambda x: x * 2, np.ones(2))
    with pytest.raises(ValueError, match=r"cotangent has shape \(3,\) but f's output has shape \(2,\)"):
        vjp_fn(np.ones(3))
    with pytest.raises(ValueError, match=r"grad\(f\): f must return a scalar, but it returned shape \(2,\)"):
        grad(lambda x: x * 2)(np.ones(2))


# ---- the cost lesson: counts, not times -------------------------------------------------------

def _net(n, m, hidden=8, seed=0):
    r = np.random.default_rng(seed)
    W1, W2 = Tensor(r.normal(size=(hidden, n))), Tensor(r.normal(size=(m, hidden)))
    return lambda x: W2 @ (W1 @ x).tanh()


def _passes(jacobian, n, m):
    f = _net(n, m)
    with count_ops() as c:
        jacobian(f)(np.ones(n))
    return c


@pytest.mark.parametrize("n", [1, 4, 16, 64])
def test_forward_mode_costs_one_pass_per_input(n):
    small, wide = _passes(jacfwd, n, m=3), _passes(jacfwd, 2 * n, m=3)
    per_pass = 3          # W1 @ x, tanh, W2 @ h: three primitives carry a tangent each pass
    assert small.tangent == per_pass * n
    assert wide.tangent == per_pass * 2 * n
    assert _passes(jacfwd, n, m=50).tangent == per_pass * n       # the outputs don't matter


@pytest.mark.parametrize("m", [1, 4, 16, 64])
def test_reverse_mode_costs_one_pass_per_output(m):
    per_pass = 3          # W2 @ h sends to h, tanh to W1 @ x, W1 @ x to x (W1, W2 are constants)
    assert _passes(jacrev, n=3, m=m).backward == per_pass * m
    assert _passes(jacrev, n=50, m=m).backward == _passes(jacrev, n=3, m=m).backward  # inputs don't matter


def test_the_crossover_in_multiply_adds():
    """Tall f (few inputs, many outputs) is cheaper forward; wide f (a loss) is cheaper in reverse."""
    tall_fwd, tall_rev = _passes(jacfwd, n=2, m=200).madds, _passes(jacrev, n=2, m=200).madds
    wide_fwd, wide_rev = _passes(jacfwd, n=200, m=2).madds, _passes(jacrev, n=200, m=2).madds
    assert tall_fwd < tall_rev
    assert wide_rev < wide_fwd


# ---- second order: backward(create_graph=True) makes gradients differentiable ------------------

from tinygrad_edu import hessian  # noqa: E402


def test_hessian_of_a_quadratic_form_is_A_plus_A_transpose():
    A = rng.normal(size=(4, 4))
    x = rng.normal(size=4)
    H = hessian(lambda x: x @ (Tensor(A) @ x))(x)      # f = xᵀAx, ∇f = (A + Aᵀ)x, H = A + Aᵀ
    np.testing.assert_allclose(H, A + A.T, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", COMPOSITIONS)
def test_hessian_is_the_jacobian_of_the_gradient(name):
    f = COMPOSITIONS[name]
    x = rng.normal(size=(3, 4))
    out_shape = f(Tensor(x)).shape
    w = np.cos(np.arange(np.prod(out_shape))).reshape(out_shape)   # a fixed projection to a scalar
    loss = lambda x: (f(x) * w).sum()
    expected = numerical_jacobian(lambda t: Tensor(grad(loss)(t.data)), x)   # central differences of ∇f
    np.testing.assert_allclose(hessian(loss)(x), expected, rtol=1e-5, atol=1e-6)


def test_reverse_over_reverse_equals_forward_over_reverse():
    f = lambda x: (x.tanh() * x.exp()).sum() + (x @ x) ** 2
    x0 = rng.normal(size=3)
    x = Tensor(x0, requires_grad=True)
    f(x).backward(create_graph=True)
    g = x.grad                                          # ∇f as a recorded Tensor
    rows = []
    for k in range(3):
        x.zero_grad()
        g[k].backward()                                 # ∂(∇f)ₖ/∂x: row k of H
        rows.append(x.grad)
    np.testing.assert_allclose(np.stack(rows), hessian(f)(x0), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", COMPOSITIONS)
def test_reverse_over_reverse_on_every_composition(name):
    # differentiating the recorded gradient runs every rule's own reverse rule as graph ops
    # (getitem's gradient is scatter_add, whose gradient is getitem again)
    f = COMPOSITIONS[name]
    x0 = rng.normal(size=(3, 4))
    out_shape = f(Tensor(x0)).shape
    w = np.cos(np.arange(np.prod(out_shape))).reshape(out_shape)
    loss = lambda x: (f(x) * w).sum()
    x = Tensor(x0, requires_grad=True)
    loss(x).backward(create_graph=True)
    g = x.grad
    v = rng.normal(size=x0.shape)
    Hv = (hessian(loss)(x0).reshape(12, 12) @ v.ravel()).reshape(3, 4)
    if not g.requires_grad:                             # piecewise linear f: ∇f is locally constant
        np.testing.assert_array_equal(Hv, 0)
        return
    x.zero_grad()
    (g * v).sum().backward()                            # ∂(∇f · v)/∂x = H v
    np.testing.assert_allclose(x.grad, Hv, rtol=1e-9, atol=1e-9)


def test_pow_exponent_gradient_at_base_zero_is_zero():
    a = Tensor(np.array([0.0, 2.0]))
    b = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    (a ** b).sum().backward()
    np.testing.assert_array_equal(b.grad, [0.0, 8.0 * np.log(2.0)])   # 0²·ln 0 → 0, as PyTorch
