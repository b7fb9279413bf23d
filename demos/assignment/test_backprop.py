"""The teacher's tests of backprop.py: each function of the students' file against the lecture's
backprop (`nn.manual`), for a sigmoid, tanh and ReLU hidden layer, with λ = 0.1.

    pytest -q test_backprop.py                                  # the file beside this one
    BACKPROP_SOLUTION=students/ani.py pytest -q test_backprop.py   # a student's file
    TINYGRAD_EDU_LANG=id pytest -q test_backprop.py             # the reports in Bahasa Indonesia

A failing test prints the report: each δ and Δ right, or named by the mistake that explains it
("Δ(h): matches the right answer without the λW term: add λ·W(h)"). Add -s to see every report.
Each function is tested on right inputs (δ(h) from the right δ(out), ...), so one mistake fails
one function's test and `test_backward`, not every test.
"""

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from nn.manual import MLP, check

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))          # the solutions import the given `forward` from backprop.py

ACTIVATIONS = ["sigmoid", "tanh", "relu"]
LAM = 0.1


def load(path: Path):
    spec = importlib.util.spec_from_file_location("solution_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOLUTION = Path(os.environ.get("BACKPROP_SOLUTION", HERE / "backprop.py")).resolve()
student = load(SOLUTION)


def network(activation):
    """4 inputs, 6 hidden units, 3 sigmoid outputs, 8 samples; biases not zero, so that bias mistakes show."""
    rng = np.random.default_rng(2024)
    W = [rng.normal(0, 0.5, (5, 6)), rng.normal(0, 0.5, (7, 3))]
    net = MLP((4, 6, 3), activation=activation, cost="logistic", l2=LAM, weights=W)
    X, Y = rng.normal(size=(8, 4)), (rng.random((8, 3)) < 0.5).astype(np.float64)
    return net, X, Y, net.forward(X), net.backward(X, Y)


def verdict(report):
    assert report.passed, f"{SOLUTION.name}\n{report}"      # a failure shows the report
    print(f"\n{SOLUTION.name}\n{report}")                   # a pass shows it with -s


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_delta_out(activation):
    net, X, Y, f, right = network(activation)
    verdict(check(lambda X, Y, W, lam: {"δ(out)": student.delta_out(f["A(out)"], Y)},
                  net, X, Y, keys=["δ(out)"], verbose=False))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_delta_hidden(activation):
    net, X, Y, f, right = network(activation)
    verdict(check(lambda X, Y, W, lam: {"δ(h)": student.delta_hidden(right["δ(out)"], W["W(out)"], f["A(h)"],
                                                                     activation)},
                  net, X, Y, keys=["δ(h)"], verbose=False))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradient(activation):
    net, X, Y, f, right = network(activation)
    verdict(check(lambda X, Y, W, lam: {"Δ(h)": student.gradient(f["A(in)"], right["δ(h)"], W["W(h)"], lam),
                                        "Δ(out)": student.gradient(f["A(h)"], right["δ(out)"], W["W(out)"], lam)},
                  net, X, Y, keys=["Δ(h)", "Δ(out)"], verbose=False))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward(activation):
    net, X, Y, f, right = network(activation)
    verdict(check(lambda X, Y, W, lam: student.backward(X, Y, W, lam, activation), net, X, Y, verbose=False))
