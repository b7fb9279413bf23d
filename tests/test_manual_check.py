"""nn.manual.check names each of the lecture's backprop mistakes, layer by layer, on a 2-layer network
with a sigmoid, tanh or ReLU hidden layer; only when the mistake explains the whole array; in English
and in Bahasa Indonesia.

The wrong students here are written out as a student would write them (not with
`backward_with_mistake`, which the checker itself uses)."""

import numpy as np
import pytest

import nn
from nn.manual import LECTURE_MISTAKES, MLP, backward_with_mistake, check, compare
from nn.manual.check import MESSAGES, PATTERNS, Network, diagnose

LAM, N = 0.1, 8
ACTIVATIONS = ["sigmoid", "tanh", "relu"]
PHI = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}
PRIME_OF_A = {"sigmoid": lambda a: a * (1 - a), "tanh": lambda a: 1 - a ** 2, "relu": lambda a: (a > 0) * 1.0}
PRIME_OF_Z = {name: (lambda z, name=name: PRIME_OF_A[name](PHI[name](z))) for name in PHI}


def network(activation, lam=LAM):
    rng = np.random.default_rng(7)
    W = [rng.normal(0, 0.5, (5, 6)), rng.normal(0, 0.5, (7, 3))]       # biases (row 0) not zero
    net = MLP((4, 6, 3), activation=activation, cost="logistic", l2=lam, weights=W)
    return net, rng.normal(size=(N, 4)), (rng.random((N, 3)) < 0.5).astype(float)


def student(activation, mistake=None):
    """A student's backprop for sigmoid outputs and the logistic cost, with one mistake made."""
    def backward(X, Y, W, lam):
        Wh, Wo = W["W(h)"], W["W(out)"]
        A_in = np.hstack([np.ones((len(X), 1)), X])
        Z_h = A_in @ Wh
        a_h = PHI[activation](Z_h)
        A_h = np.hstack([np.ones((len(X), 1)), a_h])
        A_out = PHI["sigmoid"](A_h @ Wo)
        d_out = Y - A_out if mistake == "sign" else A_out - Y
        if mistake == "output_phi_prime":
            d_out = d_out * A_out * (1 - A_out)
        if mistake == "mean":
            d_out = d_out / len(X)
        prime = {"phi_not_prime": a_h, "no_phi_prime": 1.0,
                 "phi_prime_of_a": PRIME_OF_Z[activation](a_h)}.get(mistake, PRIME_OF_A[activation](a_h))
        d_h = (d_out @ Wo[1:].T) * prime

        def Delta(A, d, W):
            W_reg = W.copy() if mistake == "l2_on_bias" else np.vstack([np.zeros((1, W.shape[1])), W[1:]])
            lam_used = {"no_l2": 0.0, "double_l2": 2 * lam}.get(mistake, lam)
            grad = A.T @ d + lam_used * W_reg
            return {"transposed": grad.T, "mean_with_l2": grad / len(X)}.get(mistake, grad)

        grads = {"δ(out)": d_out, "δ(h)": d_h, "Δ(h)": Delta(A_in, d_h, Wh), "Δ(out)": Delta(A_h, d_out, Wo)}
        if mistake == "bias_row_kept":            # the slide's a(h) ⊙ (1 − a(h)) on all of A(h), bias unit too
            grads["δ(h)"] = (d_out @ Wo.T) * PRIME_OF_A[activation](A_h)
        if mistake == "swapped":
            grads["Δ(h)"], grads["Δ(out)"] = grads["Δ(out)"], grads["Δ(h)"]
        if mistake == "zero":
            grads["Δ(h)"] = np.zeros_like(Wh)
        return grads
    return backward


ALL, DELTAS_ONLY, HIDDEN = ["δ(out)", "δ(h)", "Δ(h)", "Δ(out)"], ["Δ(h)", "Δ(out)"], ["δ(h)", "Δ(h)"]
EXPECTED = {   # mistake: (the keys it makes wrong, words of the English diagnosis, of the Indonesian one)
    "sign": (ALL, "δ(out) = y − a(out)", "tandanya terbalik"),
    "mean": (ALL, f"divided by n = {N}", f"dibagi n = {N}"),
    "output_phi_prime": (ALL, "φ′(Z(out)) multiplied into δ(out)", "saling menghapus"),
    "no_l2": (DELTAS_ONLY, "without the λW term: add λ·W(", "tanpa suku regularisasi λW"),
    "double_l2": (DELTAS_ONLY, "λW term twice", "dua kali"),
    "l2_on_bias": (DELTAS_ONLY, "bias row (row 0)", "baris bias"),
    "mean_with_l2": (DELTAS_ONLY, "λW included, divided by n", "termasuk λW"),
    "transposed": (DELTAS_ONLY, "transposed", "tertranspos"),
    "phi_not_prime": (HIDDEN, "φ(Z(h)) in place of φ′(Z(h))", "turunan parsial fungsi aktivasi"),
    "no_phi_prime": (HIDDEN, "without ⊙ φ′(Z(h))", "tanpa ⊙ φ′(Z(h))"),
    "phi_prime_of_a": (HIDDEN, "φ′ taken of a(h)", "dihitung dari a(h)"),
    "bias_row_kept": (["δ(h)"], "bias row of W(out) was kept", "baris bias W(out)"),
    "swapped": (DELTAS_ONLY, "are the two layers swapped?", "tertukar"),
    "zero": (["Δ(h)"], "all zero", "nol semua"),
}


def test_every_lecture_mistake_has_a_wrong_student():
    assert set(LECTURE_MISTAKES) | {"transposed", "swapped", "zero"} == set(EXPECTED) == set(PATTERNS)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_right_answer_is_right(activation):
    net, X, Y = network(activation)
    report = check(student(activation), net, X, Y, verbose=False)
    assert report.passed and str(report).count(": right") == 4, str(report)


@pytest.mark.parametrize("mistake", EXPECTED)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_check_names_each_mistake(activation, mistake):
    keys, english, indonesian = EXPECTED[mistake]
    net, X, Y = network(activation)
    if mistake == "phi_prime_of_a" and activation == "relu":     # φ′(relu(z)) = φ′(z): not a mistake there
        assert check(student(activation, mistake), net, X, Y, verbose=False).passed
        return
    for lang, words in (("en", english), ("id", indonesian)):
        report = check(student(activation, mistake), net, X, Y, verbose=False, lang=lang)
        assert report.mistakes == {key: mistake for key in keys}, str(report)
        for key in keys:
            assert words in report[key].message and report[key].message.startswith(key + ": "), str(report)


def test_the_report_goes_layer_by_layer_in_the_lectures_notation(capsys):
    net, X, Y = network("sigmoid")
    check(student("sigmoid", "no_l2"), net, X, Y)
    assert capsys.readouterr().out.splitlines() == [
        "nn.manual.check: 2 of 4 right",
        "  δ(out): right (max |error| 0)",
        "  δ(h): right (max |error| 0)",
        "  Δ(h): matches the right answer without the λW term: add λ·W(h)",
        "  Δ(out): matches the right answer without the λW term: add λ·W(out)"]


def test_without_l2_the_l2_mistakes_are_no_mistakes():
    net, X, Y = network("tanh", lam=0.0)
    for mistake in ("no_l2", "double_l2", "l2_on_bias"):
        assert check(student("tanh", mistake), net, X, Y, verbose=False).passed


@pytest.mark.parametrize("mistake", ["no_l2", "sign", "phi_not_prime", "transposed"])
def test_a_near_miss_gets_no_diagnosis(mistake):
    """The mistake plus noise well above the tolerance: wrong, and no mistake is claimed."""
    net, X, Y = network("sigmoid")
    noise = np.random.default_rng(1)

    def noisy(X, Y, W, lam):
        return {k: v + 1e-4 * noise.normal(size=v.shape) for k, v in student("sigmoid", mistake)(X, Y, W, lam).items()}

    report = check(noisy, net, X, Y, verbose=False)
    assert set(report.mistakes.values()) == {""}, str(report)
    assert "no one mistake explains all of it" in str(report)


def test_a_symmetric_answer_is_not_called_transposed():
    right = {"Δ(out)": np.array([[1.0, 2.0], [2.0, 3.0]])}
    report = diagnose({"Δ(out)": right["Δ(out)"] + 0.5}, right, {}, lang="en")
    assert report.mistakes == {"Δ(out)": ""}


def test_general_patterns_come_from_explain_mismatch():
    net, X, Y = network("sigmoid")

    def times_3(X, Y, W, lam):
        return {k: 3 * v for k, v in student("sigmoid")(X, Y, W, lam).items()}

    report = check(times_3, net, X, Y, verbose=False, keys=["Δ(out)"])
    assert report.mistakes == {"Δ(out)": "general"} and "is expected × 3" in str(report)


def test_missing_keys_and_wrong_types_are_reported():
    net, X, Y = network("sigmoid")
    report = check(lambda X, Y, W, lam: {"δ(out)": "soon", "Δ(out)": None}, net, X, Y, verbose=False)
    assert report.mistakes == {"δ(out)": "not_array", "δ(h)": "missing", "Δ(h)": "missing", "Δ(out)": "not_array"}
    with pytest.raises(TypeError, match="must return a dict"):
        check(lambda X, Y, W, lam: [1, 2], net, X, Y, verbose=False)


def test_check_takes_a_sequential_and_only_the_keys_asked_for():
    model = nn.Sequential([nn.Dense(6, activation="relu", input_dim=4), nn.Dense(3, activation="sigmoid")])
    model.compile(loss="binary_crossentropy")
    _, X, Y = network("relu")
    report = check(student("relu", "mean"), model, X, Y, l2=LAM, keys=["δ(out)"], verbose=False)
    assert report.mistakes == {"δ(out)": "mean"} and len(report.findings) == 1


def test_compare_with_a_students_backprop_prints_the_diagnosis(capsys):
    model = nn.Sequential([nn.Dense(6, activation="tanh", input_dim=4), nn.Dense(3, activation="sigmoid")])
    model.compile(loss="binary_crossentropy")
    _, X, Y = network("tanh")
    result = compare(model, X, Y, l2=LAM, hand=student("tanh", "double_l2"), lang="id")
    out = capsys.readouterr().out
    assert "Δ(h): sama dengan jawaban yang benar dengan suku λW dua kali: tambahkan λ·W(h)" in out
    assert result.rows[1].diagnosis.startswith("Δ(out): sama dengan")
    assert compare(model, X, Y, l2=LAM, hand=student("tanh"), verbose=False).max_rel < 1e-12
    swapped = compare(model, X, Y, l2=LAM, hand=student("tanh", "swapped"), verbose=False)
    assert "are the two layers swapped?" in swapped.rows[0].diagnosis


def test_the_indonesian_messages_render_for_every_pattern(monkeypatch):
    assert set(MESSAGES["en"]) == set(MESSAGES["id"])
    net, X, Y = network("sigmoid")
    monkeypatch.setenv("TINYGRAD_EDU_LANG", "id")
    for mistake in EXPECTED:
        report = check(student("sigmoid", mistake), net, X, Y, verbose=False)     # the language from the environment
        text = str(report)
        assert text.startswith("nn.manual.check: ") and " dari 4 benar" in text, text
        assert "matches" not in text and "right" not in text and "{" not in text, text
    context = dict(key="Δ(h)", layer="h", below="in", above="out", n=8, cost="logistic", pair="x", derivative="φ′",
                   lang="id", other="Δ(out)", shape="2 × 3", expected="3 × 2", err="1e-3", index=(0, 1), keys=[],
                   got="None", right=1, total=4)
    for name, template in MESSAGES["id"].items():
        assert "{" not in template.format(**context), name


def test_backward_with_mistake_refuses_an_unknown_mistake():
    net, X, Y = network("sigmoid")
    with pytest.raises(ValueError, match="unknown mistake 'typo'"):
        backward_with_mistake(net, X, Y, "typo")


def test_squared_error_output_phi_prime_missing():
    net = MLP((2, 3, 2), activation="tanh", cost="squared_error", output="sigmoid", seed=2)
    X, Y = np.random.default_rng(0).normal(size=(5, 2)), np.random.default_rng(1).random((5, 2))
    report = check(lambda X, Y, W, lam: backward_with_mistake(net, X, Y, "output_phi_prime"), net, X, Y,
                   verbose=False)
    assert report.mistakes["δ(out)"] == "output_phi_prime"
    assert "for the squared error δ(out) = (a(out) − y) ⊙ φ′(z(out))" in report["δ(out)"].message
    assert Network(["h", "out"], ["tanh"], "squared_error", 5).cost == "squared_error"


def test_no_mistake_is_named_when_another_layers_answer_explains_it_as_well():
    # Δ(h)'s right answer is 2·Δ(out)'s: a student's Δ(h) equal to Δ(out) is "÷ 2" and "swapped" at once
    right = {"Δ(h)": np.array([[1.0, 3.0], [-2.0, 0.5]]) * 2, "Δ(out)": np.array([[1.0, 3.0], [-2.0, 0.5]])}
    report = diagnose({"Δ(h)": right["Δ(out)"], "Δ(out)": right["Δ(out)"]}, right, {}, lang="en")
    assert report["Δ(h)"].mistake == "" and "no one mistake explains all of it" in report["Δ(h)"].message
    alone = diagnose({"Δ(h)": right["Δ(out)"] * 3}, {"Δ(h)": right["Δ(h)"]}, {}, lang="en")
    assert "Δ(h) is expected × 1.5" in alone["Δ(h)"].message and "(to" not in alone["Δ(h)"].message
