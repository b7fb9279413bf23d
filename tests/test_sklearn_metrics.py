"""nn.metrics under scikit-learn's names, against scikit-learn's own outputs where it is installed."""

import doctest

import numpy as np
import pytest

import nn.metrics
from nn.metrics import (ConfusionMatrixDisplay, accuracy_score, confusion_matrix, plot_confusion_matrix,
                        precision_recall_fscore_support)

rng = np.random.RandomState(0)
MULTICLASS = (rng.randint(0, 4, 60), rng.randint(0, 4, 60))
BINARY = (rng.randint(0, 2, 40), rng.randint(0, 2, 40))
STRINGS = (np.array(["cat", "dog", "bird", "dog", "cat", "cat"]), np.array(["cat", "dog", "dog", "dog", "bird", "cat"]))
ZERO_DIVISION = (np.array([0, 0, 1, 1, 2]), np.array([0, 0, 1, 1, 1]))   # class 2 never predicted
CASES = {"multiclass": MULTICLASS, "binary": BINARY, "strings": STRINGS, "a class never predicted": ZERO_DIVISION}


def test_docstring_examples():
    assert doctest.testmod(nn.metrics).failed == 0


def test_accuracy_score_is_the_fraction_of_hits():
    # 3 of 4 right; with weights 1, 1, 2, 4 the hits weigh 1 + 1 + 4 of 8
    assert accuracy_score([1, 0, 1, 1], [1, 0, 0, 1]) == 0.75
    assert accuracy_score([1, 0, 1, 1], [1, 0, 0, 1], normalize=False) == 3
    assert accuracy_score([1, 0, 1, 1], [1, 0, 0, 1], sample_weight=[1, 1, 2, 4]) == 6 / 8


def test_precision_recall_f_by_hand():
    # class 1: TP 2, FP 1 (a 0 called 1), FN 0 -> P 2/3, R 1, F1 = 2·2 / (2·2 + 0 + 1) = 0.8, F2 = 5·2 / (5·2 + 4·0 + 1)
    p, r, f, s = precision_recall_fscore_support([0, 0, 1, 1], [0, 1, 1, 1], average="binary")
    assert (p, r, f, s) == (2 / 3, 1.0, 0.8, None)
    assert precision_recall_fscore_support([0, 0, 1, 1], [0, 1, 1, 1], beta=2, average="binary")[2] == 10 / 11


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("beta", [1.0, 0.5])
def test_precision_recall_fscore_support_equals_sklearns(case, average, beta):
    sk = pytest.importorskip("sklearn.metrics")
    y_true, y_pred = CASES[case]
    with pytest.warns(UserWarning) if case == "a class never predicted" and average != "micro" else _no_warning():
        ours = precision_recall_fscore_support(y_true, y_pred, beta=beta, average=average)
    theirs = sk.precision_recall_fscore_support(y_true, y_pred, beta=beta, average=average, zero_division=0)
    for a, b in zip(ours, theirs):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12)


def test_binary_average_with_labels_and_pos_label_equals_sklearns():
    sk = pytest.importorskip("sklearn.metrics")
    y_true, y_pred = BINARY
    for pos_label in (0, 1):
        ours = precision_recall_fscore_support(y_true, y_pred, average="binary", pos_label=pos_label)
        assert ours == pytest.approx(sk.precision_recall_fscore_support(y_true, y_pred, average="binary",
                                                                        pos_label=pos_label)[:3] + (None,))
    y_true, y_pred = MULTICLASS
    ours = precision_recall_fscore_support(y_true, y_pred, labels=[3, 1])
    theirs = sk.precision_recall_fscore_support(y_true, y_pred, labels=[3, 1])
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("case", CASES)
def test_accuracy_confusion_matrix_and_report_equal_sklearns(case):
    sk = pytest.importorskip("sklearn.metrics")
    y_true, y_pred = CASES[case]
    assert accuracy_score(y_true, y_pred) == sk.accuracy_score(y_true, y_pred)
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred), sk.confusion_matrix(y_true, y_pred))
    assert nn.metrics.classification_report(y_true, y_pred, zero_division=0) == \
        sk.classification_report(y_true, y_pred, zero_division=0)


def test_bad_arguments_say_what_is_allowed():
    with pytest.raises(ValueError, match=r"average must be one of None, 'binary', 'micro', 'macro', 'weighted', got 'samples'"):
        precision_recall_fscore_support([0, 1], [0, 1], average="samples")
    with pytest.raises(ValueError, match=r"Target is multiclass \(3 classes: \[0, 1, 2\]\) but average='binary'"):
        precision_recall_fscore_support([0, 1, 2], [0, 1, 2], average="binary")
    with pytest.raises(ValueError, match=r"sample_weight has shape \(2,\), expected \(3,\)"):
        accuracy_score([0, 1, 1], [0, 1, 0], sample_weight=[1, 2])
    with pytest.raises(ValueError, match=r"must be square \(k, k\), got shape \(2, 3\)"):
        ConfusionMatrixDisplay(np.zeros((2, 3)))
    with pytest.raises(TypeError, match=r"estimator must have a predict method, got list"):
        ConfusionMatrixDisplay.from_estimator([1, 2], [[0.0]], [0])


# ---- the picture -------------------------------------------------------------------------------------

@pytest.fixture
def matplotlib_agg():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    yield plt
    plt.close("all")


def test_display_draws_what_sklearns_draws(matplotlib_agg):
    sk = pytest.importorskip("sklearn.metrics")
    y_true, y_pred = STRINGS
    ours = ConfusionMatrixDisplay.from_predictions(y_true, y_pred)
    theirs = sk.ConfusionMatrixDisplay.from_predictions(y_true, y_pred)
    np.testing.assert_array_equal(ours.confusion_matrix, theirs.confusion_matrix)
    assert ours.display_labels.tolist() == theirs.display_labels.tolist() == ["bird", "cat", "dog"]

    def drawn(d):
        return ([[t.get_text() for t in row] for row in d.text_], [[t.get_color() for t in row] for row in d.text_],
                [t.get_text() for t in d.ax_.get_xticklabels()], d.ax_.get_xlabel(), d.ax_.get_ylabel(),
                d.ax_.get_ylim())
    assert drawn(ours) == drawn(theirs)

    normalized = ConfusionMatrixDisplay.from_predictions(y_true, y_pred, normalize="true", values_format=".2f")
    assert normalized.text_[1, 1].get_text() == "0.67"    # 2 of the 3 cats called cats


def test_from_estimator_and_the_handouts_plot_confusion_matrix(matplotlib_agg, tmp_path):
    class Rule:   # any object with predict: the sign of the first feature
        def predict(self, X):
            return (np.asarray(X)[:, 0] > 0).astype(int)
    X, y = np.array([[-1.0], [2.0], [3.0], [-4.0], [5.0]]), np.array([0, 1, 0, 0, 1])
    disp = plot_confusion_matrix(Rule(), X, y)
    assert disp.confusion_matrix.tolist() == [[2, 1], [0, 2]]
    assert [[t.get_text() for t in row] for row in disp.text_] == [["2", "1"], ["0", "2"]]
    disp.figure_.savefig(tmp_path / "cm.png")
    assert (tmp_path / "cm.png").stat().st_size > 0


class _no_warning:
    def __enter__(self):
        import warnings
        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        self._w.__exit__(*exc)
