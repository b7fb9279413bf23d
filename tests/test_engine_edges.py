"""The engine's edge points a newcomer hit (issue 26): std and var where the spread is 0, backward
on a node that needs no gradient, sinh and cosh near the end of float64, reductions over empty
axes, 0-d softmax, and the transformations' shapes for vector and tuple outputs."""

import math
import warnings

import numpy as np
import pytest

import oracles
from tinygrad_edu import Tensor, Value, gradcheck, gradgradcheck

# shape, axis: a constant vector, a 0-d tensor, size-1 axes, a constant row next to a spread one
ZERO_SPREAD = [((3,), None), ((), None), ((2, 1), 1), ((1, 3), 0), ((2, 3), 1)]


@pytest.mark.parametrize("shape, axis", ZERO_SPREAD)
@pytest.mark.parametrize("name", ["std", "var"])
def test_std_and_var_at_zero_spread_have_zero_gradient_as_torch(name, shape, axis):
    torch = oracles.torch()
    data = np.full(shape, 1.5)
    if shape == (2, 3):
        data[1] = [1.0, 2.0, 4.0]                         # a row with spread beside a constant one
    x = Tensor(data, requires_grad=True)
    out = getattr(x, name)(axis)
    out.sum().backward()
    t = torch.tensor(data, requires_grad=True)
    expected = getattr(t, name)(dim=axis, correction=0)
    expected.sum().backward()
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-15, atol=0)
    assert np.all(np.isfinite(x.grad)), x.grad
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("shape, axis", ZERO_SPREAD)
def test_std_at_zero_spread_passes_gradcheck_and_gradgradcheck(shape, axis):
    data = np.full(shape, -0.25)
    assert gradcheck(lambda x: x.std(axis), [data])
    assert gradgradcheck(lambda x: x.std(axis), [data + np.arange(data.size).reshape(shape)])
    assert gradcheck(lambda x: x.std(ddof=1), [np.full(4, 2.0)])           # torch's default, unbiased


@pytest.mark.parametrize("make", [lambda: Value(1.0, requires_grad=False),
                                  lambda: Value(2.0, requires_grad=False) * 3.0,
                                  lambda: Tensor(1.0),
                                  lambda: Tensor([1.0, 2.0]).sum()], ids=["Value", "Value op", "Tensor", "Tensor op"])
def test_backward_on_a_node_that_needs_no_gradient_raises_the_same_error_for_value_and_tensor(make):
    node = make()
    with pytest.raises(RuntimeError, match=r"backward\(\): this (Value|Tensor) does not require a gradient"):
        node.backward()
    assert node.grad in (0.0, None)                      # nothing was set quietly


# |x| where eˣ overflows (x > 709.78) but sinh x and cosh x are still finite (up to 710.47)
NEAR_THE_END = [709.79, 710.0, 710.4, 710.47]


@pytest.mark.parametrize("x", NEAR_THE_END + [-x for x in NEAR_THE_END])
def test_sinh_and_cosh_stay_finite_where_exp_overflows(x):
    for make in (lambda v: Value(v), lambda v: Tensor(v, requires_grad=True, dtype=np.float64)):
        s, c = make(x), make(x)
        ys, yc = s.sinh(), c.cosh()
        ys.backward(); yc.backward()
        assert float(ys.data) == pytest.approx(math.sinh(x), rel=1e-14)
        assert float(yc.data) == pytest.approx(math.cosh(x), rel=1e-14)
        assert float(s.grad) == pytest.approx(math.cosh(x), rel=1e-14)      # sinh' = cosh
        assert float(c.grad) == pytest.approx(math.sinh(x), rel=1e-14)      # cosh' = sinh


def test_sinh_and_cosh_second_derivatives_stay_finite_where_exp_overflows():
    from tinygrad_edu import grad
    for x in (np.float64(710.4), np.float64(-710.4)):
        assert grad(grad(lambda u: u.sinh()))(x) == pytest.approx(np.sinh(x), rel=1e-14)     # sinh'' = sinh
        assert grad(grad(lambda u: u.cosh()))(x) == pytest.approx(np.cosh(x), rel=1e-14)


def test_sinh_keeps_every_digit_of_a_small_x():
    for x in (1e-300, 1e-8, -3e-5):
        assert Value(x).sinh().data == pytest.approx(math.sinh(x), rel=3e-16, abs=0)


# ---- empty axes and 0-d inputs, as NumPy, torch and JAX ----------------------------------------

@pytest.mark.parametrize("name", ["max", "min", "logsumexp", "argmax", "argmin"])
def test_reducing_a_nonempty_axis_of_an_empty_tensor_gives_an_empty_result_as_numpy(name):
    x = Tensor(np.zeros((0, 3)), requires_grad=name not in ("argmax", "argmin"))
    out = getattr(x, name)(axis=1)
    assert out.shape == getattr(np, name if name != "logsumexp" else "max")(np.zeros((0, 3)), axis=1).shape == (0,)
    if x.requires_grad:
        out.sum().backward()
        assert x.grad.shape == (0, 3)
    with pytest.raises(ValueError, match=rf"{name}: axis 0 of the tensor is empty \(shape \(0, 3\)\)"):
        getattr(x, name)(axis=0)                         # the max of no numbers stays undefined
    with pytest.raises(ValueError, match=rf"{name}: the tensor is empty"):
        getattr(x, name)()


def test_softmax_of_a_0d_tensor_is_one_as_torch():
    torch = oracles.torch()
    x = Tensor(np.float64(2.5), requires_grad=True)
    s = x.softmax()
    assert s.shape == () and s.item() == 1.0 == torch.softmax(torch.tensor(2.5), dim=-1).item()
    assert x.log_softmax().item() == 0.0 == torch.log_softmax(torch.tensor(2.5), dim=0).item()
    s.backward()
    assert x.grad == 0.0


def test_hessian_of_a_vector_valued_function_has_jax_shape_out_in_in():
    from tinygrad_edu import hessian
    x = np.array([0.5, -1.0, 2.0])
    H = hessian(lambda x: Tensor(np.arange(6.0).reshape(2, 3)) @ (x ** 3))(x)
    assert H.shape == (2, 3, 3)                          # jax.hessian: out.shape + x.shape + x.shape
    for k, row in enumerate(np.arange(6.0).reshape(2, 3)):
        np.testing.assert_allclose(H[k], np.diag(6 * x * row), rtol=1e-14)
    assert hessian(lambda x: (x ** 3).sum())(x).shape == (3, 3)


def test_jacrev_of_a_tuple_valued_function_returns_jacobians_in_its_structure_as_jax():
    from tinygrad_edu import jacfwd, jacrev
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])
    f = lambda x, y: (x * 2, x.sum() * y, {"n": (y ** 2).sum()})  # noqa: E731
    a, b, c = jacrev(f)(x, y)                            # outputs outside, each Jacobian out.shape + x.shape
    assert a.shape == (2, 2) and b.shape == (3, 2) and set(c) == {"n"} and c["n"].shape == (2,)
    np.testing.assert_array_equal(a, 2 * np.eye(2))
    np.testing.assert_array_equal(b, np.outer(y, np.ones(2)))
    (a_x, a_y), (b_x, b_y), c = jacrev(f, argnums=(0, 1))(x, y)   # then one per argnum inside
    assert (a_x.shape, a_y.shape, b_x.shape, b_y.shape, c["n"][1].shape) == ((2, 2), (2, 3), (3, 2), (3, 3), (3,))
    np.testing.assert_array_equal(b_y, 3 * np.eye(3))
    np.testing.assert_array_equal(c["n"][1], 2 * y)
    np.testing.assert_array_equal(jacrev(lambda x: x * 2)(x), jacfwd(lambda x: x * 2)(x))   # one output: as before
