"""The teacher's checker: which of the lecture's mistakes a student's δs and Δs are, in words.

`nn.manual.check` calls `diagnose` with the student's dict, the right answer, and what each of the
lecture's mistakes would give (`nn.manual.backward_with_mistake`); this file holds the matching and
the messages, in English and in Bahasa Indonesia (`lang="id"` or TINYGRAD_EDU_LANG=id). It never
imports nn.manual.mlp (one way: mlp.py imports it when `check` or `compare` runs).

Each key is judged alone, in this order: right; all zero; each lecture mistake; the right answer
transposed; then the engine's general patterns (`explain_mismatch`: scaled by a constant, one row or
column); another key's right answer (two layers swapped). A mistake is named only when it explains
the whole array within the tolerance and does not also explain the right answer (with λ = 0, "λW
missing" is not a mistake), and nothing is named when another key's right answer explains the array
as well (a coincidence of the inputs), so a diagnosis is never a guess.

>>> right = {"Δ(out)": np.array([[1.0, 2.0], [3.0, 4.0]])}
>>> report = diagnose({"Δ(out)": -right["Δ(out)"]}, right, {}, lang="en")
>>> print(report)
nn.manual.check: 0 of 1 right
  Δ(out): the right answer with its sign flipped: Δ(out) = −(the right one); δ(out) = a(out) − y, not y − a
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from tinygrad_edu.diagnose import explain_mismatch, language

# φ′ of each hidden activation, as the handouts write it
DERIVATIVES = {
    "en": {"sigmoid": "φ′(z) = a(1 − a)", "tanh": "φ′(z) = 1 − a²", "relu": "φ′(z) = 1 if z > 0 else 0",
           "linear": "φ′(z) = 1"},
    "id": {"sigmoid": "φ′(z) = a(1 − a)", "tanh": "φ′(z) = 1 − a²", "relu": "φ′(z) = 1 jika z > 0, selain itu 0",
           "linear": "φ′(z) = 1"},
}

# {key} the student's array ('Δ(h)'), {layer} its layer ('h'), {below} the layer under it ('in'),
# {above} the layer over it ('out'), {n} the batch size, {derivative} φ′ of the layer, {pair} the
# output activation and cost that cancel, {other} another key, {shape}/{expected} shapes, {err} a size
MESSAGES = {
    "en": {
        "header": "nn.manual.check: {right} of {total} right",
        "right": "{key}: right (max |error| {err})",
        "missing": "{key}: missing: the student's dict has {keys}",
        "not_array": "{key}: not an array of numbers: got {got}",
        "unknown": "{key}: wrong, and no one mistake explains all of it: max |error| {err} at {index}",
        "shape": "{key}: shape {shape}, expected {expected}, and no one mistake explains it",
        "zero": "{key}: all zero: nothing was propagated to it",
        "swapped": "{key}: equals the right {other}: are the two layers swapped?",
        "transposed_δ": "{key}: the right answer transposed ({shape} instead of {expected}): "
                        "δ({layer}) has one row per sample",
        "transposed_Δ": "{key}: the right answer transposed ({shape} instead of {expected}): "
                        "Δ({layer}) = A({below})ᵀ δ({layer}), not δ({layer})ᵀ A({below})",
        "sign": "{key}: matches the right answer computed with δ(out) = y − a(out): the sign is flipped; "
                "δ(out) = a(out) − y",
        "sign_plain": "{key}: the right answer with its sign flipped: {key} = −(the right one); "
                      "δ(out) = a(out) − y, not y − a",
        "no_l2": "{key}: matches the right answer without the λW term: add λ·W({layer})",
        "double_l2": "{key}: matches the right answer with the λW term twice: add λ·W({layer}) once",
        "l2_on_bias": "{key}: matches the right answer with λ·w on the bias row (row 0) too: the L2 sum "
                      "starts at i = 1, so row 0 of W({layer}) is not penalised",
        "mean": "{key}: matches the right answer divided by n = {n} (a mean over the samples): the "
                "lecture's J(W) is a sum, so Δ = Aᵀδ + λW has no 1/n",
        "mean_with_l2": "{key}: matches the whole right Δ({layer}), λW included, divided by n = {n}: the "
                        "lecture's J(W) is a sum; drop the 1/n",
        "output_phi_prime_extra": "{key}: matches the right answer with φ′(Z(out)) multiplied into δ(out): "
                                  "with {pair} it cancels, δ(out) = a(out) − y",
        "output_phi_prime_missing": "{key}: matches the right answer without φ′(Z(out)) in δ(out): for the "
                                    "squared error δ(out) = (a(out) − y) ⊙ φ′(z(out))",
        "phi_not_prime": "{key}: matches the right answer with φ(Z({layer})) in place of φ′(Z({layer})) in "
                         "δ({layer}): use the derivative, {derivative}",
        "no_phi_prime": "{key}: matches the right answer without ⊙ φ′(Z({layer})) in δ({layer}): "
                        "δ({layer}) = δ({above}) W({above})ᵀ ⊙ φ′(Z({layer})), with {derivative}",
        "phi_prime_of_a": "{key}: matches the right answer with φ′ taken of a({layer}) instead of "
                          "z({layer}): {derivative} is φ′ of the net input z",
        "bias_row_kept": "{key}: has a bias column: the bias row of W({above}) was kept in δ({layer}) = "
                         "δ({above}) W({above})ᵀ ⊙ φ′; leave row 0 out (W({above})[1:]), the bias unit "
                         "a₀ = 1 is a constant",
        "pair_logistic": "sigmoid outputs and the logistic cost",
        "pair_cross_entropy": "softmax outputs and cross-entropy",
    },
    "id": {
        "header": "nn.manual.check: {right} dari {total} benar",
        "right": "{key}: benar (selisih maks. {err})",
        "missing": "{key}: tidak ada: dict mahasiswa berisi {keys}",
        "not_array": "{key}: bukan array angka: didapat {got}",
        "unknown": "{key}: salah, dan tidak ada satu kesalahan pun yang menjelaskan seluruhnya: "
                   "selisih maks. {err} di {index}",
        "shape": "{key}: berdimensi {shape}, seharusnya {expected}, dan tidak ada satu kesalahan pun "
                 "yang menjelaskannya",
        "zero": "{key}: bernilai nol semua: tidak ada error yang dipropagasi balik ke sana",
        "swapped": "{key}: sama dengan {other} yang benar: apakah kedua layer tertukar?",
        "transposed_δ": "{key}: jawaban yang benar tetapi tertranspos ({shape}, seharusnya {expected}): "
                        "δ({layer}) memiliki satu baris per sampel",
        "transposed_Δ": "{key}: jawaban yang benar tetapi tertranspos ({shape}, seharusnya {expected}): "
                        "Δ({layer}) = (A({below}))ᵀ δ({layer}), bukan δ({layer})ᵀ A({below})",
        "sign": "{key}: sama dengan jawaban yang benar bila δ(out) = y − a(out): tandanya terbalik; "
                "δ(out) = a(out) − y",
        "sign_plain": "{key}: jawaban yang benar dengan tanda terbalik: {key} = −(yang benar); "
                      "δ(out) = a(out) − y, bukan y − a",
        "no_l2": "{key}: sama dengan jawaban yang benar tanpa suku regularisasi λW: tambahkan λ·W({layer})",
        "double_l2": "{key}: sama dengan jawaban yang benar dengan suku λW dua kali: tambahkan λ·W({layer}) "
                     "satu kali saja",
        "l2_on_bias": "{key}: sama dengan jawaban yang benar dengan λ·w juga pada baris bias (baris 0): "
                      "jumlah regularisasi L2 dimulai dari i = 1, jadi baris 0 dari W({layer}) tidak "
                      "diregularisasi",
        "mean": "{key}: sama dengan jawaban yang benar dibagi n = {n} (rata-rata atas sampel): cost "
                "function J(W) pada kuliah adalah jumlah (Σ), jadi Δ = Aᵀδ + λW tanpa 1/n",
        "mean_with_l2": "{key}: sama dengan seluruh Δ({layer}) yang benar, termasuk λW, dibagi n = {n}: "
                        "cost function J(W) pada kuliah adalah jumlah (Σ); hilangkan 1/n",
        "output_phi_prime_extra": "{key}: sama dengan jawaban yang benar bila φ′(Z(out)) ikut dikalikan ke "
                                  "δ(out): untuk {pair} turunan itu saling menghapus, δ(out) = a(out) − y",
        "output_phi_prime_missing": "{key}: sama dengan jawaban yang benar tanpa φ′(Z(out)) pada δ(out): "
                                    "untuk squared error δ(out) = (a(out) − y) ⊙ φ′(z(out))",
        "phi_not_prime": "{key}: sama dengan jawaban yang benar bila φ(Z({layer})) dipakai sebagai "
                         "pengganti turunan parsial fungsi aktivasi φ′(Z({layer})) pada δ({layer}): "
                         "gunakan turunannya, {derivative}",
        "no_phi_prime": "{key}: sama dengan jawaban yang benar tanpa ⊙ φ′(Z({layer})) pada δ({layer}): "
                        "δ({layer}) = δ({above}) (W({above}))ᵀ ⊙ φ′(Z({layer})), dengan {derivative}",
        "phi_prime_of_a": "{key}: sama dengan jawaban yang benar bila φ′ dihitung dari a({layer}), bukan "
                          "dari z({layer}): {derivative} adalah turunan terhadap net input z",
        "bias_row_kept": "{key}: memuat kolom bias: baris bias W({above}) ikut dipakai dalam δ({layer}) = "
                         "δ({above}) (W({above}))ᵀ ⊙ φ′; buang baris 0 (W({above})[1:]), karena unit bias "
                         "a₀ = 1 adalah konstanta",
        "pair_logistic": "output sigmoid dan cost function logistik",
        "pair_cross_entropy": "output softmax dan cross-entropy",
    },
}

# message names that depend on the network (the rest are chosen by the key: transposed_δ/Δ, ...)
PATTERNS = ("zero", "swapped", "transposed", "sign", "no_l2", "double_l2", "l2_on_bias", "mean", "mean_with_l2",
            "output_phi_prime", "phi_not_prime", "no_phi_prime", "phi_prime_of_a", "bias_row_kept")


@dataclass
class Finding:
    """One key of the student's dict: right or not, the mistake named ('' when none fits), the message."""
    key: str
    right: bool
    mistake: str
    message: str


@dataclass
class Report:
    """What `nn.manual.check` found, key by key; `str(report)` is the printed report."""
    findings: list[Finding]
    lang: str

    @property
    def passed(self) -> bool:
        return all(f.right for f in self.findings)

    @property
    def mistakes(self) -> dict[str, str]:
        """{key: mistake} for the wrong keys ('' where no single mistake explains it)."""
        return {f.key: f.mistake for f in self.findings if not f.right}

    def __getitem__(self, key: str) -> Finding:
        return next(f for f in self.findings if f.key == key)

    def __str__(self) -> str:
        header = MESSAGES[self.lang]["header"].format(right=sum(f.right for f in self.findings),
                                                      total=len(self.findings))
        return "\n".join([header] + ["  " + f.message for f in self.findings])


@dataclass
class Network:
    """What the messages need to know of the network: layer names (['h', 'out']), hidden φ names, cost, n."""
    names: Sequence[str]
    activations: Sequence[str]
    cost: str
    n: int


def diagnose(student: Mapping, right: Mapping[str, np.ndarray], variants: Mapping[str, Mapping[str, np.ndarray]],
             network: Network | None = None, keys: Sequence[str] | None = None, rtol: float = 1e-7,
             atol: float | None = None, lang: str | None = None) -> Report:
    """Judge each of `keys` (default: all of `right`) of the student's dict against the right answer.

    variants: {mistake: the δs and Δs that mistake gives}, NaN where the mistake leaves an entry open.
    atol defaults to 1e-9 × the largest |entry| of each right answer.
    """
    lang = language(lang)
    words = MESSAGES[lang]
    network = network or Network(["h", "out"], ["sigmoid"], "logistic", 0)
    findings = []
    for key in (keys if keys is not None else list(right)):
        expected = np.asarray(right[key], dtype=np.float64)
        tol = atol if atol is not None else 1e-9 * max(float(np.max(np.abs(expected), initial=0.0)), 1e-3)
        context = _context(key, network, lang)
        if key not in student:
            findings.append(Finding(key, False, "missing", words["missing"].format(key=key, keys=sorted(student))))
            continue
        try:
            if np.asarray(student[key]).dtype.kind not in "biuf":
                raise TypeError("not numbers")
            actual = np.asarray(student[key], dtype=np.float64)
        except (TypeError, ValueError):
            got = repr(student[key])[:60]
            findings.append(Finding(key, False, "not_array", words["not_array"].format(key=key, got=got)))
            continue
        if _fits(actual, expected, rtol, tol):
            err = float(np.max(np.abs(actual - expected), initial=0.0))
            findings.append(Finding(key, True, "", words["right"].format(key=key, err=f"{err:.1g}")))
            continue
        mistake, message = _name_mistake(key, actual, expected, right, variants, context, words, rtol, tol)
        findings.append(Finding(key, False, mistake, message))
    return Report(findings, lang)


def _name_mistake(key, actual, expected, right, variants, context, words, rtol, tol) -> tuple[str, str]:
    def explains(candidate) -> bool:
        # the mistake gives the student's array, and is a mistake here (it does not give the right answer)
        return _fits(actual, candidate, rtol, tol) and not _fits(expected, candidate, rtol, tol)

    if actual.shape == expected.shape and np.any(expected) and not np.any(actual):
        return "zero", words["zero"].format(**context)
    shapes = dict(shape=_shape(actual), expected=_shape(expected))
    # another layer's right answer can equal a mistake by chance (a forgotten factor 2 where an input
    # is 0.5): "swapped" is claimed only alone, and nothing is claimed that "swapped" explains as well
    swapped = [other for other, theirs in right.items()
               if other != key and other[0] == key[0] and explains(np.asarray(theirs, dtype=np.float64))]
    claims = [(mistake, words[_message_name(mistake, context)].format(**context))
              for mistake, wrong in variants.items()
              if key in wrong and explains(np.asarray(wrong[key], dtype=np.float64))]
    if expected.ndim == 2 and explains(expected.T):
        claims.append(("transposed", words[f"transposed_{key[0]}"].format(**shapes, **context)))
    if actual.shape == expected.shape and explains(-expected):
        claims.append(("sign", words["sign_plain"].format(**context)))
    if not claims:
        general = explain_mismatch(actual, expected, name=key, rtol=rtol, atol=tol, lang=context["lang"])
        claims += [("general", general)] if general else []
    if len(swapped) == 1 and not claims:
        return "swapped", words["swapped"].format(other=swapped[0], **context)
    if claims and not swapped:
        return claims[0]
    if actual.shape != expected.shape:
        return "", words["shape"].format(**shapes, **context)
    worst = np.unravel_index(np.argmax(np.abs(actual - expected)), actual.shape)
    err = float(np.abs(actual - expected)[worst])
    return "", words["unknown"].format(err=f"{err:.3g}", index=tuple(int(i) for i in worst), **context)


def _message_name(mistake: str, context: dict) -> str:
    if mistake == "output_phi_prime":
        return "output_phi_prime_missing" if context["cost"] == "squared_error" else "output_phi_prime_extra"
    return mistake


def _context(key: str, network: Network, lang: str) -> dict:
    """The names a message may use for `key`, e.g. Δ(h): layer 'h', below 'in', above 'out'."""
    layer = key[2:-1]
    names = list(network.names)
    at = names.index(layer) if layer in names else len(names) - 1
    below = (["in"] + names)[at]
    above = names[at + 1] if at + 1 < len(names) else "out"
    activation = network.activations[at] if at < len(network.activations) else "linear"
    pair = MESSAGES[lang].get(f"pair_{network.cost}", "")
    return dict(key=key, layer=layer, below=below, above=above, n=network.n, cost=network.cost, pair=pair,
                derivative=DERIVATIVES[lang][activation], lang=lang)


def _fits(actual: np.ndarray, candidate: np.ndarray, rtol: float, atol: float) -> bool:
    """actual equals candidate within atol + rtol·|candidate| wherever candidate is a number (NaN: any)."""
    if actual.shape != candidate.shape or not np.all(np.isfinite(actual)):
        return False
    known = ~np.isnan(candidate)
    return bool(np.all(np.abs(actual - candidate)[known] <= atol + rtol * np.abs(candidate[known])))


def _shape(a: np.ndarray) -> str:
    return " × ".join(str(s) for s in a.shape) or "()"
