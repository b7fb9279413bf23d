"""`tinygrad-edu graph "tanh(x*w + b)" x=2 w=-3 b=6.88`: a formula's graph, its gradients and its picture.

The formula becomes a graph of Values (see `expression.py`, which never calls `eval`), `backward()`
fills every gradient, each variable's ∂f/∂variable is printed, and `draw_graph` writes the
picture; `--steps DIR` adds one frame per node backward visits (`steps.py`).

Both pictures are laid out by Graphviz's `dot`, whose time grows steeply with the graph (a sum of
80 copies of one variable: 70 s), so each has a budget checked before anything is drawn, and
`dot` itself runs on a deadline (`dot.py`). The numbers are in DESCRIPTION, the command's --help.
"""

from __future__ import annotations

import argparse
import importlib.util
import warnings
from pathlib import Path

import numpy as np

from tinygrad_edu import draw_graph, topological_order
from tinygrad_edu.draw import stepper_html

from .dot import DOT_TIMEOUT, DotNotFound
from .drawing import RENDERED, SOURCE, picture_format, write_drawing
from .expression import FUNCTIONS, MAX_LENGTH, build, parse_bindings
from .steps import MAX_STEP_FRAMES, STEPS_TIMEOUT, write_gif, write_steps

# above this many nodes (numbers, variables, results) a layout can take dot minutes, and the
# picture is too dense to read anyway; 50 nodes take about a second (20 s at worst, with --local-grads
# and one variable feeding every node), a neuron of ten inputs has 43
MAX_PICTURE_NODES = 50

DESCRIPTION = """Draw a formula's computation graph and print its gradients.

The formula is parsed, never evaluated as Python: numbers, the variables given as VAR=VALUE,
+ - * / ** and the functions exp, log, tanh, sigmoid, relu, abs, sqrt of one argument.
Each variable becomes a labelled Value; backward() fills ∂f/∂variable, printed for each one.

examples:
    tinygrad-edu graph "tanh(x*w + b)" x=2 w=-3 b=6.8813735870195432
    tinygrad-edu graph "x1*w1 + x2*w2 + b" x1=2 x2=0 w1=-3 w2=1 b=6.88 --out neuron.png --local-grads
    tinygrad-edu graph "sigmoid(x*w)" x=1.5 w=0.8 --steps steps/     (one picture per backward step)
    tinygrad-edu graph "tanh(x*w + b)" x=2 w=-3 b=6.88 --html steps.html   (the same, to click through)

budgets, so the command finishes in seconds:
    the formula: at most {MAX_LENGTH} characters
    the picture: at most {MAX_PICTURE_NODES} nodes (numbers, variables and results); a larger graph is
        refused before anything is drawn, unless --out ends in .gv or .dot (the DOT source, no layout)
    --steps, --html: at most {MAX_STEP_FRAMES} nodes, one frame each
    Graphviz's dot: {DOT_TIMEOUT:g} s for the picture, {STEPS_TIMEOUT:g} s for all the frames; then it is stopped""".format(
    MAX_LENGTH=MAX_LENGTH, MAX_PICTURE_NODES=MAX_PICTURE_NODES, MAX_STEP_FRAMES=MAX_STEP_FRAMES,
    DOT_TIMEOUT=DOT_TIMEOUT, STEPS_TIMEOUT=STEPS_TIMEOUT)


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
                        help=f"also write backward step by step into DIR: step_1.png, step_2.png, ... "
                             f"and backward.gif (graphs of at most {MAX_STEP_FRAMES} nodes)")
    parser.add_argument("--html", type=Path, metavar="FILE",
                        help=f"also write the step-by-step page FILE (one self-contained .html: a slider, "
                             f"buttons, ← → keys, each step's chain rule in numbers, forward mode beside it; "
                             f"graphs of at most {MAX_STEP_FRAMES} nodes)")
    parser.add_argument("--local-grads", action="store_true",
                        help="write each edge's local derivative ∂out/∂in on the picture")


def run(args: argparse.Namespace) -> int:
    """Build, backprop, print the gradients, draw. Returns the exit status."""
    picture_format(args.out)             # a bad suffix is an error before any work is done
    values = parse_bindings(args.values)
    # inf and nan are answers worth showing (log(0), 1/0), not reasons for warnings on the terminal
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        root, leaves = build(args.expression, values)      # DomainError: log(-1), 1/0 (main: status 1)
        root.backward()
    root.label = root.label or "f"       # a formula too long to be its own label is just f
    _check_budgets(len(topological_order(root)), args)

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

    advice = f"write the DOT source instead (--out {args.out.with_suffix('.gv')}) or draw a smaller formula"
    written, note = write_drawing(lambda fmt: draw_graph(root, format=fmt, show_local_grads=args.local_grads),
                                  args.out, advice=advice)
    print(f"wrote {written}")
    if note:
        print(f"note: {note}")
    if args.steps is not None:
        _write_steps(root, args.steps)
    if args.html is not None:
        _write_page(root, args.html)
    return 0


def _check_budgets(nodes: int, args: argparse.Namespace) -> None:
    """Refuse, before printing or drawing anything, a graph too large for its picture or its steps."""
    if nodes > MAX_PICTURE_NODES and picture_format(args.out) not in SOURCE:
        raise ValueError(f"the graph has {nodes} nodes; pictures are limited to {MAX_PICTURE_NODES} (dot's layout "
                         f"would take minutes): write the DOT source with --out {args.out.with_suffix('.gv')}, "
                         f"or draw a smaller formula")
    for flag, given in (("--steps", args.steps), ("--html", args.html)):
        if given is not None and nodes > MAX_STEP_FRAMES:
            raise ValueError(f"the graph has {nodes} nodes; {flag} draws one frame per node and is limited to "
                             f"{MAX_STEP_FRAMES}: leave out {flag}, or step through a smaller formula")
    if args.html is not None and args.html.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"--html {str(args.html)!r}: the page's name must end in .html")


def _write_page(root, path: Path) -> None:
    """The step-by-step page (`tinygrad_edu.draw.stepper_html`); a note instead without `dot`."""
    import graphviz
    try:
        page = stepper_html(root)
    except graphviz.ExecutableNotFound:
        print(f"note: Graphviz's `dot` program was not found, so the page {path} was not drawn")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    print(f"wrote {path} (open it in a browser: ← → step, space plays)")


def _write_steps(root, folder: Path) -> None:
    """The step-by-step frames, and the GIF when Pillow is installed; a note instead without `dot`."""
    try:
        frames = write_steps(root, folder)
    except DotNotFound:
        print(f"note: Graphviz's `dot` program was not found, so the step frames were not drawn into {folder}")
        return
    gif = importlib.util.find_spec("PIL") is not None
    if gif:
        write_gif(frames, folder / "backward.gif")
    animation = f" and {folder / 'backward.gif'}" if gif else " (pip install pillow for backward.gif)"
    print(f"wrote {len(frames)} backward steps: {frames[0]} … {frames[-1].name}{animation}")
