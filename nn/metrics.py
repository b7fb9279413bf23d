"""Scoring a model: accuracy, the confusion matrix and a per-class report (scikit-learn's), and the
squared and absolute errors of a regression. `fit` and `evaluate` score with these same functions
(by compile's names: `get`).

Every classification function takes the labels in whichever form the model or the data has them:

- class labels, shape (n,): ``[2, 0, 1]`` or ``['cat', 'dog', 'cat']``;
- one-hot rows or class probabilities, shape (n, k) with k > 1: the class is the argmax
  (what ``model.predict`` returns after a softmax);
- one probability per sample, shape (n, 1), or (n,) of non-whole numbers in [0, 1]: class 1
  when p >= 0.5 (what ``model.predict`` returns after a sigmoid).

    >>> from nn.metrics import accuracy, confusion_matrix
    >>> accuracy([0, 1, 2, 2], [[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]])
    0.75
    >>> confusion_matrix([0, 1, 2, 2], [0, 1, 2, 0])
    array([[1, 0, 0],
           [0, 1, 0],
           [1, 0, 1]])
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["accuracy", "confusion_matrix", "classification_report", "mean_squared_error", "mean_absolute_error"]


def _array(y: Any) -> np.ndarray:
    """A list, array or Tensor as an array (an ndarray's own .data is a memoryview: not that)."""
    return np.asarray(getattr(y, "data", y) if not isinstance(y, (list, tuple, np.ndarray)) else y)


def _labels(y: Any, name: str) -> np.ndarray:
    """Class labels (n,) from labels, one-hot rows, probabilities or a (n, 1) column."""
    y = _array(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    if y.ndim == 2:  # (n, 1): one sigmoid output, or labels in a column
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{name} must be labels (n,), one-hot or probabilities (n, k), got shape {y.shape}")
    if y.dtype.kind == "f":
        if np.any(np.isnan(y)):
            raise ValueError(f"{name} contains NaN")
        if np.all(y == np.round(y)):
            return y.astype(np.int64)
        if np.all((y >= 0) & (y <= 1)):
            return (y >= 0.5).astype(np.int64)  # probabilities of class 1
        raise ValueError(
            f"{name} holds non-whole numbers outside [0, 1] (e.g. {y[(y != np.round(y))][0].item()!r}): "
            "neither class labels nor probabilities"
        )
    return y


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if len(t) != len(p):
        raise ValueError(f"y_true has {len(t)} samples but y_pred has {len(p)}; they must match one to one")
    if len(t) == 0:
        raise ValueError("y_true and y_pred are empty")
    return t, p


def accuracy(y_true: Any, y_pred: Any) -> float:
    """The fraction of samples whose predicted class equals the true one: mean(ŷ == y).

    >>> accuracy([1, 0, 1, 1], [1, 0, 0, 1])
    0.75
    """
    t, p = _pair(y_true, y_pred)
    return float(np.count_nonzero(t == p) / len(t))   # count_nonzero: cheaper than np.mean, and fit calls this often


def _values(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Targets and predictions as arrays of one shape; (n,) against (n, 1) is allowed, as Keras does."""
    t, p = _array(y_true), _array(y_pred)
    if t.shape != p.shape:
        if t.size != p.size or t.shape[:1] != p.shape[:1]:
            raise ValueError(f"y_true of shape {t.shape} does not match y_pred of shape {p.shape}")
        t = t.reshape(p.shape)
    return t, p


def mean_squared_error(y_true: Any, y_pred: Any) -> float:
    """mean (ŷ − y)² over every sample and output.

    >>> mean_squared_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.375
    """
    t, p = _values(y_true, y_pred)
    return float(np.mean((p - t) ** 2))


def mean_absolute_error(y_true: Any, y_pred: Any) -> float:
    """mean |ŷ − y| over every sample and output.

    >>> mean_absolute_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.5
    """
    t, p = _values(y_true, y_pred)
    return float(np.mean(np.abs(p - t)))


# compile(metrics=[...])'s names, as Keras spells them
METRICS: dict[str, Callable[[Any, Any], float]] = {
    "acc": accuracy, "accuracy": accuracy, "mse": mean_squared_error, "mae": mean_absolute_error,
}


def get(name: str) -> Callable[[Any, Any], float]:
    """The metric function for one of compile's names, called as metric(y_true, y_pred).

    >>> get("acc") is accuracy
    True
    """
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; known metrics: {', '.join(METRICS)}")
    return METRICS[name]


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None, *,
                     labels: Sequence[Any] | None = None, normalize: str | None = None) -> np.ndarray:
    """C[i, j] = the number of samples of true class i predicted as class j (rows true, columns predicted).

    The classes, in order, are: ``labels`` when given (sklearn); else 0..num_classes-1 when
    ``num_classes`` is given (tf.math.confusion_matrix); else the sorted classes that occur in
    y_true or y_pred (sklearn). ``normalize`` = 'true' (each row sums to 1, so the diagonal is
    the recall), 'pred' (columns) or 'all' turns counts into fractions.

    >>> confusion_matrix([0, 0, 1], [0, 1, 1], num_classes=3).tolist()
    [[1, 1, 0], [0, 1, 0], [0, 0, 0]]
    """
    t, p = _pair(y_true, y_pred)
    if labels is not None and num_classes is not None:
        raise ValueError("confusion_matrix: give labels or num_classes, not both")
    if labels is None and num_classes is not None:
        labels = range(num_classes)
        outside = np.setdiff1d(np.union1d(t, p), np.arange(num_classes))
        if outside.size:
            raise ValueError(f"confusion_matrix: label {outside[0].item()!r} is out of range for "
                             f"num_classes={num_classes}; labels must be in 0..{num_classes - 1}")
    classes = np.asarray(list(labels)) if labels is not None else np.union1d(t, p)
    index = {c: i for i, c in enumerate(classes.tolist())}
    k = len(classes)
    cm = np.zeros((k, k), dtype=np.int64)
    for a, b in zip(t.tolist(), p.tolist()):
        if a in index and b in index:  # sklearn: samples of classes not in `labels` are left out
            cm[index[a], index[b]] += 1
    if normalize is None:
        return cm
    axis = {"true": 1, "pred": 0, "all": None}
    if normalize not in axis:
        raise ValueError(f"confusion_matrix: normalize must be 'true', 'pred', 'all' or None, got {normalize!r}")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = cm / cm.sum(axis=axis[normalize], keepdims=axis[normalize] is not None)
    return np.nan_to_num(out)  # a class with no samples has a row of zeros, not NaN


def _divide(num: np.ndarray, den: np.ndarray, what: str, zero_division: str | float) -> np.ndarray:
    """num / den, with zero_division where den == 0 (sklearn's rule, with its warning on 'warn')."""
    fill = 0.0 if zero_division == "warn" else float(zero_division)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1), fill)
    if zero_division == "warn" and np.any(den == 0):
        missing = {"Precision": "predicted", "Recall": "true"}.get(what, "true nor predicted")
        warnings.warn(f"{what} is ill-defined and being set to 0.0 in labels with no {missing} samples. "
                      "Use `zero_division` parameter to control this behavior.", UserWarning, stacklevel=3)
    return out


def classification_report(y_true: Any, y_pred: Any, *, labels: Sequence[Any] | None = None,
                          target_names: Sequence[str] | None = None, digits: int = 2,
                          output_dict: bool = False,
                          zero_division: str | float = "warn") -> str | dict[str, Any]:
    """Precision, recall, F1 and support per class, then accuracy, macro and weighted averages.

    precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2PR / (P + R), support = the
    number of true samples of the class; the macro average weighs classes equally, the weighted
    average by support. Same layout and dict keys as sklearn.metrics.classification_report.

    >>> print(classification_report([0, 0, 1, 1], [0, 1, 1, 1], target_names=["cat", "dog"]))
                  precision    recall  f1-score   support
    <BLANKLINE>
             cat       1.00      0.50      0.67         2
             dog       0.67      1.00      0.80         2
    <BLANKLINE>
        accuracy                           0.75         4
       macro avg       0.83      0.75      0.73         4
    weighted avg       0.83      0.75      0.73         4
    <BLANKLINE>
    """
    t, p = _pair(y_true, y_pred)
    present = np.union1d(t, p)
    classes = np.asarray(list(labels)) if labels is not None else present
    # with every class listed, micro-averaged precision = recall = F1 = accuracy, so sklearn
    # prints one "accuracy" line; with a subset of labels it prints a "micro avg" row instead
    micro_is_accuracy = labels is None or set(present.tolist()) <= set(classes.tolist())
    if target_names is None:
        target_names = [str(c) for c in classes.tolist()]
    elif len(target_names) != len(classes):
        raise ValueError(f"classification_report: {len(classes)} classes ({', '.join(map(str, classes.tolist()))}) "
                         f"but {len(target_names)} target_names ({', '.join(map(str, target_names))})")

    # counted over all samples, so a sample predicted as a class outside `labels` still counts
    # against the recall of its true class
    tp = np.array([np.sum((t == c) & (p == c)) for c in classes.tolist()], dtype=np.float64)
    predicted = np.array([np.sum(p == c) for c in classes.tolist()], dtype=np.float64)
    support = np.array([np.sum(t == c) for c in classes.tolist()], dtype=np.int64)
    precision = _divide(tp, predicted, "Precision", zero_division)
    recall = _divide(tp, support.astype(np.float64), "Recall", zero_division)
    # F1 = 2PR / (P + R) = 2 TP / (true + predicted): the second form is sklearn's, so the digits agree
    f1 = _divide(2 * tp, support + predicted, "F-score", zero_division)
    total = int(support.sum())

    rows = [(name, precision[i], recall[i], f1[i], int(support[i])) for i, name in enumerate(target_names)]
    averages: list[tuple[str, tuple[float, float, float, int]]] = []
    if micro_is_accuracy:
        averages.append(("accuracy", (float(np.mean(t == p)),) * 3 + (total,)))
    else:
        mp = tp.sum() / predicted.sum() if predicted.sum() else 0.0
        mr = tp.sum() / total if total else 0.0
        mf = 2 * tp.sum() / (total + predicted.sum()) if total + predicted.sum() else 0.0
        averages.append(("micro avg", (mp, mr, mf, total)))
    averages.append(("macro avg", (precision.mean(), recall.mean(), f1.mean(), total)))
    # np.average(x, weights=support), not x @ (support / total): the same sum in sklearn's order,
    # so a value like 0.275 rounds the same way in both reports
    weighted = [float(np.average(x, weights=support)) if total else 0.0 for x in (precision, recall, f1)]
    averages.append(("weighted avg", (*weighted, total)))

    if output_dict:
        report: dict[str, Any] = {}
        for name, pr, rc, f, s in rows:
            report[name] = {"precision": float(pr), "recall": float(rc), "f1-score": float(f), "support": s}
        for heading, (pr, rc, f, s) in averages:
            if heading == "accuracy":
                report["accuracy"] = float(pr)
            else:
                report[heading] = {"precision": float(pr), "recall": float(rc), "f1-score": float(f),
                                   "support": s}
        return report

    headers = ["precision", "recall", "f1-score", "support"]
    width = max(max(len(n) for n in target_names), len("weighted avg"), digits)
    text = ("{:>{width}s} " + " {:>9}" * 4).format("", *headers, width=width) + "\n\n"
    row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
    for row in rows:
        text += row_fmt.format(*row, width=width, digits=digits)
    text += "\n"
    for heading, (pr, rc, f, s) in averages:
        if heading == "accuracy":  # accuracy has one number: it goes under f1-score
            text += ("{:>{width}s} " + " {:>9}" * 2 + " {:>9.{digits}f} {:>9}\n").format(
                heading, "", "", f, s, width=width, digits=digits)
        else:
            text += row_fmt.format(heading, pr, rc, f, s, width=width, digits=digits)
    return text
