"""jacobian_sweep: forward mode (jacfwd) against reverse mode (jacrev), in seconds.

The multiply-add counts in demos/forward_vs_reverse.py, as real time: n inputs cost jacfwd n
passes, m outputs cost jacrev m passes, so the wide (loss-like) f favours reverse mode and the tall
one forward mode.
"""

from __future__ import annotations

import numpy as np

from common import Result, median_time, time_once
from tinygrad_edu import Tensor, jacfwd, jacrev


def network(n: int, m: int, hidden: int = 16, Tensor=Tensor):
    rng = np.random.default_rng(0)
    W1, W2 = Tensor(rng.normal(size=(hidden, n))), Tensor(rng.normal(size=(m, hidden)))
    return lambda x: W2 @ (W1 @ x).tanh()


def shapes(quick: bool) -> list[tuple[int, int]]:
    big = 100 if quick else 1000
    return [(big, 1), (1, big), (big // 10, big // 10)]


def timers(engine, nn, quick: bool) -> dict:
    """The rows on `engine` (ab.py also passes an older copy; no nn here): each call times one
    whole Jacobian and returns the seconds."""
    rows = {}
    for n, m in shapes(quick):
        f, x = network(n, m, Tensor=engine.Tensor), np.ones(n)
        for jac in (engine.jacrev, engine.jacfwd):
            rows[f"R^{n} -> R^{m}: {jac.__name__}"] = lambda jac=jac, f=f, x=x: time_once(lambda: jac(f)(x))
    return rows


def run(quick: bool, repeat: int) -> list[Result]:
    results = []
    for n, m in shapes(quick):
        f, x = network(n, m), np.ones(n)
        r = Result(f"jacobian_sweep: f: R^{n} -> R^{m}, the whole {m} × {n} Jacobian", "seconds", "jacrev")
        r.add("jacrev", median_time(lambda: jacrev(f)(x), repeat))
        r.add("jacfwd", median_time(lambda: jacfwd(f)(x), repeat))
        np.testing.assert_allclose(jacfwd(f)(x), jacrev(f)(x), rtol=1e-10, atol=1e-12)   # the same work
        results.append(r)
    return results
