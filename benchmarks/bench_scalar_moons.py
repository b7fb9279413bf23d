"""scalar_moons: micrograd's own demo, step for step, with `Value` against micrograd and PyTorch.

make_moons(100 points, noise 0.1), an MLP 2-16-16-1 of scalar neurons, SVM max-margin loss
mean(relu(1 - y·score)) + 1e-4·Σw², SGD with lr = 1 - 0.9·k/100: exactly the code of micrograd's
demo.ipynb, run with each library's own scalar `Value` (PyTorch: the same network as tensors).
All three start from the same weights, and the first loss must agree. Milliseconds per training
step, with the garbage collector on as a user has it (and, to show its share, paused).
"""

from __future__ import annotations

import itertools
import time

import numpy as np

from common import Result, collector_paused, paused, time_once, try_import
from nn.datasets import make_moons
from tinygrad_edu import Value as OurValue

SIZES = [2, 16, 16, 1]


def initial_weights(seed: int = 1337) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-1, 1, size=(nin, nout)), np.zeros(nout)) for nin, nout in zip(SIZES, SIZES[1:])]


class ScalarMLP:
    """micrograd's nn.MLP, for any Value class: neurons of scalar weights, relu on hidden layers."""

    def __init__(self, Value, weights):
        self.layers = [([[Value(float(w)) for w in W[:, j]] for j in range(W.shape[1])], [Value(float(c)) for c in b])
                       for W, b in weights]

    def __call__(self, x):
        for k, (ws, bs) in enumerate(self.layers):
            x = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in zip(ws, bs)]
            x = [v.relu() for v in x] if k < len(self.layers) - 1 else x
        return x[0]

    def parameters(self):
        return [p for ws, bs in self.layers for w in ws for p in w] + [b for ws, bs in self.layers for b in bs]


def scalar_step(model, Value, X, y, k: int) -> float:
    inputs = [[Value(a), Value(b)] for a, b in X]          # as the demo does: list(map(Value, xrow))
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    total = data_loss + 1e-4 * sum(p * p for p in model.parameters())
    for p in model.parameters():
        p.grad = 0.0
    total.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= lr * p.grad
    return total.data


def torch_step(torch, params, X, y, k: int) -> float:
    h = X
    for i, (W, b) in enumerate(params):
        h = h @ W + b
        h = torch.relu(h) if i < len(params) - 1 else h
    total = torch.relu(1 - y * h[:, 0]).mean() + 1e-4 * sum((p * p).sum() for W, b in params for p in (W, b))
    for W, b in params:
        W.grad = b.grad = None
    total.backward()
    with torch.no_grad():
        lr = 1.0 - 0.9 * k / 100
        for W, b in params:
            W -= lr * W.grad
            b -= lr * b.grad
    return total.item()


def per_step(step, steps: int) -> tuple[float, float]:
    """(median seconds per step, first loss)."""
    times, first = [], None
    for k in range(steps):
        start = time.perf_counter()
        loss = step(k)
        times.append(time.perf_counter() - start)
        first = loss if first is None else first
    return float(np.median(times)), first


def moons() -> tuple[list, list]:
    X, y01 = make_moons(100, noise=0.1, random_state=0)
    return X.tolist(), (2 * y01 - 1).astype(float).tolist()    # Python floats: no NumPy-scalar detours


def timers(engine, nn, quick: bool) -> dict:
    """The tinygrad_edu rows on `engine` (ab.py also passes an older copy; no nn here): each call
    times one training step and returns the seconds."""
    X, y = moons()
    model, k = ScalarMLP(engine.Value, initial_weights()), itertools.count()
    step = lambda: time_once(lambda: scalar_step(model, engine.Value, X, y, next(k)))  # noqa: E731
    return {"tinygrad_edu Value": step, "tinygrad_edu Value, collector paused": paused(step)}


def run(quick: bool, repeat: int) -> list[Result]:
    steps = 2 if quick else max(3, repeat)
    X, y = moons()
    weights = initial_weights()
    r = Result("scalar_moons: micrograd's demo, 100 points, MLP 2-16-16-1", "ms per step", "micrograd 0.1.0")
    ours_model = ScalarMLP(OurValue, weights)
    t, ours_first = per_step(lambda k: scalar_step(ours_model, OurValue, X, y, k), steps)
    r.add("tinygrad_edu Value", t * 1e3, first_loss=ours_first)
    with collector_paused():          # the engine's own cost, without the collector's scans
        r.add("tinygrad_edu Value, collector paused", per_step(lambda k: scalar_step(ours_model, OurValue, X, y, k), steps)[0] * 1e3)

    micrograd = try_import("micrograd.engine")
    if micrograd is None:
        r.skip("micrograd 0.1.0", "not installed (pip install micrograd==0.1.0)")
    else:
        model = ScalarMLP(micrograd.Value, weights)
        t, first = per_step(lambda k: scalar_step(model, micrograd.Value, X, y, k), max(2, steps // 2))
        r.add("micrograd 0.1.0", t * 1e3, first_loss=first)
        with collector_paused():      # its cycles pile up until the collection at the end of the block
            r.add("micrograd 0.1.0, collector paused",
                  per_step(lambda k: scalar_step(model, micrograd.Value, X, y, k), max(2, steps // 2))[0] * 1e3)
        assert abs(first - ours_first) < 1e-9, f"micrograd's first loss {first} differs from ours {ours_first}"

    torch = try_import("torch")
    if torch is None:
        r.skip("torch", "not installed (pip install torch==2.13.0)")
    else:
        params = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in weights]
        tX, ty = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
        t, first = per_step(lambda k: torch_step(torch, params, tX, ty, k), steps)
        r.add("torch (tensors)", t * 1e3, first_loss=first)
        assert abs(first - ours_first) < 1e-9, f"torch's first loss {first} differs from ours {ours_first}"
    return [r]
