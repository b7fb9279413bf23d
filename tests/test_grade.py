"""`tinygrad-edu grade SUBMISSIONS_DIR`: one line per student (pass, the named mistake, or the one-line
summary of what the file raised, never a traceback) and grades.csv, in English or Indonesian."""

import csv
import shutil
from pathlib import Path

import pytest

from nn.cli import main

ASSIGNMENT = Path(__file__).resolve().parents[1] / "demos" / "assignment"


@pytest.fixture
def submissions(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    given = (ASSIGNMENT / "backprop.py").read_text(encoding="utf-8")
    solution = (ASSIGNMENT / "solution.py").read_text(encoding="utf-8").replace("from backprop import forward", "")
    body = given.split("# ---- given")[0]                 # students hand in the whole file
    shutil.copy(ASSIGNMENT / "backprop.py", folder / "backprop.py")                # untouched: NotImplementedError
    (folder / "ani.py").write_text(given + "\n" + solution, encoding="utf-8")     # right
    (folder / "budi.py").write_text(given + "\n" + solution.replace("+ lam * W_reg", ""), encoding="utf-8")  # no λW
    (folder / "citra.py").write_text(body + "\ndef f(n):\n    return f(n + 1)\n\nf(0)\n", encoding="utf-8")
    (folder / "dewi.py").write_text("print('hello ' * 1000)\n", encoding="utf-8")  # prints, no backward
    return folder


def test_grade_prints_one_line_per_student_and_writes_grades_csv(submissions, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TINYGRAD_EDU_LANG", raising=False)
    out_csv = tmp_path / "grades.csv"
    code = main(["grade", str(submissions), "--out", str(out_csv)])
    out, err = capsys.readouterr()
    assert code == 0 and err == "", err
    lines = out.strip().splitlines()
    assert len(lines) == 6, out                               # five students and the summary
    by_file = dict(line.split(": ", 1) for line in lines[:5])
    assert by_file["ani.py"] == "pass"
    assert by_file["backprop.py"].startswith("error: NotImplementedError")
    assert by_file["budi.py"].startswith("fail: with a sigmoid hidden layer: Δ(h): matches the right answer "
                                         "without the λW term")
    assert by_file["citra.py"].startswith("error: RecursionError: maximum recursion depth exceeded")
    assert by_file["dewi.py"] == "error: the file has no function backward"
    assert "Traceback" not in out and "hello" not in out
    assert lines[5] == f"1 of 5 passed; wrote {out_csv}"
    with open(out_csv, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["file", "result", "details"] and rows[1][:2] == ["ani.py", "pass"]
    assert [r[1] for r in rows[1:]] == ["pass", "error", "fail", "error", "error"]


def test_grade_speaks_indonesian(submissions, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_LANG", "id")
    assert main(["grade", str(submissions), "--out", str(tmp_path / "nilai.csv")]) == 0
    out = capsys.readouterr().out
    assert "ani.py: lulus" in out
    assert "budi.py: salah: dengan hidden layer sigmoid: Δ(h): sama dengan jawaban yang benar tanpa suku" in out
    assert "1 dari 5 lulus" in out


def test_grade_refuses_a_folder_without_python_files(tmp_path, capsys):
    assert main(["grade", str(tmp_path)]) == 2
    assert "no .py files in" in capsys.readouterr().err
