"""grad, vjp, jvp, jacfwd, jacrev and hessian compose, as in JAX: the Autodiff Cookbook's examples,
with numbers from torch.func (checked against torch itself when it is installed)."""

import gc

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import (GradcheckError, Tensor, grad, gradcheck, gradgradcheck, hessian, jacfwd, jacrev, jvp,
                          value_and_grad, vjp)

rng = np.random.default_rng(7)


def torch_or_skip():
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    return torch


# ---- nesting: each transformation differentiates what the inner one returns ---------------------

def test_grad_of_tanh_to_third_order():
    x = np.float64(2.0)
    f = lambda x: x.tanh()
    assert grad(f)(x) == pytest.approx(0.07065082485316443, rel=1e-15)      # 1 - tanh²
    assert grad(grad(f))(x) == pytest.approx(-0.13621868742711296, rel=1e-15)
    assert grad(grad(grad(f)))(x) == pytest.approx(0.25265406509806265, rel=1e-14)


def test_grad_of_tanh_to_third_order_against_torch_func():
    torch = torch_or_skip()
    from torch.func import grad as tgrad
    t = torch.tensor(2.0)
    for ours, theirs in [(grad(grad(lambda x: x.tanh())), tgrad(tgrad(torch.tanh))),
                         (grad(grad(grad(lambda x: x.tanh()))), tgrad(tgrad(tgrad(torch.tanh))))]:
        assert ours(np.float64(2.0)) == pytest.approx(theirs(t).item(), rel=1e-14)


def _logistic():
    W, b = rng.normal(size=3), np.float64(0.5)
    inputs = rng.normal(size=(4, 3))
    predict = lambda W, b, inputs: ((inputs @ W) + b).sigmoid()       # the cookbook's predictor
    return predict, W, b, inputs


def test_jacfwd_and_jacrev_of_a_logistic_regression_predictor():
    predict, W, b, inputs = _logistic()
    J_fwd = jacfwd(predict, argnums=0)(W, b, inputs)
    J_rev = jacrev(predict, argnums=0)(W, b, inputs)
    assert J_fwd.shape == J_rev.shape == (4, 3)
    p = 1 / (1 + np.exp(-(inputs @ W + b)))
    np.testing.assert_allclose(J_fwd, (p * (1 - p))[:, None] * inputs, rtol=1e-13)   # σ' · x
    np.testing.assert_allclose(J_rev, J_fwd, rtol=1e-13)
    Jb = jacrev(predict, argnums=1)(W, b, inputs)
    np.testing.assert_allclose(Jb, p * (1 - p), rtol=1e-13)


def test_the_predictor_s_jacobians_against_torch_func():
    torch = torch_or_skip()
    from torch.func import jacfwd as tjacfwd
    predict, W, b, inputs = _logistic()
    theirs = tjacfwd(lambda W: torch.sigmoid(torch.tensor(inputs) @ W + b))(torch.tensor(W)).numpy()
    np.testing.assert_allclose(jacfwd(predict)(W, b, inputs), theirs, rtol=1e-13)
    np.testing.assert_allclose(jacfwd(jacrev(lambda W: predict(W, b, inputs).sum()))(W),
                               torch.func.hessian(lambda W: torch.sigmoid(torch.tensor(inputs) @ W + b).sum())(
                                   torch.tensor(W)).numpy(), rtol=1e-12)


def test_hessian_of_a_function_of_a_matrix():
    X = rng.normal(size=(2, 3))
    f = lambda X: (X.tanh() * X).sum() + (X * X).sum() ** 2
    H = hessian(f)(X)
    assert H.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(H, jacrev(jacrev(f))(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(H, jacfwd(jacfwd(f))(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(H.reshape(6, 6), H.reshape(6, 6).T, rtol=1e-12)   # symmetric


def test_hessian_of_a_matrix_function_against_torch_func():
    torch = torch_or_skip()
    X = rng.normal(size=(2, 3))
    theirs = torch.func.hessian(lambda X: (torch.tanh(X) * X).sum() + (X * X).sum() ** 2)(torch.tensor(X))
    np.testing.assert_allclose(hessian(lambda X: (X.tanh() * X).sum() + (X * X).sum() ** 2)(X), theirs.numpy(),
                               rtol=1e-12, atol=1e-12)


def _loss():
    return lambda x: (x.tanh() * x.exp()).sum() + (x @ x) ** 2


def test_hessian_vector_product_both_ways():
    f, x, v = _loss(), rng.normal(size=5), rng.normal(size=5)
    forward_over_reverse = jvp(grad(f), (x,), (v,))[1]
    reverse_over_reverse = grad(lambda x: (grad(f)(x) * Tensor(v)).sum())(x)
    np.testing.assert_allclose(forward_over_reverse, hessian(f)(x) @ v, rtol=1e-12)
    np.testing.assert_allclose(reverse_over_reverse, forward_over_reverse, rtol=1e-12)


def test_hessian_vector_product_against_torch_func():
    torch = torch_or_skip()
    f, x, v = _loss(), rng.normal(size=5), rng.normal(size=5)
    tf = lambda x: (torch.tanh(x) * torch.exp(x)).sum() + (x @ x) ** 2
    _, theirs = torch.func.jvp(torch.func.grad(tf), (torch.tensor(x),), (torch.tensor(v),))
    np.testing.assert_allclose(jvp(grad(f), (x,), (v,))[1], theirs.numpy(), rtol=1e-12)


def test_grad_of_a_jvp_and_jacfwd_of_jacrev():
    f, x, v = _loss(), rng.normal(size=4), rng.normal(size=4)
    H = hessian(f)(x)
    # d/dx of (J v)(x) for scalar f: J v = ∇f · v, its gradient H v
    np.testing.assert_allclose(grad(lambda x: jvp(f, (x,), (Tensor(v),))[1])(x), H @ v, rtol=1e-12)
    np.testing.assert_allclose(jacfwd(jacrev(f))(x), H, rtol=1e-12)
    np.testing.assert_allclose(jacrev(jacfwd(f))(x), H, rtol=1e-12)


def test_a_dict_of_parameters():
    A, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    loss = lambda p: (((Tensor(A) @ p["W"] + p["b"]) - Tensor(Y)) ** 2).sum() * 0.5
    g = grad(loss)(params)
    assert set(g) == {"W", "b"}
    residual = A @ params["W"] + params["b"] - Y                # the lecture: ∂L/∂W = Aᵀ(AW + b − Y)
    np.testing.assert_allclose(g["W"], A.T @ residual, rtol=1e-12)
    np.testing.assert_allclose(g["b"], residual.sum(axis=0), rtol=1e-12)
    nested = grad(lambda p: loss({"W": p[0]["W"], "b": p[1]}))([{"W": params["W"]}, params["b"]])
    assert isinstance(nested, list) and set(nested[0]) == {"W"}
    np.testing.assert_allclose(nested[1], g["b"], rtol=1e-12)


def test_a_dict_of_parameters_against_torch_func():
    torch = torch_or_skip()
    A, params = rng.normal(size=(5, 3)), {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    ours = grad(lambda p: ((Tensor(A) @ p["W"] + p["b"]).tanh() ** 2).sum())(params)
    theirs = torch.func.grad(lambda p: (torch.tanh(torch.tensor(A) @ p["W"] + p["b"]) ** 2).sum())(
        {k: torch.tensor(v) for k, v in params.items()})
    for k in params:
        np.testing.assert_allclose(ours[k], theirs[k].numpy(), rtol=1e-12)


def test_value_and_grad_and_has_aux():
    x = np.array([1.0, 2.0])
    value, g = value_and_grad(lambda x: (x ** 2).sum())(x)
    assert value == 5.0 and g.tolist() == [2.0, 4.0]
    g, aux = grad(lambda x: ((x ** 2).sum(), {"double": x * 2}), has_aux=True)(x)
    assert g.tolist() == [2.0, 4.0] and aux["double"].tolist() == [2.0, 4.0]
    assert isinstance(aux["double"], np.ndarray)              # top level: arrays, not engine values
    (value, aux), g = value_and_grad(lambda x: ((x ** 3).sum(), 7), has_aux=True)(x)
    assert (value, aux, g.tolist()) == (9.0, 7, [3.0, 12.0])
    with pytest.raises(TypeError, match=r"has_aux=True\): f must return a pair"):
        grad(lambda x: (x ** 2).sum(), has_aux=True)(x)


def test_top_level_returns_arrays_inside_returns_engine_values():
    seen = []
    def inner(x):
        g = grad(lambda y: (y ** 3).sum())(x)
        seen.append(type(g))
        return (g * x).sum()
    outer = grad(inner)(np.array([1.0, 2.0]))                 # d/dx Σ 3x²·x = 9x²
    assert seen == [Tensor] and type(outer) is np.ndarray
    np.testing.assert_allclose(outer, [9.0, 36.0])


def test_nested_vjp_with_a_traced_cotangent():
    # d/du of vjp(f)(u) = uᵀJ along w is wᵀJᵀ ... checked as: grad over u of (uᵀJ)·v = J v
    f, x, v = (lambda x: x.tanh() * 2), rng.normal(size=3), rng.normal(size=3)
    J = jacrev(f)(x)
    Jv = grad(lambda u: (vjp(f, x)[1](u)[0] * Tensor(v)).sum())(np.zeros(3))
    np.testing.assert_allclose(Jv, J @ v, rtol=1e-12)


# ---- gradcheck, like PyTorch's and more ------------------------------------------------------------

def test_gradcheck_on_0d_inputs_and_outputs():
    assert gradcheck(lambda x: x.tanh(), [np.float64(0.3)])
    assert gradcheck(lambda x, y: (x * y).sum(), [np.float64(0.3), np.array([1.0, 2.0])])


def test_gradcheck_leaves_an_integer_index_alone():
    assert gradcheck(lambda x, i: x[i].sum() * 2, [rng.normal(size=4), np.array([0, 2, 2])])
    assert gradcheck(lambda x, k: x * k, [rng.normal(size=3), np.float64(2.0)], nondiff_argnums=1)


def test_gradcheck_checks_every_output_of_a_tuple():
    assert gradcheck(lambda x: (x.tanh(), (x * x).sum()), [rng.normal(size=3)])
    wrong_sq = tg.elementwise("sq", "x²", lambda xp, x: x * x, lambda xp, out, x: 3 * x)
    with pytest.raises(GradcheckError, match=r"\(input column: output:input\)"):
        gradcheck(lambda x: (x.tanh(), tg.apply(wrong_sq, x)), [rng.normal(size=3)])


def test_gradcheck_fails_a_rule_that_returns_nan():
    nan_rule = tg.elementwise("nan_rule", "x", lambda xp, x: x * 1.0, lambda xp, out, x: xp.divide(0.0, 0.0 * x))
    with np.errstate(invalid="ignore"), pytest.raises(GradcheckError, match=r"nan or inf never passes") as caught:
        gradcheck(lambda x: tg.apply(nan_rule, x).sum(), [np.ones(3)])
    assert " nan " in str(caught.value)


def test_gradcheck_fails_a_backward_that_is_not_reentrant():
    noise = np.random.default_rng(0)
    jittery = tg.elementwise("jittery", "x", lambda xp, x: x * 1.0, lambda xp, out, x: 1.0 + 1e-12 * noise.normal())
    with pytest.raises(GradcheckError, match="backward is not reentrant"):
        gradcheck(lambda x: tg.apply(jittery, x).sum(), [np.ones(3)])


def test_gradgradcheck_passes_second_derivatives_and_catches_a_rule_that_is_not_differentiable():
    assert gradgradcheck(lambda x: (x.tanh() * x).sum(), [rng.normal(size=3)])
    assert gradgradcheck(lambda x, W: (W @ x).tanh(), [rng.normal(size=3), rng.normal(size=(2, 3))])
    # right first derivative, but computed from x's numbers: invisible to a second differentiation
    frozen = tg.primitive("frozen_square", "x²", lambda xp, x: x * x,
                          vjp=(lambda xp, g, out, x: g * 2 * (x.data if hasattr(x, "inputs") else x),),
                          jvp=lambda xp, ts, out, x: 2 * x * ts[0])
    assert gradcheck(lambda x: tg.apply(frozen, x).sum(), [rng.normal(size=3)])
    with pytest.raises(GradcheckError):
        gradgradcheck(lambda x: tg.apply(frozen, x).sum(), [rng.normal(size=3)])


def test_assert_grads_close_refuses_nan_and_allows_the_same_infinity_only_when_asked():
    with pytest.raises(AssertionError, match="actual nan, expected 1"):
        tg.assert_grads_close([np.array([np.nan])], [np.array([1.0])])
    with pytest.raises(AssertionError):
        tg.assert_grads_close([np.array([np.inf])], [np.array([np.inf])])
    tg.assert_grads_close([np.array([np.inf])], [np.array([np.inf])], allow_inf=True)
    with pytest.raises(AssertionError):
        tg.assert_grads_close([np.array([-np.inf])], [np.array([np.inf])], allow_inf=True)


# ---- second order leaves no reference cycle ----------------------------------------------------------

def test_second_order_graphs_are_freed_by_reference_counting():
    was = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        x = Tensor(rng.normal(size=(50, 50)), requires_grad=True)
        (x.tanh() * x).sum().backward(create_graph=True)
        g = x.grad
        x.zero_grad()
        (g * g).sum().backward()
        x.grad = None                       # a leaf's recorded gradient refers to the leaf: let it go
        del g
        hessian(lambda x: (x.tanh() ** 3).sum())(rng.normal(size=10))
        grad(grad(lambda x: x.tanh()))(np.float64(2.0))
        jvp(grad(lambda x: (x ** 3).sum()), (np.ones(3),), (np.ones(3),))
        assert gc.collect() == 0            # nothing was left for the collector to find
    finally:
        if was:
            gc.enable()
