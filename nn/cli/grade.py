"""`tinygrad-edu grade SUBMISSIONS_DIR`: the backprop assignment (demos/assignment/) graded for a class.

Each student's file (every *.py in the folder, sorted by name) is loaded and its `backward(X, Y, W, λ,
activation)` checked by `nn.manual.check` on the assignment's network, for a sigmoid, tanh and ReLU
hidden layer with λ = 0.1: one line per student, "pass" or the named mistakes, and `grades.csv`
(file, result, details). A student's file that does not even load or run gets one line too: the
exception's one-line summary, never its traceback; what it prints is swallowed; a file that runs
past GRADE_SECONDS is stopped (on POSIX).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib.util
import io
import signal
import sys
import threading
from pathlib import Path

import numpy as np

from nn.manual import MLP, check
from tinygrad_edu.diagnose import language

ACTIVATIONS = ("sigmoid", "tanh", "relu")
LAM = 0.1
GRADE_SECONDS = 30          # per student: loading the file and the three checks

DESCRIPTION = """Grade the backprop assignment (demos/assignment/) for a whole class.

Every *.py in SUBMISSIONS_DIR is one student's backprop.py. Its backward() is checked against the
lecture's backprop (nn.manual.check) for a sigmoid, tanh and ReLU hidden layer with λ = 0.1; one line
per student says pass, or names the mistake (in English, or Bahasa Indonesia with --lang id or
TINYGRAD_EDU_LANG=id). The results are also written to grades.csv (--out to choose).

examples:
    tinygrad-edu grade submissions/
    tinygrad-edu grade kumpulan/ --lang id --out nilai.csv"""

WORDS = {
    "en": {"pass": "pass", "fail": "fail", "error": "error", "no_backward": "the file has no function backward",
           "in": "with a {activation} hidden layer", "timeout": f"stopped after {GRADE_SECONDS} s (an endless loop?)",
           "summary": "{passed} of {total} passed; wrote {path}", "none": "no .py files in {folder}"},
    "id": {"pass": "lulus", "fail": "salah", "error": "galat", "no_backward": "berkas tidak memiliki fungsi backward",
           "in": "dengan hidden layer {activation}", "timeout": f"dihentikan setelah {GRADE_SECONDS} detik "
                                                                f"(perulangan tanpa akhir?)",
           "summary": "{passed} dari {total} lulus; ditulis ke {path}", "none": "tidak ada berkas .py di {folder}"},
}


class TimedOut(Exception):
    """A student's file ran past GRADE_SECONDS."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, metavar="SUBMISSIONS_DIR", help="a folder of students' backprop.py files")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), metavar="FILE",
                        help="the CSV to write (default grades.csv)")
    parser.add_argument("--lang", choices=("en", "id"), help="en or id (default: $TINYGRAD_EDU_LANG, else en)")


def run(args: argparse.Namespace) -> int:
    """Grade every file; returns 0 (the grades are the result, not the status)."""
    lang = language(args.lang)
    words = WORDS[lang]
    if not args.folder.is_dir():
        raise FileNotFoundError(f"grade: no folder {str(args.folder)!r}")
    files = sorted(p for p in args.folder.glob("*.py") if p.is_file())
    if not files:
        raise ValueError(f"grade: {words['none'].format(folder=args.folder)}")
    rows = []
    for path in files:
        result, details = grade(path, lang)
        rows.append((path.name, result, details))
        print(f"{path.name}: {words[result]}" + (f": {details}" if details else ""))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "result", "details"])
        writer.writerows(rows)
    print(words["summary"].format(passed=sum(r[1] == "pass" for r in rows), total=len(rows), path=args.out))
    return 0


def grade(path: Path, lang: str) -> tuple[str, str]:
    """("pass", ""), ("fail", the named mistakes) or ("error", the exception's one line) for one file."""
    words = WORDS[lang]
    try:
        with _deadline(GRADE_SECONDS), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            student = _load(path)
            if not callable(getattr(student, "backward", None)):
                return "error", words["no_backward"]
            for activation in ACTIVATIONS:
                net, X, Y = network(activation)
                report = check(lambda X, Y, W, lam: student.backward(X, Y, W, lam, activation), net, X, Y,
                               lang=lang, verbose=False)
                if not report.passed:
                    wrong = [f.message for f in report.findings if not f.right]
                    return "fail", f"{words['in'].format(activation=activation)}: " + "; ".join(wrong)
    except TimedOut:
        return "error", words["timeout"]
    except (Exception, SystemExit) as e:       # noqa: BLE001 (a student's file may raise anything)
        return "error", _one_line(e)
    return "pass", ""


def network(activation: str):
    """The assignment's network (as demos/assignment/test_backprop.py builds it): 4-6-3, 8 samples."""
    rng = np.random.default_rng(2024)
    W = [rng.normal(0, 0.5, (5, 6)), rng.normal(0, 0.5, (7, 3))]
    net = MLP((4, 6, 3), activation=activation, cost="logistic", l2=LAM, weights=W)
    X, Y = rng.normal(size=(8, 4)), (rng.random((8, 3)) < 0.5).astype(np.float64)
    return net, X, Y


def _load(path: Path):
    """The student's file as a module; `from backprop import forward` finds the folder's backprop.py."""
    spec = importlib.util.spec_from_file_location(f"submission_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def _one_line(error: BaseException) -> str:
    """'NameError: name 'x' is not defined', with the student's line when the traceback has it."""
    message = " ".join(str(error).split()) or "(no message)"
    tb, line = error.__traceback__, None
    while tb is not None:                   # the innermost frame in a student's file
        if tb.tb_frame.f_code.co_filename.endswith(".py") and "submission" in tb.tb_frame.f_globals.get("__name__", ""):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f"{type(error).__name__}: {message}" + (f" (line {line})" if line else "")


@contextlib.contextmanager
def _deadline(seconds: int):
    """Raise TimedOut in the main thread after `seconds` (POSIX); elsewhere no deadline."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise TimedOut()

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
