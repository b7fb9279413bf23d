"""Checking gradients, with failures that explain themselves.

- `numerical_grad(f, inputs)`: central differences in float64, (f(x + ε) - f(x - ε)) / 2ε,
  the independent witness every analytic gradient is held against.
- `gradcheck(f, inputs)`: both modes of the engine (reverse: jacrev, forward: jacfwd) against
  central differences; True, or a `GradcheckError` whose message is a table of the worst entries.
- `assert_grads_close(actual, expected)`: for your own tests comparing autodiff with a gradient
  derived by hand; on failure a report naming the parameter, its shape, the worst index and both
  values there.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from .autograd import no_grad
from .functional import jacfwd, jacrev
from .tensor import Tensor


class GradcheckError(AssertionError):
    """An analytic derivative disagrees with central differences."""


def _float64(inputs: Sequence) -> list[np.ndarray]:
    return [np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64) for x in inputs]


def _numerical_jacobians(f: Callable, xs: list[np.ndarray], eps: float) -> list[np.ndarray]:
    def value(*arrays) -> np.ndarray:
        with no_grad():
            out = f(*[Tensor(a) for a in arrays])
        return np.array(out.data if isinstance(out, Tensor) else out, dtype=np.float64)

    out_shape = value(*xs).shape
    jacobians = []
    for i, x in enumerate(xs):
        jac = np.zeros(out_shape + x.shape)
        for k in np.ndindex(*x.shape):
            plus, minus = [a.copy() for a in xs], [a.copy() for a in xs]
            plus[i][k] += eps
            minus[i][k] -= eps
            jac[(...,) + k] = (value(*plus) - value(*minus)) / (2 * eps)
        jacobians.append(jac)
    return jacobians


def numerical_grad(f: Callable, inputs: Sequence, eps: float = 1e-6) -> list[np.ndarray]:
    """∂f/∂input for each input by central differences in float64 (f must return a scalar).

    >>> numerical_grad(lambda x: (x ** 3).sum(), [np.array([1.0, 2.0])])   # 3x²
    [array([ 3., 12.])]
    """
    xs = _float64(inputs)
    jacobians = _numerical_jacobians(f, xs, eps)
    if jacobians and jacobians[0].ndim != xs[0].ndim:
        shape = jacobians[0].shape[:jacobians[0].ndim - xs[0].ndim]
        if int(np.prod(shape)) != 1:
            raise ValueError(f"numerical_grad: f must return a scalar, got shape {shape}; "
                             f"gradcheck compares whole Jacobians of vector-valued f")
    return [j.reshape(x.shape) for j, x in zip(jacobians, xs)]


def gradcheck(f: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Check f's derivatives, in both modes, against central differences in float64.

    An entry passes when |analytic - numeric| ≤ atol + rtol·|numeric|, as in `torch.autograd.gradcheck`.

    >>> gradcheck(lambda x: x.tanh().sum(), [np.random.randn(3)])
    True
    """
    xs = _float64(inputs)
    nums = tuple(range(len(xs)))
    numeric = _numerical_jacobians(f, xs, eps)
    failures = []
    for mode, jacobian in (("reverse", jacrev), ("forward", jacfwd)):
        analytic = jacobian(f, argnums=nums)(*xs)
        for i, (a, n) in enumerate(zip(analytic, numeric)):
            a = np.asarray(a, dtype=np.float64).reshape(n.shape)
            err = np.abs(a - n)
            bad = err > atol + rtol * np.abs(n)
            for k in zip(*np.nonzero(bad)):
                failures.append((mode, i, tuple(int(j) for j in k), a[k], n[k], err[k], err[k] / max(abs(n[k]), 1e-300)))
    if failures:
        failures.sort(key=lambda row: -row[5])
        raise GradcheckError(_table(failures, atol, rtol))
    return True


def _table(failures: list, atol: float, rtol: float, shown: int = 10) -> str:
    lines = [f"{len(failures)} Jacobian entr{'y' if len(failures) == 1 else 'ies'} differ from central differences "
             f"(allowed: atol={atol:g} + rtol={rtol:g}·|numeric|); the worst:",
             f"{'mode':<8} {'input':>5}  {'J index':<14} {'analytic':>14} {'numeric':>14} {'abs err':>10} {'rel err':>10}"]
    for mode, i, k, a, n, e, r in failures[:shown]:
        lines.append(f"{mode:<8} {i:>5}  {str(k):<14} {a:>14.6g} {n:>14.6g} {e:>10.3g} {r:>10.3g}")
    if len(failures) > shown:
        lines.append(f"... and {len(failures) - shown} more")
    return "\n".join(lines)


def assert_grads_close(actual, expected, names: Sequence[str] | None = None,
                       rtol: float = 1e-7, atol: float = 0.0) -> None:
    """Assert that gradients agree, |actual - expected| ≤ atol + rtol·|expected| everywhere.

    `actual` and `expected` are matching dicts {name: array} or sequences of arrays (named by
    `names`, else by position). Tensors count as their `.grad`.

    >>> assert_grads_close({"W": W.grad}, {"W": A_in.T @ delta})
    """
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            raise AssertionError(f"assert_grads_close: names differ: actual has {sorted(actual)}, "
                                 f"expected has {sorted(expected)}")
        pairs = [(name, actual[name], expected[name]) for name in actual]
    else:
        actual, expected = list(actual), list(expected)
        if len(actual) != len(expected):
            raise AssertionError(f"assert_grads_close: {len(actual)} actual gradients but {len(expected)} expected")
        names = list(names) if names is not None else [f"#{i}" for i in range(len(actual))]
        pairs = list(zip(names, actual, expected))
    reports = [r for r in (_compare(name, a, e, rtol, atol) for name, a, e in pairs) if r]
    if reports:
        raise AssertionError("gradients differ:\n" + "\n".join(reports))


def _compare(name: str, actual, expected, rtol: float, atol: float) -> str | None:
    a = np.asarray(actual.grad if isinstance(actual, Tensor) else actual, dtype=np.float64)
    e = np.asarray(expected.grad if isinstance(expected, Tensor) else expected, dtype=np.float64)
    if a.shape != e.shape:
        return f"  {name}: actual has shape {a.shape}, expected {e.shape}"
    err = np.abs(a - e)
    bad = err > atol + rtol * np.abs(e)
    if not bad.any():
        return None
    k = np.unravel_index(np.argmax(np.where(bad, err, -1)), a.shape) if a.ndim else ()
    rel = err / np.maximum(np.abs(e), 1e-300)
    return (f"  {name} (shape {a.shape}): {int(bad.sum())} of {a.size} entries differ; "
            f"max abs err {err.max():.3g}, max rel err {rel.max():.3g}; "
            f"worst at index {tuple(int(i) for i in k)}: actual {a[k]:.17g}, expected {e[k]:.17g}")
