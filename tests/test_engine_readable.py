"""The engine stays readable in an afternoon: no function longer than a screen (60 lines) unless
its docstring says why it is long ("why it is long: ...")."""

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "tinygrad_edu"
LIMIT = 60


def functions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def test_no_engine_function_over_60_lines_without_a_reason():
    long = [f"{path.relative_to(ENGINE.parent)}:{fn.lineno} {fn.name} ({fn.end_lineno - fn.lineno + 1} lines)"
            for path in sorted(ENGINE.rglob("*.py")) for fn in functions(path)
            if fn.end_lineno - fn.lineno + 1 > LIMIT and "why it is long" not in (ast.get_docstring(fn) or "")]
    assert not long, "split these, or say in the docstring why it is long:\n" + "\n".join(long)


def test_the_check_sees_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(LIMIT))
    (tmp_path / "m.py").write_text(f"def f():\n{body}\n")
    assert [fn.name for fn in functions(tmp_path / "m.py") if fn.end_lineno - fn.lineno + 1 > LIMIT] == ["f"]
