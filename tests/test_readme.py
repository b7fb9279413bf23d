"""The README's Python examples run as written, top to bottom, as a reader would run them."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_examples_run_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                      # pictures and models they write land here
    namespace = {"__name__": "__readme__"}           # one session: a later block may use an earlier one's names
    for number, block in enumerate(BLOCKS, 1):
        exec(compile(block, f"README.md, python block {number}", "exec"), namespace)
    assert len(BLOCKS) >= 5


def test_each_readme_example_runs_on_its_own(tmp_path, monkeypatch):
    """A reader copies one block, not the whole page: each block brings its own imports."""
    monkeypatch.chdir(tmp_path)
    failures = []
    for number, block in enumerate(BLOCKS, 1):
        try:
            exec(compile(block, f"README.md, python block {number}", "exec"), {"__name__": "__readme__"})
        except Exception as e:                      # noqa: BLE001 (each block's failure is reported)
            first = block.strip().splitlines()[0]
            failures.append(f"block {number} ({first!r}): {type(e).__name__}: {e}")
    assert not failures, "README blocks that do not run on their own:\n" + "\n".join(failures)


def test_the_readme_names_a_headless_command_for_the_notebooks():
    text = README.read_text(encoding="utf-8")
    assert "jupyter execute demos/tutorial.ipynb demos/tutorial_id.ipynb" in text
    assert "pytest -q tests/test_notebooks.py" in text


def test_the_notebooks_compare_the_cnn_and_the_ann_after_the_same_epochs():
    import json
    for name in ("tutorial.ipynb", "tutorial_id.ipynb"):
        cells = json.loads((README.parent / "demos" / name).read_text(encoding="utf-8"))["cells"]
        code = "".join("".join(c["source"]) + "\n" for c in cells if c["cell_type"] == "code")
        epochs = dict(re.findall(r"history(\d) = model\d\.fit\(.*?epochs=(\d+)", code))
        assert set(epochs) == {"1", "2"} and epochs["1"] == epochs["2"], (name, epochs)


def test_the_readme_graph_examples_print_gradients_that_read_well(tmp_path, capsys):
    """Every `tinygrad-edu graph` command of the README (and of its --help) is run: its gradients are
    not those of a saturated tanh (6.68e-05), and the README prints what the command prints."""
    import shlex

    from nn.cli import main
    from nn.cli.graph import DESCRIPTION
    text = README.read_text(encoding="utf-8")
    commands = re.findall(r'tinygrad-edu (graph "[^"\n]*"(?: \w+=[-\d.]+)+)', text.replace("\n", " ") + DESCRIPTION)
    assert len(commands) >= 4
    for command in commands:
        args = [a for a in shlex.split(command) if "=" in a or a == "graph" or not a.startswith("-")]
        assert main([*args[:2], *[a for a in args[2:] if "=" in a], "--out", str(tmp_path / "g.gv")]) == 0
        printed = capsys.readouterr().out
        grads = [float(line.split("=")[1]) for line in printed.splitlines() if line.strip().startswith("∂f/∂")]
        assert grads and all(g == 0 or abs(g) >= 0.01 for g in grads), f"{command}: {printed}"
    shown = re.search(r"```text\n(f\(x, w, b\) = tanh\(x\*w \+ b\)\n.*?)```", text, re.S)
    assert shown, "the README shows what `tinygrad-edu graph \"tanh(x*w + b)\" ...` prints"
    assert main(["graph", "tanh(x*w + b)", "x=2", "w=-3", "b=6.8813735870195432", "--out", str(tmp_path / "g.gv")]) == 0
    assert capsys.readouterr().out.splitlines()[:5] == shown.group(1).splitlines()[:5]
