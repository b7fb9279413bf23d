"""The ready assignment, demos/assignment/: its tests pass the reference solution, fail the unfilled
students' file, and fail each deliberately wrong solution (one per lecture mistake) with that
mistake's diagnosis in the report.

The wrong solutions are made here, from solution.py, one line changed each, so they never ship
to students. Each is run as a teacher runs the tests: pytest in a subprocess, the solution chosen
by BACKPROP_SOLUTION; all subprocesses run at once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = ROOT / "demos" / "assignment"
TESTS = ["test_delta_out", "test_delta_hidden", "test_gradient", "test_backward"]

GRADIENT = "A_prev.T @ delta + lam * W_reg"
DELTA_H = "(d_out @ W_out[1:].T) * phi_prime(A_h[:, 1:], activation)"
DELTAS = ('"Δ(h)": gradient(f["A(in)"], d_h, W["W(h)"], lam),\n'
          '            "Δ(out)": gradient(f["A(h)"], d_out, W["W(out)"], lam)}')

# mistake: (the line of solution.py, what it becomes, the tests that fail, what their report says)
WRONG = {
    "phi_not_prime": (DELTA_H, "(d_out @ W_out[1:].T) * A_h[:, 1:]", ["test_delta_hidden", "test_backward"],
                      "δ(h): matches the right answer with φ(Z(h)) in place of φ′(Z(h))"),
    "no_phi_prime": (DELTA_H, "d_out @ W_out[1:].T", ["test_delta_hidden", "test_backward"],
                     "δ(h): matches the right answer without ⊙ φ′(Z(h)) in δ(h)"),
    "bias_row_kept": (DELTA_H, "(d_out @ W_out.T) * phi_prime(A_h, activation)", ["test_delta_hidden", "test_backward"],
                      "δ(h): has a bias column: the bias row of W(out) was kept"),
    "no_l2": (GRADIENT, "A_prev.T @ delta", ["test_gradient", "test_backward"],
              "Δ(h): matches the right answer without the λW term: add λ·W(h)"),
    "double_l2": (GRADIENT, "A_prev.T @ delta + 2 * lam * W_reg", ["test_gradient", "test_backward"],
                  "Δ(out): matches the right answer with the λW term twice"),
    "l2_on_bias": ("    W_reg[0] = 0.0\n", "", ["test_gradient", "test_backward"],
                   "Δ(h): matches the right answer with λ·w on the bias row (row 0) too"),
    "mean": (GRADIENT, "A_prev.T @ delta / len(delta) + lam * W_reg", ["test_gradient", "test_backward"],
             "Δ(out): matches the right answer divided by n = 8 (a mean over the samples)"),
    "transposed": (GRADIENT, f"({GRADIENT}).T", ["test_gradient", "test_backward"],
                   "Δ(h): the right answer transposed (6 × 5 instead of 5 × 6)"),
    "sign": ("return A_out - Y", "return Y - A_out", ["test_delta_out", "test_backward"],
             "δ(out): matches the right answer computed with δ(out) = y − a(out): the sign is flipped"),
    "output_phi_prime": ("return A_out - Y", "return (A_out - Y) * A_out * (1 - A_out)", ["test_delta_out", "test_backward"],
                         "δ(out): matches the right answer with φ′(Z(out)) multiplied into δ(out)"),
    "swapped": (DELTAS, DELTAS.replace('"Δ(h)"', '"Δ(x)"').replace('"Δ(out)"', '"Δ(h)"').replace('"Δ(x)"', '"Δ(out)"'),
                ["test_backward"], "Δ(h): equals the right Δ(out): are the two layers swapped?"),
    "zero": (f"return {DELTA_H}", "return np.zeros((len(d_out), W_out.shape[0] - 1))",
             ["test_delta_hidden", "test_backward"], "δ(h): all zero: nothing was propagated to it"),
}


def wrong_solution(folder: Path, mistake: str) -> Path:
    old, new, _, _ = WRONG[mistake]
    source = (ASSIGNMENT / "solution.py").read_text(encoding="utf-8")
    assert source.count(old) == 1, f"solution.py no longer holds {old!r} once: update WRONG[{mistake!r}]"
    path = folder / f"wrong_{mistake}.py"
    path.write_text(source.replace(old, new), encoding="utf-8")
    return path


def start(solution: Path, lang: str = "en") -> subprocess.Popen:
    env = dict(os.environ, BACKPROP_SOLUTION=str(solution), TINYGRAD_EDU_LANG=lang, OMP_NUM_THREADS="1",
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                             str(ASSIGNMENT / "test_backprop.py")], cwd=ASSIGNMENT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[int, str]]:
    """{name: (pytest's exit code, its output)} for the reference, the students' file, each wrong solution."""
    folder = tmp_path_factory.mktemp("wrong_solutions")
    started = {"reference": start(ASSIGNMENT / "solution.py"), "unfilled": start(ASSIGNMENT / "backprop.py"),
               "reference_id": start(ASSIGNMENT / "solution.py", "id"),
               "no_l2_id": start(wrong_solution(folder, "no_l2"), "id")}
    started.update({mistake: start(wrong_solution(folder, mistake)) for mistake in WRONG})
    return {name: (p.returncode, output) for name, p in started.items() for output in [p.communicate(timeout=300)[0]]}


def failed_tests(output: str) -> set[str]:
    return set(re.findall(r"^FAILED \S+::(\w+)", output, flags=re.M))


def test_the_reference_solution_passes(runs):
    for name in ("reference", "reference_id"):
        code, output = runs[name]
        assert code == 0 and "12 passed" in output, output[-3000:]


def test_the_unfilled_students_file_fails_every_test(runs):
    code, output = runs["unfilled"]
    assert code == 1 and "12 failed" in output and "NotImplementedError: TODO" in output, output[-3000:]


@pytest.mark.parametrize("mistake", WRONG)
def test_each_wrong_solution_fails_with_its_diagnosis(runs, mistake):
    code, output = runs[mistake]
    _, _, failing, diagnosis = WRONG[mistake]
    assert code == 1, output[-3000:]
    assert failed_tests(output) == set(failing), output[-3000:]
    assert diagnosis in output, output[-3000:]


def test_the_reports_come_in_bahasa_indonesia(runs):
    code, output = runs["no_l2_id"]
    assert code == 1 and "Δ(h): sama dengan jawaban yang benar tanpa suku regularisasi λW: tambahkan λ·W(h)" in output


def test_the_wrong_solutions_are_not_shipped():
    assert sorted(p.name for p in ASSIGNMENT.iterdir() if p.suffix == ".py") == \
        ["backprop.py", "solution.py", "test_backprop.py"]
