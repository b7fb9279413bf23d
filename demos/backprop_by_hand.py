"""The lecture's matrix backprop by hand (nn.manual.MLP) beside the engine's autodiff, on the same weights.

    python demos/backprop_by_hand.py

Prints, for a tiny 2-2-1 sigmoid network on three samples, every matrix of the slides
(A(in), Z(h), A(h), A(out), δ(out), δ(h), Δ(h), Δ(out)) with the engine's ∂J/∂W next to each Δ;
then compare()'s table for a 4-5-3-3 network under each of the three costs, with λ = 0.1; then
20 epochs of gradient descent both ways. Writes no files.
"""

from __future__ import annotations

import numpy as np

import nn
from nn.manual import MLP, compare
from nn.manual.autodiff import autodiff_deltas


def show(name: str, M: np.ndarray) -> None:
    """A matrix under its lecture name, with its shape as the slides write it (n × h)."""
    rows = np.array2string(M, precision=6, suppress_small=False, floatmode="fixed", max_line_width=100)
    print(f"{name}  ({M.shape[0]} × {M.shape[1]})\n{rows}\n")


def tiny_case() -> None:
    print("=" * 78)
    print("A 2-2-1 sigmoid network, logistic cost, n = 3 samples: every matrix of the slides")
    print("=" * 78)
    X = np.array([[0.05, 0.10], [1.0, -1.0], [-0.5, 2.0]])
    Y = np.array([[1.0], [0.0], [1.0]])
    W_h = np.array([[0.35, 0.35],       # bias row
                    [0.15, 0.25],
                    [0.20, 0.30]])
    W_out = np.array([[0.60], [0.40], [0.45]])
    net = MLP((2, 2, 1), activation="sigmoid", cost="logistic", weights=[W_h, W_out])
    f = net.forward(X)
    for name in ("A(in)", "Z(h)", "A(h)", "A(out)"):
        show(name, f[name])
    g = net.backward(X, Y, forward=f)
    show("δ(out) = A(out) − Y", g["δ(out)"])
    show("δ(h) = δ(out) W(out)ᵀ ⊙ A(h)(1 − A(h))   (bias row of W(out) left out)", g["δ(h)"])
    model = net.to_model()                 # the same weights in an nn.Sequential of two Dense layers
    auto, J, _ = autodiff_deltas(model, X, Y, weights=net.W)
    for name, formula, A in zip(("Δ(h)", "Δ(out)"), ("A(in)ᵀ δ(h)", "A(h)ᵀ δ(out)"), auto):
        show(f"{name} = {formula}   by hand", g[name])
        show(f"{name} = [∂J/∂bias; ∂J/∂kernel]   by autodiff", A)
    print(f"J(W) by hand {net.cost(X, Y):.15f}, by autodiff {J:.15f}\n")


def tables() -> None:
    print("=" * 78)
    print("compare(model, X, Y, l2=0.1): a 4-5-3-3 network, hand vs autodiff, per layer")
    print("=" * 78)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 4))
    labels = rng.integers(0, 3, 10)
    for hidden, last, loss, Y in (("sigmoid", "sigmoid", "binary_crossentropy", np.eye(3)[labels]),
                                  ("tanh", "softmax", "categorical_crossentropy", np.eye(3)[labels]),
                                  ("relu", "linear", "mse", rng.normal(size=(10, 3)))):
        nn.manual_seed(1)
        model = nn.Sequential([nn.Dense(5, activation=hidden, input_dim=4), nn.Dense(3, activation=hidden),
                               nn.Dense(3, activation=last)])
        model.compile(optimizer="sgd", loss=loss)
        print(f"\nhidden φ = {hidden}, output φ = {last}, loss = {loss!r}")
        compare(model, X, Y, l2=0.1)


def training() -> None:
    print("\n" + "=" * 78)
    print("20 epochs of full-batch gradient descent, W(l) := W(l) − η Δ(l), η = 0.05, λ = 0.1")
    print("=" * 78)
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(12, 3)), np.eye(2)[rng.integers(0, 2, 12)]
    nn.manual_seed(3)
    model = nn.Sequential([nn.Dense(4, activation="tanh", input_dim=3), nn.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    net = MLP.from_model(model, l2=0.1, eta=0.05)
    W_auto = [W.copy() for W in net.W]
    costs = net.fit(X, Y, epochs=20)
    for _ in range(20):
        Deltas, _, _ = autodiff_deltas(model, X, Y, l2=0.1, weights=W_auto)
        W_auto = [W - 0.05 * D for W, D in zip(W_auto, Deltas)]
    print(f"J(W): {costs[0]:.6f} → {net.cost(X, Y):.6f}")
    for name, W, A in zip(net.names, net.W, W_auto):
        print(f"W({name}) {W.shape[0]} × {W.shape[1]}: max |hand − autodiff| after 20 epochs = {np.abs(W - A).max():.2e}")


if __name__ == "__main__":
    np.set_printoptions(linewidth=100)
    tiny_case()
    tables()
    training()
