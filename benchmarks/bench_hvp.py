"""hvp: a Hessian-vector product H v of an MLP's loss, three ways, beside torch.func.

    forward over reverse    jvp(grad(loss), (θ,), (v,))          one gradient pass carrying a tangent
    reverse over reverse    grad(θ ↦ ∇loss(θ) · v)               a gradient pass, then one more over it
    the full Hessian        hessian(loss)(θ) @ v                  n passes for n parameters, then a product

The first two cost a small multiple of one gradient whatever n is; forming H costs n of them.
"""

from __future__ import annotations

import numpy as np

from common import Result, median_time, time_once, try_import
from tinygrad_edu import Tensor, grad, hessian, jvp


def problem(quick: bool, Tensor=Tensor):
    """θ (all the parameters of a 20-h-1 tanh MLP, h = 45: 991 of them; 10 in --quick), a
    direction v, and the mean squared error as a function of θ."""
    n_in, hidden = (3, 2) if quick else (20, 45)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, n_in)), rng.normal(size=64)
    shapes = [(n_in, hidden), (hidden,), (hidden, 1), (1,)]
    sizes = [int(np.prod(s)) for s in shapes]
    theta = rng.normal(size=sum(sizes)) * 0.3
    v = rng.normal(size=theta.size)

    def loss(theta):
        parts, start = [], 0
        for shape, size in zip(shapes, sizes):
            parts.append(theta[start:start + size].reshape(shape))
            start += size
        W1, b1, W2, b2 = parts
        pred = ((Tensor(X) @ W1 + b1).tanh() @ W2 + b2).reshape(-1)
        return ((pred - Tensor(y)) ** 2).mean()
    return loss, theta, v, (X, y, shapes, sizes)


def ways(engine, quick: bool) -> dict:
    loss, theta, v, _ = problem(quick, Tensor=engine.Tensor)
    return {
        "forward over reverse": lambda: engine.jvp(engine.grad(loss), (theta,), (v,))[1],
        "reverse over reverse": lambda: engine.grad(lambda t: (engine.grad(loss)(t) * engine.Tensor(v)).sum())(theta),
        "full Hessian, then H v": lambda: engine.hessian(loss)(theta) @ v,
    }


def timers(engine, nn, quick: bool) -> dict:
    """The rows on `engine` (ab.py also passes an older copy): each call returns the seconds of one H v.
    An engine whose transformations do not nest (before they composed) has only the full Hessian."""
    rows = ways(engine, quick)
    if not hasattr(engine, "value_and_grad"):
        rows = {k: f for k, f in rows.items() if k.startswith("full")}
    return {name: (lambda f=f: time_once(f)) for name, f in rows.items()}


def _torch_hvp(torch, quick: bool):
    _, theta, v, (X, y, shapes, sizes) = problem(quick)
    X, y = torch.tensor(X), torch.tensor(y)

    def loss(theta):
        W1, b1, W2, b2 = (p.reshape(s) for p, s in zip(torch.split(theta, sizes), shapes))
        return (((torch.tanh(X @ W1 + b1) @ W2 + b2).reshape(-1) - y) ** 2).mean()
    t, tv = torch.tensor(theta), torch.tensor(v)
    return {
        "torch.func: forward over reverse": lambda: torch.func.jvp(torch.func.grad(loss), (t,), (tv,))[1].numpy(),
        "torch.func: full Hessian, then H v": lambda: (torch.func.hessian(loss)(t) @ tv).numpy(),
    }


def run(quick: bool, repeat: int) -> list[Result]:
    loss, theta, v, _ = problem(quick)
    r = Result(f"hvp: H v for the loss of an MLP with {theta.size} parameters", "seconds", "forward over reverse")
    competitors = ways(__import__("tinygrad_edu"), quick)
    reference = competitors["forward over reverse"]()
    for name, f in competitors.items():
        np.testing.assert_allclose(f(), reference, rtol=1e-9, atol=1e-12)      # the same H v, three ways
        r.add(name, median_time(f, 1 if name.startswith("full") else repeat))
    torch = try_import("torch")
    if torch is None:
        r.skip("torch.func", "not installed (pip install torch==2.13.0)")
    else:
        for name, f in _torch_hvp(torch, quick).items():
            np.testing.assert_allclose(f(), reference, rtol=1e-9, atol=1e-12)
            r.add(name, median_time(f, repeat))
    return [r]
