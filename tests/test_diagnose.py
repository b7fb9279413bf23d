"""A wrong hand-derived gradient gets the name of its mistake, and only when the mistake explains
all of it; in English and in Bahasa Indonesia."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import GradcheckError, assert_grads_close, explain_mismatch, gradcheck

rng = np.random.default_rng(11)
A, delta = rng.normal(size=(8, 4)), rng.normal(size=(8, 3))
RIGHT = A.T @ delta                                      # Δ = Aᵀδ, the lecture's formula (4 × 3)


def with_row_0_off(g):
    g = g.copy()
    g[0] += 1.0
    return g


def with_column_1_off(g):
    g = g.copy()
    g[:, 1] *= 2.0
    return g


MISTAKES = {   # name: (the wrong answer, what the English diagnosis says, what the Indonesian one says)
    "transposed": (delta.T @ A, "looks transposed", "tertranspos"),                 # δᵀA instead of Aᵀδ
    "sum, not mean": (RIGHT * 8, "is expected × 8", "ukuran batch"),
    "mean, not sum": (RIGHT / 8, "is expected ÷ 8 (the batch size?", "ekspektasi ÷ 8 (ukuran batch?"),
    "sign": (-RIGHT, "sign flipped", "tanda"),
    "zero": (np.zeros_like(RIGHT), "all zero", "nol semua"),
    "bias row": (with_row_0_off(RIGHT), "row 0 only: the bias row?", "baris 0: baris bias?"),
    "one column": (with_column_1_off(RIGHT), "column 1 only", "kolom 1"),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_gets_its_name(mistake):
    wrong, english, indonesian = MISTAKES[mistake]
    assert english in explain_mismatch(wrong, RIGHT, "Δ(h)")
    assert indonesian in explain_mismatch(wrong, RIGHT, "Δ(h)", lang="id")


def test_the_batch_size_hint_only_for_a_whole_factor():
    assert "the batch size?" in explain_mismatch(RIGHT * 8, RIGHT)
    assert "is expected × 0.7" in explain_mismatch(RIGHT * 0.7, RIGHT)
    assert "batch" not in explain_mismatch(RIGHT * 0.7, RIGHT)


def test_two_gradients_swapped():
    W_h, W_out = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    expected = {"Δ(h)": W_h, "Δ(out)": W_out}
    assert "equals the expected gradient of Δ(out)" in explain_mismatch(W_out, W_h, "Δ(h)", expected)
    with pytest.raises(AssertionError, match=r"→ Δ\(out\) equals the expected gradient of Δ\(h\)"):
        assert_grads_close({"Δ(h)": W_out, "Δ(out)": W_h}, expected)


def test_near_misses_get_no_diagnosis():
    noise = rng.normal(size=RIGHT.shape) * 1e-3
    for wrong in (RIGHT * 8 + noise, -RIGHT + noise, (delta.T @ A) + noise.T, with_row_0_off(RIGHT) + noise):
        assert explain_mismatch(wrong, RIGHT) == ""
    S = rng.normal(size=(3, 3))
    S = S + S.T                                           # symmetric: its transpose is itself
    assert explain_mismatch(S.T * 1.0, S) == ""           # right, not "transposed"
    wrong = S + np.eye(3)                                 # wrong, but not by transposing
    assert "transposed" not in explain_mismatch(wrong, S)


def test_right_answers_pass_and_have_nothing_to_explain():
    assert explain_mismatch(RIGHT.copy(), RIGHT) == ""
    assert_grads_close({"Δ(h)": RIGHT.copy()}, {"Δ(h)": RIGHT})


def test_assert_grads_close_adds_the_diagnosis_under_the_table():
    with pytest.raises(AssertionError) as caught:
        assert_grads_close({"Δ(h)": delta.T @ A}, {"Δ(h)": RIGHT})
    assert "Δ(h): actual has shape (3, 4), expected (4, 3)" in str(caught.value)
    assert "→ Δ(h) looks transposed" in str(caught.value)


def test_the_language_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_LANG", "id")
    assert "tanda Δ(out) terbalik" in explain_mismatch(-RIGHT, RIGHT, "Δ(out)")
    with pytest.raises(AssertionError, match="tampaknya tertranspos"):
        assert_grads_close({"W": delta.T @ A}, {"W": RIGHT})
    with pytest.raises(ValueError, match="lang must be one of"):
        explain_mismatch(RIGHT, RIGHT, lang="fr")


def test_gradcheck_names_a_sign_error_in_a_rule():
    wrong_exp = tg.elementwise("exp", "eˣ", lambda xp, x: xp.exp(x), lambda xp, out, x: -out)   # sign error
    with pytest.raises(GradcheckError, match=r"→ input 0 has its sign flipped"):
        gradcheck(lambda x: tg.apply(wrong_exp, x).sum(), [rng.normal(size=(2, 3))])


def test_a_float32_model_passes_against_a_float64_derivation_by_hand():
    # the model's gradient in float32 (relative error ~1e-7), the hand derivation in float64
    assert_grads_close({"Δ(h)": RIGHT.astype(np.float32)}, {"Δ(h)": RIGHT})
    with pytest.raises(AssertionError) as caught:           # a real mistake still fails, naming the dtypes
        assert_grads_close({"Δ(h)": (RIGHT * 8).astype(np.float32)}, {"Δ(h)": RIGHT})
    said = str(caught.value)
    assert "(actual is float32, expected float64: compared with rtol=1.3e-06, atol=1e-05)" in said
    assert "is expected × 8 (the batch size?" in said
    same = np.float64(1.0) + RIGHT
    with pytest.raises(AssertionError) as caught:           # float64 on both sides: as tight as before
        assert_grads_close({"W": same * (1 + 1e-6)}, {"W": same})
    assert "float32" not in str(caught.value) and "actual is" not in str(caught.value)


def test_a_rounding_is_not_called_a_factor():
    # float32 against float64 under a tolerance too tight for float32: no "× 0.999987 (to 0)"
    expected = np.array([0.1234567890123])
    with pytest.raises(AssertionError) as caught:
        assert_grads_close([expected.astype(np.float32)], [expected], rtol=1e-9, atol=0.0)
    assert "×" not in str(caught.value) and "(to" not in str(caught.value)
    assert explain_mismatch(np.array([0.999987]), np.array([1.0])) == ""
    assert explain_mismatch(RIGHT * 0.999987, RIGHT) == ""


def test_the_batch_size_reads_as_a_division_without_to_0():
    assert explain_mismatch(RIGHT / 32, RIGHT, "dW") == \
        "dW is expected ÷ 32 (the batch size? a sum where a mean is meant, or the reverse)"
    assert explain_mismatch(np.array([1 / 32]), np.array([1.0]), "db").startswith("db is expected ÷ 32 (the batch")
    assert "ekspektasi ÷ 32 (ukuran batch?" in explain_mismatch(RIGHT / 32, RIGHT, "dW", lang="id")
    for wrong in (RIGHT / 32, RIGHT * 8, -RIGHT, delta.T @ A, RIGHT * 0.7):
        for lang in ("en", "id"):
            said = explain_mismatch(wrong, RIGHT, "dW", lang=lang)
            assert said and "(to" not in said and "hingga" not in said, said


def test_a_pattern_another_explains_as_well_is_not_claimed():
    # two gradients that happen to be related (∂y = x): with the student's ∂f/∂x = x (factor 2 forgotten), "÷ 2" and
    # "equals the expected gradient of ∂y" both explain it, so neither is claimed
    x = np.array([0.5, 1.5, -2.0])
    expected = {"∂x": 2 * x, "∂y": x}
    assert explain_mismatch(x, 2 * x, "∂x", expected) == ""
    assert explain_mismatch(x, 2 * x, "∂x") == "∂x is expected ÷ 2 (the batch size? a sum where a mean is " \
                                               "meant, or the reverse)"
    with pytest.raises(AssertionError) as caught:
        assert_grads_close({"∂x": x, "∂y": x}, expected)
    assert "swapped" not in str(caught.value) and "÷ 2" not in str(caught.value)
