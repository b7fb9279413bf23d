"""Central differences in float64: the reference every gradient test compares against.

    ∂f/∂xⱼ ≈ (f(x + h·eⱼ) - f(x - h·eⱼ)) / 2h

The error is O(h²) from truncation plus O(ε·|f|/h) from rounding; h = 1e-6 keeps both near 1e-10
for the smooth, moderate functions the tests use, so comparisons use rtol=1e-6.

This is a helper for the tests only; the public gradient checker lives in the package.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

H = 1e-6
RTOL = 1e-6
ATOL = 1e-8


def central_difference(f: Callable[..., float], *xs, h: float = H) -> list:
    """The gradient of a scalar function f(*xs) with respect to every argument, by central differences.

    Each x may be a float or a float64 array; the gradient of each has the same shape (a float for a
    float). f is called with arguments of the same kinds, and must return a number.
    """
    xs = [np.array(x, dtype=np.float64) for x in xs]
    grads = []
    for i, x in enumerate(xs):
        g = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            up, down = [v.copy() for v in xs], [v.copy() for v in xs]
            up[i][j] += h
            down[i][j] -= h
            g[j] = (float(f(*_unwrap(up))) - float(f(*_unwrap(down)))) / (2 * h)
        grads.append(float(g) if g.ndim == 0 and np.ndim(xs[i]) == 0 else g)
    return grads


def _unwrap(xs: Sequence[np.ndarray]) -> list:
    return [float(x) if x.ndim == 0 else x for x in xs]


def assert_close(actual, expected, what: str = "gradient", rtol: float = RTOL, atol: float = ATOL) -> None:
    """Engine vs reference, with a failure message that shows both and where they differ most."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    err = np.abs(actual - expected)
    tol = atol + rtol * np.abs(expected)
    if not np.all(err <= tol):
        worst = np.unravel_index(np.argmax(err - tol), err.shape) if err.ndim else ()
        raise AssertionError(
            f"{what}: differs at index {worst}: got {actual[worst]!r}, expected {expected[worst]!r} "
            f"(|diff| {err[worst]:.3g} > tol {tol[worst]:.3g})\n got      {actual}\n expected {expected}")
