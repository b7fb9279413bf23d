"""The gradient checkers are product: they must pass what is right and explain what is wrong."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import GradcheckError, Tensor, apply, assert_grads_close, elementwise, gradcheck, numerical_grad

rng = np.random.default_rng(1)

# every built-in op, each as a small function of float64 inputs
BUILTINS = {
    "add": (lambda a, b: a + b, [(2, 3), (3,)]),
    "sub": (lambda a, b: a - b, [(2, 3), (2, 1)]),
    "mul": (lambda a, b: a * b, [(2, 3), (2, 3)]),
    "div": (lambda a, b: a / (b * b + 1.0), [(2, 3), (3,)]),
    "pow": (lambda a, b: (a * a + 1.0) ** b, [(2, 3), (2, 3)]),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 4)]),
    "neg": (lambda a: -a, [(3,)]),
    "exp": (lambda a: a.exp(), [(3,)]),
    "log": (lambda a: (a * a + 0.1).log(), [(3,)]),
    "sqrt": (lambda a: (a * a + 0.1).sqrt(), [(3,)]),
    "abs": (lambda a: a.abs(), [(3,)]),
    "tanh": (lambda a: a.tanh(), [(3,)]),
    "sigmoid": (lambda a: a.sigmoid(), [(3,)]),
    "relu": (lambda a: a.relu(), [(3,)]),
    "leaky_relu": (lambda a: a.leaky_relu(0.2), [(3,)]),
    "clip": (lambda a: a.clip(-0.3, 0.3), [(4,)]),
    "sum": (lambda a: a.sum(axis=0), [(2, 3)]),
    "max": (lambda a: a.max(axis=1), [(2, 3)]),
    "min": (lambda a: a.min(), [(2, 3)]),
    "softmax": (lambda a: a.softmax(), [(2, 3)]),
    "log_softmax": (lambda a: a.log_softmax(axis=0), [(2, 3)]),
    "reshape": (lambda a: a.reshape(3, 2), [(2, 3)]),
    "transpose": (lambda a: a.transpose(1, 0), [(2, 3)]),
    "getitem": (lambda a: a[[1, 1, 0]], [(2, 3)]),
    "concatenate": (lambda a, b: tg.concatenate([a, b], axis=1), [(2, 3), (2, 2)]),
    "stack": (lambda a, b: tg.stack([a, b], axis=1), [(2, 3), (2, 3)]),
    "where": (lambda a, b: tg.where(np.array([True, False, True]), a, b), [(2, 3), (3,)]),
    "maximum": (lambda a, b: tg.maximum(a, b), [(2, 3), (2, 3)]),
}


@pytest.mark.parametrize("name", BUILTINS)
def test_gradcheck_passes_every_builtin_op(name):
    f, shapes = BUILTINS[name]
    # keep away from kinks (abs, relu, clip, max) where central differences straddle a corner
    inputs = [rng.uniform(0.2, 0.9, size=s) * rng.choice([-1, 1], size=s) for s in shapes]
    assert gradcheck(f, inputs) is True


wrong_sin = elementwise("sin", "sin x", lambda xp, x: np.sin(x), lambda xp, out, x: -np.cos(x))  # sign error


def test_gradcheck_raises_a_table_on_a_wrong_custom_op():
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x: apply(wrong_sin, x).sum(), [np.linspace(0.1, 1.0, 4)])
    message = str(caught.value)
    assert "4 Jacobian entries differ" not in message          # both modes fail: 8 entries
    assert "8 Jacobian entries differ from central differences" in message
    header = message.splitlines()[1].split()
    assert header == ["mode", "input", "J", "index", "analytic", "numeric", "abs", "err", "rel", "err"]
    worst = message.splitlines()[2].split()
    assert worst[0] in ("reverse", "forward") and float(worst[3]) == pytest.approx(-np.cos(0.1), rel=1e-5)
    assert float(worst[4]) == pytest.approx(np.cos(0.1), rel=1e-5)


def test_numerical_grad_is_central_differences():
    (g,) = numerical_grad(lambda x: (x ** 3).sum(), [np.array([1.0, 2.0])])
    np.testing.assert_allclose(g, [3.0, 12.0], rtol=1e-8)        # d(x³)/dx = 3x²


def test_numerical_grad_refuses_vector_outputs():
    with pytest.raises(ValueError, match=r"must return a scalar, got shape \(2,\)"):
        numerical_grad(lambda x: x * 2, [np.ones(2)])


def test_assert_grads_close_passes_equal_gradients():
    W = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    X = rng.normal(size=(4, 3))
    (Tensor(X) @ W).sum().backward()
    assert_grads_close({"W": W.grad}, {"W": X.T @ np.ones((4, 2))}, rtol=1e-12)   # ∂Σ(XW)/∂W = Xᵀ1


def test_assert_grads_close_reports_parameter_shape_index_and_values():
    expected = np.zeros((2, 3))
    actual = expected.copy()
    actual[1, 2] = 0.5
    with pytest.raises(AssertionError) as caught:
        assert_grads_close([np.ones(2), actual], [np.ones(2), expected], names=["b", "W(out)"])
    message = str(caught.value)
    assert "W(out) (shape (2, 3)): 1 of 6 entries differ" in message
    assert "max abs err 0.5" in message
    assert "worst at index (1, 2): actual 0.5, expected 0" in message
    assert "b (" not in message


def test_assert_grads_close_names_a_shape_mismatch():
    with pytest.raises(AssertionError, match=r"W: actual has shape \(2, 3\), expected \(3, 2\)"):
        assert_grads_close({"W": np.zeros((2, 3))}, {"W": np.zeros((3, 2))})
