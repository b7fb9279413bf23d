"""Which mistake a wrong gradient is: the patterns of hand-derived backprop gone wrong.

A student's gradient that disagrees with the right one is usually wrong in one of a few ways,
each of which changes the whole array in a recognisable way:

    transposed          actual = expectedᵀ               (Δ = δᵀA instead of Aᵀδ)
    scaled by c         actual = c · expected            (a sum where a mean is meant: × or ÷ the batch size)
    sign flipped        actual = −expected               (y − a instead of a − y)
    swapped             actual = another input's expected gradient
    all zero            actual = 0                       (nothing propagated)
    one row or column   actual = expected except in one row (the bias row?) or one column

A pattern is claimed only when it explains the whole array within the checker's tolerance, never
when it would explain the right answer too (a symmetric matrix is its own transpose), and never
when another pattern explains the array as well (a forgotten factor 2 that also equals another
input's gradient), so a diagnosis is never a guess. The messages come in English and in Bahasa Indonesia, the course's
language (`lang="id"`, or TINYGRAD_EDU_LANG=id).

>>> explain_mismatch(np.array([[1.0, 3.0], [2.0, 4.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]), name="dW")
'dW looks transposed: actual equals expected.T'
"""

from __future__ import annotations

import os
from typing import Mapping

import numpy as np

MESSAGES = {
    "en": {
        "transposed": "{name} looks transposed: actual equals expected.T",
        "scaled": "{name} is expected {factor}{hint}",
        "batch": " (the batch size? a sum where a mean is meant, or the reverse)",
        "sign": "{name} has its sign flipped: actual equals −expected (y − a instead of a − y?)",
        "swapped": "{name} equals the expected gradient of {other}: are the two swapped?",
        "zero": "{name} is all zero: no gradient was propagated to it",
        "row": "{name} differs in row {index} only{hint}",
        "row_hint": ": the bias row?",
        "column": "{name} differs in column {index} only",
    },
    "id": {
        "transposed": "{name} tampaknya tertranspos: nilai aktual sama dengan ekspektasi.T",
        "scaled": "{name} = ekspektasi {factor}{hint}",
        "batch": " (ukuran batch? jumlah (sum) dipakai di tempat rata-rata (mean), atau sebaliknya)",
        "sign": "tanda {name} terbalik: nilai aktual sama dengan −ekspektasi (y − a, bukan a − y?)",
        "swapped": "{name} sama dengan gradien yang diharapkan untuk {other}: apakah keduanya tertukar?",
        "zero": "{name} bernilai nol semua: tidak ada gradien yang dipropagasikan ke sana",
        "row": "{name} hanya berbeda pada baris {index}{hint}",
        "row_hint": ": baris bias?",
        "column": "{name} hanya berbeda pada kolom {index}",
    },
}


def language(lang: str | None = None) -> str:
    """The language of the messages: `lang`, else $TINYGRAD_EDU_LANG, else English."""
    lang = (lang or os.environ.get("TINYGRAD_EDU_LANG") or "en").lower()[:2]
    if lang not in MESSAGES:
        raise ValueError(f"lang must be one of {sorted(MESSAGES)}, got {lang!r}")
    return lang


def explain_mismatch(actual, expected, name: str = "the gradient", others: Mapping[str, np.ndarray] | None = None,
                     rtol: float = 1e-7, atol: float = 0.0, lang: str | None = None) -> str:
    """The pattern that explains how `actual` differs from `expected`, in words, or "" when none
    fits the whole array. `others`: the expected gradients of the other inputs, by name, to
    recognise two swapped gradients."""
    words = MESSAGES[language(lang)]
    a, e = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(e))):
        return ""
    if a.shape == e.shape and _close(a, e, rtol, atol):
        return ""                                            # nothing to explain

    def fits(candidate) -> bool:
        return candidate.shape == a.shape and _close(a, candidate, rtol, atol) and not _close(e, candidate, rtol, atol)

    if a.shape == e.shape and np.any(e) and not np.any(a):
        return words["zero"].format(name=name)
    # every pattern that explains the whole array; one is claimed only when no other explains it as
    # well (x² + y at y = 0.5: a forgotten factor 2 in ∂/∂x also equals ∂/∂y, so neither is named)
    found = [words["swapped"].format(name=name, other=other) for other, theirs in (others or {}).items()
             if other != name and fits(np.asarray(theirs, dtype=np.float64))]
    if e.ndim == 2 and fits(e.T):
        found.append(words["transposed"].format(name=name))
    if a.shape == e.shape:
        if fits(-e):
            found.append(words["sign"].format(name=name))
        c = float((a * e).sum() / (e * e).sum()) if np.any(e) else 0.0
        if _telling_factor(c, e.size) and fits(c * e):
            found.append(words["scaled"].format(name=name, factor=_factor(c), hint=_batch_hint(c, words)))
    if found:
        return found[0] if len(found) == 1 else ""
    if a.shape == e.shape and a.ndim == 2:
        wrong = ~_close_each(a, e, rtol, atol)
        rows, columns = np.flatnonzero(wrong.any(axis=1)), np.flatnonzero(wrong.any(axis=0))
        if len(rows) == 1 and a.shape[0] > 1:
            return words["row"].format(name=name, index=int(rows[0]), hint=words["row_hint"] if rows[0] == 0 else "")
        if len(columns) == 1 and a.shape[1] > 1:
            return words["column"].format(name=name, index=int(columns[0]))
    return ""


def _close_each(a, b, rtol, atol) -> np.ndarray:
    return np.abs(a - b) <= atol + rtol * np.abs(b)


def _close(a, b, rtol, atol) -> bool:
    # a pattern must hold to the checker's tolerance, or to a few roundings when that is exact
    return a.shape == b.shape and bool(np.all(_close_each(a, b, max(rtol, 1e-12), max(atol, 1e-300))))


def _whole(v: float) -> bool:
    """v is a whole number of at least 2 (a batch size, a forgotten factor 2)."""
    return v >= 2 and abs(v - round(v)) < 1e-9 * v


def _telling_factor(c: float, size: int) -> bool:
    """Whether "scaled by c" says something: not 0 or ±1 (all zero, right, sign flipped), not a
    rounding away from 1 (0.999987 is float32 against float64, not a mistake), and for a single
    number, which any c scales into any other, only a whole factor or its inverse (÷ 32)."""
    if c == 0.0 or abs(abs(c) - 1.0) < 1e-3:
        return False
    return size > 1 or _whole(abs(c)) or _whole(1 / abs(c))


def _factor(c: float) -> str:
    """c as a teacher writes it: × 8, ÷ 32 (for 0.03125), × 0.7, × −2."""
    sign = "−" if c < 0 else ""
    if _whole(1 / abs(c)):
        return f"÷ {sign}{round(1 / abs(c))}"
    return f"× {sign}{_number(abs(c))}"


def _number(c: float) -> str:
    return f"{round(c)}" if abs(c - round(c)) < 1e-9 * max(1.0, abs(c)) else f"{c:.6g}"


def _batch_hint(c: float, words: dict) -> str:
    return words["batch"] if _whole(abs(c)) or _whole(1 / abs(c)) else ""
