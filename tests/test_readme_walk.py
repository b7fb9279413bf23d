"""The README's walk through `a * b` counts what a reader opens: the files, and the lines of each
function or table entry (from its `def` or name to its end, decorators left out), as the code is now."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
WALK = README[README.index("Following `a * b`"):README.index("## Performance")]


def lines_of(file: str, dotted: str) -> int:
    """How many lines `dotted` ("Value.__mul__", "mul", "floats.add") spans in tinygrad_edu/`file`."""
    node = ast.parse((ROOT / "tinygrad_edu" / file).read_text(encoding="utf-8"))
    for name in dotted.split("."):
        node = next(n for n in node.body if name in _names(n))
    return node.end_lineno - node.lineno + 1


def _names(statement) -> list:
    if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
        return [statement.name]
    if isinstance(statement, ast.Assign):
        return [e.id for t in statement.targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])
                if isinstance(e, ast.Name)]
    return []


def table_rows() -> list:
    """(file, [names], [line counts]) for each row of the walk's table."""
    rows = []
    for where, counts in re.findall(r"^\| \d+ \| (`\w+\.py`[^|]*)\| ([\d + ]+) \|", WALK, re.M):
        file, *names = re.findall(r"`([^`]+)`", where)
        rows.append((file, names, [int(n) for n in counts.split("+")]))
    return rows


def test_every_row_counts_the_lines_it_names():
    rows = table_rows()
    assert len(rows) == 7
    for file, names, counts in rows:
        assert [lines_of(file, name) for name in names] == counts, (file, names)


def test_the_total_and_the_files_opened():
    rows = table_rows()
    files = {file for file, _, _ in rows}
    assert files == {"value.py", "ops.py", "autograd.py", "xp.py"}
    total = sum(sum(counts) for _, _, counts in rows)
    assert f"{total} lines in {len(files)} files" in WALK


def test_the_tensor_path_counts_its_extra_lines():
    extras = re.findall(r"`([\w.]+)`\s+\((\w+\.py), (\d+) lines\)", WALK)
    assert len(extras) == 4
    for name, file, count in extras:
        assert lines_of(file, name) == int(count), name
