"""Argument types for the command line: each turns the typed text into a value or says what is wrong.

argparse calls these with the text and reports an `ArgumentTypeError` as
`argument --epochs: ...`, so every message states the rule and the text received.

>>> hidden_widths("64,32"), hidden_widths("none")
([64, 32], [])
"""

from __future__ import annotations

import argparse


def _number(text: str, kind: type, what: str) -> int | float:
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


def positive_int(text: str) -> int:
    """An integer >= 1 (epochs, batch size, widths)."""
    n = _number(text, int, "a whole number >= 1")
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return n


def non_negative_int(text: str) -> int:
    """An integer >= 0 (seeds)."""
    n = _number(text, int, "a whole number >= 0")
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return n


def positive_float(text: str) -> float:
    """A finite number > 0 (learning rates)."""
    x = _number(text, float, "a number > 0")
    if not 0 < x < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return x


def non_negative_float(text: str) -> float:
    """A finite number >= 0 (the L2 factor λ)."""
    x = _number(text, float, "a number >= 0")
    if not 0 <= x < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return x


def fraction(text: str) -> float:
    """A share of the data in [0, 1): 0 means none (no validation set)."""
    x = _number(text, float, "a fraction in [0, 1), e.g. 0.2")
    if not 0 <= x < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), e.g. 0.2, got {text!r}")
    return x


def hidden_widths(text: str) -> list[int]:
    """Comma-separated layer widths, "64,32" -> [64, 32]; "none" (or "") -> [], no hidden layer."""
    if text.strip().lower() in ("", "none", "0"):
        return []
    try:
        widths = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 64,32 (or 'none'), got {text!r}") from None
    if min(widths) < 1:
        raise argparse.ArgumentTypeError(f"every width must be >= 1, got {text!r}")
    return widths


def column_names(text: str) -> list[str]:
    """Comma-separated column names, "id, name" -> ["id", "name"]; "" is the unnamed column, kept
    (an empty name is a column a saved pandas index leaves unnamed, not nothing)."""
    return [part.strip() for part in text.split(",")]


def delimiter(text: str) -> str:
    """One character separating a CSV's values; "tab" or "\\t" for a tab."""
    if text.lower() in ("tab", "\\t"):
        return "\t"
    if len(text) != 1 or text in "\"\r\n":
        raise argparse.ArgumentTypeError(f"expected one character such as ; or , (or 'tab'), got {text!r}")
    return text
