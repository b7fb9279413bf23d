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
    x = np.array([710.4, -710.4])
    np.testing.assert_allclose(grad(lambda t: grad(lambda u: u.sinh().sum())(t).sum())(x), np.sinh(x), rtol=1e-14)
    np.testing.assert_allclose(grad(lambda t: grad(lambda u: u.cosh().sum())(t).sum())(x), np.cosh(x), rtol=1e-14)


def test_sinh_keeps_every_digit_of_a_small_x():
    for x in (1e-300, 1e-8, -3e-5):
        assert Value(x).sinh().data == pytest.approx(math.sinh(x), rel=3e-16, abs=0)
