"""Splitting and scaling data before training, with scikit-learn's names and semantics.

    >>> from nn.datasets import load_iris
    >>> from nn.preprocessing import train_test_split, StandardScaler
    >>> X, y = load_iris(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=.10, random_state=0)
    >>> X_train.shape, X_test.shape
    ((135, 4), (15, 4))
    >>> scaler = StandardScaler().fit(X_train)      # learn mean and std on the training set only,
    >>> X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)   # apply to both

Random splits use NumPy's legacy ``RandomState`` on purpose: with the same ``random_state`` they
pick exactly the rows scikit-learn picks, so results can be compared line by line.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np

__all__ = ["train_test_split", "StandardScaler", "pad_sequences"]

RandomStateLike = int | np.random.RandomState | None


def _random_state(seed: RandomStateLike) -> np.random.RandomState:
    if seed is None or isinstance(seed, (int, np.integer)):
        return np.random.RandomState(seed)
    if isinstance(seed, np.random.RandomState):
        return seed
    raise ValueError(f"random_state must be None, an int or a numpy RandomState, got {seed!r}")


def _split_sizes(n: int, test_size: float | int | None, train_size: float | int | None) -> tuple[int, int]:
    """sklearn's rule: a float is a fraction (test rounded up, train down), an int a count."""
    if test_size is None and train_size is None:
        test_size = 0.25
    for name, size in (("test_size", test_size), ("train_size", train_size)):
        if size is None:
            continue
        if isinstance(size, (float, np.floating)) and not 0 < size < 1:
            raise ValueError(f"{name}={size} should be a float in (0, 1) or an int in [1, {n - 1}]")
        if isinstance(size, (int, np.integer)) and not isinstance(size, bool) and not 0 < size < n:
            raise ValueError(f"{name}={size} should be an int in [1, {n - 1}] or a float in (0, 1) "
                             f"(there are {n} samples)")
        if not isinstance(size, (int, float, np.integer, np.floating)) or isinstance(size, bool):
            raise ValueError(f"{name} must be a float fraction or an int count, got {size!r}")
    n_test = (math.ceil(test_size * n) if isinstance(test_size, (float, np.floating))
              else int(test_size) if test_size is not None else None)
    n_train = (math.floor(train_size * n) if isinstance(train_size, (float, np.floating))
               else int(train_size) if train_size is not None else None)
    if n_train is None:
        n_train = n - n_test
    if n_test is None:
        n_test = n - n_train
    if n_train + n_test > n:
        raise ValueError(f"train_size + test_size = {n_train} + {n_test} samples, more than the {n} there are")
    if n_train == 0:
        raise ValueError(f"with n_samples={n}, test_size={test_size} and train_size={train_size} "
                         "the training set would be empty; lower test_size")
    return n_train, n_test


def _approximate_mode(class_counts: np.ndarray, n_draws: int, rng: np.random.RandomState) -> np.ndarray:
    """How many of each class to draw so that n_draws samples keep the class proportions:
    round down, then hand the leftover draws to the largest remainders (ties drawn at random)."""
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need_to_add = int(n_draws - floored.sum())
    if need_to_add > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (inds,) = np.where(remainder == value)
            add_now = min(len(inds), need_to_add)
            inds = rng.choice(inds, size=add_now, replace=False)
            floored[inds] += 1
            need_to_add -= add_now
            if need_to_add == 0:
                break
    return floored.astype(np.int64)


def _stratified_indices(y: np.ndarray, n_train: int, n_test: int,
                        rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
    if y.ndim == 2:
        # one row = one class, as sklearn does for one-hot or multi-label targets
        y = np.array([" ".join(row.astype(str)) for row in y])
    classes, y_indices = np.unique(y, return_inverse=True)
    class_counts = np.bincount(y_indices)
    if class_counts.min() < 2:
        rare = classes[np.argmin(class_counts)].item()  # .item(): 2, not np.int64(2)
        raise ValueError(f"stratify: class {rare!r} has only 1 member; every class needs at least 2 "
                         "to appear in both the training and the test set")
    if n_train < len(classes) or n_test < len(classes):
        raise ValueError(f"stratify: the train size ({n_train}) and test size ({n_test}) must each be at "
                         f"least the number of classes ({len(classes)})")
    class_indices = np.split(np.argsort(y_indices, kind="mergesort"), np.cumsum(class_counts)[:-1])
    n_i = _approximate_mode(class_counts, n_train, rng)
    t_i = _approximate_mode(class_counts - n_i, n_test, rng)
    train: list[int] = []
    test: list[int] = []
    for i in range(len(classes)):
        members = class_indices[i][rng.permutation(class_counts[i])]
        train.extend(members[: n_i[i]])
        test.extend(members[n_i[i]: n_i[i] + t_i[i]])
    return rng.permutation(train), rng.permutation(test)


def _take(array: Any, indices: np.ndarray) -> Any:
    if isinstance(array, np.ndarray):
        return array[indices]
    return [array[i] for i in indices]  # a list stays a list, as in sklearn


def train_test_split(*arrays: Any, test_size: float | int | None = None, train_size: float | int | None = None,
                     random_state: RandomStateLike = None, shuffle: bool = True,
                     stratify: Any = None) -> list[Any]:
    """Split arrays into random train and test subsets (sklearn.model_selection.train_test_split).

    Returns ``[a_train, a_test, b_train, b_test, ...]`` in the order the arrays were given.
    ``test_size`` and ``train_size``: a float is a fraction, an int a count; with neither, 25 % is
    test. ``stratify=y`` keeps each class's share the same in both parts. The same
    ``random_state`` picks the same rows as scikit-learn.

    >>> X, y = np.arange(20).reshape(10, 2), np.arange(10)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=1)
    >>> X_train.shape, y_test.shape
    ((7, 2), (3,))
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one array")
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) != 1:
        raise ValueError(f"train_test_split: the arrays have different lengths {lengths}; "
                         "X and y must have one row per sample")
    n = lengths[0]
    if n == 0:
        raise ValueError("train_test_split: the arrays are empty")
    n_train, n_test = _split_sizes(n, test_size, train_size)

    if not shuffle:
        if stratify is not None:
            raise ValueError("Stratified train/test split is not implemented for shuffle=False")
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    elif stratify is not None:
        y = np.asarray(stratify)
        if len(y) != n:
            raise ValueError(f"stratify has {len(y)} labels but the arrays have {n} rows")
        train, test = _stratified_indices(y, n_train, n_test, _random_state(random_state))
    else:
        permutation = _random_state(random_state).permutation(n)
        test, train = permutation[:n_test], permutation[n_test: n_test + n_train]

    out: list[Any] = []
    for a in arrays:
        out.extend([_take(a, train), _take(a, test)])
    return out


HUGE = 1e150     # a number whose square overflows float64 (beyond ~1.3e154), with room to spare


def _huge_column_units(X: np.ndarray) -> np.ndarray:
    """Per column: its largest |value| where that is past HUGE, else 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)       # an all-NaN column: its max is NaN, unit 1
        biggest = np.nanmax(np.abs(X), axis=0) if X.size else np.zeros(X.shape[1])
    return np.where(biggest > HUGE, biggest, 1.0)


class StandardScaler:
    """Standardize features: z = (x - mean) / std, per column (sklearn.preprocessing.StandardScaler).

    ``fit`` learns ``mean_``, ``var_`` and ``scale_`` (the population std, ddof=0; 1 for a constant
    column so it is not divided by zero); NaNs are ignored when fitting and kept when transforming.

    >>> s = StandardScaler().fit(np.array([[0.0, 10.0], [2.0, 10.0]]))
    >>> s.mean_.tolist(), s.scale_.tolist()
    ([1.0, 10.0], [1.0, 1.0])
    >>> s.transform(np.array([[4.0, 12.0]])).tolist()
    [[3.0, 2.0]]
    """

    def __init__(self, *, copy: bool = True, with_mean: bool = True, with_std: bool = True) -> None:
        self.copy = copy
        self.with_mean = with_mean
        self.with_std = with_std

    def __repr__(self) -> str:
        changed = [f"{k}={v}" for k, v in (("copy", self.copy), ("with_mean", self.with_mean),
                                           ("with_std", self.with_std)) if v is not True]
        return f"StandardScaler({', '.join(changed)})"

    def _check(self, X: Any, fitting: bool) -> np.ndarray:
        # copy=False lets transform work in place on a float64 array, as in sklearn
        X = np.array(X, dtype=np.float64) if self.copy else np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"StandardScaler expects a 2-D array (samples, features), got shape {X.shape}; "
                             "reshape a single feature with X.reshape(-1, 1)")
        if np.isinf(X).any():           # nan is missing (nanmean skips it); inf would make every statistic nan
            row, column = np.argwhere(np.isinf(X))[0]
            raise ValueError(f"StandardScaler: X[{row}, {column}] is {X[row, column]}, an infinite value; replace it "
                             f"with a finite value (or nan, to mark it missing)")
        if not fitting:
            if not hasattr(self, "n_features_in_"):
                raise RuntimeError("This StandardScaler instance is not fitted yet; call fit(X_train) "
                                   "or fit_transform(X_train) first")
            if X.shape[1] != self.n_features_in_:
                raise ValueError(f"X has {X.shape[1]} features, but StandardScaler is expecting "
                                 f"{self.n_features_in_} features as input.")
        return X

    def fit(self, X: Any, y: Any = None) -> "StandardScaler":
        """Learn each column's mean and standard deviation from X (y is ignored)."""
        X = self._check(X, fitting=True)
        if X.shape[0] == 0:
            raise ValueError("StandardScaler.fit: X has 0 samples")
        self.n_features_in_ = X.shape[1]
        self.n_samples_seen_ = int(X.shape[0])
        # A column of huge numbers (1e308) overflows its sum and its squares: its statistics are
        # computed in units of its largest |value| (other columns are divided by exactly 1)
        unit = _huge_column_units(X)
        Xu = X / unit
        mean = np.nanmean(Xu, axis=0)
        self.mean_ = mean * unit if self.with_mean else None
        if self.with_std:
            var = np.nanvar(Xu, axis=0)
            with np.errstate(over="ignore"):
                self.var_ = var * unit ** 2               # inf for a column of 1e308s: its square has no float
            # A constant column has std 0 (or a rounding error's worth): leave it unscaled rather
            # than divide by ~0. The bound on the rounding error of a variance is sklearn's.
            n, eps = self.n_samples_seen_, np.finfo(np.float64).eps
            constant = var <= n * eps * var + (n * mean * eps) ** 2
            self.scale_ = np.where(constant, 1.0, np.sqrt(var) * unit)
        else:
            self.var_ = None
            self.scale_ = None
        return self

    def transform(self, X: Any) -> np.ndarray:
        """(X - mean_) / scale_, with the statistics learned by fit."""
        X = self._check(X, fitting=False)
        mean = self.mean_ if self.with_mean else np.zeros(X.shape[1])
        scale = self.scale_ if self.with_std else np.ones(X.shape[1])
        huge = (np.abs(mean) > HUGE) | (scale > HUGE)
        if huge.any():               # x/scale - mean/scale: x - mean would overflow (1e308 - -1e308)
            X[:, huge] = X[:, huge] / scale[huge] - mean[huge] / scale[huge]
        if self.with_mean:
            X[:, ~huge] -= mean[~huge]
        if self.with_std:
            X[:, ~huge] /= scale[~huge]
        return X

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """fit(X) then transform(X)."""
        return self.fit(X, y).transform(X)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Undo transform: X * scale_ + mean_."""
        X = self._check(X, fitting=False)
        if self.with_std:
            X *= self.scale_
        if self.with_mean:
            X += self.mean_
        return X


def pad_sequences(sequences: Sequence[Sequence[Any]], maxlen: int | None = None, dtype: str = "int32",
                  padding: str = "pre", truncating: str = "pre", value: float = 0.0) -> np.ndarray:
    """Sequences of different lengths as one (len(sequences), maxlen) array (Keras's pad_sequences).

    Shorter ones are filled with `value` before ('pre', the default) or after ('post'); longer ones
    lose their start ('pre') or end ('post'). maxlen defaults to the longest sequence. 'pre' keeps
    the real tokens last, next to where a recurrent layer's output is read.

    >>> pad_sequences([[1, 2, 3], [4, 5], [6]]).tolist()
    [[1, 2, 3], [0, 4, 5], [0, 0, 6]]
    >>> pad_sequences([[1, 2, 3], [4, 5]], maxlen=2, padding="post", truncating="post").tolist()
    [[1, 2], [4, 5]]
    """
    for what, mode in (("padding", padding), ("truncating", truncating)):
        if mode not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {what} must be 'pre' or 'post', got {mode!r}")
    lengths = [len(s) for s in sequences]
    if maxlen is None:
        maxlen = max(lengths, default=0)
    out = np.full((len(sequences), maxlen), value, dtype=dtype)
    for i, seq in enumerate(sequences):
        if not len(seq) or not maxlen:
            continue
        seq = np.asarray(seq)
        seq = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        if padding == "pre":
            out[i, maxlen - len(seq):] = seq
        else:
            out[i, :len(seq)] = seq
    return out
