"""The `tinygrad-edu` command: the front door for someone who has just installed the package.

    tinygrad-edu train                                   iris, a small MLP, pictures and a report
    tinygrad-edu graph "tanh(x*w + b)" x=2 w=-3 b=6.88   a formula's graph and its gradients
    tinygrad-edu check                                   backprop by hand against autodiff

    train.py       the train subcommand: fit, report, write the pictures and the model
    preflight.py   train's checks before any work: options that go together, --out, --data-dir, model size
    data.py        the data sets, split and scaled, with each one's default settings
    neuron.py      one trained neuron on one sample, as a backpropagated graph
    graph.py       the graph subcommand
    expression.py  a typed formula as Values, by a whitelist walk of its syntax tree (never eval)
    drawing.py     a picture written to a file, or its DOT source without Graphviz
    check.py       the check subcommand, around nn.manual.compare
    grade.py       the grade subcommand: a class's backprop assignments, around nn.manual.check
    options.py     argument types: what each option accepts, and the message when it does not
    dot.py         Graphviz's dot on a deadline, killed with the command (Ctrl-C, kill, an error)
    steps.py       backward step by step: one frame per node, and a GIF

It lives in `nn`, not in the engine: `tinygrad_edu` never imports `nn`. A mistake on the command
line (a bad argument, a missing file, an unknown column) prints one line, `tinygrad-edu: error:
...`, and exits with status 2 (status 1 when a right formula is undefined at the values given: log(-1),
1/0); never a traceback (set TINYGRAD_EDU_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from typing import NoReturn, Sequence

from . import check, grade, graph, train
from .expression import DomainError

PROG = "tinygrad-edu"
EXIT_USAGE = 2
EXIT_UNDEFINED = 1      # a right command whose answer is undefined: graph "log(x)" x=-1
# what the library raises for a bad input: each carries a message written for the user
USER_ERRORS = (ValueError, TypeError, KeyError, OSError, ArithmeticError, ImportError)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr (argparse prints the whole usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The command and its three subcommands, each with its own --help."""
    parser = OneLineParser(prog=PROG, description="A teaching autodiff engine and a Keras-style nn: train a "
                                                  "network, draw a formula's graph, check backprop by hand.")
    from tinygrad_edu import __version__
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, module, summary in (
        ("train", train, "train a small MLP (default: iris) and write its pictures and model"),
        ("graph", graph, "draw a formula's computation graph and print its gradients"),
        ("check", check, "compare the lecture's hand-derived backprop with autodiff on a random network"),
        ("grade", grade, "grade a folder of students' backprop assignments: one line each, and grades.csv"),
    ):
        sub = commands.add_parser(name, help=summary, description=module.DESCRIPTION,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        module.configure(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]); returns the exit status.

    >>> main(["graph", "x*y", "x=2", "y=3", "--out", "/tmp/xy.gv"])   # doctest: +SKIP
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.error("choose a command: train, graph, check or grade")
    except SystemExit as e:            # --help, --version, a usage error: argparse's exit, as a status
        return e.code if isinstance(e.code, int) else 0
    try:
        with _terminate_as_interrupt():
            return args.run(args)
    except KeyboardInterrupt as e:
        print(f"{PROG}: {'terminated' if isinstance(e, Terminated) else 'interrupted'}", file=sys.stderr)
        return 143 if isinstance(e, Terminated) else 130
    except BrokenPipeError:            # `tinygrad-edu train | head`: the reader left; nothing to report
        # point stdout at /dev/null, so the interpreter's final flush does not fail a second time
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except USER_ERRORS as e:
        if os.environ.get("TINYGRAD_EDU_DEBUG"):
            raise
        return _fail(e, EXIT_UNDEFINED if isinstance(e, DomainError) else EXIT_USAGE)


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill PID`), raised like Ctrl-C so that the same clean-up runs: no `dot` outlives us."""


@contextlib.contextmanager
def _terminate_as_interrupt():
    """For the run of one command, SIGTERM raises Terminated instead of ending Python on the spot."""
    if threading.current_thread() is not threading.main_thread():   # only the main thread may set handlers
        yield
        return

    def terminate(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fail(error: BaseException, status: int = EXIT_USAGE) -> int:
    """Print the error as one line; returns the exit status (2: a usage mistake)."""
    # KeyError's str() is the key in quotes; its message is the first argument
    message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    message = " ".join(str(message).split()) or type(error).__name__   # library messages may span lines
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
