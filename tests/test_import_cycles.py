"""No two modules import each other, directly or around a circle, in `tinygrad_edu` or in `nn`.

Every import counts, also one written inside a function: a cycle broken "at run time" that way
is still a cycle in the design. The graph is read from the source with `ast`, nothing imported:
an edge a → b for each `import b` / `from b import x` in a (relative imports resolved; `from p
import m` is an edge to the module p.m when m is one). Importing a submodule is not counted as
importing its package's `__init__`, which Python runs first but which the importer did not ask for.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tinygrad_edu", "nn")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """{module: the modules of PACKAGES it imports}, over every .py file of PACKAGES."""
    files = {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")
                base = base[:len(base) - node.level + 1] if node.level else []   # `from .` is the package itself
                source = ".".join(base + ([node.module] if node.module else []))
                targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in files else source
                           for alias in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t in files and t != name}
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """The modules `start` imports, directly or through others (itself only if it lies on a cycle)."""
    seen, todo = set(), [start]
    while todo:
        for w in graph[todo.pop()] - seen:
            seen.add(w)
            todo.append(w)
    return seen


def knots(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """The groups of modules that all reach each other (strongly connected), each sorted."""
    reach = {v: reachable(graph, v) for v in graph}
    return sorted({tuple(sorted(w for w in reach[v] if v in reach[w])) for v in graph if v in reach[v]})


def shortest_cycle(graph: dict[str, set[str]], group: tuple[str, ...]) -> list[str]:
    """The shortest path from the group's first module back to itself, inside the group."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    return paths[v] + [start]
                if w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"{group} is strongly connected, so a cycle exists")


def cycles_in(package: str) -> list[str]:
    """One cycle through each knot that holds a module of `package`, as text, with the knot's modules."""
    graph = import_graph()
    return [" → ".join(shortest_cycle(graph, knot)) + f"   (all of {', '.join(knot)} reach each other)"
            for knot in knots(graph) if any(m == package or m.startswith(package + ".") for m in knot)]


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    graph = import_graph()
    assert "nn.training" in graph["nn.sequential"]
    assert "nn.manual.autodiff" in graph["nn.manual.mlp"]  # imported inside compare()
    assert "nn.losses" in graph["nn"]                       # `from . import losses` in nn/__init__.py
    assert "tinygrad_edu" in graph["nn.layers.core"]        # `from tinygrad_edu import Tensor, group`
    toy = {"a": {"b", "d"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"a"}}
    assert knots(toy) == [("a", "b", "c", "d")]
    assert shortest_cycle(toy, ("a", "b", "c", "d")) == ["a", "d", "a"]


def test_no_import_cycles_in_nn():
    found = cycles_in("nn")
    assert not found, "import cycles in nn:\n  " + "\n  ".join(found)


def test_no_import_cycles_in_tinygrad_edu():
    found = cycles_in("tinygrad_edu")
    assert not found, "import cycles in tinygrad_edu:\n  " + "\n  ".join(found)
