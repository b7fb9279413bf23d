"""`Trainer`: Keras's workflow, compile / fit / evaluate / predict, for a model made of layers.

>>> import numpy as np, nn
>>> model = nn.Sequential([nn.Dense(8, activation="relu", input_dim=4), nn.Dense(3, activation="softmax")])
>>> model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["acc"])
>>> X, Y = np.random.rand(30, 4), np.eye(3)[np.random.randint(0, 3, 30)]
>>> history = model.fit(X, Y, epochs=2, batch_size=10, verbose=0)
>>> sorted(history.history)
['acc', 'loss']

Every step is the engine's: the forward pass builds a graph of Tensor ops, `loss.backward()`
fills each parameter's `.grad`, the optimizer reads it. Data is cut into batches with NumPy
before it becomes a Tensor, and stays float32 throughout (Keras's floatx). Whatever runs batches
(fit, evaluate, predict, *_on_batch) runs NumPy's BLAS on one thread, then puts the count back:
see nn/threads.py (`nn.set_num_threads`) for why and how to change it.

When the loss fuses the last layer's activation (`loss.fuses(last_layer)`: softmax + cross-entropy,
sigmoid + binary cross-entropy), a step runs `model.pre_activation(x)` and the loss's stable
`forward_logits`; see nn/losses.py. The metrics are nn.metrics' functions (`nn.metrics.get`), on
each batch's targets and the model's outputs after the last activation, averaged over samples;
so 'acc' reads classes by nn.metrics' one rule (the argmax of several outputs; p >= 0.5 for one).

`Sequential` inherits `Trainer`, as Keras's `Model` does; a Trainer uses the model's `layers`,
`__call__`, `pre_activation`, `parameters`, `build`, `compute_output_shape` and `train`/`eval`.
"""

from __future__ import annotations

import math
import signal
import sys
import threading
import time
import warnings
from typing import Sequence as SequenceType

import numpy as np
from tqdm import tqdm   # the text bar: tqdm.auto needs ipywidgets in Jupyter

from tinygrad_edu import Tensor, group, no_grad

from . import losses, optimizers
from .callbacks import Callback, History
from .metrics import get as get_metric
from .seed import generator
from .threads import blas_threads


class Trainer:
    """compile / fit / evaluate / predict, mixed into `Sequential`."""

    loss: losses.Loss | None = None
    optimizer: optimizers.Optimizer | None = None
    metric_names: SequenceType[str] = ()
    stop_training = False
    history: History | None = None
    _compiled_weights: list | None = None     # the trainable weights compile read (Keras 2's rule)
    _frozen_weights: SequenceType = ()         # the learned weights it left out: no gradient in a step

    def compile(self, optimizer="rmsprop", loss=None, metrics: SequenceType[str] | None = None) -> None:
        """Choose the optimizer, loss and metrics ('acc'/'accuracy', 'mse', 'mae') by object or string."""
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        for name in metrics or []:
            get_metric(name)                           # an unknown name raises here, not mid-epoch
        self.metric_names = list(metrics or [])
        self._compiled_weights = None
        self._take_trainable_weights()

    def _take_trainable_weights(self) -> None:
        """Hand the optimizer the weights that are trainable *now*: Keras 2's rule, the `trainable`
        flags read when the model is compiled (see `Module.trainable`). A model built after compile
        (its first layer without input_dim) reads them at its first fit or train_on_batch."""
        if getattr(self, "_compiled_weights", None) is None and self.built:
            self._compiled_weights = self.trainable_weights
            self.optimizer.add_params(self._compiled_weights)
            self._frozen_weights = [p for p in self.non_trainable_weights if p.requires_grad]

    def fit(self, X, Y, epochs: int = 1, batch_size: int | None = 32, validation_data=None,
            validation_split: float = 0.0, shuffle: bool = True, callbacks: SequenceType[Callback] | None = None,
            verbose: int = 1) -> History:
        """Train for `epochs` passes over (X, Y) in shuffled mini-batches; returns the History.

        Each batch is one `train_step`; fit adds the epochs, the shuffling, validation, callbacks
        and progress around it.

        verbose as Keras's: 1 shows one tqdm bar per epoch with the running loss and metrics on a
        terminal (and one line per epoch when stdout is a file or a pipe, so logs stay readable),
        2 prints one line per epoch, "Epoch 3/10 - loss: 0.1234 - acc: 0.9600 - 1s", 0 is silent.
        validation_split takes the *last* fraction of the data, before shuffling, as Keras does.

        Training stops early, returning the History so far, in two cases (history.stopped says
        which): a loss that is not finite (Keras's TerminateOnNaN, always on: a RuntimeWarning
        names the epoch and batch and the learning rate to lower; the epoch is recorded, its loss
        the non-finite mean, as Keras records it), and Ctrl-C (SIGINT), which finishes the current
        batch and its epoch's numbers first ("interrupted"; a second Ctrl-C stops at once).
        """
        X, Y, validation_data, batch_size = self._fit_arguments(X, Y, batch_size, validation_data, validation_split)
        history = History()
        history.params = {"epochs": epochs, "steps": -(-len(X) // batch_size), "verbose": verbose}
        callbacks = list(callbacks or []) + [history]   # last, as Keras: it sees what the others add to logs
        for cb in callbacks:
            cb.set_model(self)
        self.stop_training = False
        for cb in callbacks:
            cb.on_train_begin()
        batches = _Batches(X, Y, batch_size, generator() if shuffle else None)
        with _StopOnInterrupt() as interrupt, blas_threads():     # nn.threads: one BLAS thread unless told
            for epoch in range(epochs):
                for cb in callbacks:
                    cb.on_epoch_begin(epoch)
                progress = _Progress(verbose, epoch, epochs, len(batches))
                logs = self._fit_epoch(batches, progress, interrupt, history)
                if validation_data is not None and not history.stopped:
                    logs.update({f"val_{k}": v for k, v in self._means_over(*validation_data, 256).items()})
                progress.close(logs)
                for cb in callbacks:
                    cb.on_epoch_end(epoch, logs)
                if history.stopped == "nan":
                    warnings.warn(history.stop_message, RuntimeWarning, stacklevel=2)
                elif history.stopped == "interrupted" and verbose:
                    print(history.stop_message, flush=True)
                if history.stopped or self.stop_training:
                    break
        for cb in callbacks:
            cb.on_train_end()
        self.history = history
        return history

    def train_step(self, x: np.ndarray, y: np.ndarray) -> tuple[float, Tensor]:
        """One batch trained, the whole algorithm: forward, loss, backward, the optimizer's step.

        Returns the loss and the model's output (the logits when the loss fuses the last activation).
        A loss that is not finite is returned without a step, so the weights stay as they were;
        `fit` stops there. `fit`, `train_on_batch` and the scikit-learn estimators all train through
        this method, so what a step does is written once.

        Only the weights compile handed the optimizer get gradients: a part frozen at compile (D in
        the GAN's step) is differentiated through, not for, as Keras differentiates with respect to
        the trainable weights alone. Its weights stop requiring a gradient for the step (PyTorch's
        `requires_grad_(False)`), so the backward walk skips their products: a third less work in
        the GAN's step.
        """
        frozen = [p for p in self._frozen_weights if p.requires_grad]
        for p in frozen:
            p.requires_grad = False
        try:
            self.optimizer.zero_grad()
            out, _, loss = self._forward_loss(Tensor.from_numpy(x), y)   # from_numpy: the batch is NumPy's, no copy
            value = loss.item()
            if math.isfinite(value) and loss.requires_grad:       # (nothing trainable: nothing to do, as Keras)
                loss.backward()
                self.optimizer.step()
        finally:
            for p in frozen:
                p.requires_grad = True
        return value, out

    # ---- one batch at a time: the GAN recipe's loop ----------------------------------------------------
    def train_on_batch(self, x, y, return_dict: bool = False):
        """One `train_step` on this batch (Keras's): the loss, or [loss, metric, ...] with metrics.

        A GAN trains two models a batch at a time, in turn:

        >>> import numpy as np, nn
        >>> G = nn.Sequential([nn.Dense(2, input_dim=1)]); D = nn.Sequential([nn.Dense(1, activation="sigmoid", input_dim=2)])
        >>> D.compile("adam", "binary_crossentropy"); D.trainable = False      # warns: D's own steps still train D
        >>> gan = nn.Sequential([G, D]); gan.compile("adam", "binary_crossentropy")
        >>> loss = gan.train_on_batch(np.ones((4, 1)), np.ones((4, 1)))       # G learns, D stays as it is
        """
        self._require_compiled("train_on_batch", y)
        x, y = self._check_data(x, y, "train_on_batch")
        self._take_trainable_weights()
        self.train()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), blas_threads():
            value, out = self.train_step(x, y)
        if not math.isfinite(value):
            warnings.warn(f"train_on_batch: the loss is {value}, so this step was skipped and the weights are as "
                          f"they were; lower the learning rate", RuntimeWarning, stacklevel=2)
        means = _Means(self)
        means.add(out, y, value)
        return self._batch_result(means.result(), return_dict)

    def test_on_batch(self, x, y, return_dict: bool = False):
        """The loss (and metrics) on this batch in inference mode, no step (Keras's)."""
        self._require_compiled("test_on_batch", y)
        x, y = self._check_data(x, y, "test_on_batch")
        return self._batch_result(self._means_over(x, y, len(x)), return_dict)

    def predict_on_batch(self, x) -> np.ndarray:
        """The outputs for this one batch, in inference mode (Keras's; predict cuts big inputs into batches)."""
        x = self._check_inputs(x, "predict_on_batch")
        return self.predict(x, batch_size=len(x))

    def _batch_result(self, logs: dict, return_dict: bool):
        if return_dict:
            return logs
        return list(logs.values()) if self.metric_names else logs["loss"]

    def _fit_epoch(self, batches: _Batches, progress: _Progress, interrupt: _StopOnInterrupt,
                   history: History) -> dict[str, float]:
        """One pass over the batches: a train_step each; the epoch's mean loss and metrics."""
        self.train()
        means = _Means(self)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):   # a diverging step: one message
            for step, (xb, yb) in enumerate(batches):
                value, out = self.train_step(xb, yb)
                means.add(out, yb, value)
                progress.step(means)
                if not math.isfinite(value):
                    history.stopped = "nan"
                    history.stop_message = self._diverged(value, progress, step)
                elif interrupt.requested:
                    history.stopped = "interrupted"
                    history.stop_message = (f"fit: interrupted (Ctrl-C) at epoch {progress.epoch + 1}/{progress.epochs}, "
                                            f"batch {step + 1}/{len(batches)}; the model is as trained so far")
                if history.stopped:
                    break
        if history.stopped is None and not self._weights_finite():     # a last step may have overflowed
            history.stopped = "nan"
            history.stop_message = self._diverged(np.nan, progress, len(batches) - 1, "weights")
        return means.result()

    def _fit_arguments(self, X, Y, batch_size, validation_data, validation_split):
        """fit's arguments checked: (X, Y, validation_data or None, batch_size), the validation part cut off."""
        self._require_compiled("fit", Y)
        X, Y = self._check_data(X, Y, "fit")
        self._take_trainable_weights()                  # a model built after compile: its weights now
        if validation_data is not None and validation_split:
            raise ValueError("fit: give validation_data or validation_split, not both")
        if not 0 <= validation_split < 1:
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
        if validation_split:
            cut = int(len(X) * (1 - validation_split))
            if cut == 0 or cut == len(X):
                raise ValueError(f"fit: validation_split={validation_split} of {len(X)} samples leaves an empty part")
            validation_data = (X[cut:], Y[cut:])
            X, Y = X[:cut], Y[:cut]
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("fit: validation_data must be a tuple (X_val, Y_val)")
            validation_data = self._check_data(*validation_data, "fit (validation_data)")
        batch_size = batch_size or 32
        if batch_size < 1:
            raise ValueError(f"fit: batch_size must be a positive integer, got {batch_size}")
        return X, Y, validation_data, batch_size

    def _diverged(self, value: float, progress: _Progress, step: int, what: str = "loss") -> str:
        """The one message for a training run that diverged."""
        lr = getattr(self.optimizer, "lr", None)
        advice = (f"lower the learning rate (it is {lr:g}; try {lr / 10:g})" if lr is not None
                  else "lower the learning rate")
        return (f"fit: the {what} became {value} at epoch {progress.epoch + 1}/{progress.epochs}, batch "
                f"{step + 1}/{progress.steps}: training diverged, so it stopped there (Keras's TerminateOnNaN); "
                f"{advice}")

    def _weights_finite(self) -> bool:
        """Whether every parameter is finite (checked once per epoch: a last step may have overflowed)."""
        return all(np.isfinite(p.data).all() for p in self.parameters())

    def evaluate(self, X, Y, batch_size: int | None = None, verbose: int = 1, return_dict: bool = False):
        """[loss, metric, ...] on (X, Y) (just the loss without metrics), in inference mode, no graph.

        The batch size (default 256) only trades memory for speed: the result is the same.
        """
        self._require_compiled("evaluate")
        X, Y = self._check_data(X, Y, "evaluate")
        batch_size = batch_size or 256
        result = self._means_over(X, Y, batch_size)
        if verbose:
            steps = -(-len(X) // batch_size)
            print(f"{steps}/{steps} [==============================] - {_format(result)}")
        if return_dict:
            return result
        return list(result.values()) if self.metric_names else result["loss"]

    def predict(self, X, batch_size: int | None = None, verbose: int = 0) -> np.ndarray:
        """The model's outputs (after the last activation: probabilities for softmax) as a NumPy array."""
        X = self._check_inputs(X, "predict")
        batch_size = batch_size or 256
        was_training = self.training
        self.eval()
        try:
            with no_grad(), blas_threads():
                outs = [self(Tensor.from_numpy(X[s:s + batch_size])).data for s in range(0, len(X), batch_size)]
        finally:
            self.train(was_training)
        return np.concatenate(outs)

    # ---- one step's forward pass and loss; the means over a data set --------------------------------
    def _forward_loss(self, x: Tensor, y) -> tuple[Tensor, bool, Tensor]:
        """(output, fused, loss): fused when the loss takes the last layer's pre-activation (the
        logits), which is then the output."""
        fused = self.loss.fuses(self.layers[-1])
        out = self.pre_activation(x) if fused else self(x)
        with group(self.loss.name):                  # the loss's nodes form their own box in a drawing
            loss = self.loss.forward_logits(out, y) if fused else self.loss.forward(out, y)
        for layer in self.layers:
            penalty = getattr(layer, "regularization_loss", None)
            p = penalty() if penalty is not None else None   # made in the layer's group, drawn in its box
            if p is not None:
                loss = loss + p
        return out, fused, loss

    def _outputs(self, out: np.ndarray) -> np.ndarray:
        """The model's output after its last activation, from what `_forward_loss` returned: what the
        metrics score."""
        if not self.loss.fuses(self.layers[-1]):
            return out
        with no_grad():
            return self.layers[-1].activation(Tensor(out)).data

    def _means_over(self, X: np.ndarray, Y: np.ndarray, batch_size: int) -> dict[str, float]:
        """The loss and metrics over checked data, in inference mode, no graph."""
        means = _Means(self)
        was_training = self.training
        self.eval()
        try:
            with no_grad(), blas_threads():
                for start in range(0, len(X), batch_size):
                    yb = Y[start:start + batch_size]
                    out, _, loss = self._forward_loss(Tensor.from_numpy(X[start:start + batch_size]), yb)
                    means.add(out, yb, loss.item())
        finally:
            self.train(was_training)
        return means.result()

    # ---- checking what the user passes -------------------------------------------------------------
    def _require_compiled(self, what: str, Y=None) -> None:
        if self.loss is None or self.optimizer is None:
            loss, why = _loss_for(Y)
            raise RuntimeError(f"{what}: compile the model first, e.g. model.compile(optimizer='adam', "
                               f"loss={loss!r}, metrics=['acc']){why}")

    def _check_inputs(self, X, what: str) -> np.ndarray:
        X = X.data if isinstance(X, Tensor) else np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise TypeError(f"{what}: X must be numeric, got dtype {X.dtype}")
        if X.ndim == 0 or len(X) == 0 or X.size == 0:
            raise ValueError(f"{what}: X is empty (shape {X.shape}); there is nothing to {what.split()[0]} on")
        if X.ndim == 1:
            raise ValueError(f"{what}: X has shape {X.shape}, one number per sample; give it a feature axis, "
                             f"X.reshape(-1, 1), so each sample is a row")
        if X.dtype != np.float32 and not (X.dtype.kind in "iu" and getattr(self, "takes_ids", False)):
            X = X.astype(np.float32)      # Keras's floatx (token ids for an Embedding stay integers)
        _check_finite(X, "X", what)
        if not self.built:
            self.build((None,) + X.shape[1:])
        return X

    def _check_data(self, X, Y, what: str) -> tuple[np.ndarray, np.ndarray]:
        X = self._check_inputs(X, what)
        Y = Y.data if isinstance(Y, Tensor) else np.asarray(Y)
        if Y.ndim == 0 or len(Y) != len(X):
            raise ValueError(f"{what}: X has {len(X)} samples but Y has {len(Y) if Y.ndim else 'a single value'}; "
                             f"they must have the same length")
        if Y.dtype.kind not in "biuf":
            raise TypeError(f"{what}: Y must be numeric, got dtype {Y.dtype} (map string labels to integers first)")
        if Y.dtype.kind == "f":
            _check_finite(Y, "Y", what)
            if Y.dtype != np.float32:
                Y = Y.astype(np.float32)
        # the loss checks the targets against the output shape (one-hot width, label range) once here,
        # on a stand-in output, so a bad label is reported before training rather than mid-epoch
        shape = (len(X),) + tuple(self.compute_output_shape((None,) + X.shape[1:]))[1:]
        stand_in = Tensor(np.full(shape, 0.5, dtype=np.float32))
        try:
            self.loss.check_targets(Y, stand_in)
        except (ValueError, TypeError) as e:
            raise type(e)(f"{what}: {e}") from None
        return X, Y


def _loss_for(Y) -> tuple[str, str]:
    """The loss that fits targets Y, and why, for the "compile first" advice."""
    try:
        y = np.asarray(Y.data if isinstance(Y, Tensor) else Y)
        if y.size == 0 or y.dtype.kind not in "biuf" or not np.isfinite(y).all():
            raise ValueError
    except (ValueError, TypeError):
        return "categorical_crossentropy", ""
    column = y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)
    if column and np.isin(y, (0, 1)).all():
        return "binary_crossentropy", " (Y holds 0/1 labels: one sigmoid output, Dense(1, activation='sigmoid'))"
    if column and (y.dtype.kind in "biu" or (y == np.round(y)).all()):
        return ("sparse_categorical_crossentropy", f" (Y holds integer class labels {int(y.min())}..{int(y.max())}: "
                f"a softmax output of {int(y.max()) + 1} units)")
    if y.ndim == 2 and np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all():
        return "categorical_crossentropy", f" (Y holds one-hot rows of {y.shape[1]} classes: a softmax output)"
    return "mse", " (Y holds real numbers: a regression, a linear output)"


def _interactive() -> bool:
    """Whether progress bars can redraw: stdout is a terminal, or a Jupyter kernel shows them."""
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty()) or "ipykernel" in sys.modules


class _Batches:
    """(x, y) batches of NumPy rows, in a new random order each pass when given a generator."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, batch_size: int, rng: np.random.Generator | None):
        self.X, self.Y, self.batch_size, self.rng = X, Y, batch_size, rng

    def __len__(self) -> int:
        return -(-len(self.X) // self.batch_size)

    def __iter__(self):
        if self.rng is None:
            for start in range(0, len(self.X), self.batch_size):
                yield self.X[start:start + self.batch_size], self.Y[start:start + self.batch_size]   # views
            return
        order = self.rng.permutation(len(self.X))
        for start in range(0, len(self.X), self.batch_size):
            rows = order[start:start + self.batch_size]
            yield self.X.take(rows, axis=0), self.Y.take(rows, axis=0)   # X[rows], copied a little faster


class _Progress:
    """What fit shows of one epoch: a tqdm bar on a terminal, or one line at its end (verbose=2, or
    verbose=1 writing to a file or a pipe), or nothing (verbose=0)."""

    def __init__(self, verbose: int, epoch: int, epochs: int, steps: int):
        self.epoch, self.epochs, self.steps = epoch, epochs, steps
        bars = verbose == 1 and _interactive()
        self.lines = verbose == 2 or (verbose == 1 and not bars)
        self.started = time.perf_counter()
        self.bar = tqdm(total=steps, desc=f"Epoch {epoch + 1}/{epochs}", unit="batch", disable=not bars,
                        leave=True, file=sys.stdout, dynamic_ncols=True)

    def step(self, means: _Means) -> None:
        self.bar.update(1)
        if not self.bar.disable and (self.bar.n % 10 == 1 or self.bar.n == self.steps):  # every step costs more than it shows
            self.bar.set_postfix_str(_format(means.result()), refresh=False)

    def close(self, logs: dict) -> None:
        self.bar.set_postfix_str(_format(logs), refresh=False)
        self.bar.close()
        if self.lines:
            print(f"Epoch {self.epoch + 1}/{self.epochs} - {_format(logs)} - {time.perf_counter() - self.started:.0f}s",
                  flush=True)


class _StopOnInterrupt:
    """Within `with`: the first Ctrl-C (SIGINT) sets `requested` for the loop to stop after its batch;
    a second one interrupts at once. Only the main thread can handle signals; elsewhere it does nothing."""

    def __enter__(self):
        self.requested, self.previous = False, None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


class _Means:
    """Running sums over an epoch, so the reported numbers are means over samples, not over batches.

    The metrics score ten batches at a time (and whatever is left when the result is asked for):
    the same means, for a tenth of the calls, each of which costs more than its arithmetic.
    """

    def __init__(self, model: Trainer):
        self.model = model
        self.metrics = {name: get_metric(name) for name in model.metric_names}
        self.n, self.loss = 0, 0.0
        self.sums = {name: 0.0 for name in self.metrics}
        self.waiting: list[tuple[np.ndarray, np.ndarray]] = []   # (output, targets) of batches not scored yet

    def add(self, out: Tensor, y: np.ndarray, loss: float) -> None:
        self.n += len(y)
        self.loss += loss * len(y)
        if self.metrics:
            self.waiting.append((out.data, y))
            if len(self.waiting) == 10:
                self._score()

    def _score(self) -> None:
        outputs = self.model._outputs(np.concatenate([out for out, _ in self.waiting]))
        y = np.concatenate([y for _, y in self.waiting])
        for name, metric in self.metrics.items():
            self.sums[name] += metric(y, outputs) * len(y)
        self.waiting = []

    def result(self) -> dict[str, float]:
        if self.waiting:
            self._score()
        result = {"loss": self.loss / max(self.n, 1)}
        result.update({name: s / max(self.n, 1) for name, s in self.sums.items()})
        return result


def _format(logs: dict) -> str:
    """Keras's progress text: 'loss: 0.2576 - acc: 0.9262'."""
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())


def _check_finite(a: np.ndarray, name: str, what: str) -> None:
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise ValueError(f"{what}: {name} contains {a[where]} at index {where}; remove or impute missing values "
                         f"before training")
