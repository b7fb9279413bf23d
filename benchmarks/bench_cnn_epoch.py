"""cnn_epoch: one epoch of the handout's CNN, Adam 1e-3, batch 100, over the 24,345 shared MNIST images.

    Conv2D(16, 3×3, relu, same) → MaxPooling2D(2) → Conv2D(32, 3×3, relu, same) → MaxPooling2D(2)
    → Flatten → Dense(64, relu) → Dense(10, softmax)                         (105,866 parameters)

Three competitors from the same weights: `nn`'s compile/fit, the same network written out by hand
in float32 NumPy as fast as we can write it (the reference: the floor for any NumPy engine; see
below), and PyTorch (same thread count). All must compute the same loss on the same first batch;
then they alternate, an epoch each, in this one process, and each gets its median seconds per
epoch and its test accuracy on the 10,000 test images after the timed epochs. The goal (issue 24):
`fit` ≤ 1.15× the floor. `--quick` runs a few batches and checks the first-batch losses agree.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import nn
from bench_mnist_epoch import NumpyMLP, torch_epoch   # Adam by hand; the torch loop over batches
from common import Result, time_once, try_import
from nn.datasets import load_mnist

BATCH, LR = 100, 1e-3
DATA = Path(os.environ.get("TINYGRAD_EDU_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")) / "mnist"
FLOOR, NN = "NumPy floor (by hand, float32)", "nn: compile/fit"
SHAPES = [(3, 3, 1, 16), (16,), (3, 3, 16, 32), (32,), (1568, 64), (64,), (64, 10), (10,)]


def data(limit: int | None):
    (X, y), (X_test, y_test) = load_mnist(DATA)
    X = X.reshape(-1, 28, 28, 1).astype(np.float32) / 255
    X_test = X_test.reshape(-1, 28, 28, 1).astype(np.float32) / 255
    if limit:
        X, y = X[:limit], y[:limit]
    return X, np.eye(10, dtype=np.float32)[y], X_test, y_test


def initial_weights(seed: int = 0) -> list[np.ndarray]:
    """Keras's order and layouts: [kernel (kh, kw, in, out), bias] per layer; glorot-uniform, zero biases."""
    rng = np.random.default_rng(seed)
    weights = []
    for shape in SHAPES:
        if len(shape) == 1:
            weights.append(np.zeros(shape, np.float32))
        else:
            fan_in, fan_out = int(np.prod(shape[:-1])), int(np.prod(shape[:-2]) * shape[-1]) if len(shape) == 4 else shape[-1]
            weights.append((rng.uniform(-1, 1, shape) * np.sqrt(6 / (fan_in + fan_out))).astype(np.float32))
    return weights


# ---- the floor, by hand: float32 NumPy written as fast as we can ------------------------------------
# What makes it fast, each measured on this model (batch 100, one BLAS thread), and each a thing
# the engine can learn from:
#   - im2col through a strided view, copied once into contiguous patches (N·H·W, 9·C); for one input
#     channel, nine slice copies into a (N, H, W, 9) buffer are quicker still;
#   - the input gradient of the second convolution computed kernel position first: nine products
#     g @ K[a, b]ᵀ, each (N·H·W, C) and contiguous, then nine contiguous adds (2.3× quicker than
#     adding strided columns of g @ Kᵀ back);
#   - 2×2 max pooling as a reshape and three np.maximum of its four corners (9× quicker than argmax
#     over a transposed copy); its backward a mask of the winners (ties share, as the engine's)
#     times the gradient divided by the tie count at the pooled size, relu's derivative folded in
#     there too (a pooled max > 0 is where relu let the winner through);
#   - no gradient for the first layer's input (the images), relu in place.

def _im2col(x):
    """(N, H, W, C) -> 'same'-padded 3×3 patches (N·H·W, 9·C), rows (n, i, j), columns (a, b, c)."""
    n, h, w, c = x.shape
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    if c == 1:                                 # nine slice copies: each a contiguous-ish block
        cols = np.empty((n, h, w, 9), np.float32)
        for k in range(9):
            cols[..., k] = xp[:, k // 3:k // 3 + h, k % 3:k % 3 + w, 0]
        return cols.reshape(n * h * w, 9)
    return sliding_window_view(xp, (3, 3), axis=(1, 2)).transpose(0, 1, 2, 4, 5, 3).reshape(n * h * w, 9 * c)


def _conv_input_grad(d, K, shape):
    """The gradient of a 'same' 3×3 convolution's input: d (N·H·W, F) times each kernel position's
    (C, F) slice transposed, as nine contiguous (N, H, W, C) blocks added where they came from."""
    n, h, w, c = shape
    parts = np.matmul(d, K.reshape(9, c, -1).transpose(0, 2, 1)).reshape(3, 3, n, h, w, c)
    out = np.zeros((n, h + 2, w + 2, c), np.float32)
    for a in range(3):
        for b in range(3):
            out[:, a:a + h, b:b + w] += parts[a, b]
    return out[:, 1:-1, 1:-1]


def _pool(a):
    """2×2 max pooling as a reshape: the larger of the four corners of each window."""
    n, h, w, c = a.shape
    v = a.reshape(n, h // 2, 2, w // 2, 2, c)
    return np.maximum(np.maximum(v[:, :, 0, :, 0], v[:, :, 0, :, 1]), np.maximum(v[:, :, 1, :, 0], v[:, :, 1, :, 1]))


def _unpool_relu(g, a, p):
    """The gradient through relu then 2×2 max pooling: each window's winners (ties share) get g;
    relu's derivative and the tie count applied at the pooled size."""
    n, h, w, c = a.shape
    hit = a.reshape(n, h // 2, 2, w // 2, 2, c) == p[:, :, None, :, None]
    count = hit[:, :, 0, :, 0] + np.float32(0) + hit[:, :, 0, :, 1] + hit[:, :, 1, :, 0] + hit[:, :, 1, :, 1]
    share = g * (p > 0) / count
    return (hit * share[:, :, None, :, None]).reshape(n * h * w, c)


class NumpyCNN(NumpyMLP):
    """The handout's CNN's forward and backward written out; Adam's step is the MLP benchmark's."""

    def forward(self, x):
        K1, b1, K2, b2, W3, b3, W4, b4 = self.params
        n = len(x)
        c1 = _im2col(x)
        a1 = c1 @ K1.reshape(9, 16)
        a1 += b1
        np.maximum(a1, 0, out=a1)
        a1 = a1.reshape(n, 28, 28, 16)
        p1 = _pool(a1)
        c2 = _im2col(p1)
        a2 = c2 @ K2.reshape(144, 32)
        a2 += b2
        np.maximum(a2, 0, out=a2)
        a2 = a2.reshape(n, 14, 14, 32)
        p2 = _pool(a2)
        f = p2.reshape(n, 1568)
        a3 = f @ W3
        a3 += b3
        np.maximum(a3, 0, out=a3)
        z4 = a3 @ W4 + b4
        return z4, (c1, a1, p1, c2, a2, p2, f, a3)

    def loss_and_grads(self, x, y):
        K1, b1, K2, b2, W3, b3, W4, b4 = self.params
        n = len(x)
        z4, (c1, a1, p1, c2, a2, p2, f, a3) = self.forward(x)
        z = z4 - z4.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -(y * logp).sum() / n
        d4 = (np.exp(logp) - y) / np.float32(n)
        d3 = (d4 @ W4.T) * (a3 > 0)
        dp2 = (d3 @ W3.T).reshape(n, 7, 7, 32)
        d2 = _unpool_relu(dp2, a2, p2)
        dp1 = _conv_input_grad(d2, K2, p1.shape)
        d1 = _unpool_relu(dp1, a1, p1)
        grads = [(c1.T @ d1).reshape(K1.shape), d1.sum(0), (c2.T @ d2).reshape(K2.shape), d2.sum(0),
                 f.T @ d3, d3.sum(0), a3.T @ d4, d4.sum(0)]
        return float(loss), grads

    def predict(self, X):
        return np.concatenate([self.forward(X[s:s + 500])[0].argmax(1) for s in range(0, len(X), 500)])


def numpy_epoch(model: NumpyCNN, X, Y, rng):
    order = rng.permutation(len(X))
    for k in range(0, len(X), BATCH):
        rows = order[k:k + BATCH]
        model.step(X[rows], Y[rows])


# ---- nn and torch -----------------------------------------------------------------------------------

def nn_model(nn, weights):
    """The handout's script on `nn` (ab.py also passes an older copy), then the shared weights."""
    model = nn.Sequential()
    model.add(nn.Conv2D(16, (3, 3), activation='relu', input_shape=(28, 28, 1), padding='same'))
    model.add(nn.MaxPooling2D(2, 2))
    model.add(nn.Conv2D(32, (3, 3), activation='relu', padding='same'))
    model.add(nn.MaxPooling2D(2, 2))
    model.add(nn.Flatten())
    model.add(nn.Dense(64, activation='relu'))
    model.add(nn.Dense(10, activation='softmax'))
    model.compile(optimizer=nn.Adam(learning_rate=LR), loss='categorical_crossentropy', metrics=['acc'])
    model.set_weights(weights)
    return model


def torch_net(torch, weights):
    """The same network in torch, channels-first inside, with the same weights."""
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.c2 = torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.Conv2d(16, 32, 3, padding=1)
            self.d3, self.d4 = torch.nn.Linear(1568, 64), torch.nn.Linear(64, 10)

        def forward(self, x):                       # x: (N, 28, 28, 1), as nn's
            x = x.permute(0, 3, 1, 2)
            x = torch.nn.functional.max_pool2d(torch.relu(self.c1(x)), 2)
            x = torch.nn.functional.max_pool2d(torch.relu(self.c2(x)), 2)
            x = x.permute(0, 2, 3, 1).flatten(1)    # Keras's (channels-last) flatten order
            return self.d4(torch.relu(self.d3(x)))

    net = Net()
    with torch.no_grad():
        for layer, (W, b) in ((net.c1, weights[0:2]), (net.c2, weights[2:4])):
            layer.weight.copy_(torch.tensor(W.transpose(3, 2, 0, 1)))
            layer.bias.copy_(torch.tensor(b))
        for layer, (W, b) in ((net.d3, weights[4:6]), (net.d4, weights[6:8])):
            layer.weight.copy_(torch.tensor(W.T))
            layer.bias.copy_(torch.tensor(b))
    return net


def timers(engine, nn, quick: bool) -> dict:
    """The nn row on `nn` (ab.py passes this tree's and an older copy): each call times one epoch
    (run.py's --quick: 500 images) and returns the seconds."""
    X, Y, _, _ = data(500 if quick else None)
    model = nn_model(nn, initial_weights())
    return {"nn: compile/fit": lambda: time_once(lambda: model.fit(X, Y, epochs=1, batch_size=BATCH, verbose=0))}


def run(quick: bool, repeat: int) -> list[Result]:
    X, Y, X_test, y_test = data(500 if quick else None)
    if quick:
        X_test, y_test = X_test[:500], y_test[:500]
    y_int = Y.argmax(axis=1)
    epochs = 1 if quick else max(1, repeat)
    weights = initial_weights()
    torch = try_import("torch")
    r = Result(f"cnn_epoch: the handout's CNN, Adam, batch {BATCH}, {len(X):,} images", "s per epoch", FLOOR)

    hand, model = NumpyCNN(weights), nn_model(nn, weights)
    x, y = X[:BATCH], Y[:BATCH]
    losses = {FLOOR: hand.loss_and_grads(x, y)[0], NN: float(model.evaluate(x, y, verbose=0)[0])}
    if torch is not None:
        net = torch_net(torch, weights)
        with torch.no_grad():
            losses["torch"] = torch.nn.functional.cross_entropy(net(torch.tensor(x)), torch.tensor(y.argmax(1))).item()
    reference = losses[FLOOR]
    for who, loss in losses.items():        # the same work: the same loss on the same first batch
        assert abs(loss - reference) < 1e-4, f"{who}: first-batch loss {loss} differs from {reference}"

    # the competitors alternate epoch by epoch (the order turning each round), so that the shared
    # machine's drift hits all alike; then each one's median and its test accuracy
    epoch_of, accuracy_of = {}, {}
    rng = np.random.default_rng(1)
    if torch is None:
        r.skip("torch", "not installed (pip install torch==2.13.0)")
    else:
        topt = torch.optim.Adam(net.parameters(), lr=LR, eps=1e-7)
        tX, ty = torch.from_numpy(X), torch.from_numpy(y_int)
        epoch_of["torch"] = lambda: torch_epoch(torch, net, topt, tX, ty, rng)

        def torch_accuracy():
            with torch.no_grad():
                return float((net(torch.from_numpy(X_test)).argmax(1).numpy() == y_test).mean())
        accuracy_of["torch"] = torch_accuracy
    epoch_of[NN] = lambda: model.fit(X, Y, epochs=1, batch_size=BATCH, verbose=0)
    accuracy_of[NN] = lambda: float((model.predict(X_test).argmax(1) == y_test).mean())
    epoch_of[FLOOR] = lambda: numpy_epoch(hand, X, Y, rng)
    accuracy_of[FLOOR] = lambda: float((hand.predict(X_test) == y_test).mean())

    times = {who: [] for who in epoch_of}
    for i in range(epochs):
        for who in list(epoch_of)[i % len(epoch_of):] + list(epoch_of)[:i % len(epoch_of)]:
            times[who].append(time_once(epoch_of[who]))
    for who in (FLOOR, NN, "torch"):
        if who in times:
            r.add(who, statistics.median(times[who]), test_acc=accuracy_of[who](), first_loss=losses[who])
    return [r]
