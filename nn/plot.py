"""The course's pictures: training curves, confusion matrices, decision boundaries, digit grids, a
CNN's filters and feature maps, and the vanishing gradient through time.

Each function returns the matplotlib Figure and, given ``path``, also saves it as a PNG.
matplotlib is imported inside the functions, so ``import nn`` never pays for it; on a machine
without a display the Agg backend is chosen, so the same script runs on a laptop and on CI.

    >>> import nn
    >>> history = model.fit(X_train, Y_train, epochs=20, validation_data=(X_val, Y_val))  # doctest: +SKIP
    >>> nn.plot.history(history, "history.png")                                           # doctest: +SKIP
    >>> nn.plot.confusion_matrix(nn.metrics.confusion_matrix(y_test, model.predict(X_test)),
    ...                          class_names=iris.target_names)                            # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .activations import name_of
from .manual.rnn import bptt_norms
from .metrics import _labels
from .utils import pyplot as _pyplot

__all__ = ["history", "confusion_matrix", "decision_boundary", "samples", "filters", "feature_maps",
           "compare_histories", "gradient_through_time", "forecast"]

_VALIDATION_COLOR = "#d62728"  # red for validation, blue (C0) for training, as in most course plots


def _save(fig: Any, path: str | os.PathLike | None) -> Any:
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png", dpi=110, bbox_inches="tight")
    return fig


def _class_colors(k: int) -> list:
    """One fixed colour per class (matplotlib's tab10, then tab20), the same in every picture."""
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if k <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(k)]


# ----------------------------------------------------------------------------------------------


def history(history: Any, path: str | os.PathLike | None = None, *, title: str | None = None) -> Any:
    """Training against validation curves, one panel per quantity: loss, then each metric.

    ``history`` is what ``model.fit`` returns (anything with a ``.history`` dict) or that dict
    itself: {'loss': [...], 'val_loss': [...], 'acc': [...], 'val_acc': [...]}. The best
    validation epoch is marked, because where validation stops improving is the lesson.

    >>> fig = history({"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.9],
    ...                "acc": [0.5, 0.7, 0.8], "val_acc": [0.4, 0.6, 0.6]})
    >>> [ax.get_title() for ax in fig.axes]
    ['Loss', 'Accuracy']
    """
    logs: Mapping[str, Sequence[float]] = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise TypeError(f"plot.history expects a History (from model.fit) or its .history dict, got {type(history).__name__}")
    if not logs or not any(len(v) for v in logs.values()):
        raise ValueError("plot.history: the history is empty; did fit run at least one epoch?")
    # 'lr' / 'learning_rate' are logged by schedules, not quantities to compare with validation
    names = [k for k in logs if not k.startswith("val_") and k not in ("lr", "learning_rate")]
    names.sort(key=lambda k: k != "loss")  # loss first, the metrics after it in logged order
    if not names:  # only validation keys were logged
        names = [k[len("val_"):] for k in logs]

    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names), 3.9), squeeze=False)
    for ax, name in zip(axes[0], names):
        pretty = {"loss": "Loss", "acc": "Accuracy", "accuracy": "Accuracy"}.get(name, name.replace("_", " ").capitalize())
        lower_is_better = "loss" in name or "error" in name
        for key, label, color, style in ((name, "training", "C0", "-"), (f"val_{name}", "validation", _VALIDATION_COLOR, "--")):
            if key not in logs or not len(logs[key]):
                continue
            values = np.asarray(logs[key], dtype=np.float64)
            epochs = np.arange(1, len(values) + 1)
            ax.plot(epochs, values, style, color=color, marker="o", markersize=3 if len(values) < 60 else 0,
                    linewidth=1.8, label=label)
            if key.startswith("val_") and np.isfinite(values).any():
                best = int(np.nanargmin(values) if lower_is_better else np.nanargmax(values))
                ax.plot(epochs[best], values[best], marker="*", markersize=14, color=color,
                        markeredgecolor="black", linestyle="none",
                        label=f"best validation (epoch {epochs[best]})")
        ax.set_title(pretty)
        ax.set_xlabel("epoch")
        ax.set_ylabel(pretty.lower())
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        # epochs 1..n with half an epoch either side: one epoch alone would get matplotlib's
        # default margin, an axis from 0.945 to 1.055 ticked in fractions of an epoch
        ax.set_xlim(0.5, max(len(v) for v in logs.values()) + 0.5)
        ax.grid(True, alpha=0.3)
        ax.legend(frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


def confusion_matrix(cm: Any, class_names: Sequence[str] | None = None, path: str | os.PathLike | None = None, *,
                     normalize: bool = False, title: str = "Confusion matrix", cmap: str = "Blues") -> Any:
    """A confusion matrix as a heat map: rows are true classes, columns predicted ones.

    Each cell shows its count (or, with ``normalize=True``, its share of the true class, so
    the diagonal reads as each class's recall); the colour bar gives the scale.

    >>> cm = np.array([[5, 0], [1, 4]])
    >>> fig = confusion_matrix(cm, class_names=["cat", "dog"])
    >>> fig.axes[0].get_xlabel()
    'Predicted label'
    """
    counts = np.asarray(cm)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"plot.confusion_matrix expects a square (k, k) matrix, got shape {counts.shape}; "
                         "make one with nn.metrics.confusion_matrix(y_true, y_pred)")
    k = counts.shape[0]
    if class_names is None:
        class_names = [str(i) for i in range(k)]
    class_names = [str(c) for c in class_names]
    if len(class_names) != k:
        raise ValueError(f"plot.confusion_matrix: {len(class_names)} class_names for a {k}x{k} matrix")
    if normalize:
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.nan_to_num(counts / counts.sum(axis=1, keepdims=True))
    else:
        values = counts

    plt = _pyplot()
    size = max(4.2, 0.55 * k + 2.6)
    fig, ax = plt.subplots(figsize=(size + 1.0, size))
    image = ax.imshow(values, cmap=cmap, vmin=0, vmax=1 if normalize else max(1, values.max()))
    bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    bar.set_label("share of the true class" if normalize else "samples")
    # text colour flips on dark cells so every number stays readable
    threshold = (1 if normalize else max(1, values.max())) / 2
    fontsize = 11 if k <= 6 else 9 if k <= 12 else 7
    for i in range(k):
        for j in range(k):
            text = f"{values[i, j]:.2f}" if normalize else f"{int(values[i, j])}"
            ax.text(j, i, text, ha="center", va="center", fontsize=fontsize,
                    color="white" if values[i, j] > threshold else "black")
    ax.set_xticks(range(k), class_names)
    ax.set_yticks(range(k), class_names)
    if max(len(c) for c in class_names) > 3:
        plt.setp(ax.get_xticklabels(), rotation=35, ha="right", rotation_mode="anchor")
    ax.set_xlabel("Predicted label")
    ax.set_ylabel("True label")
    total = counts.sum()
    correct = np.trace(counts)
    ax.set_title(f"{title}\naccuracy {correct / total:.3f} ({int(correct)} of {int(total)})" if total else title)
    fig.tight_layout()
    return _save(fig, path)


def _predict_fn(model: Any) -> Callable[[np.ndarray], Any]:
    if hasattr(model, "predict"):
        return model.predict
    if callable(model):
        return model
    raise TypeError(f"plot.decision_boundary needs a model with .predict(X) or a function X -> probabilities, "
                    f"got {type(model).__name__}")


def decision_boundary(model: Any, X: Any, y: Any, path: str | os.PathLike | None = None, *,
                      class_names: Sequence[str] | None = None, resolution: int = 300,
                      title: str = "Decision boundary") -> Any:
    """The regions a 2-D classifier assigns to each class, with the data points on top.

    ``model`` is anything with ``.predict(X)`` or a plain function of X, returning probabilities
    (n, k) for k classes, or (n, 1) / (n,) for P(class 1). Two classes are drawn as a shade of
    P(class 1) with the 0.5 contour as the boundary; more classes as coloured regions. Points
    the model gets wrong are ringed.

    >>> X, y = nn.datasets.make_moons(200, noise=0.2, random_state=0)        # doctest: +SKIP
    >>> nn.plot.decision_boundary(model, X, y, "moons.png")                   # doctest: +SKIP
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot.decision_boundary draws 2-D data: X must have shape (n, 2), got {X.shape}")
    y = _labels(y, "y")
    if len(y) != len(X):
        raise ValueError(f"plot.decision_boundary: X has {len(X)} rows but y has {len(y)} labels")
    if y.dtype.kind not in "iu" or (len(y) and y.min() < 0):
        raise ValueError("plot.decision_boundary: y must hold class numbers 0..k-1, as the model predicts them; "
                         "map names to numbers with np.unique(y, return_inverse=True)")
    predict = _predict_fn(model)

    def probabilities(points: np.ndarray) -> np.ndarray:
        out = predict(points)
        out = np.asarray(getattr(out, "data", out), dtype=np.float64)  # a Tensor's values
        if out.ndim == 2 and out.shape[1] == 1:
            out = out[:, 0]
        if out.shape[0] != len(points) or out.ndim > 2:
            raise ValueError(f"plot.decision_boundary: the model returned shape {out.shape} for {len(points)} "
                             "points; expected (n, k) probabilities or (n,) / (n, 1) for P(class 1)")
        return out

    span = X.max(axis=0) - X.min(axis=0)
    pad = np.where(span > 0, 0.12 * span, 0.5)
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = probabilities(np.column_stack([xx.ravel(), yy.ravel()]))
    # two classes, whether from a sigmoid (n,) or a softmax (n, 2): shade P(class 1)
    binary = grid.ndim == 1 or grid.shape[1] == 2
    k = max(2 if binary else grid.shape[1], int(y.max()) + 1 if len(y) else 0)
    names = [str(c) for c in class_names] if class_names is not None else [f"class {i}" for i in range(k)]
    if len(names) < k:
        raise ValueError(f"plot.decision_boundary: {len(names)} class_names for {k} classes")
    colors = _class_colors(k)

    plt = _pyplot()
    from matplotlib.colors import LinearSegmentedColormap, ListedColormap

    fig, ax = plt.subplots(figsize=(6.6, 5.4))
    if binary:
        p1 = (grid if grid.ndim == 1 else grid[:, 1]).reshape(xx.shape)
        # class 0's colour through white (undecided, p = 0.5) to class 1's colour
        shade = LinearSegmentedColormap.from_list("p1", [colors[0], "white", colors[1]])
        filled = ax.contourf(xx, yy, p1, levels=np.linspace(0, 1, 21), cmap=shade, alpha=0.55)
        ax.contour(xx, yy, p1, levels=[0.5], colors="black", linewidths=1.6)
        bar = fig.colorbar(filled, ax=ax, ticks=[0, 0.25, 0.5, 0.75, 1])
        bar.set_label(f"P({names[1]})")
        predicted_points = _labels(probabilities(X), "model output")
    else:
        regions = np.argmax(grid, axis=1).reshape(xx.shape)
        ax.contourf(xx, yy, regions, levels=np.arange(k + 1) - 0.5, cmap=ListedColormap(colors), alpha=0.3)
        ax.contour(xx, yy, regions, levels=np.arange(k) + 0.5, colors="black", linewidths=1.0)
        predicted_points = np.argmax(probabilities(X), axis=1)
    size = 36 if len(X) <= 300 else 18 if len(X) <= 2000 else 6
    for c in np.unique(y):
        members = y == c
        ax.scatter(X[members, 0], X[members, 1], s=size, color=colors[int(c)], edgecolor="black", linewidth=0.5,
                   label=names[int(c)])
    wrong = predicted_points != y
    if wrong.any():
        ax.scatter(X[wrong, 0], X[wrong, 1], s=size * 3.2, facecolors="none", edgecolors="black",
                   linewidths=1.3, label=f"misclassified ({int(wrong.sum())})")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(f"{title}\naccuracy on these points {np.mean(~wrong):.3f}")
    ax.legend(loc="best", fontsize=9, framealpha=0.85)
    fig.tight_layout()
    return _save(fig, path)


def _images(X: Any) -> np.ndarray:
    """(n, h, w) from (n, h, w), (n, h*w) square, (n, h, w, 1) or (n, 1, h, w)."""
    X = np.asarray(getattr(X, "data", X))
    if X.ndim == 4 and 1 in (X.shape[1], X.shape[3]):
        X = X.reshape(X.shape[0], *(X.shape[2:] if X.shape[1] == 1 else X.shape[1:3]))
    if X.ndim == 2:
        side = math.isqrt(X.shape[1])
        if side * side != X.shape[1]:
            raise ValueError(f"plot.samples: rows of {X.shape[1]} pixels are not a square image; "
                             "pass images shaped (n, 28, 28)")
        X = X.reshape(-1, side, side)
    if X.ndim != 3:
        raise ValueError(f"plot.samples expects images (n, 28, 28), (n, 784) or (n, 28, 28, 1), got shape {X.shape}")
    return X


def samples(X: Any, y_true: Any, y_pred: Any = None, path: str | os.PathLike | None = None, *,
            n: int = 30, ncols: int = 10, class_names: Sequence[str] | None = None,
            errors_only: bool = False, title: str | None = None) -> Any:
    """A grid of the first ``n`` digit images with their labels; wrong predictions in red.

    ``y_true`` and ``y_pred`` may be labels, one-hot rows or probabilities (model.predict's
    output). ``errors_only=True`` shows only the misclassified images, the useful view once a
    model is good.

    >>> (X, y), _ = nn.datasets.load_mnist()                     # doctest: +SKIP
    >>> nn.plot.samples(X, y, model.predict(X.reshape(-1, 784) / 255), "digits.png")  # doctest: +SKIP
    """
    images = _images(X)
    truth = _labels(y_true, "y_true")
    if len(truth) != len(images):
        raise ValueError(f"plot.samples: {len(images)} images but {len(truth)} labels in y_true")
    predicted = None
    if y_pred is not None:
        predicted = _labels(y_pred, "y_pred")
        if len(predicted) != len(images):
            raise ValueError(f"plot.samples: {len(images)} images but {len(predicted)} labels in y_pred")
    if errors_only and predicted is None:
        raise ValueError("plot.samples: errors_only=True needs y_pred")

    def name(c: Any) -> str:
        return str(class_names[int(c)]) if class_names is not None else str(c)

    chosen = np.flatnonzero(truth != predicted) if errors_only else np.arange(len(images))
    chosen = chosen[:n]
    plt = _pyplot()
    if len(chosen) == 0:  # e.g. errors_only on a perfect model: say so rather than draw nothing
        fig, ax = plt.subplots(figsize=(5, 1.5))
        ax.axis("off")
        ax.text(0.5, 0.5, "no misclassified images" if errors_only else "no images", ha="center", va="center")
        return _save(fig, path)

    cols = min(ncols, len(chosen))
    rows = math.ceil(len(chosen) / cols)
    # a wrong prediction's title takes two lines ("pred 3 / true 5"): leave room for them
    row_height = 1.75 if predicted is not None and np.any(predicted[chosen] != truth[chosen]) else 1.45
    fig, axes = plt.subplots(rows, cols, figsize=(1.25 * cols, row_height * rows + 0.5), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    n_wrong = 0
    for ax, i in zip(axes.ravel(), chosen):
        ax.imshow(images[i], cmap="gray_r", interpolation="nearest")
        ax.axis("on")
        ax.set_xticks([])
        ax.set_yticks([])
        if predicted is None:
            ax.set_title(f"label {name(truth[i])}", fontsize=9)
            edge, width = "#bbbbbb", 0.8
        elif predicted[i] == truth[i]:
            ax.set_title(f"pred {name(predicted[i])}", fontsize=9)
            edge, width = "#bbbbbb", 0.8
        else:
            n_wrong += 1
            ax.set_title(f"pred {name(predicted[i])}\ntrue {name(truth[i])}", fontsize=9, color="#d62728",
                         fontweight="bold")
            edge, width = "#d62728", 2.5
        for spine in ax.spines.values():
            spine.set_edgecolor(edge)
            spine.set_linewidth(width)
    if title is None:
        title = (f"{len(chosen)} images" if predicted is None
                 else f"{len(chosen)} misclassified images" if errors_only
                 else f"{len(chosen)} images, {n_wrong} misclassified (red)")
    fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


# ---- a CNN's filters and feature maps ------------------------------------------------------------------

def _grid(plt, n: int, ncols: int, panel: float, extra_height: float = 0.7):
    cols = max(1, min(ncols, n))
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(panel * cols + 0.6, (panel + 0.3) * rows + extra_height), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    return fig, axes.ravel()


def filters(layer: Any, path: str | os.PathLike | None = None, *, channel: int = 0, ncols: int = 8,
            title: str | None = None) -> Any:
    """Each filter (kernel) of a convolution layer as a small image: one panel per filter.

    ``layer`` is a Conv2D (its ``kernel``, (kh, kw, in_channels, filters)) or such an array. Red is
    positive, blue negative, white 0, on one scale for all panels, so filters compare at a glance;
    small kernels carry their numbers. A layer with several input channels shows one of them
    (``channel``): a filter of conv2d_1 is 3×3 weights per channel of the layer below.

    >>> fig = filters(np.array([[1.0, 0, -1]] * 3).reshape(3, 3, 1, 1))
    >>> fig.axes[0].get_title()
    'filter 0'
    """
    kernel = getattr(layer, "kernel", layer)
    kernel = np.asarray(getattr(kernel, "data", kernel), dtype=np.float64)
    if kernel.ndim == 2:
        kernel = kernel[:, :, None, None]
    if kernel.ndim != 4:
        raise ValueError(f"plot.filters expects a Conv2D layer or a kernel (kh, kw, in_channels, filters), got shape "
                         f"{kernel.shape}")
    kh, kw, c_in, n = kernel.shape
    if not 0 <= channel < c_in:
        raise ValueError(f"plot.filters: channel={channel}, but the kernel has {c_in} input channels (0..{c_in - 1})")
    scale = max(float(np.abs(kernel[:, :, channel]).max()), 1e-12)
    plt = _pyplot()
    fig, axes = _grid(plt, n, ncols, 1.45 if kh * kw <= 25 else 1.1)
    annotate = kh * kw <= 25 and n <= 16
    for f, ax in enumerate(axes[:n]):
        weights = kernel[:, :, channel, f]
        ax.axis("on")
        ax.imshow(weights, cmap="RdBu_r", vmin=-scale, vmax=scale, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"filter {f + 1}", fontsize=9)              # numbered from 1, as a person counts
        if annotate:
            for (i, j), w in np.ndenumerate(weights):
                ax.text(j, i, f"{w:.2f}".replace("-0.00", "0.00"), ha="center", va="center", fontsize=7,
                        color="white" if abs(w) > 0.6 * scale else "black")
    name = getattr(layer, "name", None)
    where = f"{name}: " if name else ""
    of = f", input channel {channel + 1} of {c_in}" if c_in > 1 else ""
    fig.suptitle(title or f"{where}{n} filters of {kh}×{kw}{of} (red +, blue −)")
    fig.tight_layout()
    return _save(fig, path)


def _layer_index(model: Any, layer: Any) -> int:
    layers = list(model.layers)
    if layer is None:      # the first convolution: the first layer whose output is still an image
        return next((i for i, l in enumerate(layers) if getattr(l, "kernel", None) is not None
                     and np.ndim(getattr(l.kernel, "data", l.kernel)) == 4), 0)
    if isinstance(layer, (int, np.integer)):
        if not -len(layers) <= layer < len(layers):
            raise ValueError(f"plot.feature_maps: layer={layer}, but the model has {len(layers)} layers")
        return int(layer) % len(layers)
    for i, l in enumerate(layers):
        if l is layer or getattr(l, "name", None) == layer:
            return i
    raise ValueError(f"plot.feature_maps: no layer {layer!r} in the model; its layers are "
                     f"{[getattr(l, 'name', type(l).__name__) for l in layers]}")


def feature_maps(model: Any, x: Any, layer: Any = None, path: str | os.PathLike | None = None, *,
                 max_channels: int = 32, ncols: int = 8, title: str | None = None) -> Any:
    """One input's feature maps after a layer: the input, then one panel per channel of the layer's output.

    ``x`` is one image, (H, W), (H, W, C) or (1, H, W, C); ``layer`` a layer, its name or its index
    (default: the first convolution). The model's layers run up to that one, with no graph
    recorded; the channels share one grey scale (dark = large), with its colour key beside them, and
    the title gives the layer's name, its output shape and whether the maps are before or after the
    activation, e.g. "conv2d (Conv2D): output (1, 28, 28, 16), after its relu".

    >>> model.build((None, 28, 28, 1)); fig = feature_maps(model, X_test[0], "conv2d")   # doctest: +SKIP
    """
    from tinygrad_edu import Tensor, no_grad

    image = np.asarray(getattr(x, "data", x), dtype=np.float32)
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim == 3:
        image = image[None]
    if image.ndim != 4 or image.shape[0] != 1:
        raise ValueError(f"plot.feature_maps draws one image: (H, W), (H, W, C) or (1, H, W, C), got shape {image.shape}")
    index = _layer_index(model, layer)
    chosen = model.layers[index]
    out = Tensor(image)
    with no_grad():
        for l in model.layers[:index + 1]:
            out = l(out)
    maps = np.asarray(out.data)
    name = f"{getattr(chosen, 'name', '')} ({type(chosen).__name__})"
    if maps.ndim != 4:
        raise ValueError(f"plot.feature_maps: the output of {name} has shape {maps.shape}, not an image; "
                         "choose a convolution or pooling layer")
    shown = min(maps.shape[3], max_channels)
    plt = _pyplot()
    fig, axes = _grid(plt, shown + 1, ncols, 1.3)
    axes[0].axis("on")
    axes[0].imshow(image[0, :, :, 0] if image.shape[3] == 1 else image[0], cmap="gray_r", interpolation="nearest")
    axes[0].set_title("input", fontsize=9, fontweight="bold")
    low, high = float(maps[..., :shown].min()), float(maps[..., :shown].max())
    for c, ax in enumerate(axes[1:shown + 1]):
        ax.axis("on")
        drawn = ax.imshow(maps[0, :, :, c], cmap="gray_r", interpolation="nearest", vmin=low, vmax=high)
        ax.set_title(f"channel {c + 1}", fontsize=9)             # numbered from 1, as a person counts
    for ax in axes[:shown + 1]:
        ax.set_xticks([])
        ax.set_yticks([])
    more = f" (first {shown} of {maps.shape[3]} channels)" if shown < maps.shape[3] else ""
    when = _activation_note(model.layers[:index + 1])
    fig.suptitle(title or f"feature maps of {name}: output {maps.shape}{more},\n{when}")
    fig.tight_layout()
    key = fig.colorbar(drawn, ax=list(axes), shrink=0.8, pad=0.02, fraction=0.03)   # one key: the channels' scale
    key.set_label("value (dark = large)", fontsize=9)
    return _save(fig, path)


_STEPS = {"MaxPooling2D": "max pooling", "AveragePooling2D": "average pooling", "Flatten": "flattening",
          "Dropout": "dropout", "BatchNormalization": "batch normalization"}


def _activation_note(layers: list) -> str:
    """Whether the last layer's output is before or after an activation, in words: "after its relu"
    (a layer's own), "after relu (in conv2d), then max pooling", "before any activation"."""
    since = []                                       # layers with no activation after the last one that has
    for layer in reversed(layers):
        if not hasattr(layer, "activation_name"):
            since.append(_STEPS.get(type(layer).__name__, type(layer).__name__))
            continue
        act = layer.activation_name or name_of(layer.activation) or "a custom activation"
        if act == "linear":
            return f"before any activation ({layer.name} has none)"
        own = layer is layers[-1] and not hasattr(layer, "units") and not hasattr(layer, "filters")
        where = f"after {act}" if own else f"after its {act}" if layer is layers[-1] else f"after {act} (in {layer.name})"
        return where + "".join(f", then {step}" for step in reversed(since))
    return "before any activation"


def compare_histories(histories: Mapping[str, Any], path: str | os.PathLike | None = None, *,
                      title: str | None = None) -> Any:
    """Several models' curves on one plot, as the handout compares the ANN with the CNN.

    ``histories`` maps a model's name to what its ``fit`` returned (or the .history dict). The
    handout's colours: training red, validation blue; each model its own line style and marker
    (ANN ─, CNN + ...). One panel for the loss, a second for accuracy when it was logged.

    >>> fig = compare_histories({"ANN": {"loss": [0.5, 0.3], "val_loss": [0.4, 0.3]},
    ...                          "CNN": {"loss": [0.3, 0.1], "val_loss": [0.2, 0.1]}})
    >>> fig.axes[0].get_legend_handles_labels()[1]
    ['train loss ANN', 'val loss ANN', 'train loss CNN', 'val loss CNN']
    """
    logs = {}
    for name, h in histories.items():
        log = getattr(h, "history", h)
        if not isinstance(log, Mapping) or not len(log.get("loss", ())):
            raise ValueError(f"plot.compare_histories: {name!r} has no 'loss' history; give what model.fit returned")
        logs[name] = log
    quantities = ["loss"] + [q for q in ("acc", "accuracy") if all(len(l.get(q, ())) for l in logs.values())][:1]
    styles = [("-", "o"), ("--", "+"), (":", "x"), ("-.", "s")]
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(1, len(quantities), figsize=(6.2 * len(quantities), 4.3), squeeze=False)
    for ax, q in zip(axes[0], quantities):
        word = "loss" if q == "loss" else "accuracy"
        for k, (name, log) in enumerate(logs.items()):
            line, marker = styles[k % len(styles)]
            for key, who, color in ((q, "train", "r"), (f"val_{q}", "val", "b")):
                if len(log.get(key, ())):
                    values = np.asarray(log[key], dtype=np.float64)
                    ax.plot(np.arange(1, len(values) + 1), values, linestyle=line, marker=marker, color=color,
                            markersize=8 if marker in "+x" else 4, linewidth=1.6, label=f"{who} {word} {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(word)
        ax.set_title("Loss" if q == "loss" else "Accuracy")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        ax.legend(frameon=False)
    fig.suptitle(title or f"Comparing {' and '.join(logs)}: training (red) and validation (blue)")
    fig.tight_layout()
    return _save(fig, path)


def gradient_through_time(models: Mapping[str, Any] | None = None, X: Any = None, Y: Any = None,
                          path: str | os.PathLike | None = None, *, steps: int = 50, units: int = 16,
                          forget_bias: float = 3.0, seed: int = 0, title: str | None = None) -> Any:
    """‖∂L/∂h_t‖ against the time step t, on a log axis, one line per model: the vanishing gradient seen.

    ``models`` maps a label to a compiled ``Sequential([SimpleRNN or LSTM, Dense])``. By default, on
    the same ``X`` (random sequences of ``steps`` steps, one feature), all seeded alike:

    - a tanh SimpleRNN: every step back multiplies the error by W_hhᵀ and tanh′ ≤ 1;
    - an LSTM as Keras initialises it (forget-gate bias 1, f ≈ 0.73): along the cell the error is
      multiplied by f alone, so it fades too, at a rate the network can change;
    - the same LSTM with its forget gate open (bias ``forget_bias``, f ≈ 0.95), as an LSTM that has
      learned to remember: the error reaches the first steps.

    The numbers are ``nn.manual.bptt_norms``: BPTT by hand, float64.

    >>> fig = gradient_through_time(steps=20)
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['SimpleRNN (tanh): ‖∂L/∂h_1‖ = 8e-03 × ‖∂L/∂h_T‖', ...]
    """
    from .layers import LSTM, Dense, SimpleRNN          # the default models only (nn.layers imports no plotting)
    from .seed import manual_seed
    from .sequential import Sequential

    rng = np.random.default_rng(seed)
    if X is None:
        X = rng.normal(size=(32, steps, 1))
    X = np.asarray(X, dtype=np.float64)
    if Y is None:
        Y = rng.normal(size=(len(X), 1))
    if models is None:
        models = {}
        for label, kind, bias in (("SimpleRNN (tanh)", SimpleRNN, None), ("LSTM (forget bias 1)", LSTM, None),
                                  (f"LSTM (forget bias {forget_bias:g})", LSTM, forget_bias)):
            manual_seed(seed)
            model = Sequential([kind(units, input_shape=X.shape[1:]), Dense(np.shape(Y)[-1])])
            model.compile("adam", "mse")
            if bias is not None:
                model.layers[0].cell.bias.data[units:2 * units] = bias      # gates i, f, c, o: block 1 is f
            models[label] = model
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    t = np.arange(1, X.shape[1] + 1)
    for (label, model), color in zip(models.items(), ("C3", "C0", "C2", "C1", "C4")):
        norms = bptt_norms(model, X, Y)
        ax.semilogy(t, norms, "o-", ms=3, color=color, label=f"{label}: ‖∂L/∂h_1‖ = {norms[0] / norms[-1]:.0e} × ‖∂L/∂h_T‖")
    ax.set_xlabel("time step t (the loss reads the last step, T)")
    ax.set_ylabel("‖∂L/∂h_t‖  (log scale)")
    ax.set_title(title or "The vanishing gradient: what reaches each step, going back in time")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8.5)
    fig.tight_layout()
    return _save(fig, path)


def forecast(model: Any, X: Any, Y: Any, path: str | os.PathLike | None = None, *, free_run: int = 0,
             title: str | None = None) -> Any:
    """A forecaster's predictions against the truth: window i of X predicts Y[i], the next value.

    Plots Y and the one-step-ahead predictions on the windows' time axis; with ``free_run`` > 0 also
    the model fed its own predictions, starting from the first window, for that many steps: errors
    then compound, the harder test.

    >>> import nn
    >>> X, Y = nn.datasets.make_sine_windows(60, 10)
    >>> model = nn.Sequential([nn.SimpleRNN(4, input_shape=(10, 1)), nn.Dense(1)])
    >>> len(forecast(model, X, Y, free_run=20).axes[0].get_lines())
    3
    """
    X, Y = np.asarray(X, dtype=np.float32), np.asarray(Y, dtype=np.float32).reshape(len(X), -1)
    predictions = model.predict(X)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    t = np.arange(len(Y)) + X.shape[1]                   # Y[i] is the value at time i + steps
    ax.plot(t, Y[:, 0], color="0.6", lw=3, label="truth")
    ax.plot(t, predictions[:, 0], color="C0", lw=1.3, label="one step ahead")
    if free_run:
        window, run = X[:1].copy(), []
        for _ in range(min(free_run, len(Y))):
            nxt = model.predict(window)[0, 0]
            run.append(nxt)
            window = np.concatenate([window[:, 1:], np.full((1, 1, 1), nxt, dtype=np.float32)], axis=1)
        ax.plot(t[:len(run)], run, "--", color="C3", lw=1.3, label="fed its own predictions")
    mse = float(np.mean((predictions - Y) ** 2))
    ax.set_xlabel("time step")
    ax.set_title(title or f"Forecast: one step ahead, MSE {mse:.2e}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=8.5, frameon=False)   # off the curves
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)
