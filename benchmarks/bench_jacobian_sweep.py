"""jacobian_sweep: forward mode (jacfwd) against reverse mode (jacrev), in seconds.

The multiply-add counts in demos/forward_vs_reverse.py, as real time: n inputs cost jacfwd n
passes, m outputs cost jacrev m passes, so the wide (loss-like) f favours reverse mode and the tall
one forward mode.
"""

from __future__ import annotations

import numpy as np

from common import Result, median_time
from tinygrad_edu import Tensor, jacfwd, jacrev


def network(n: int, m: int, hidden: int = 16):
    rng = np.random.default_rng(0)
    W1, W2 = Tensor(rng.normal(size=(hidden, n))), Tensor(rng.normal(size=(m, hidden)))
    return lambda x: W2 @ (W1 @ x).tanh()


def run(quick: bool, repeat: int) -> list[Result]:
    big = 100 if quick else 1000
    results = []
    for n, m in ((big, 1), (1, big), (big // 10, big // 10)):
        f, x = network(n, m), np.ones(n)
        r = Result(f"jacobian_sweep: f: R^{n} -> R^{m}, the whole {m} × {n} Jacobian", "seconds", "jacrev")
        r.add("jacrev", median_time(lambda: jacrev(f)(x), repeat))
        r.add("jacfwd", median_time(lambda: jacfwd(f)(x), repeat))
        np.testing.assert_allclose(jacfwd(f)(x), jacrev(f)(x), rtol=1e-10, atol=1e-12)   # the same work
        results.append(r)
    return results
