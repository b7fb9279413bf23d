"""XOR, the course's example of a non-linear problem: no straight line separates the classes.

The handouts ("Permasalahan Linear dan Non-Linear") put OR and AND on one side, solvable by a
single neuron, and XOR on the other. Here the points are uniform in [−1, 1]², class 1 where x₁
and x₂ have different signs (nn.datasets.make_xor), and three networks try it:

    no hidden layer        Dense(1, sigmoid)                     one neuron: a straight boundary
    linear hidden layer    Dense(8, linear) → Dense(1, sigmoid)  still one straight boundary: a
                           stack of linear layers is one linear layer ("if all regressions are
                           linear, the output is a linear regression too")
    MLP                    Dense(8, tanh) → Dense(1, sigmoid)    the activation function bends it

Run:  python demos/xor.py

Prints each model's final loss and accuracy and its P(class 1) at the centre of each quadrant
(the XOR truth table), and writes to demos/out/: xor_no_hidden.png, xor_linear_hidden.png and
xor_mlp.png (decision boundaries). TINYGRAD_EDU_QUICK=1 uses fewer points and epochs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

import nn

OUT = Path(__file__).resolve().parent / "out"
QUICK = os.environ.get("TINYGRAD_EDU_QUICK") == "1"
N_POINTS = 200 if QUICK else 400
EPOCHS = 60 if QUICK else 200
CORNERS = np.array([[-0.5, -0.5], [-0.5, 0.5], [0.5, -0.5], [0.5, 0.5]])   # one point per quadrant


def build(kind: str) -> nn.Sequential:
    """One of the three networks of the module docstring, by name."""
    if kind == "no_hidden":
        layers = [nn.Dense(1, activation="sigmoid", input_dim=2)]
    elif kind == "linear_hidden":
        layers = [nn.Dense(8, activation="linear", input_dim=2), nn.Dense(1, activation="sigmoid")]
    else:
        layers = [nn.Dense(8, activation="tanh", input_dim=2), nn.Dense(1, activation="sigmoid")]
    model = nn.Sequential(layers, name=kind)
    # a larger step than Adam's 0.001: the problem is tiny, and the demo should finish in seconds
    model.compile(optimizer=nn.Adam(lr=0.05), loss="binary_crossentropy", metrics=["acc"])
    return model


TITLES = {
    "no_hidden": "No hidden layer: Dense(1, sigmoid)",
    "linear_hidden": "Hidden layer without activation: Dense(8, linear) → Dense(1, sigmoid)",
    "mlp": "MLP: Dense(8, tanh) → Dense(1, sigmoid)",
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    X, y = nn.datasets.make_xor(N_POINTS, random_state=0)
    print(f"XOR: {N_POINTS} points in [-1, 1]², class 1 where sign(x1) ≠ sign(x2); "
          f"{EPOCHS} epochs of Adam (lr 0.05), batch 32\n")
    print(f"{'model':<15}{'loss':>8}{'acc':>8}{'time':>8}   P(class 1) at (−,−) (−,+) (+,−) (+,+)   want 0 1 1 0")
    written = []
    for kind in TITLES:
        nn.manual_seed(0)    # same initial weights and shuffles on every run
        model = build(kind)
        start = time.perf_counter()
        history = model.fit(X, y.reshape(-1, 1), epochs=EPOCHS, batch_size=32, verbose=0)
        seconds = time.perf_counter() - start
        loss, acc = model.evaluate(X, y.reshape(-1, 1), verbose=0)
        corners = model.predict(CORNERS)[:, 0]
        print(f"{kind:<15}{loss:>8.4f}{acc:>8.3f}{seconds:>7.1f}s   "
              + "  ".join(f"{p:5.2f}" for p in corners))
        path = OUT / f"xor_{kind}.png"
        nn.plot.decision_boundary(model, X, y, path, class_names=["same sign (0)", "different signs (1)"],
                                  title=f"XOR — {TITLES[kind]}", resolution=120 if QUICK else 300)
        written.append(path)
        assert len(history.history["loss"]) == EPOCHS
    print("\nA straight boundary gets at most about 3 quadrants of 4 right, and its loss stays near ln 2 = 0.693")
    print("(the loss of answering 0.5 everywhere); only the MLP, with a non-linear activation, solves XOR.")
    print("\nwrote " + ", ".join(str(p) for p in written))


if __name__ == "__main__":
    main()
