"""nn.metrics against small examples worked by hand, and against scikit-learn where installed."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from nn.metrics import accuracy, classification_report, confusion_matrix

# Three classes, ten samples. By hand:
#   class 0: true at 0,1,2      predicted 0 at 0,1,8        TP 2  FP 1 (8)     FN 1 (2 -> 1)
#   class 1: true at 3,4,5,6    predicted 1 at 2,3,4,5      TP 3  FP 1 (2)     FN 1 (6 -> 2)
#   class 2: true at 7,8,9      predicted 2 at 6,7,9        TP 2  FP 1 (6)     FN 1 (8 -> 0)
Y_TRUE = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]
Y_PRED = [0, 0, 1, 1, 1, 1, 2, 2, 0, 2]


def test_accuracy_on_labels_one_hot_and_probabilities():
    assert accuracy(Y_TRUE, Y_PRED) == 0.7
    one_hot = np.eye(3)[Y_TRUE]
    probabilities = np.eye(3)[Y_PRED] * 0.6 + 0.4 / 3  # rows sum to 1, argmax = Y_PRED
    assert accuracy(one_hot, probabilities) == 0.7
    assert accuracy(np.array(Y_TRUE, dtype=float), Y_PRED) == 0.7
    # one sigmoid output per sample, as a column or flat: class 1 when p >= 0.5
    assert accuracy([1, 0, 1, 0], np.array([[0.9], [0.2], [0.4], [0.5]])) == 0.5
    assert accuracy([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.5]) == 0.5
    assert accuracy(["cat", "dog"], ["cat", "cat"]) == 0.5


def test_accuracy_errors():
    with pytest.raises(ValueError, match="y_true has 3 samples but y_pred has 2"):
        accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="non-whole numbers outside \\[0, 1\\] \\(e.g. 2.5\\)"):
        accuracy([0, 1], [0.0, 2.5])
    with pytest.raises(ValueError, match="y_pred contains NaN"):
        accuracy([0, 1], [0.2, np.nan])
    with pytest.raises(ValueError, match=r"got shape \(2, 2, 2\)"):
        accuracy([0, 1], np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="empty"):
        accuracy([], [])


def test_confusion_matrix_by_hand():
    expected = [[2, 1, 0],
                [0, 3, 1],
                [1, 0, 2]]
    assert confusion_matrix(Y_TRUE, Y_PRED).tolist() == expected
    assert confusion_matrix(np.eye(3)[Y_TRUE], np.eye(3)[Y_PRED]).tolist() == expected
    # num_classes: a class that never occurs still gets its row and column
    assert confusion_matrix([0, 0], [0, 1], num_classes=3).tolist() == [[1, 1, 0], [0, 0, 0], [0, 0, 0]]
    # without it, sklearn's rule: only the classes that occur, sorted
    assert confusion_matrix([0, 2], [2, 2]).tolist() == [[0, 1], [0, 1]]
    assert confusion_matrix(["b", "a", "b"], ["b", "b", "a"], labels=["b", "a"]).tolist() == [[1, 1], [1, 0]]
    np.testing.assert_allclose(confusion_matrix(Y_TRUE, Y_PRED, normalize="true"),
                               [[2 / 3, 1 / 3, 0], [0, 3 / 4, 1 / 4], [1 / 3, 0, 2 / 3]])
    np.testing.assert_allclose(confusion_matrix(Y_TRUE, Y_PRED, normalize="pred").sum(axis=0), 1)
    assert confusion_matrix(Y_TRUE, Y_PRED, normalize="all").sum() == pytest.approx(1)
    assert confusion_matrix([0, 0], [0, 0], num_classes=2, normalize="true").tolist() == [[1, 0], [0, 0]]


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match="label 3 is out of range for num_classes=3; labels must be in 0..2"):
        confusion_matrix([0, 3], [0, 1], num_classes=3)
    with pytest.raises(ValueError, match="normalize must be 'true', 'pred', 'all' or None, got 'rows'"):
        confusion_matrix([0, 1], [0, 1], normalize="rows")
    with pytest.raises(ValueError, match="labels or num_classes, not both"):
        confusion_matrix([0, 1], [0, 1], 2, labels=[0, 1])


def test_classification_report_by_hand():
    report = classification_report(Y_TRUE, Y_PRED, target_names=["setosa", "versicolor", "virginica"],
                                   output_dict=True)
    # per class: P = TP / (TP + FP), R = TP / (TP + FN), F1 = 2PR / (P + R)
    assert report["setosa"] == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f1-score": 2 / 3, "support": 3})
    assert report["versicolor"] == pytest.approx({"precision": 3 / 4, "recall": 3 / 4, "f1-score": 3 / 4, "support": 4})
    assert report["virginica"] == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f1-score": 2 / 3, "support": 3})
    assert report["accuracy"] == 0.7
    macro = (2 / 3 + 3 / 4 + 2 / 3) / 3
    weighted = (3 * 2 / 3 + 4 * 3 / 4 + 3 * 2 / 3) / 10
    assert report["macro avg"] == pytest.approx({"precision": macro, "recall": macro, "f1-score": macro, "support": 10})
    assert report["weighted avg"] == pytest.approx({"precision": weighted, "recall": weighted, "f1-score": weighted,
                                                    "support": 10})
    assert list(report) == ["setosa", "versicolor", "virginica", "accuracy", "macro avg", "weighted avg"]


def test_classification_report_text_layout():
    text = classification_report(Y_TRUE, Y_PRED, target_names=["setosa", "versicolor", "virginica"])
    assert text == (
        "              precision    recall  f1-score   support\n"
        "\n"
        "      setosa       0.67      0.67      0.67         3\n"
        "  versicolor       0.75      0.75      0.75         4\n"
        "   virginica       0.67      0.67      0.67         3\n"
        "\n"
        "    accuracy                           0.70        10\n"
        "   macro avg       0.69      0.69      0.69        10\n"
        "weighted avg       0.70      0.70      0.70        10\n"
    )
    assert "   macro avg      0.694     0.694     0.694        10\n" in classification_report(Y_TRUE, Y_PRED, digits=3)
    # a subset of labels: sklearn shows a micro average instead of accuracy
    subset = classification_report(Y_TRUE, Y_PRED, labels=[0, 1])
    assert "micro avg" in subset and "accuracy" not in subset


def test_classification_report_zero_division():
    with pytest.warns(UserWarning, match="Precision is ill-defined .* no predicted samples"):
        report = classification_report([0, 1, 1], [1, 1, 1], output_dict=True)
    assert report["0"]["precision"] == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert classification_report([0, 1, 1], [1, 1, 1], output_dict=True, zero_division=1.0)["0"]["precision"] == 1.0
    with pytest.raises(ValueError, match=r"3 classes \(0, 1, 2\) but 2 target_names \(a, b\)"):
        classification_report(Y_TRUE, Y_PRED, target_names=["a", "b"])


def test_metrics_match_sklearn():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    compared = 0
    for _ in range(60):
        k, n = int(rng.integers(2, 7)), int(rng.integers(5, 60))
        t = rng.integers(0, k, n)
        p = np.where(rng.random(n) < 0.6, t, rng.integers(0, k, n))
        assert accuracy(t, p) == sk.accuracy_score(t, p)
        assert np.array_equal(confusion_matrix(t, p), sk.confusion_matrix(t, p))
        for norm in ("true", "pred", "all"):
            np.testing.assert_allclose(confusion_matrix(t, p, normalize=norm), sk.confusion_matrix(t, p, normalize=norm))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for kw in ({}, {"digits": 4}, {"labels": [0, 1]}, {"zero_division": 1.0}):
                theirs = sk.classification_report(t, p, **kw)
                if re.search(r"\d\.0\n", theirs):
                    continue  # some sklearn versions print supports as floats ("5.0") in edge cases
                assert classification_report(t, p, **kw) == theirs, (t, p, kw)
                compared += 1
            ours = classification_report(t, p, output_dict=True)
            theirs = sk.classification_report(t, p, output_dict=True)
            assert ours.keys() == theirs.keys()
            for key in ours:
                assert ours[key] == pytest.approx(theirs[key]), key
    assert compared > 150
