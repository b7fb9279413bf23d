"""docs/backprop.md links each formula to the line of nn/manual/ that computes it: `[`formula`](../nn/manual/FILE#Ln)`.
A link is right when line n's comment carries the formula, so a moved line breaks a test, not a reader."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def assert_links_point_at_the_formula(file: str, at_least: int) -> None:
    """Every link of docs/backprop.md into nn/manual/`file` lands on a line whose comment holds its formula."""
    doc = (ROOT / "docs" / "backprop.md").read_text()
    code = (ROOT / "nn" / "manual" / file).read_text().splitlines()
    links = re.findall(r"\[`([^`]+)`\]\(\.\./nn/manual/" + re.escape(file) + r"#L(\d+)\)", doc)
    assert len(links) >= at_least
    for formula, line in links:
        comment = code[int(line) - 1].partition("# ")[2]                 # the formula must be in the line's comment
        assert formula in comment, f"{file} line {line} does not carry {formula!r}: {code[int(line) - 1]!r}"
