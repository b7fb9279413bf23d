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
