"""Scoring a model: accuracy, the confusion matrix and a per-class report (scikit-learn's), and the
squared and absolute errors of a regression. `fit` and `evaluate` score with these same functions
(by compile's names: `get`).

Every classification function takes the labels in whichever form the model or the data has them:

- class labels, shape (n,): ``[2, 0, 1]`` or ``['cat', 'dog', 'cat']``;
- one-hot rows or class probabilities, shape (n, k) with k > 1: the class is the argmax
  (what ``model.predict`` returns after a softmax);
- one probability per sample, shape (n, 1), or (n,) of non-whole numbers in [0, 1]: class 1
  when p >= 0.5 (what ``model.predict`` returns after a sigmoid);
- against targets of -1 and 1 (the hinge loss's), one score per sample: its sign is the class
  (score > 0: 1, else -1), as a margin classifier predicts.

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

from .utils import pyplot

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
    t = _labels(y_true, "y_true")
    scores = _array(y_pred)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.ndim == 1 and scores.dtype.kind == "f" and len(t) and np.all(np.abs(t) == 1) and np.any(t == -1):
        # ±1 targets (the hinge loss's): one output is a score, and its sign is the class
        p = np.where(scores > 0, 1, -1)
    else:
        p = _labels(y_pred, "y_pred")
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


# ---- scikit-learn's names: accuracy_score, precision_recall_fscore_support, the confusion-matrix picture
# (the handout's `from sklearn.metrics import ...` lines work with `nn.metrics` in their place)

def accuracy_score(y_true: Any, y_pred: Any, *, normalize: bool = True, sample_weight: Any = None) -> float:
    """scikit-learn's name for `accuracy`: mean(ŷ == y); normalize=False gives the count of hits.

    >>> accuracy_score(["cat", "dog", "dog"], ["cat", "dog", "cat"])
    0.6666666666666666
    >>> accuracy_score([1, 0, 1, 1], [1, 0, 0, 1], normalize=False)
    3.0
    """
    t, p = _pair(y_true, y_pred)
    hits = (t == p).astype(np.float64)
    weights = np.ones_like(hits) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if weights.shape != hits.shape:
        raise ValueError(f"accuracy_score: sample_weight has shape {weights.shape}, expected ({len(hits)},), "
                         "one weight per sample")
    return float(np.average(hits, weights=weights)) if normalize else float(hits @ weights)


AVERAGES = (None, "binary", "micro", "macro", "weighted")


def precision_recall_fscore_support(y_true: Any, y_pred: Any, *, beta: float = 1.0,
                                    labels: Sequence[Any] | None = None, pos_label: Any = 1,
                                    average: str | None = None, zero_division: str | float = "warn"):
    """(precision, recall, F-beta, support) per class, or averaged over the classes (scikit-learn's).

    precision = TP / (TP + FP), recall = TP / (TP + FN), F_β = (1 + β²)·TP / ((1 + β²)·TP + β²·FN + FP),
    support = the number of true samples of the class. ``average``: None (one value per class, in
    the order of ``labels``, default the sorted classes present), 'binary' (the ``pos_label`` class
    only), 'micro' (TP, FP, FN summed over classes first), 'macro' (the mean over classes) or
    'weighted' (the mean weighted by support); averaged, support is None, as in scikit-learn.

    >>> p, r, f, s = precision_recall_fscore_support([0, 0, 1, 1], [0, 1, 1, 1])
    >>> p.round(3).tolist(), r.tolist(), f.round(3).tolist(), s.tolist()
    ([1.0, 0.667], [0.5, 1.0], [0.667, 0.8], [2, 2])
    >>> precision_recall_fscore_support([0, 0, 1, 1], [0, 1, 1, 1], average="binary")[:3]
    (0.6666666666666666, 1.0, 0.8)
    """
    if average not in AVERAGES:
        raise ValueError(f"precision_recall_fscore_support: average must be one of "
                         f"{', '.join(map(repr, AVERAGES))}, got {average!r}")
    if not (isinstance(beta, (int, float)) and beta >= 0):
        raise ValueError(f"precision_recall_fscore_support: beta must be a number >= 0, got {beta!r}")
    t, p = _pair(y_true, y_pred)
    present = np.union1d(t, p)
    if average == "binary":
        if len(present) > 2:
            raise ValueError(f"Target is multiclass ({len(present)} classes: {present.tolist()}) but "
                             "average='binary'; choose average=None, 'micro', 'macro' or 'weighted'")
        if pos_label not in present.tolist() and len(present) == 2:
            raise ValueError(f"pos_label={pos_label!r} is not a valid label: it should be one of {present.tolist()}")
        labels = [pos_label]
    classes = np.asarray(list(labels)) if labels is not None else present
    tp = np.array([np.sum((t == c) & (p == c)) for c in classes.tolist()], dtype=np.float64)
    predicted = np.array([np.sum(p == c) for c in classes.tolist()], dtype=np.float64)
    support = np.array([np.sum(t == c) for c in classes.tolist()], dtype=np.int64)
    true = support.astype(np.float64)
    if average == "micro":     # pool the counts first: one "class" made of all of them
        tp, predicted, true = tp.sum(keepdims=True), predicted.sum(keepdims=True), true.sum(keepdims=True)
    precision = _divide(tp, predicted, "Precision", zero_division)
    recall = _divide(tp, true, "Recall", zero_division)
    b2 = beta * beta
    # (1+β²)·TP / (β²·(TP+FN) + (TP+FP)): the same as (1+β²)PR / (β²P + R), and scikit-learn's form
    fbeta = _divide((1 + b2) * tp, b2 * true + predicted, "F-score", zero_division)
    if average is None:
        return precision, recall, fbeta, support
    if average == "weighted":
        if support.sum() == 0:
            fill = 0.0 if zero_division == "warn" else float(zero_division)
            return fill, fill, fill, None
        weights = support
    else:
        weights = None
    return (float(np.average(precision, weights=weights)), float(np.average(recall, weights=weights)),
            float(np.average(fbeta, weights=weights)), None)


class ConfusionMatrixDisplay:
    """scikit-learn's picture of a confusion matrix: a heat map, rows true classes, columns predicted.

    >>> disp = ConfusionMatrixDisplay.from_predictions(["cat", "dog", "dog"], ["cat", "dog", "cat"])
    >>> disp.confusion_matrix.tolist(), disp.display_labels.tolist()
    ([[1, 0], [1, 1]], ['cat', 'dog'])
    >>> disp.ax_.get_xlabel(), disp.ax_.get_ylabel()
    ('Predicted label', 'True label')

    After `plot()` (which the `from_...` constructors call): `figure_`, `ax_`, `im_` (the image),
    `text_` (a (k, k) array of the numbers' Text objects, None without values) and `colorbar`.
    matplotlib is imported only when a picture is drawn.
    """

    def __init__(self, confusion_matrix: Any, *, display_labels: Sequence[Any] | None = None):
        cm = np.asarray(confusion_matrix)
        if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
            raise ValueError(f"ConfusionMatrixDisplay: confusion_matrix must be square (k, k), got shape {cm.shape}; "
                             "make one with nn.metrics.confusion_matrix(y_true, y_pred)")
        if display_labels is not None and len(display_labels) != len(cm):
            raise ValueError(f"ConfusionMatrixDisplay: {len(display_labels)} display_labels for a "
                             f"{len(cm)}x{len(cm)} matrix; give one label per class")
        self.confusion_matrix = cm
        self.display_labels = None if display_labels is None else np.asarray(display_labels)

    def plot(self, *, include_values: bool = True, cmap: Any = "viridis", xticks_rotation: Any = "horizontal",
             values_format: str | None = None, ax: Any = None, colorbar: bool = True,
             im_kw: dict | None = None, text_kw: dict | None = None) -> ConfusionMatrixDisplay:
        """Draw into `ax` (a new figure without one); returns self, as scikit-learn's does."""
        plt = pyplot()                      # matplotlib, loaded only by those who draw
        if ax is None:
            fig, ax = plt.subplots()
        else:
            fig = ax.figure
        cm, k = self.confusion_matrix, len(self.confusion_matrix)
        self.im_ = ax.imshow(cm, interpolation="nearest", cmap=cmap, **(im_kw or {}))
        self.text_ = None
        # each number in the colour of the map's other end, so it stands out from its cell (scikit-learn's rule)
        low, high = self.im_.cmap(0), self.im_.cmap(1.0)
        if include_values:
            self.text_ = np.empty((k, k), dtype=object)
            middle = (cm.max() + cm.min()) / 2.0
            for i in range(k):
                for j in range(k):
                    self.text_[i, j] = ax.text(j, i, _cell_text(cm[i, j], cm.dtype, values_format), ha="center",
                                               va="center", color=high if cm[i, j] < middle else low,
                                               **(text_kw or {}))
        labels = np.arange(k) if self.display_labels is None else self.display_labels
        self.colorbar = fig.colorbar(self.im_, ax=ax) if colorbar else None
        ax.set(xticks=np.arange(k), yticks=np.arange(k), xticklabels=[str(c) for c in labels],
               yticklabels=[str(c) for c in labels], ylabel="True label", xlabel="Predicted label")
        ax.set_ylim((k - 0.5, -0.5))       # first class at the top, as a matrix is read
        plt.setp(ax.get_xticklabels(), rotation=xticks_rotation)
        self.figure_, self.ax_ = fig, ax
        return self

    @classmethod
    def from_predictions(cls, y_true: Any, y_pred: Any, *, labels: Sequence[Any] | None = None,
                         normalize: str | None = None, display_labels: Sequence[Any] | None = None,
                         **plot_kw) -> ConfusionMatrixDisplay:
        """The matrix of (y_true, y_pred), drawn. y_pred may be labels, or probabilities (argmax)."""
        t, p = _pair(y_true, y_pred)
        classes = np.asarray(list(labels)) if labels is not None else np.union1d(t, p)
        cm = confusion_matrix(t, p, labels=classes, normalize=normalize)
        shown = display_labels if display_labels is not None else classes
        return cls(cm, display_labels=shown).plot(**plot_kw)

    @classmethod
    def from_estimator(cls, estimator: Any, X: Any, y: Any, **kw) -> ConfusionMatrixDisplay:
        """The matrix of (y, estimator.predict(X)), drawn: an MLPClassifier, or a Sequential (its
        predicted probabilities count as their most probable class)."""
        if not callable(getattr(estimator, "predict", None)):
            raise TypeError(f"ConfusionMatrixDisplay.from_estimator: estimator must have a predict method, "
                            f"got {type(estimator).__name__}; for labels already predicted use from_predictions")
        return cls.from_predictions(y, estimator.predict(X), **kw)


def _cell_text(value: Any, dtype: np.dtype, values_format: str | None) -> str:
    if values_format is not None:
        return format(value, values_format)
    # scikit-learn's choice: the shorter of ".2g" and, for counts, "d" (so 1234 is not "1.2e+03")
    text = format(value, ".2g")
    if dtype.kind != "f":
        whole = format(value, "d")
        text = whole if len(whole) < len(text) else text
    return text


def plot_confusion_matrix(estimator: Any, X: Any, y_true: Any, **kw) -> ConfusionMatrixDisplay:
    """The handout's `plot_confusion_matrix(mlp, X_test, Y_test)`: ConfusionMatrixDisplay.from_estimator.

    scikit-learn removed this function in version 1.2; here it stays, for the handouts that use it.
    """
    return ConfusionMatrixDisplay.from_estimator(estimator, X, y_true, **kw)


__all__ += ["accuracy_score", "precision_recall_fscore_support", "ConfusionMatrixDisplay", "plot_confusion_matrix"]
