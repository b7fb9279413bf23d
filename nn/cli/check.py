"""`tinygrad-edu check`: the lecture's hand-derived backprop against autodiff, on a random small network.

A random `nn.Sequential` of Dense layers and random data go through `nn.manual.compare`, which
computes every Δ(l) = ∂J/∂W(l) twice, by the slide's matrix formulas and by the engine's
`backward()`, and prints the largest difference per layer. The exit status is 1 when they differ.
"""

from __future__ import annotations

import argparse

import numpy as np

import nn
from nn.manual import compare

from .options import hidden_widths, non_negative_float, non_negative_int, positive_int

DESCRIPTION = """Check the lecture's hand-derived backprop against autodiff, on a random small network.

Every gradient Δ(l) = ∂J/∂W(l) is computed twice: by the slide's matrix formulas
(δ(out) = A(out) − Y, δ(h) = δ(out) W(out)ᵀ ⊙ φ′(Z(h)), Δ(l) = A(l−1)ᵀ δ(l) + λ W(l)) and by the
engine's backward(). The table shows the largest difference per layer; the exit status is 1 if
they disagree.

examples:
    tinygrad-edu check
    tinygrad-edu check --hidden 5,3 --activation relu --loss categorical_crossentropy --outputs 3 --l2 0.1"""

# each loss with the output activation that the lecture pairs with it (δ(out) = A(out) − Y)
OUTPUT_FOR_LOSS = {"binary_crossentropy": "sigmoid", "categorical_crossentropy": "softmax",
                   "sparse_categorical_crossentropy": "softmax", "mse": "linear"}
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
# float64 on both sides: the sums differ only in rounding order, around 1e-16 of the gradient's size
TOLERANCE = 1e-9


def configure(parser: argparse.ArgumentParser) -> None:
    """The `check` subcommand's arguments."""
    parser.add_argument("--seed", type=non_negative_int, default=0, metavar="N", help="random weights and data (default 0)")
    parser.add_argument("--hidden", type=hidden_widths, default=[4], metavar="WIDTHS",
                        help="hidden layer widths, comma separated, e.g. 5,3 (default 4; 'none' for no hidden layer)")
    parser.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, default="sigmoid", metavar="NAME",
                        help=f"φ of the hidden layers: {', '.join(HIDDEN_ACTIVATIONS)} (default sigmoid, the lecture's)")
    parser.add_argument("--loss", choices=tuple(OUTPUT_FOR_LOSS), default="binary_crossentropy", metavar="NAME",
                        help="the cost: binary_crossentropy (the logistic cost, sigmoid outputs; default), "
                             "categorical_crossentropy or sparse_ (softmax outputs), mse (linear outputs)")
    parser.add_argument("--l2", type=non_negative_float, default=0.0, metavar="λ", help="λ of the ½λ Σ w² penalty (default 0)")
    parser.add_argument("--inputs", type=positive_int, default=3, metavar="M", help="m, the number of inputs (default 3)")
    parser.add_argument("--outputs", type=positive_int, default=2, metavar="T", help="t, the number of outputs (default 2)")
    parser.add_argument("--samples", type=positive_int, default=5, metavar="N", help="n, the number of samples (default 5)")


def run(args: argparse.Namespace) -> int:
    """Build the network and data, print compare's table and a verdict; 0 when they agree."""
    if OUTPUT_FOR_LOSS[args.loss] == "softmax" and args.outputs < 2:
        raise ValueError(f"--loss {args.loss} needs at least 2 outputs (softmax over classes), got --outputs {args.outputs}")
    nn.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    widths = [*args.hidden, args.outputs]
    acts = [args.activation] * len(args.hidden) + [OUTPUT_FOR_LOSS[args.loss]]
    model = nn.Sequential([nn.Dense(w, activation=a, input_dim=d, name=f"dense_{i + 1}")
                           for i, (w, a, d) in enumerate(zip(widths, acts, [args.inputs, *widths]))])
    model.compile(optimizer="sgd", loss=args.loss)
    X, Y = rng.normal(size=(args.samples, args.inputs)), _targets(args.loss, args.samples, args.outputs, rng)

    sizes = "-".join(str(s) for s in [args.inputs, *widths])
    hidden = f"{args.activation} hidden layers" if args.hidden else "no hidden layer"
    print(f"network {sizes}: {hidden}, {acts[-1]} outputs; {args.samples} random samples, seed {args.seed}")
    result = compare(model, X, Y, l2=args.l2, verbose=True)
    if result.max_rel <= TOLERANCE:
        print(f"agree: the hand-derived and autodiff gradients differ by at most {result.max_rel:.1e} of their size "
              f"(tolerance {TOLERANCE:g})")
        return 0
    print(f"DISAGREE: a relative difference of {result.max_rel:.3e} exceeds the tolerance {TOLERANCE:g}")
    return 1


def _targets(loss: str, n: int, t: int, rng: np.random.Generator) -> np.ndarray:
    """Random targets of the kind each loss reads: 0/1, one-hot rows, labels, or real numbers."""
    if loss == "binary_crossentropy":
        return rng.integers(0, 2, size=(n, t)).astype(np.float64)
    if loss == "categorical_crossentropy":
        return np.eye(t)[rng.integers(0, t, size=n)]
    if loss == "sparse_categorical_crossentropy":
        return rng.integers(0, t, size=n)
    return rng.normal(size=(n, t))
