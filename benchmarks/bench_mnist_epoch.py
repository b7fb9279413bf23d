"""mnist_epoch: one epoch of 784 → Dense(64, relu) → Dense(10, softmax), Adam 1e-3, batch 100.

Over the 24,345 shared MNIST training images (../shared/data/mnist, or $TINYGRAD_EDU_DATA/mnist),
through `nn` two ways (Keras's `compile`/`fit`, and PyTorch's habit: a Module, a loss, an optimizer
loop), against the same network written out by hand in float32 NumPy (forward, backward and Adam,
below: the floor for any NumPy engine) and against PyTorch. All start from the same weights and
must compute the same loss on the same first batch; then seconds per epoch, and the test accuracy on
the 10,000 test images after 10 epochs.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import numpy as np

import nn
import tinygrad_edu
from common import Result, median_epoch_time, time_once, try_import
from nn.datasets import load_mnist

BATCH, LR, HIDDEN = 100, 1e-3, 64
DATA = Path(os.environ.get("TINYGRAD_EDU_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")) / "mnist"


def data(limit: int | None):
    (X, y), (X_test, y_test) = load_mnist(DATA)
    X = X.reshape(len(X), 784).astype(np.float32) / 255
    X_test = X_test.reshape(len(X_test), 784).astype(np.float32) / 255
    if limit:
        X, y = X[:limit], y[:limit]
    return X, np.eye(10, dtype=np.float32)[y], X_test, y_test


def initial_weights(seed: int = 0) -> list[np.ndarray]:
    """Glorot-uniform kernels, zero biases, in Keras's order [W1, b1, W2, b2] (W: in × out)."""
    rng = np.random.default_rng(seed)
    glorot = lambda i, o: rng.uniform(-1, 1, size=(i, o)).astype(np.float32) * np.float32(np.sqrt(6 / (i + o)))  # noqa: E731
    return [glorot(784, HIDDEN), np.zeros(HIDDEN, np.float32), glorot(HIDDEN, 10), np.zeros(10, np.float32)]


# ---- the floor: the same network by hand, float32 NumPy ----------------------------------------

class NumpyMLP:
    """Forward, backward and Adam written out; the lecture's formulas with a bias vector."""

    def __init__(self, weights):
        self.params = [w.copy() for w in weights]
        self.m = [np.zeros_like(w) for w in self.params]
        self.v = [np.zeros_like(w) for w in self.params]
        self.t = 0

    def loss_and_grads(self, x, y):
        W1, b1, W2, b2 = self.params
        z1 = x @ W1 + b1
        a1 = np.maximum(z1, 0)                                   # relu
        z2 = a1 @ W2 + b2
        z2 = z2 - z2.max(axis=1, keepdims=True)
        logp = z2 - np.log(np.exp(z2).sum(axis=1, keepdims=True))
        loss = -(y * logp).sum() / len(x)                        # categorical cross-entropy
        d2 = (np.exp(logp) - y) / np.float32(len(x))             # δ(out) = a(out) - y, averaged
        d1 = (d2 @ W2.T) * (z1 > 0)                              # δ(h) = δ(out) W(out)ᵀ ⊙ relu'(z)
        return loss, [x.T @ d1, d1.sum(axis=0), a1.T @ d2, d2.sum(axis=0)]

    def step(self, x, y):
        loss, grads = self.loss_and_grads(x, y)
        self.t += 1
        b1, b2, eps = 0.9, 0.999, 1e-7
        lr_t = np.float32(LR * np.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t))
        for w, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            w -= lr_t * m / (np.sqrt(v) + eps)
        return loss

    def predict(self, x):
        W1, b1, W2, b2 = self.params
        return (np.maximum(x @ W1 + b1, 0) @ W2 + b2).argmax(axis=1)


def numpy_epoch(model: NumpyMLP, X, Y, rng):
    order = rng.permutation(len(X))
    for k in range(0, len(X), BATCH):
        rows = order[k:k + BATCH]
        model.step(X[rows], Y[rows])


# ---- nn, two habits --------------------------------------------------------------------------------

def keras_model(nn, weights):
    model = nn.Sequential([nn.Dense(HIDDEN, activation="relu", input_dim=784), nn.Dense(10, activation="softmax")])
    model.compile(optimizer=nn.Adam(learning_rate=LR), loss="categorical_crossentropy", metrics=["acc"])
    model.set_weights(weights)
    return model


def torch_style_mlp(nn, weights):
    """PyTorch's habit: a Module subclass with a forward (defined here, so that it subclasses this `nn`'s Module)."""
    class TorchStyleMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden, self.out = nn.Linear(784, HIDDEN), nn.Linear(HIDDEN, 10)
            for layer, (W, b) in ((self.hidden, weights[:2]), (self.out, weights[2:])):
                layer.weight.data[...] = W.T                     # PyTorch keeps (out, in)
                layer.bias.data[...] = b

        def forward(self, x):
            return self.out(self.hidden(x).relu())
    return TorchStyleMLP()


def module_epoch(Tensor, model, optimizer, loss_fn, X, y_int, rng):
    order = rng.permutation(len(X))
    for k in range(0, len(X), BATCH):
        rows = order[k:k + BATCH]
        optimizer.zero_grad()
        loss = loss_fn(model(Tensor(X[rows])), y_int[rows])
        loss.backward()
        optimizer.step()


def nn_habits(engine, nn, weights, X, Y, rng) -> dict:
    """The two nn competitors on `engine` and `nn` (ab.py also passes an older copy of both):
    name -> (one epoch, the classes it predicts for images x, its loss on a batch x, y)."""
    keras, module = keras_model(nn, weights), torch_style_mlp(nn, weights)
    opt, loss_fn = nn.Adam(module.parameters(), lr=LR), nn.CrossEntropyLoss()
    y_int = Y.argmax(axis=1)
    return {
        "nn: compile/fit": (lambda: keras.fit(X, Y, epochs=1, batch_size=BATCH, verbose=0),
                            lambda x: keras.predict(x).argmax(1),
                            lambda x, y: float(keras.evaluate(x, y, verbose=0)[0])),
        "nn: Module + optimizer loop": (lambda: module_epoch(engine.Tensor, module, opt, loss_fn, X, y_int, rng),
                                        lambda x: module(engine.Tensor(x)).data.argmax(1),
                                        lambda x, y: float(loss_fn(module(engine.Tensor(x)), y.argmax(1)).item())),
    }


def first_batch_losses(weights, X, Y, habits, torch) -> dict:
    x, y = X[:BATCH], Y[:BATCH]
    losses = {"NumPy by hand (float32)": float(NumpyMLP(weights).loss_and_grads(x, y)[0]),
              **{who: loss(x, y) for who, (_, _, loss) in habits.items()}}
    if torch:
        net = torch_net(torch, weights)
        with torch.no_grad():
            losses["torch"] = torch.nn.functional.cross_entropy(net(torch.tensor(x)), torch.tensor(y.argmax(1))).item()
    return losses


def timers(engine, nn, quick: bool) -> dict:
    """The nn rows on `engine` and `nn`: each call times one epoch and returns the seconds."""
    X, Y, _, _ = data(limit(quick))
    habits = nn_habits(engine, nn, initial_weights(), X, Y, np.random.default_rng(1))
    return {who: lambda epoch=epoch: time_once(epoch) for who, (epoch, _, _) in habits.items()}


def limit(quick: bool) -> int | None:
    return 2_000 if quick else None


def torch_net(torch, weights):
    net = torch.nn.Sequential(torch.nn.Linear(784, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10))
    with torch.no_grad():
        for layer, (W, b) in ((net[0], weights[:2]), (net[2], weights[2:])):
            layer.weight.copy_(torch.tensor(W.T))
            layer.bias.copy_(torch.tensor(b))
    return net


def torch_epoch(torch, net, optimizer, X, y_int, rng):
    order = rng.permutation(len(X))
    for k in range(0, len(X), BATCH):
        rows = torch.from_numpy(order[k:k + BATCH])
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(X[rows]), y_int[rows])
        loss.backward()
        optimizer.step()


def run(quick: bool, repeat: int) -> list[Result]:
    X, Y, X_test, y_test = data(limit(quick))
    y_int = Y.argmax(axis=1)
    epochs = 1 if quick else 10
    weights = initial_weights()
    torch = try_import("torch")

    r = Result(f"mnist_epoch: 784-64-10, Adam, batch {BATCH}, {len(X):,} images", "s per epoch", "NumPy by hand (float32)")
    rng = np.random.default_rng(1)
    habits = nn_habits(tinygrad_edu, nn, weights, X, Y, rng)
    losses = first_batch_losses(weights, X, Y, habits, torch)
    reference_loss = losses["NumPy by hand (float32)"]
    for who, loss in losses.items():   # the same work: the same loss on the same first batch
        assert abs(loss - reference_loss) < 1e-5, f"{who}: first-batch loss {loss} differs from {reference_loss}"

    timed_epochs = partial(median_epoch_time, epochs=epochs)

    hand = NumpyMLP(weights)
    t, acc = timed_epochs(lambda: numpy_epoch(hand, X, Y, rng), lambda: float((hand.predict(X_test) == y_test).mean()))
    r.add("NumPy by hand (float32)", t, test_acc=acc, first_loss=reference_loss)

    for who, (epoch, predict, _) in habits.items():
        t, acc = timed_epochs(epoch, lambda: float((predict(X_test) == y_test).mean()))
        r.add(who, t, test_acc=acc, first_loss=losses[who])

    if torch is None:
        r.skip("torch", "not installed (pip install torch==2.13.0)")
    else:
        net = torch_net(torch, weights)
        topt = torch.optim.Adam(net.parameters(), lr=LR, eps=1e-7)
        tX, ty = torch.from_numpy(X), torch.from_numpy(y_int)
        t, acc = timed_epochs(lambda: torch_epoch(torch, net, topt, tX, ty, rng),
                              lambda: float((net(torch.from_numpy(X_test)).argmax(1).numpy() == y_test).mean()))
        r.add("torch", t, test_acc=acc, first_loss=losses["torch"])
    return [r]
