"""The vanishing gradient, seen: ‖∂L/∂h_t‖ for every time step t of a SimpleRNN and of an LSTM.

Backprop through time (nn.manual.bptt_norms, by hand in NumPy) gives the gradient of the loss with
respect to each hidden state h_t. Going back from the last step, a tanh SimpleRNN's shrinks by a
factor W_hhᵀ · tanh′ at every step; an LSTM's cell carries it by ⊙ f, its forget gate: as Keras
initialises it (bias 1, f ≈ 0.73) it fades too, and with the gate open (f ≈ 0.95, what an LSTM
learns when it must remember) it reaches the first steps.

Run:  python demos/vanishing_gradient.py [--steps 50]

Prints ‖∂L/∂h_t‖ at a few steps and writes demos/out/vanishing_gradient.png (the picture in the
README). TINYGRAD_EDU_QUICK=1 uses 20 steps.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

import nn

OUT = Path(__file__).resolve().parent / "out"
QUICK = os.environ.get("TINYGRAD_EDU_QUICK") == "1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20 if QUICK else 50)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    fig = nn.plot.gradient_through_time(steps=args.steps, path=OUT / "vanishing_gradient.png")
    shown = sorted({1, args.steps // 4, args.steps // 2, args.steps})
    print("‖∂L/∂h_t‖ at t = " + ", ".join(map(str, shown)))
    for line in fig.axes[0].get_lines():
        norms = np.asarray(line.get_ydata())
        print(f"  {line.get_label().split(':')[0]:<24}" + "  ".join(f"{norms[t - 1]:.1e}" for t in shown))
    print(f"wrote {OUT / 'vanishing_gradient.png'}")


if __name__ == "__main__":
    main()
