"""Losses, as Keras classes and strings ('categorical_crossentropy') and as PyTorch classes.

Each loss is a mean over the batch, composed of engine ops, so its gradient comes from backward.

    mse      mean (p - y)²                       mae   mean |p - y|          rmse  √mse
    msle     mean (ln(p+1) - ln(y+1))²           kld   Σ y ln(y/p), mean over samples
    hinge    mean max(1 - y·p, 0)                squared_hinge  mean max(1 - y·p, 0)²
             (labels 0/1 are read as -1/+1, as Keras does)
    binary_crossentropy        -mean [y ln p + (1-y) ln(1-p)]
    categorical_crossentropy   -mean Σ_c y_c ln p_c   (one-hot y)
    sparse_categorical_crossentropy   the same with integer labels

Softmax + cross-entropy and sigmoid + binary cross-entropy are computed from the logits z in one
stable form, never as ln(softmax(z)): ln softmax(z) = log_softmax(z) (the engine's fused op, which
subtracts max z first), and binary cross-entropy is the two-class case with logits [0, z]. So
logits of ±1000 give a finite loss and the exact gradient, softmax(z) - y. A loss receives logits
in exactly two ways:
- `from_logits=True` (Keras), and the PyTorch classes: y_pred is the logits;
- a model hands them over: `loss.fuses(layer)` is True when `layer`'s activation is the one this
  loss would rather take the input of (a 'softmax' last layer for categorical cross-entropy,
  'sigmoid' for binary), and the model (`Sequential.train_step`, `nn.manual.compare`) then passes
  that layer's `pre_activation(x)` to `forward_logits` instead of its output.
Anything else is a probability, wherever it came from (a hand-written loop's `.softmax()` too), and
is clipped to [ε, 1 − ε] before the log, as Keras does (ε = 1e-7): logits [30, −30] with the label
on the second class cost −ln(1e-7) = 16.12, with or without a recorded graph. The loss never looks
into the graph: its value depends only on its inputs.

>>> import numpy as np; from tinygrad_edu import Tensor
>>> z = Tensor(np.array([[1000.0, -1000.0]], dtype=np.float32), requires_grad=True)
>>> loss = CrossEntropyLoss()(z, np.array([1]))
>>> loss.backward()
>>> loss.item(), z.grad          # softmax(z) - onehot(1)
(2000.0, array([[ 1., -1.]], dtype=float32))
"""

from __future__ import annotations

import math

import numpy as np

from tinygrad_edu import Tensor, maximum, no_grad, where

EPSILON = 1e-7   # Keras's clipping of probabilities, so ln p stays finite on the probability path


# ---- targets -----------------------------------------------------------------------------------

def _target(y_true, like: Tensor, name: str) -> np.ndarray:
    """The targets as a constant array in the predictions' dtype and shape (N,) ~ (N, 1) allowed."""
    t = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
    if t.dtype != like.dtype:
        t = t.astype(like.dtype)          # float64 targets would turn the whole loss into float64
    if t.shape != like.shape:
        if t.size == like.size and t.shape[:1] == like.shape[:1]:
            t = t.reshape(like.shape)     # (N,) labels against (N, 1) outputs, as Keras accepts
        else:
            raise ValueError(f"{name}: targets of shape {t.shape} do not match predictions of shape {like.shape}")
    return t


def _onehot_target(y_true, like: Tensor, name: str) -> np.ndarray:
    t = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
    if t.ndim == like.ndim and t.shape[-1] != like.shape[-1]:
        raise ValueError(f"{name}: one-hot targets have {t.shape[-1]} columns but the model outputs "
                         f"{like.shape[-1]} units")
    if t.ndim == like.ndim - 1 or (t.ndim == like.ndim and t.shape[-1] == 1 and like.shape[-1] > 1):
        raise ValueError(f"{name}: targets of shape {t.shape} look like class labels, but this loss needs one-hot "
                         f"targets of shape {like.shape}; one-hot encode them (nn.utils.to_categorical) or use "
                         f"'sparse_categorical_crossentropy'")
    return _target(t, like, name)


def _labels_onehot(y_true, like: Tensor, name: str) -> np.ndarray:
    """Integer labels (N,) or (N, 1) as a one-hot array in the logits' dtype, range-checked."""
    t = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
    if t.ndim == like.ndim and t.shape[-1] == 1:
        t = t.reshape(t.shape[:-1])
    if t.shape != like.shape[:-1]:
        raise ValueError(f"{name}: integer labels of shape {t.shape} do not fit predictions of shape {like.shape}; "
                         f"expected labels of shape {like.shape[:-1]}")
    if t.dtype.kind == "f":
        if not np.all(t == np.round(t)):
            raise ValueError(f"{name}: labels must be whole numbers (class indices), got e.g. {t[t != np.round(t)][:3]}")
        t = t.astype(np.int64)
    elif t.dtype.kind not in "iub":
        raise TypeError(f"{name}: labels must be integers, got dtype {t.dtype}")
    classes = like.shape[-1]
    onehot = t[..., None] == np.arange(classes)       # True in each sample's label column
    if np.count_nonzero(onehot) != t.size:            # a label outside 0..classes-1 has no column
        bad = t[(t < 0) | (t >= classes)][0]
        raise ValueError(f"{name}: label {bad} is out of range for {classes} classes (labels must be 0..{classes - 1})")
    return onehot.astype(like.dtype)


def _check_probabilities(t: np.ndarray, name: str) -> None:
    """Binary targets: labels 0/1 or probabilities in [0, 1], else the loss is meaningless (it can go
    below 0: labels 0/1/2 would train to a negative loss)."""
    t = np.asarray(t)
    bad = (t < 0) | (t > 1) | np.isnan(t)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        values = np.unique(t)
        raise ValueError(f"{name}: targets must be labels 0/1 or probabilities in [0, 1], got {t[where]} at index "
                         f"{where} (values {values[:6].tolist()}{' ...' if len(values) > 6 else ''}); for more than "
                         f"two classes use 'sparse_categorical_crossentropy' with a softmax output")


def _check_distribution_rows(t: np.ndarray, name: str) -> None:
    """Categorical targets: rows of non-negative numbers summing to 1 (one-hot, or class probabilities)."""
    t = np.asarray(t, dtype=np.float64)
    sums = t.sum(axis=-1)
    bad_rows = (t < 0).any(axis=-1) | ~np.isclose(sums, 1.0, atol=1e-3)
    if bad_rows.any():
        row = tuple(int(i) for i in np.argwhere(bad_rows)[0])
        raise ValueError(f"{name}: each target row must be one-hot (or class probabilities summing to 1); row "
                         f"{row[0] if len(row) == 1 else row} is {np.round(t[row], 4).tolist()}; encode labels "
                         f"with nn.utils.to_categorical, or give integer labels to 'sparse_categorical_crossentropy'")


def _batch_size(t: Tensor) -> int:
    return math.prod(t.shape[:-1]) if t.ndim > 1 else 1    # math.prod: np.prod costs ~20 µs on a tuple


# ---- the fused, stable forms ---------------------------------------------------------------------

def softmax_cross_entropy(logits: Tensor, onehot: np.ndarray) -> Tensor:
    """-mean Σ_c y_c log_softmax(z)_c: finite for any finite logits, gradient (softmax(z) - y) / N.

    The -1/N is folded into the constant target, so the whole loss is three engine ops
    (log_softmax, *, sum): this is the hot path of every classifier's training step. A logit of
    -inf (a masked class) or ±1e308 gives log_softmax = -inf where y_c = 0, and 0 · -inf is nan:
    only then is the loss computed again over the terms with y_c ≠ 0 (as torch picks its label's
    term), so the value is torch's and the gradient stays softmax(z) - y.
    """
    weights = onehot * onehot.dtype.type(-1.0 / _batch_size(logits))
    with np.errstate(over="ignore", invalid="ignore"):      # -inf and 1e308 logits: handled below
        log_p = logits.log_softmax(axis=-1)
        loss = (log_p * weights).sum()
        if math.isnan(float(loss.data)) and not np.isnan(logits.data).any():
            loss = (where(weights != 0, log_p, 0.0) * weights).sum()
    return loss


def sigmoid_binary_cross_entropy(logits: Tensor, t: np.ndarray) -> Tensor:
    """mean [y softplus(-z) + (1-y) softplus(z)] = -mean [y ln σ(z) + (1-y) ln(1-σ(z))], for any z.

    softplus(z) = ln(1 + e^z) = max(z, 0) + ln(1 + e^-|z|) never overflows, and its derivative is
    σ(z); so the gradient is (σ(z) - y) / N even at z = ±inf (torch's too). 0/1 labels pick their
    term with a `where` instead of multiplying by 0, so z = +inf with y = 1 costs 0, not 0 · inf
    = nan (torch gives nan there).
    """
    tail = ((-logits.abs()).exp() + 1.0).log()            # ln(1 + e^-|z|), in (0, ln 2]
    # softplus(z), softplus(-z); `maximum` gives z = 0 half the gradient, so the two kinks (of max
    # and of |z|) add up to σ(0) = 1/2 there
    pos, neg = maximum(logits, 0.0) + tail, maximum(-logits, 0.0) + tail
    hard = np.all((t == 0) | (t == 1))
    with np.errstate(over="ignore", invalid="ignore"):
        terms = where(t == 1, neg, pos) if hard else neg * t + pos * (1 - t)
    return terms.sum() * t.dtype.type(1.0 / max(t.size, 1))


# ---- Keras-style losses: called as loss(y_true, y_pred) -------------------------------------------

class Loss:
    """Base class. Keras's call order: `loss(y_true, y_pred)` -> a scalar Tensor.

    Subclasses define `forward(y_pred, y_true)`; the fusable ones also `forward_logits`, and name
    in `fused_activation` the activation whose input they would rather receive (see `fuses`).
    """

    name = "loss"
    fused_activation: str | None = None

    def __init__(self, from_logits: bool = False):
        self.from_logits = from_logits

    def __call__(self, y_true, y_pred) -> Tensor:
        return self.forward(_as_tensor(y_pred), y_true)

    def forward(self, y_pred: Tensor, y_true) -> Tensor:
        raise NotImplementedError

    def fuses(self, layer) -> bool:
        """Whether this loss takes `layer.pre_activation(x)`, the logits, instead of `layer(x)`.

        >>> from nn.layers import Dense
        >>> CategoricalCrossentropy().fuses(Dense(3, activation="softmax")), MeanSquaredError().fuses(Dense(3))
        (True, False)
        """
        return (self.fused_activation is not None and not self.from_logits
                and getattr(layer, "activation_name", None) == self.fused_activation)

    def check_targets(self, y_true, like: Tensor) -> None:
        """Raise ValueError/TypeError now if y_true cannot be the targets for predictions shaped `like`.
        `fit` calls this before training.

        Here by computing the loss once on `like`: every check runs on the way. Losses whose checks
        all sit in `targets()` override this to do only that, without the arithmetic over all samples.
        """
        with no_grad():
            self.forward(like, y_true)

    def get_config(self) -> dict:
        """What rebuilds this loss (saved with the model): its class and from_logits."""
        return {"class_name": type(self).__name__, "from_logits": self.from_logits}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(from_logits={self.from_logits})" if self.from_logits else f"{type(self).__name__}()"


def _as_tensor(x) -> Tensor:
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    return Tensor(arr.astype(np.float32) if arr.dtype == np.float64 else arr)


class MeanSquaredError(Loss):
    """mean (p - y)²; ∂/∂p = 2(p - y)/n.

    >>> MeanSquaredError()([1.0], Tensor([3.0])).item()
    4.0
    """
    name = "mse"

    def forward(self, y_pred, y_true):
        d = y_pred - _target(y_true, y_pred, self.name)
        return (d * d).mean()


class RootMeanSquaredError(Loss):
    """√(mean (p - y)²).

    >>> RootMeanSquaredError()([1.0], Tensor([3.0])).item()
    2.0
    """
    name = "rmse"

    def forward(self, y_pred, y_true):
        return MeanSquaredError().forward(y_pred, y_true).sqrt()


class MeanAbsoluteError(Loss):
    """mean |p - y|; ∂/∂p = sign(p - y)/n.

    >>> MeanAbsoluteError()([1.0], Tensor([3.0])).item()
    2.0
    """
    name = "mae"

    def forward(self, y_pred, y_true):
        return (y_pred - _target(y_true, y_pred, self.name)).abs().mean()


class MeanSquaredLogarithmicError(Loss):
    """mean (ln(max(p, ε)+1) - ln(max(y, ε)+1))², as Keras.

    >>> MeanSquaredLogarithmicError()([0.0], Tensor([0.0])).item()
    0.0
    """
    name = "msle"

    def forward(self, y_pred, y_true):
        t = _target(y_true, y_pred, self.name)
        d = (y_pred.clip(lo=EPSILON) + 1).log() - np.log(np.maximum(t, EPSILON) + 1)
        return (d * d).mean()


class BinaryCrossentropy(Loss):
    """-mean [y ln p + (1-y) ln(1-p)] for 0/1 targets.

    >>> round(BinaryCrossentropy(from_logits=True)([1.0], Tensor([0.0])).item(), 4)
    0.6931
    """
    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def forward(self, y_pred, y_true):
        if self.from_logits:
            return self.forward_logits(y_pred, y_true)
        t = _target(y_true, y_pred, self.name)
        p = y_pred.clip(EPSILON, 1 - EPSILON)    # Keras's clip: ln 0 would be -inf
        return -(p.log() * t + (1 - p).log() * (1 - t)).mean()

    def forward_logits(self, logits: Tensor, y_true) -> Tensor:
        return sigmoid_binary_cross_entropy(logits, _target(y_true, logits, self.name))

    def check_targets(self, y_true, like: Tensor) -> None:
        t = _target(y_true, like, self.name)          # the shape check
        _check_probabilities(t, self.name)


class CategoricalCrossentropy(Loss):
    """-mean Σ_c y_c ln p_c for one-hot targets.

    >>> round(CategoricalCrossentropy()([[0.0, 1.0]], Tensor([[0.5, 0.5]])).item(), 4)
    0.6931
    """
    name = "categorical_crossentropy"
    fused_activation = "softmax"

    def targets(self, y_true, like: Tensor) -> np.ndarray:
        """The targets as a one-hot array of the predictions' shape and dtype, checked."""
        return _onehot_target(y_true, like, self.name)

    def check_targets(self, y_true, like: Tensor) -> None:
        t = self.targets(y_true, like)    # forward and forward_logits check the targets only in targets()
        _check_distribution_rows(t, self.name)    # once, before training: not on every step

    def forward(self, y_pred, y_true):
        if self.from_logits:
            return self.forward_logits(y_pred, y_true)
        t = self.targets(y_true, y_pred)
        p = y_pred / y_pred.sum(axis=-1, keepdims=True)      # Keras renormalises, then clips
        weights = t * t.dtype.type(-1.0 / _batch_size(y_pred))
        return (p.clip(EPSILON, 1 - EPSILON).log() * weights).sum()

    def forward_logits(self, logits: Tensor, y_true) -> Tensor:
        return softmax_cross_entropy(logits, self.targets(y_true, logits))


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer labels.

    >>> round(SparseCategoricalCrossentropy()([1], Tensor([[0.5, 0.5]])).item(), 4)
    0.6931
    """
    name = "sparse_categorical_crossentropy"

    def targets(self, y_true, like: Tensor) -> np.ndarray:
        return _labels_onehot(y_true, like, self.name)


def _signed(t: np.ndarray) -> np.ndarray:
    """Keras's hinge reads 0/1 labels as -1/+1."""
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


class Hinge(Loss):
    """mean max(1 - y·p, 0), y in {-1, +1} (or 0/1).

    >>> Hinge()([1.0], Tensor([0.5])).item()
    0.5
    """
    name = "hinge"

    def forward(self, y_pred, y_true):
        t = _signed(_target(y_true, y_pred, self.name))
        return (1 - y_pred * t).relu().mean()


class SquaredHinge(Loss):
    """mean max(1 - y·p, 0)².

    >>> SquaredHinge()([1.0], Tensor([0.5])).item()
    0.25
    """
    name = "squared_hinge"

    def forward(self, y_pred, y_true):
        t = _signed(_target(y_true, y_pred, self.name))
        m = (1 - y_pred * t).relu()
        return (m * m).mean()


class KLDivergence(Loss):
    """Σ_c y_c ln(y_c / p_c), mean over samples, y and p clipped to [ε, 1] as Keras.
    >>> KLDivergence()([[0.5, 0.5]], Tensor([[0.5, 0.5]])).item()
    0.0
    """
    name = "kld"

    def forward(self, y_pred, y_true):
        t = np.clip(_target(y_true, y_pred, self.name), EPSILON, 1)
        terms = (-y_pred.clip(EPSILON, 1).log() + np.log(t)) * t
        return terms.sum(axis=-1).mean() if y_pred.ndim > 1 else terms.sum()


# ---- PyTorch-style losses: called as loss(input, target), input = logits -------------------------

class CrossEntropyLoss(Loss):
    """PyTorch's: logits (N, C) and class indices (N,) or class probabilities (N, C).
    >>> round(CrossEntropyLoss()(Tensor([[0.0, 0.0]]), [1]).item(), 4)
    0.6931
    """
    name = "cross_entropy"
    fused_activation = "softmax"

    def __init__(self):
        super().__init__(from_logits=True)

    def __call__(self, input, target) -> Tensor:
        return self.forward(_as_tensor(input), target)

    def forward(self, y_pred, y_true):
        return self.forward_logits(y_pred, y_true)

    def forward_logits(self, logits, y_true):
        return softmax_cross_entropy(logits, self.targets(y_true, logits))

    def targets(self, y_true, like: Tensor) -> np.ndarray:
        """Class probabilities (N, C) as they are, class indices (N,) one-hot encoded, checked."""
        t = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
        if t.shape == like.shape and t.dtype.kind == "f":
            return t.astype(like.dtype, copy=False)
        return _labels_onehot(t, like, self.name)

    def check_targets(self, y_true, like: Tensor) -> None:
        _check_distribution_rows(self.targets(y_true, like), self.name)   # the only place this loss checks them


class MSELoss(MeanSquaredError):
    """PyTorch's mean squared error, loss(input, target).

    >>> MSELoss()(Tensor([3.0]), [1.0]).item()
    4.0
    """

    def __call__(self, input, target) -> Tensor:
        return self.forward(_as_tensor(input), target)


class BCEWithLogitsLoss(BinaryCrossentropy):
    """PyTorch's sigmoid + binary cross-entropy on logits, loss(input, target).
    >>> round(BCEWithLogitsLoss()(Tensor([0.0]), [1.0]).item(), 4)
    0.6931
    """

    def __init__(self):
        super().__init__(from_logits=True)

    def __call__(self, input, target) -> Tensor:
        return self.forward(_as_tensor(input), target)


LOSSES: dict[str, type[Loss]] = {
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "rmse": RootMeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "msle": MeanSquaredLogarithmicError, "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "hinge": Hinge, "squared_hinge": SquaredHinge,
    "kld": KLDivergence, "kl_divergence": KLDivergence, "kullback_leibler_divergence": KLDivergence,
}


CLASSES: dict[str, type[Loss]] = {cls.__name__: cls for cls in (*LOSSES.values(), CrossEntropyLoss, MSELoss,
                                                                 BCEWithLogitsLoss)}


def from_config(config: dict) -> Loss:
    """Rebuild a loss from its get_config() dict."""
    cls = CLASSES.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"unknown loss class {config.get('class_name')!r}; known: {', '.join(CLASSES)}")
    if cls in (CrossEntropyLoss, BCEWithLogitsLoss, MSELoss):
        return cls()                      # PyTorch's classes take no from_logits
    return cls(from_logits=bool(config.get("from_logits", False)))


def get(identifier) -> Loss:
    """A Loss for a Keras string, or a Loss instance as is."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in LOSSES:
        return LOSSES[identifier]()
    raise ValueError(f"unknown loss {identifier!r}; known losses: {', '.join(LOSSES)} "
                     f"(or a loss object such as nn.CrossEntropyLoss())")
