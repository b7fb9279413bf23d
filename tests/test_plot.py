"""nn.plot: every picture is drawn, labelled, and saved as a valid PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from nn import datasets, metrics, plot  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _is_png(path) -> bool:
    data = path.read_bytes()
    return data[:8] == PNG_MAGIC and len(data) > 5_000 and data[-8:-4] == b"IEND"


class SoftNearest:
    """A stand-in model: P(class) from Gaussian kernels around the training points."""

    def __init__(self, X, y, k, width=0.3, output="probabilities"):
        self.X, self.y, self.k, self.width, self.output = X, y, k, width, output

    def predict(self, points):
        d2 = ((points[:, None, :] - self.X[None]) ** 2).sum(-1)
        kernel = np.exp(-d2 / (2 * self.width**2)) + 1e-12
        p = np.stack([kernel[:, self.y == c].sum(1) for c in range(self.k)], 1)
        p /= p.sum(1, keepdims=True)
        return {"probabilities": p, "column": p[:, 1:], "flat": p[:, 1]}[self.output]


HISTORY = {"loss": [1.0, 0.6, 0.4, 0.35], "acc": [0.5, 0.7, 0.8, 0.85],
           "val_loss": [1.1, 0.7, 0.6, 0.65], "val_acc": [0.45, 0.65, 0.75, 0.7]}


class FakeHistory:  # what model.fit returns: an object with a .history dict
    history = HISTORY


def test_history_png_panels_and_best_epoch(tmp_path):
    fig = plot.history(FakeHistory(), tmp_path / "sub" / "history.png")
    assert _is_png(tmp_path / "sub" / "history.png")
    loss, acc = fig.axes
    assert (loss.get_title(), acc.get_title()) == ("Loss", "Accuracy")
    assert loss.get_xlabel() == "epoch" and acc.get_ylabel() == "accuracy"
    assert [t.get_text() for t in loss.get_legend().get_texts()] == ["training", "validation",
                                                                     "best validation (epoch 3)"]
    assert [t.get_text() for t in acc.get_legend().get_texts()][-1] == "best validation (epoch 3)"
    np.testing.assert_array_equal(loss.lines[0].get_xdata(), [1, 2, 3, 4])  # epochs count from 1


def test_history_accepts_the_dict_and_other_metric_names():
    fig = plot.history({"loss": [0.5, 0.4], "accuracy": [0.6, 0.7], "lr": [0.1, 0.1]})
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Accuracy"]  # no panel for the learning rate
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["training"]
    with pytest.raises(ValueError, match="history is empty"):
        plot.history({})
    with pytest.raises(TypeError, match="History .* or its .history dict, got list"):
        plot.history([0.5, 0.4])


def test_confusion_matrix_png_labels_and_counts(tmp_path):
    iris = datasets.load_iris()
    predicted = iris.target.copy()
    predicted[[55, 120]] = [2, 1]
    cm = metrics.confusion_matrix(iris.target, predicted)
    fig = plot.confusion_matrix(cm, iris.target_names, tmp_path / "cm.png")
    assert _is_png(tmp_path / "cm.png")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["setosa", "versicolor", "virginica"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Predicted label", "True label")
    assert [t.get_text() for t in ax.texts] == ["50", "0", "0", "0", "49", "1", "0", "1", "49"]
    assert "accuracy 0.987 (148 of 150)" in ax.get_title()
    assert fig.axes[1].get_ylabel() == "samples"  # the colour bar
    fig = plot.confusion_matrix(cm, normalize=True)
    assert fig.axes[0].texts[4].get_text() == "0.98"
    with pytest.raises(ValueError, match=r"square \(k, k\) matrix, got shape \(2, 3\)"):
        plot.confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="2 class_names for a 3x3 matrix"):
        plot.confusion_matrix(cm, ["a", "b"])


@pytest.mark.parametrize("output", ["probabilities", "column", "flat"])
def test_decision_boundary_binary(tmp_path, output):
    X, y = datasets.make_moons(120, noise=0.2, random_state=0)
    model = SoftNearest(X, y, 2, output=output)
    fig = plot.decision_boundary(model, X, y, tmp_path / "moons.png", resolution=60)
    assert _is_png(tmp_path / "moons.png")
    ax = fig.axes[0]
    expected = metrics.accuracy(y, model.predict(X))
    assert f"accuracy on these points {expected:.3f}" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["class 0", "class 1"]
    assert fig.axes[1].get_ylabel() == "P(class 1)"  # the colour bar of P(class 1)


def test_decision_boundary_three_classes_and_plain_function(tmp_path):
    X, y = datasets.make_spirals(150, 0.02, 0, n_classes=3)
    model = SoftNearest(X, y, 3, width=0.08)
    fig = plot.decision_boundary(model.predict, X, y, tmp_path / "spirals.png",
                                 class_names=["arm A", "arm B", "arm C"], resolution=60)
    assert _is_png(tmp_path / "spirals.png")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()][:3] == ["arm A", "arm B", "arm C"]


def test_decision_boundary_errors():
    X, y = datasets.make_moons(20, random_state=0)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\), got \(20, 3\)"):
        plot.decision_boundary(lambda p: p[:, 0], np.c_[X, X[:, 0]], y)
    with pytest.raises(ValueError, match="X has 20 rows but y has 19 labels"):
        plot.decision_boundary(lambda p: p[:, 0], X, y[:-1])
    with pytest.raises(TypeError, match="needs a model with .predict"):
        plot.decision_boundary("model", X, y)
    with pytest.raises(ValueError, match=r"y must hold class numbers 0..k-1"):
        plot.decision_boundary(lambda p: p[:, 0], X, np.where(y == 1, "b", "a"))
    with pytest.raises(ValueError, match="1 class_names for 2 classes"):
        plot.decision_boundary(lambda p: np.zeros(len(p)), X, y, class_names=["a"], resolution=10)
    with pytest.raises(ValueError, match=r"the model returned shape \(1,\)"):
        plot.decision_boundary(lambda p: np.zeros(1), X, y, resolution=10)


def test_samples_png_and_wrong_predictions_marked(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(12, 28, 28), dtype=np.uint8)
    truth = np.arange(12) % 10
    predicted = truth.copy()
    predicted[[1, 4]] = [7, 0]
    fig = plot.samples(images, truth, np.eye(10)[predicted], tmp_path / "digits.png", n=12, ncols=6)
    assert _is_png(tmp_path / "digits.png")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:5] == ["pred 0", "pred 7\ntrue 1", "pred 2", "pred 3", "pred 0\ntrue 4"]
    red = [ax.get_title() for ax in fig.axes if ax.title.get_color() == "#d62728"]
    assert red == ["pred 7\ntrue 1", "pred 0\ntrue 4"]
    assert "2 misclassified" in fig._suptitle.get_text()
    fig = plot.samples(images.reshape(12, 784), truth, predicted, errors_only=True)
    assert [ax.get_title() for ax in fig.axes if ax.get_images()] == ["pred 7\ntrue 1", "pred 0\ntrue 4"]
    fig = plot.samples(images[..., None], truth, n=3)
    assert [ax.get_title() for ax in fig.axes if ax.get_images()] == ["label 0", "label 1", "label 2"]


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason=f"shared MNIST files not found at {SHARED_MNIST}")
def test_samples_on_real_digits(tmp_path):
    _, (X_test, y_test) = datasets.load_mnist(SHARED_MNIST)
    fig = plot.samples(X_test, y_test, y_test, tmp_path / "mnist.png", n=20)
    assert _is_png(tmp_path / "mnist.png")
    assert [ax.get_title() for ax in fig.axes][:3] == ["pred 7", "pred 2", "pred 1"]


def test_samples_errors():
    with pytest.raises(ValueError, match="rows of 780 pixels are not a square image"):
        plot.samples(np.zeros((2, 780)), [0, 1])
    with pytest.raises(ValueError, match="2 images but 3 labels in y_true"):
        plot.samples(np.zeros((2, 28, 28)), [0, 1, 2])
    with pytest.raises(ValueError, match="errors_only=True needs y_pred"):
        plot.samples(np.zeros((2, 28, 28)), [0, 1], errors_only=True)


def test_a_one_epoch_history_gets_an_epoch_axis_of_whole_epochs():
    # (it was 0.945 to 1.055, ticked 0.96, 0.975, ...)
    fig = plot.history({"loss": [0.7], "val_loss": [0.8], "acc": [0.5], "val_acc": [0.4]})
    for ax in fig.axes:
        lo, hi = ax.get_xlim()
        shown = [t for t in ax.get_xticks() if lo <= t <= hi]
        assert (lo, hi) == (0.5, 1.5) and shown == [1.0]
    ax = plot.history({"loss": [0.7, 0.5, 0.4]}).axes[0]
    assert ax.get_xlim() == (0.5, 3.5) and all(t == int(t) for t in ax.get_xticks())
