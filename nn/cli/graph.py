"""`tinygrad-edu graph "tanh(x*w + b)" x=2 w=-3 b=6.88`: a formula's graph, its gradients and its picture.

The formula becomes a graph of Values (see `expression.py`, which never calls `eval`), `backward()`
fills every gradient, each variable's ∂f/∂variable is printed, and `draw_graph` writes the
picture; `--steps DIR` adds one frame per node backward visits (`draw_backward_steps`).
"""

from __future__ import annotations

import argparse
import importlib.util
import warnings
from pathlib import Path

import graphviz
import numpy as np

from tinygrad_edu import draw_backward_steps, draw_graph

from .drawing import RENDERED, SOURCE, picture_format, write_drawing
from .expression import FUNCTIONS, build, parse_bindings

DESCRIPTION = """Draw a formula's computation graph and print its gradients.

The formula is parsed, never evaluated as Python: numbers, the variables given as VAR=VALUE,
+ - * / ** and the functions exp, log, tanh, sigmoid, relu, abs, sqrt of one argument.
Each variable becomes a labelled Value; backward() fills ∂f/∂variable, printed for each one.

examples:
    tinygrad-edu graph "tanh(x*w + b)" x=2 w=-3 b=6.8813735870195432
    tinygrad-edu graph "x1*w1 + x2*w2 + b" x1=2 x2=0 w1=-3 w2=1 b=6.88 --out neuron.png --local-grads
    tinygrad-edu graph "sigmoid(x*w)" x=1.5 w=0.8 --steps steps/     (one picture per backward step)"""


def configure(parser: argparse.ArgumentParser) -> None:
    """The `graph` subcommand's arguments."""
    parser.add_argument("expression", help=f"the formula, in quotes; numbers, variables, + - * / ** and "
                                           f"{', '.join(FUNCTIONS)}. A formula that starts with '-' goes after "
                                           f"'--', with any options before it (tinygrad-edu graph --out g.png "
                                           f"-- \"-x*w\" x=1 w=2)")
    parser.add_argument("values", nargs="*", metavar="VAR=VALUE", help="a value for each variable, e.g. x=2 w=-3")
    parser.add_argument("--out", type=Path, default=Path("graph.svg"), metavar="FILE",
                        help=f"the picture to write (default graph.svg); its suffix picks the format: "
                             f"{', '.join(RENDERED + SOURCE)} (.gv/.dot: the DOT source)")
    parser.add_argument("--steps", type=Path, metavar="DIR",
                        help="also write backward step by step into DIR: step_1.png, step_2.png, ... "
                             "and backward.gif")
    parser.add_argument("--local-grads", action="store_true",
                        help="write each edge's local derivative ∂out/∂in on the picture")


def run(args: argparse.Namespace) -> int:
    """Build, backprop, print the gradients, draw. Returns the exit status."""
    picture_format(args.out)             # a bad suffix is an error before any work is done
    values = parse_bindings(args.values)
    # inf and nan are answers worth showing (log(0), 1/0), not reasons for warnings on the terminal
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        root, leaves = build(args.expression, values)
        root.backward()
    root.label = root.label or "f"       # a formula too long to be its own label is just f

    names = ", ".join(leaves)
    at = ", ".join(f"{v:g}" for v in (leaf.data for leaf in leaves.values()))
    print(f"f({names}) = {args.expression.strip()}")
    print(f"f({at}) = {root.data:.6g}")
    for name, leaf in leaves.items():
        print(f"  ∂f/∂{name} = {leaf.grad:.6g}")
    if not leaves:
        print("  (no variables: nothing to differentiate)")
    unused = [name for name in values if name not in leaves]
    if unused:
        print(f"note: {', '.join(unused)} {'is' if len(unused) == 1 else 'are'} not in the formula")

    written, note = write_drawing(lambda fmt: draw_graph(root, format=fmt, show_local_grads=args.local_grads),
                                  args.out)
    print(f"wrote {written}")
    if note:
        print(f"note: {note}")
    if args.steps is not None:
        _write_steps(root, args.steps)
    return 0


def _write_steps(root, folder: Path) -> None:
    """The step-by-step frames, and the GIF when Pillow is installed; a note instead without `dot`."""
    gif = importlib.util.find_spec("PIL") is not None
    try:
        frames = draw_backward_steps(root, folder, gif=gif)
    except graphviz.ExecutableNotFound:
        print(f"note: Graphviz's `dot` program was not found, so the step frames were not drawn into {folder}")
        return
    animation = f" and {folder / 'backward.gif'}" if gif else " (pip install pillow for backward.gif)"
    print(f"wrote {len(frames)} backward steps: {frames[0]} … {frames[-1].name}{animation}")
