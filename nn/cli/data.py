"""The data `tinygrad-edu train` learns from, split and scaled, and each data set's sensible defaults.

Every data set arrives as the same `Prepared` record: model-ready training and test arrays,
the class and feature names, and the scaling that turns raw inputs into model inputs (kept so
the decision boundary can be drawn in the data's own units, and written next to the model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from nn import datasets
from nn.preprocessing import StandardScaler, train_test_split

DATASETS = ("iris", "mnist", "moons", "circles", "xor", "spirals", "csv")
TOY = {"moons": "make_moons", "circles": "make_circles", "xor": "make_xor", "spirals": "make_spirals"}


@dataclass(frozen=True)
class Defaults:
    """What `train` uses for a data set when the command line does not say."""
    hidden: list[int]
    activation: str = "relu"
    epochs: int = 100
    batch_size: int = 16
    lr: float = 0.01
    optimizer: str = "adam"
    val_split: float = 0.2
    test_split: float = 0.2


# small networks, Adam at 0.01 and ~100 epochs: a few seconds each, and well fitted (iris ~97 % held out);
# MNIST is the course's Keras script, 784-64-10, at Adam's usual 0.001
DEFAULTS: dict[str, Defaults] = {
    "iris": Defaults(hidden=[16]),
    "csv": Defaults(hidden=[16]),
    "moons": Defaults(hidden=[16, 16], batch_size=32, test_split=0.25),
    "circles": Defaults(hidden=[16, 16], batch_size=32, test_split=0.25),
    "xor": Defaults(hidden=[16, 16], batch_size=32, test_split=0.25),
    "spirals": Defaults(hidden=[32, 32], epochs=200, batch_size=32, test_split=0.25),
    "mnist": Defaults(hidden=[64], epochs=5, batch_size=128, lr=0.001, val_split=0.1),
}
TOY_NOISE = {"moons": 0.2, "circles": 0.1, "xor": None, "spirals": 0.05}


@dataclass
class Prepared:
    """A data set ready to train on: inputs already scaled, labels 0..k-1."""
    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    feature_names: list[str]
    mean: np.ndarray | float          # model input = (raw input - mean) / scale
    scale: np.ndarray | float
    raw_points: np.ndarray | None = None      # all raw inputs, for a 2-D decision boundary
    raw_labels: np.ndarray | None = None
    test_images: np.ndarray | None = None     # MNIST's test images (n, 28, 28), for the samples picture
    notes: list[str] = field(default_factory=list)

    def transform(self, raw: np.ndarray) -> np.ndarray:
        """Raw inputs in the data's own units -> what the model takes."""
        raw = np.asarray(raw, dtype=np.float64)
        with np.errstate(over="ignore"):
            out = (raw - self.mean) / self.scale
        # raw - mean overflows for numbers near 1e308 (1e308 - -1e308): raw/scale - mean/scale does not
        return np.where(np.isfinite(out) | ~np.isfinite(raw), out, raw / self.scale - np.divide(self.mean, self.scale))

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


def prepare(name: str, *, seed: int, test_split: float, limit: int | None = None, samples: int = 400,
            csv_path: Path | None = None, target: str | None = None, drop: Sequence[str] = (),
            delimiter: str | None = None, encoding: str | None = None, decimal: str | None = None,
            data_dir: Path | None = None) -> Prepared:
    """Load data set `name`, hold out `test_split` of it for the test (stratified), and standardize
    the inputs with the training part's mean and std (MNIST: pixels / 255, its own test set)."""
    if name == "mnist":
        return _mnist(data_dir, limit)
    if name == "iris":
        iris = datasets.load_iris()
        X, y = iris.data, iris.target
        features, classes = list(iris.feature_names), [str(c) for c in iris.target_names]
    elif name in TOY:
        make = getattr(datasets, TOY[name])
        extra = {"factor": 0.5} if name == "circles" else {}   # sklearn's 0.8 puts the rings too close for a clear picture
        X, y = make(samples, noise=TOY_NOISE[name], random_state=seed, **extra)
        features, classes = ["x1", "x2"], [f"class {c}" for c in range(int(y.max()) + 1)]
    elif name == "csv":
        X, y, features, classes = _csv(csv_path, target, drop, delimiter, encoding, decimal)
    else:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    if limit is not None and limit < len(y):
        # a random subset: tables are often sorted by class (iris is), so the first rows would be one class
        keep = np.sort(np.random.default_rng(seed).permutation(len(y))[:limit])
        X, y = X[keep], y[keep]
    return _split_and_scale(name, X, y, features, classes, seed, test_split)


def _csv(path: Path | None, target: str | None, drop: Sequence[str], delimiter: str | None,
         encoding: str | None, decimal: str | None = None) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """A user's table: the features as load_csv makes them, the target as classes 0..k-1."""
    if path is None or target is None:
        raise ValueError("--dataset csv needs --csv PATH and --target COLUMN (the column holding the classes)")
    table = datasets.load_csv(path, target, drop=list(drop), delimiter=delimiter,
                              encoding=encoding or "utf-8-sig", decimal=decimal)
    y = np.asarray(table.y)
    if table.class_names is not None:
        classes = [str(c) for c in table.class_names]
    else:
        if y.dtype.kind == "f":
            raise ValueError(f"the target column {target!r} of {path} holds fractional numbers; train classifies, "
                             f"so the target must name classes (words or whole numbers)")
        values, y = np.unique(y, return_inverse=True)          # classes 3, 5, 7 -> labels 0, 1, 2
        classes = [str(v) for v in values.tolist()]
    if len(classes) < 2:
        raise ValueError(f"the target column {target!r} of {path} holds one class ({classes[0]}); "
                         f"a classifier needs at least two")
    return table.X, y.astype(np.int64), list(table.feature_names), classes


def _split_and_scale(name: str, X: np.ndarray, y: np.ndarray, features: list[str], classes: list[str],
                     seed: int, test_split: float) -> Prepared:
    counts = np.bincount(y, minlength=len(classes))
    n_test = int(np.ceil(test_split * len(y)))
    # stratify keeps each class's share in both parts; it needs two of each class and room for all
    stratify = y if counts.min() >= 2 and min(n_test, len(y) - n_test) >= len(classes) else None
    if n_test < 1 or n_test >= len(y):
        raise ValueError(f"--test-split {test_split} of {len(y)} samples leaves an empty training or test set")
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_split, random_state=seed,
                                                        stratify=stratify)
    scaler = StandardScaler().fit(X_train)     # the test set's statistics must not leak into training
    prepared = Prepared(name, scaler.transform(X_train), y_train, scaler.transform(X_test), y_test, classes,
                        features, scaler.mean_, scaler.scale_)
    with np.errstate(over="ignore"):
        drawable = X.shape[1] == 2 and bool(np.all(np.isfinite(X.max(axis=0) - X.min(axis=0))))
    if drawable:
        prepared.raw_points, prepared.raw_labels = X, y
    elif X.shape[1] == 2:
        prepared.notes.append("no decision boundary picture: the points span more than the largest float "
                              "(about 1.8e308), too wide for a plot's axes")
    if stratify is None:
        prepared.notes.append("some class has too few samples for a stratified split; the split is plain random")
    return prepared


def _mnist(data_dir: Path | None, limit: int | None) -> Prepared:
    try:
        (X_train, y_train), (X_test, y_test) = datasets.load_mnist(data_dir)
    except (FileNotFoundError, ValueError) as e:
        if data_dir is None:
            raise
        raise type(e)(f"--data-dir {data_dir}: {e}") from None      # the flag that chose the folder
    if limit is not None:
        X_train, y_train, X_test, y_test = X_train[:limit], y_train[:limit], X_test[:limit], y_test[:limit]
    flat = lambda images: images.reshape(len(images), -1).astype(np.float32) / 255.0   # noqa: E731
    return Prepared("mnist", flat(X_train), y_train.astype(np.int64), flat(X_test), y_test.astype(np.int64),
                    [str(d) for d in range(10)], [f"pixel {i}" for i in range(28 * 28)], 0.0, 255.0,
                    test_images=X_test)
