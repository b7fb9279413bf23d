"""scikit-learn's `MLPClassifier` and `MLPRegressor`, trained by this library's engine.

The same constructor, defaults, methods and fitted attributes as `sklearn.neural_network`, so the
handout's snippet runs with only its import changed:

    >>> from nn import MLPClassifier
    >>> from nn.datasets import load_iris
    >>> iris = load_iris()
    >>> mlp = MLPClassifier(hidden_layer_sizes=(100,), activation='logistic', max_iter=800, random_state=0)
    >>> mlp.fit(iris.data, iris.target).score(iris.data, iris.target) > 0.95
    True
    >>> [w.shape for w in mlp.coefs_], mlp.out_activation_
    ([(4, 100), (100, 3)], 'softmax')

Underneath is an `nn.Sequential` of `Dense` layers (`mlp.model_`: draw it, summarise it),
compiled and trained with `fit`, one epoch at a time, as scikit-learn trains:

- weights start as scikit-learn's: U(-a, a) with a = √(6 / (fan_in + fan_out)) (√(2 / ...) for
  'logistic'), biases too, drawn from `random_state` layer by layer;
- each epoch visits the samples in an order shuffled by `random_state`, in batches of
  `batch_size` ('auto' = min(200, n_samples));
- the loss of a batch of m samples is the mean log-loss (classifier) or ½·mean squared error
  (regressor), plus alpha/(2m)·Σ‖W‖² over the weight matrices (not the biases);
- `loss_curve_` holds each epoch's loss averaged over its samples; training stops when it has not
  fallen by `tol` for more than `n_iter_no_change` epochs in a row, or after `max_iter` epochs,
  with a `ConvergenceWarning` (with `early_stopping`: the validation score has not risen by `tol`).

Two outputs differ from scikit-learn's: the network computes in float32 (Keras's floatx), and
Adam adds ε to √v before the bias correction (PyTorch's form) where scikit-learn adds it after;
so losses agree to a few digits, not to all of them. 'lbfgs' and multilabel targets are not here.
"""

from __future__ import annotations

import inspect
import numbers
import warnings
from typing import Any

import numpy as np

from tinygrad_edu import Tensor

from . import losses
from .layers import Dense
from .sequential import Sequential
from .optimizers import SGD, Adam
from .preprocessing import train_test_split
from .regularizers import L2

__all__ = ["MLPClassifier", "MLPRegressor", "ConvergenceWarning", "NotFittedError"]


class ConvergenceWarning(UserWarning):
    """Training reached max_iter before the loss stopped improving (sklearn.exceptions.ConvergenceWarning)."""


class NotFittedError(ValueError, AttributeError):
    """predict / score / an attribute asked of an estimator before `fit` (sklearn.exceptions.NotFittedError)."""


# scikit-learn's names for activations -> this library's
ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
SOLVERS = ("adam", "sgd")
LEARNING_RATES = ("constant", "invscaling", "adaptive")


class HalfSquaredError(losses.Loss):
    """scikit-learn's squared loss: ½ · mean over samples and outputs of (p - y)²; ∂/∂p = (p - y)/(n·k).

    >>> HalfSquaredError()([[1.0], [3.0]], Tensor([[2.0], [1.0]])).item()   # ½ · (1 + 4) / 2
    1.25
    """
    name = "squared_error"

    def forward(self, y_pred: Tensor, y_true) -> Tensor:
        d = y_pred - Tensor(np.asarray(y_true, dtype=np.float32))
        return (d * d).mean() * 0.5


class _BaseMLP:
    """What the classifier and the regressor share: the parameters, building, the epoch loop."""

    _estimator_type = ""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10):
        # stored as given and checked in fit, as scikit-learn does: set_params and clone rely on it
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change

    # ---- scikit-learn's estimator protocol -------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(_BaseMLP.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments, as given: `MLPClassifier(**mlp.get_params())` is a fresh copy."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params) -> _BaseMLP:
        for name, value in params.items():
            if name not in self._param_names():
                raise ValueError(f"{type(self).__name__}.set_params: no parameter {name!r}; "
                                 f"the parameters are {', '.join(self._param_names())}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        # scikit-learn's: only the arguments that differ from the defaults
        defaults = {k: p.default for k, p in inspect.signature(_BaseMLP.__init__).parameters.items()}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if _differs(v, defaults[k])]
        return f"{type(self).__name__}({', '.join(changed)})"

    # ---- checking the arguments ------------------------------------------------------------------
    def _check_params(self) -> tuple[list[int], int | str]:
        name = type(self).__name__
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, numbers.Integral) else list(sizes)
        if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in sizes):
            raise ValueError(f"{name}: hidden_layer_sizes must be positive integers, one per hidden layer, "
                             f"got {self.hidden_layer_sizes!r}; e.g. (100,) or (64, 32)")
        _one_of(name, "activation", self.activation, ACTIVATIONS,
                hint=" ('logistic' is the sigmoid)" if self.activation == "sigmoid" else "")
        _one_of(name, "solver", self.solver, SOLVERS,
                hint=" ('lbfgs' is not implemented here)" if self.solver == "lbfgs" else "")
        _one_of(name, "learning_rate", self.learning_rate, LEARNING_RATES)
        _number(name, "alpha", self.alpha, low=0)
        _number(name, "learning_rate_init", self.learning_rate_init, low=0, strict=True)
        _number(name, "tol", self.tol, low=0)
        _number(name, "momentum", self.momentum, low=0, high=1)
        _number(name, "beta_1", self.beta_1, low=0, high=1, open_high=True)
        _number(name, "beta_2", self.beta_2, low=0, high=1, open_high=True)
        _number(name, "epsilon", self.epsilon, low=0, strict=True)
        _number(name, "power_t", self.power_t, low=0)
        _number(name, "validation_fraction", self.validation_fraction, low=0, high=1, open_high=True)
        for arg in ("max_iter", "n_iter_no_change"):
            value = getattr(self, arg)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name}: {arg} must be a positive integer, got {value!r}")
        if self.batch_size != "auto" and (isinstance(self.batch_size, bool) or
                                          not isinstance(self.batch_size, numbers.Integral) or self.batch_size < 1):
            raise ValueError(f"{name}: batch_size must be 'auto' or a positive integer, got {self.batch_size!r}")
        return [int(s) for s in sizes], self.batch_size

    def _check_X(self, X, what: str) -> np.ndarray:
        name = type(self).__name__
        X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise TypeError(f"{name}.{what}: X must be numbers, got dtype {X.dtype}")
        if X.ndim != 2:
            raise ValueError(f"{name}.{what}: X must be 2-D, one row per sample, got shape {X.shape}; "
                             "a single feature is X.reshape(-1, 1), a single sample X.reshape(1, -1)")
        if len(X) == 0:
            raise ValueError(f"{name}.{what}: X has no samples (shape {X.shape})")
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{name}.{what}: X contains NaN or infinity")
        if what != "fit" and X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {name} is expecting {self.n_features_in_} "
                             f"features as input (it was fitted on {self.n_features_in_})")
        return X.astype(np.float32)

    def _require_fitted(self, what: str) -> None:
        if getattr(self, "model_", None) is None:
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet: call "
                                 f"fit(X, y) before {what}")

    # ---- building and training -------------------------------------------------------------------
    def _build(self, n_in: int, sizes: list[int], n_out: int, out_activation: str,
               rng: np.random.RandomState) -> None:
        """The Sequential, with scikit-learn's initial weights drawn from rng in scikit-learn's order."""
        self._penalty = L2(0.0) if self.alpha > 0 else None      # its λ is set per batch size in _epoch
        widths = [n_in] + sizes + [n_out]
        layers = []
        for i, units in enumerate(widths[1:]):
            act = ACTIVATIONS[self.activation] if i < len(sizes) else ACTIVATIONS.get(out_activation, out_activation)
            layers.append(Dense(units, activation=act, input_dim=widths[i], kernel_initializer="zeros",
                                kernel_regularizer=self._penalty))
        factor = 2.0 if self.activation == "logistic" else 6.0    # Glorot's bound; √(2/...) for the sigmoid
        for layer, fan_in, fan_out in zip(layers, widths[:-1], widths[1:]):
            bound = np.sqrt(factor / (fan_in + fan_out))
            layer.kernel.data[...] = rng.uniform(-bound, bound, (fan_in, fan_out))
            layer.bias.data[...] = rng.uniform(-bound, bound, fan_out)
        self.model_ = Sequential(layers)
        if self.solver == "adam":
            optimizer = Adam(lr=self.learning_rate_init, betas=(self.beta_1, self.beta_2), eps=self.epsilon)
        else:
            optimizer = SGD(lr=self.learning_rate_init, momentum=self.momentum,
                            nesterov=bool(self.nesterovs_momentum) and self.momentum > 0)
        self.model_.compile(optimizer=optimizer, loss=self._loss())
        self.out_activation_ = out_activation
        self.n_layers_ = len(widths)
        self.n_outputs_ = n_out
        self.t_ = 0
        self.loss_curve_: list[float] = []
        self.best_loss_ = np.inf if not self.early_stopping else None
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None
        self._no_improvement_count = 0

    def _train(self, X: np.ndarray, Y: np.ndarray, y: np.ndarray, rng: np.random.RandomState) -> None:
        """scikit-learn's _fit_stochastic: epochs until the loss (or validation score) stops improving.

        Y is the network's target (one-hot rows, a 0/1 column, or the regression targets), y the
        targets as given, which the validation score compares predictions with.
        """
        self.n_iter_ = 0         # counted afresh by every fit, also with warm_start (scikit-learn's)
        X_val = y_val = None
        if self.early_stopping:
            # scikit-learn stratifies a classifier's split only when the network has one output
            # (two classes); so does this, so the same random_state picks the same samples
            binary = self._estimator_type == "classifier" and Y.shape[1] == 1
            stratify = Y[:, 0] if binary else None
            X, X_val, Y, _, _, y_val = train_test_split(X, Y, y, random_state=rng,
                                                        test_size=self.validation_fraction, stratify=stratify)
            if len(X_val) < 2:
                raise ValueError(f"{type(self).__name__}: validation_fraction={self.validation_fraction} of "
                                 f"{len(X) + len(X_val)} samples leaves {len(X_val)} for validation; "
                                 "increase validation_fraction or give more samples")
        n = len(X)
        batch_size = min(200, n) if self.batch_size == "auto" else self.batch_size
        if batch_size > n:
            warnings.warn(f"Got `batch_size` ({batch_size}) larger than the sample size ({n}); "
                          "it is going to be clipped", UserWarning, stacklevel=4)
            batch_size = n
        order = np.arange(n)
        best_weights = None
        for _ in range(self.max_iter):
            if self.shuffle:
                # sklearn.utils.shuffle on the index array: one RandomState.shuffle of arange(n) per epoch
                perm = np.arange(n)
                rng.shuffle(perm)
                order = order[perm]
            self.loss_ = self._epoch(X, Y, order, batch_size)
            self.n_iter_ += 1
            self.t_ += n
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            if self.early_stopping:
                score = self.score(X_val, y_val)
                self.validation_scores_.append(score)
                if self.verbose:
                    print(f"Validation score: {score:f}")
                improved = score >= self.best_validation_score_ + self.tol
                if score > self.best_validation_score_:
                    self.best_validation_score_ = score
                    best_weights = self.model_.get_weights()
            else:
                improved = self.loss_curve_[-1] <= self.best_loss_ - self.tol
                self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])
            self._no_improvement_count = 0 if improved else self._no_improvement_count + 1
            if self.solver == "sgd" and self.learning_rate == "invscaling":
                self.model_.optimizer.lr = self.learning_rate_init / (self.t_ + 1) ** self.power_t
            if self._no_improvement_count > self.n_iter_no_change:
                what = "Validation score" if self.early_stopping else "Training loss"
                msg = (f"{what} did not improve more than tol={self.tol:f} for {self.n_iter_no_change} "
                       "consecutive epochs.")
                if not self._lower_learning_rate(msg):
                    break
                self._no_improvement_count = 0
            if self.n_iter_ == self.max_iter:
                warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                              "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=4)
        if best_weights is not None:
            self.model_.set_weights(best_weights)    # early stopping keeps the best-scoring weights

    def _epoch(self, X: np.ndarray, Y: np.ndarray, order: np.ndarray, batch_size: int) -> float:
        """One pass over the samples in `order`, a `train_step` per batch; the loss averaged over the samples.

        scikit-learn's L2 term is alpha/(2m)·Σ‖W‖² for a batch of m samples, so λ follows the batch
        size (the last batch may be shorter).
        """
        total = 0.0
        self.model_.train()
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            if self._penalty is not None:
                self._penalty.l2 = self.alpha / (2 * len(rows))
            loss, _ = self.model_.train_step(X[rows], Y[rows])
            total += loss * len(rows)
        return total / len(order)

    def _lower_learning_rate(self, msg: str) -> bool:
        """scikit-learn's trigger_stopping: True to carry on ('adaptive' sgd divides lr by 5), False to stop."""
        optimizer = self.model_.optimizer
        if self.solver == "sgd" and self.learning_rate == "adaptive" and optimizer.lr > 1e-6:
            optimizer.lr /= 5.0
            if self.verbose:
                print(f"{msg} Setting learning rate to {optimizer.lr:f}")
            return True
        if self.verbose:
            print(f"{msg} Learning rate too small. Stopping." if self.learning_rate == "adaptive"
                  and self.solver == "sgd" else f"{msg} Stopping.")
        return False

    def _fit(self, X, Y2d: np.ndarray, y: np.ndarray, out_activation: str) -> _BaseMLP:
        sizes, _ = self._check_params()
        rng = _random_state(self.random_state)
        if not (self.warm_start and getattr(self, "model_", None) is not None):
            self.n_features_in_ = X.shape[1]
            self._build(X.shape[1], sizes, Y2d.shape[1], out_activation, rng)
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(f"{type(self).__name__}.fit (warm_start): X has {X.shape[1]} features, but the "
                             f"network was fitted on {self.n_features_in_}")
        self._train(X, Y2d, y, rng)
        return self

    # ---- fitted attributes: the layers' own arrays, shaped as scikit-learn's ----------------------
    @property
    def coefs_(self) -> list[np.ndarray]:
        """coefs_[i]: the weights from layer i to layer i+1, shape (n_in, n_out): each Dense's kernel."""
        self._require_fitted("reading coefs_")
        return [layer.kernel.data for layer in self.model_.layers]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """intercepts_[i]: the biases of layer i+1, shape (n_out,): each Dense's bias."""
        self._require_fitted("reading intercepts_")
        return [layer.bias.data for layer in self.model_.layers]

    def _outputs(self, X, what: str) -> np.ndarray:
        self._require_fitted(what)
        return self.model_.predict(self._check_X(X, what)).astype(np.float64)


class MLPClassifier(_BaseMLP):
    """A multi-layer perceptron classifier (sklearn.neural_network.MLPClassifier).

    Two classes: one logistic output, P(class 1), trained with binary log-loss; more: a softmax
    over k outputs with categorical log-loss. Labels may be any sortable values (numbers, strings):
    `classes_` holds them sorted, and `predict` returns them.

    >>> import numpy as np
    >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]] * 10)
    >>> y = np.array(["no", "yes", "yes", "no"] * 10)
    >>> clf = MLPClassifier(hidden_layer_sizes=(16,), activation="tanh", learning_rate_init=0.05,
    ...                     max_iter=500, random_state=0).fit(X, y)
    >>> clf.predict([[0., 1.], [1., 1.]]).tolist(), clf.classes_.tolist(), clf.out_activation_
    (['yes', 'no'], ['no', 'yes'], 'logistic')
    """

    _estimator_type = "classifier"

    def _loss(self) -> losses.Loss:
        return losses.get("binary_crossentropy" if len(self.classes_) == 2 else "categorical_crossentropy")

    def fit(self, X, y) -> MLPClassifier:
        """Train on X (n_samples, n_features) and class labels y (n_samples,); returns self."""
        X = self._check_X(X, "fit")
        y = _labels_1d(y, len(X), type(self).__name__)
        classes = np.unique(y)
        if self.warm_start and getattr(self, "model_", None) is not None and not np.array_equal(classes, self.classes_):
            raise ValueError(f"MLPClassifier.fit (warm_start): y has classes {classes.tolist()}, but the "
                             f"network was fitted on {self.classes_.tolist()}")
        if len(classes) < 2:
            raise ValueError(f"MLPClassifier.fit: y has only one class, {classes.tolist()}; a classifier "
                             "needs samples of at least two")
        self.classes_ = classes
        index = np.searchsorted(classes, y)
        if len(classes) == 2:
            Y, out = index.astype(np.float32).reshape(-1, 1), "logistic"   # P(class 1), one output
        else:
            Y, out = np.eye(len(classes), dtype=np.float32)[index], "softmax"
        return self._fit(X, Y, y, out)

    def predict_proba(self, X) -> np.ndarray:
        """P(class | x), shape (n_samples, n_classes), columns in the order of `classes_`."""
        p = self._outputs(X, "predict_proba")
        return np.hstack([1 - p, p]) if p.shape[1] == 1 else p

    def predict_log_proba(self, X) -> np.ndarray:
        return np.log(self.predict_proba(X))

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample, as a label from `classes_` (binary: P(class 1) > 0.5)."""
        p = self._outputs(X, "predict")
        index = (p[:, 0] > 0.5).astype(np.int64) if p.shape[1] == 1 else np.argmax(p, axis=1)
        return self.classes_[index]

    def score(self, X, y) -> float:
        """The accuracy: the fraction of samples whose predicted label equals y."""
        y = _labels_1d(y, len(np.asarray(X)), "MLPClassifier.score")
        return float(np.mean(self.predict(X) == y))


class MLPRegressor(_BaseMLP):
    """A multi-layer perceptron regressor (sklearn.neural_network.MLPRegressor): identity output,
    ½·mean squared error. y of shape (n,) or (n, k) for k outputs.

    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
    >>> reg = MLPRegressor(hidden_layer_sizes=(20,), activation="tanh", learning_rate_init=0.05,
    ...                    tol=1e-6, max_iter=2000, random_state=0).fit(X, 2 * X[:, 0] ** 2)
    >>> round(reg.score(X, 2 * X[:, 0] ** 2), 3), reg.n_iter_, reg.predict(X).shape   # scikit-learn: 0.999, 418
    (0.999, 418, (50,))
    """

    _estimator_type = "regressor"

    def _loss(self) -> losses.Loss:
        return HalfSquaredError()

    def fit(self, X, y) -> MLPRegressor:
        """Train on X (n_samples, n_features) and targets y (n_samples,) or (n_samples, n_targets)."""
        X = self._check_X(X, "fit")
        y = np.asarray(y)
        if y.dtype.kind not in "biuf":
            raise TypeError(f"MLPRegressor.fit: y must be numbers, got dtype {y.dtype}; for labels use MLPClassifier")
        if y.ndim not in (1, 2) or len(y) != len(X):
            raise ValueError(f"MLPRegressor.fit: y must have shape ({len(X)},) or ({len(X)}, n_targets) to "
                             f"match X's {len(X)} samples, got {y.shape}")
        if not np.all(np.isfinite(y)):
            raise ValueError("MLPRegressor.fit: y contains NaN or infinity")
        self._y_ndim = y.ndim
        Y = y.reshape(len(y), -1).astype(np.float32)
        return self._fit(X, Y, y, "identity")

    def predict(self, X) -> np.ndarray:
        """The network's outputs: shape (n_samples,) when fitted on a 1-D y, else (n_samples, n_targets)."""
        out = self._outputs(X, "predict")
        return out[:, 0] if self._y_ndim == 1 else out

    def score(self, X, y) -> float:
        """R² = 1 - Σ(y - ŷ)² / Σ(y - ȳ)², averaged over the outputs (scikit-learn's r2_score)."""
        y = np.asarray(y, dtype=np.float64).reshape(len(np.asarray(X)), -1)
        p = self.predict(X).reshape(len(y), -1)
        residual = ((y - p) ** 2).sum(axis=0)
        total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            # a constant target: 1 if predicted exactly, else 0 (scikit-learn's convention)
            r2 = np.where(total > 0, 1 - residual / np.where(total > 0, total, 1), np.where(residual == 0, 1.0, 0.0))
        return float(r2.mean())


# ---- small checks --------------------------------------------------------------------------------

def _random_state(seed) -> np.random.RandomState:
    """scikit-learn's check_random_state: None is NumPy's global generator (so np.random.seed(0)
    makes a fit reproducible, as with scikit-learn), an int seeds a new one, a RandomState is used as is."""
    if seed is None:
        return np.random.mtrand._rand
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.RandomState(int(seed))
    if isinstance(seed, np.random.RandomState):
        return seed
    raise ValueError(f"random_state must be None, an int or a numpy RandomState, got {seed!r}")


def _labels_1d(y, n: int, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]       # a column of labels, as scikit-learn accepts (it warns)
    if y.ndim != 1:
        raise ValueError(f"{name}: y must be one label per sample, shape ({n},), got {y.shape}; one-hot rows "
                         "are y.argmax(axis=1) (multilabel targets are not supported)")
    if len(y) != n:
        raise ValueError(f"{name}: X has {n} samples but y has {len(y)}; they must match one to one")
    return y


def _one_of(name: str, arg: str, value, allowed, hint: str = "") -> None:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name}: {arg} must be one of {', '.join(repr(a) for a in allowed)}, got {value!r}{hint}")


def _number(name: str, arg: str, value, low=None, high=None, strict=False, open_high=False) -> None:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok and low is not None:
        ok = value > low if strict else value >= low
    if ok and high is not None:
        ok = value < high if open_high else value <= high
    if not ok:
        where = f"{'>' if strict else '>='} {low}" if high is None else \
            f"in [{low}, {high}{')' if open_high else ']'}"
        raise ValueError(f"{name}: {arg} must be a number {where}, got {value!r}")


def _differs(value, default) -> bool:
    try:
        return bool(value != default)
    except ValueError:      # an array compared elementwise
        return True
