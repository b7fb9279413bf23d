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
