"""`Sequential`: a stack of layers with Keras's workflow, compile / fit / evaluate / predict / summary.

>>> import numpy as np, nn
>>> model = nn.Sequential([nn.Dense(8, activation="relu", input_dim=4), nn.Dense(3, activation="softmax")])
>>> model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["acc"])
>>> X, Y = np.random.rand(30, 4), np.eye(3)[np.random.randint(0, 3, 30)]
>>> history = model.fit(X, Y, epochs=2, batch_size=10, verbose=0)
>>> sorted(history.history)
['acc', 'loss']

Every step is the engine's: the forward pass builds a graph of Tensor ops, `loss.backward()`
fills each parameter's `.grad`, the optimizer reads it. Data is cut into batches with NumPy
before it becomes a Tensor, and stays float32 throughout (Keras's floatx).
"""

from __future__ import annotations

import sys
from typing import Callable, Sequence as SequenceType

import numpy as np
from tqdm import tqdm   # the text bar: tqdm.auto needs ipywidgets in Jupyter

from tinygrad_edu import Tensor, group, no_grad

from . import losses, optimizers
from .callbacks import Callback, History
from .module import Layer, Module, as_input


class Sequential(Layer):
    """Layers applied one after the other: `Sequential([Dense(64, activation='relu'), Dense(10)])` or `.add()`.

    >>> from nn import Dense
    >>> model = Sequential(name="mlp"); model.add(Dense(64, activation="relu", input_dim=784)); model.add(Dense(10))
    >>> model.count_params()
    50890
    """

    def __init__(self, layers: SequenceType[Module] | Module | None = None, name: str | None = None, *more: Module):
        # PyTorch's habit, Sequential(Linear(4, 8), ReLU(), ...): the modules arrive as positional arguments
        if isinstance(layers, Module):
            layers, name = [layers, *([name] if name is not None else []), *more], None
        elif more:
            raise TypeError("Sequential(layers, name): give the layers as a list, or all as separate arguments")
        super().__init__(name)
        self.layers: list[Layer] = []
        self.loss: losses.Loss | None = None
        self.optimizer: optimizers.Optimizer | None = None
        self.metric_names: list[str] = []
        self.stop_training = False
        self.history: History | None = None
        for layer in layers or []:
            self.add(layer)

    # ---- building --------------------------------------------------------------------------------
    def add(self, layer: Module) -> None:
        """Append a layer (registered as sub-module '0', '1', ... as in PyTorch's Sequential)."""
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected an nn layer (e.g. nn.Dense(64)), got {type(layer).__name__} "
                            f"{layer!r}; a plain Module has no output shape to build the next layer from")
        setattr(self, str(len(self.layers)), layer)
        self.layers.append(layer)
        object.__setattr__(self, "built", False)   # new layer: shapes must be worked out again
        first = self.layers[0]
        if isinstance(first, Layer) and first.built:   # input width known: build now, so summary() works before fit
            self.build(first.input_shape)

    def build(self, input_shape: tuple) -> None:
        """Build every layer in turn, each from the previous one's output shape."""
        shape = tuple(input_shape)
        for layer in self.layers:
            if not layer.built:
                layer.build(shape)
            shape = layer.compute_output_shape(shape)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        for layer in self.layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def forward(self, x: Tensor, logits: bool = False) -> Tensor:
        """The layers in order; logits=True stops before the last layer's activation."""
        for layer in self.layers[:-1]:
            x = layer(x)
        return self.layers[-1](x, logits=True) if logits else self.layers[-1](x)

    def __call__(self, x, *args, **kwargs):
        if not self.layers:
            raise ValueError(f"Sequential '{self.name}' has no layers; add some with .add(nn.Dense(...))")
        x = as_input(x)
        if not self.built:
            self.build((None,) + x.shape[1:])
        # no group of its own (Layer.__call__ would open one): every node is made inside a layer,
        # and a node carries the innermost group's name, so the model's name would never show
        return self.forward(x, *args, **kwargs)

    def get_config(self) -> dict:
        return {"name": self.name, "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                                              for layer in self.layers],
                "input_shape": list(self.input_shape) if self.built else None}

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter's array, in parameters() order (Keras's get_weights)."""
        return [p.data.copy() for p in self.parameters()]

    def set_weights(self, weights: SequenceType[np.ndarray]) -> None:
        params = self.parameters()
        if len(weights) != len(params):
            raise ValueError(f"set_weights: model '{self.name}' has {len(params)} weight arrays, got {len(weights)}")
        for p, w in zip(params, weights):
            if np.shape(w) != p.shape:
                raise ValueError(f"set_weights: '{p.label}' has shape {p.shape}, got an array of shape {np.shape(w)}")
            p.data[...] = w

    def save(self, path) -> None:
        """Write architecture (JSON) and weights to a NumPy .npz; reload with nn.load_model(path)."""
        from .saving import save_model
        save_model(self, path)

    def to_torch(self) -> "torch.nn.Sequential":  # noqa: F821 (torch is imported only inside)
        """This network as a torch.nn.Sequential with copies of the weights (torch optional; see nn/to_torch.py)."""
        from .to_torch import to_torch   # imported here: torch is loaded only by those who ask for it
        return to_torch(self)

    # ---- Keras workflow ----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics: SequenceType[str] | None = None) -> None:
        """Choose the optimizer, loss and metrics ('acc'/'accuracy', 'mse', 'mae') by object or string."""
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        unknown = [m for m in metrics or [] if m not in METRICS]
        if unknown:
            raise ValueError(f"unknown metric {unknown[0]!r}; known metrics: {', '.join(METRICS)}")
        self.metric_names = list(metrics or [])
        if self.built:
            self.optimizer.add_params(self.parameters())

    def fit(self, X, Y, epochs: int = 1, batch_size: int | None = 32, validation_data=None,
            validation_split: float = 0.0, shuffle: bool = True, callbacks: SequenceType[Callback] | None = None,
            verbose: int = 1) -> History:
        """Train for `epochs` passes over (X, Y) in shuffled mini-batches; returns the History.

        verbose=1 shows one tqdm bar per epoch with the running loss and metrics, 2 prints one line
        per epoch, 0 is silent. validation_split takes the *last* fraction of the data, before
        shuffling, as Keras does.
        """
        self._require_compiled("fit")
        X, Y = self._check_data(X, Y, "fit")
        self.optimizer.add_params(self.parameters())   # idempotent: covers a model built after compile
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

        history = History()
        history.params = {"epochs": epochs, "steps": -(-len(X) // batch_size), "verbose": verbose}
        callbacks = list(callbacks or []) + [history]   # last, as Keras: it sees what the others add to logs
        for cb in callbacks:
            cb.set_model(self)
        self.stop_training = False
        for cb in callbacks:
            cb.on_train_begin()
        rng = _rng()
        n, steps = len(X), -(-len(X) // batch_size)
        for epoch in range(epochs):
            for cb in callbacks:
                cb.on_epoch_begin(epoch)
            self.train()
            order = rng.permutation(n) if shuffle else None
            totals = _Totals(self.metric_names)
            bar = tqdm(total=steps, desc=f"Epoch {epoch + 1}/{epochs}", unit="batch", disable=verbose != 1,
                       leave=True, file=sys.stdout, dynamic_ncols=True)
            for step in range(steps):
                start, stop = step * batch_size, (step + 1) * batch_size
                if shuffle:   # take: the same rows as X[rows], copied faster (≈45 vs 55 µs for 100 MNIST rows)
                    rows = order[start:stop]
                    xb, yb = X.take(rows, axis=0), Y.take(rows, axis=0)
                else:
                    xb, yb = X[start:stop], Y[start:stop]                  # views, no copy
                self.optimizer.zero_grad()
                out, is_logits, loss = self._forward_loss(Tensor(xb), yb)   # NumPy cut the batch: one Tensor
                loss.backward()
                self.optimizer.step()
                totals.add(self, out, is_logits, yb, loss.item())
                bar.update(1)
                if verbose == 1 and (step % 10 == 0 or step == steps - 1):   # every step would cost more than it shows
                    bar.set_postfix_str(_format(totals.means()), refresh=False)
            logs = totals.means()
            if validation_data is not None:
                val = self.evaluate(*validation_data, verbose=0, return_dict=True, _checked=True)
                logs.update({f"val_{k}": v for k, v in val.items()})
            bar.set_postfix_str(_format(logs), refresh=False)
            bar.close()
            if verbose == 2:
                print(f"Epoch {epoch + 1}/{epochs} - {_format(logs)}")
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for cb in callbacks:
            cb.on_train_end()
        self.history = history
        return history

    def evaluate(self, X, Y, batch_size: int | None = None, verbose: int = 1, return_dict: bool = False,
                 _checked: bool = False):
        """[loss, metric, ...] on (X, Y) (just the loss without metrics), in inference mode, no graph.

        The batch size (default 256) only trades memory for speed: the result is the same.
        """
        self._require_compiled("evaluate")
        if not _checked:
            X, Y = self._check_data(X, Y, "evaluate")
        batch_size = batch_size or 256
        totals = _Totals(self.metric_names)
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                for start in range(0, len(X), batch_size):
                    yb = Y[start:start + batch_size]
                    out, is_logits, loss = self._forward_loss(Tensor(X[start:start + batch_size]), yb)
                    totals.add(self, out, is_logits, yb, loss.item())
        finally:
            self.train(was_training)
        result = totals.means()
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
            with no_grad():
                outs = [self(Tensor(X[s:s + batch_size])).data for s in range(0, len(X), batch_size)]
        finally:
            self.train(was_training)
        return np.concatenate(outs)

    # ---- one step's forward pass, the fused loss and the metrics ---------------------------------
    def _forward_loss(self, x: Tensor, y) -> tuple[Tensor, bool, Tensor]:
        """(output, is_logits, loss). When the loss can take the last activation's input (softmax
        + cross-entropy, sigmoid + binary cross-entropy), the model stops before that activation
        and the loss uses its stable from-logits form."""
        fused = self._fuses_last_activation()
        out = self(x, logits=True) if fused else self(x)
        with group(self.loss.name):                  # the loss's nodes form their own box in a drawing
            loss = self.loss.forward_logits(out, y) if fused else self.loss.forward(out, y)
        for layer in self.layers:
            penalty = getattr(layer, "regularization_loss", None)
            p = penalty() if penalty is not None else None   # made in the layer's group, drawn in its box
            if p is not None:
                loss = loss + p
        return out, fused, loss

    def _fuses_last_activation(self) -> bool:
        wanted = self.loss.fused_activation
        return (wanted is not None and not self.loss.from_logits
                and getattr(self.layers[-1], "activation_name", None) == wanted)

    def _probabilities(self, out: Tensor, is_logits: bool) -> np.ndarray:
        if not is_logits:
            return out.data
        with no_grad():
            return self.layers[-1].activation(Tensor(out.data)).data

    # ---- checking what the user passes -------------------------------------------------------------
    def _require_compiled(self, what: str) -> None:
        if self.loss is None or self.optimizer is None:
            raise RuntimeError(f"{what}: compile the model first, e.g. model.compile(optimizer='adam', "
                               f"loss='categorical_crossentropy', metrics=['acc'])")

    def _check_inputs(self, X, what: str) -> np.ndarray:
        X = X.data if isinstance(X, Tensor) else np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise TypeError(f"{what}: X must be numeric, got dtype {X.dtype}")
        if X.ndim == 0 or len(X) == 0 or X.size == 0:
            raise ValueError(f"{what}: X is empty (shape {X.shape}); there is nothing to {what.split()[0]} on")
        if X.ndim == 1:
            raise ValueError(f"{what}: X has shape {X.shape}, one number per sample; give it a feature axis, "
                             f"X.reshape(-1, 1), so each sample is a row")
        if X.dtype != np.float32:
            X = X.astype(np.float32)      # Keras's floatx: float64 data would make every op float64
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
            self.loss.check_targets(Y, stand_in, fused=self._fuses_last_activation())
        except (ValueError, TypeError) as e:
            raise type(e)(f"{what}: {e}") from None
        return X, Y

    # ---- printing ---------------------------------------------------------------------------------
    def summary(self, print_fn: Callable[[str], None] = print) -> None:
        """Keras's table: each layer's name (type), output shape and parameter count, then the totals."""
        if not self.built:
            raise ValueError(f"Model '{self.name}' has not yet been built: give the first layer input_dim "
                             f"(e.g. Dense(64, input_dim=784)), or call fit()/predict() on data first")
        line = "_" * 65
        rows = [f'Model: "{self.name}"', line, _row("Layer (type)", "Output Shape", "Param #"), "=" * 65]
        shape = self.input_shape
        for i, layer in enumerate(self.layers):
            shape = layer.compute_output_shape(shape)
            rows.append(_row(f"{layer.name} ({type(layer).__name__})", str(shape).replace(",)", ")"),
                             str(layer.count_params())))
            rows.append("=" * 65 if i == len(self.layers) - 1 else "")
        total = self.count_params()
        rows += [f"Total params: {total:,}", f"Trainable params: {total:,}", "Non-trainable params: 0", line]
        print_fn("\n".join(rows))

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"Model '{self.name}' has not yet been built, so its weights do not exist yet")
        return super().count_params()

    def extra_repr(self) -> str:
        return f"name={self.name!r}"


def _format(logs: dict) -> str:
    """Keras's progress text: 'loss: 0.2576 - acc: 0.9262'."""
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())


def _row(a: str, b: str, c: str) -> str:
    return f" {a:<28}{b:<26}{c:<10}"


def _check_finite(a: np.ndarray, name: str, what: str) -> None:
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise ValueError(f"{what}: {name} contains {a[where]} at index {where}; remove or impute missing values "
                         f"before training")


def _rng() -> np.random.Generator:
    from .seed import generator
    return generator()


# ---- metrics, computed with NumPy on each batch's outputs ------------------------------------------

def _accuracy(out: np.ndarray, y: np.ndarray, is_logits: bool) -> float:
    """Correct predictions in the batch: argmax for several outputs, a 0.5 threshold for one."""
    if out.shape[-1] == 1 or out.ndim == 1:
        predicted = out.reshape(len(out), -1) > (0.0 if is_logits else 0.5)   # σ(z) > 0.5 ⇔ z > 0
        return float(np.count_nonzero(predicted == (y.reshape(predicted.shape) > 0.5))) / predicted.shape[1]
    labels = y.argmax(axis=-1) if y.shape == out.shape else y.reshape(out.shape[:-1])
    return float(np.count_nonzero(out.argmax(axis=-1) == labels))   # count_nonzero: cheaper than a sum


def _squared_error(p: np.ndarray, y: np.ndarray) -> float:
    return float(((p - y.reshape(p.shape)) ** 2).mean(axis=tuple(range(1, p.ndim))).sum()) if p.ndim > 1 \
        else float(((p - y) ** 2).sum())


def _absolute_error(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.abs(p - y.reshape(p.shape)).mean(axis=tuple(range(1, p.ndim))).sum()) if p.ndim > 1 \
        else float(np.abs(p - y).sum())


METRICS = {"acc": "accuracy", "accuracy": "accuracy", "mse": "mse", "mae": "mae"}


class _Totals:
    """Running sums over an epoch, so the reported numbers are means over samples, not batches."""

    def __init__(self, metric_names: list[str]):
        self.names, self.n, self.loss = metric_names, 0, 0.0
        self.sums = {name: 0.0 for name in metric_names}

    def add(self, model: Sequential, out: Tensor, is_logits: bool, y: np.ndarray, loss: float) -> None:
        b = len(y)
        self.n += b
        self.loss += loss * b
        for name in self.names:
            kind = METRICS[name]
            if kind == "accuracy":
                self.sums[name] += _accuracy(out.data, y, is_logits)
            else:
                p = model._probabilities(out, is_logits)
                self.sums[name] += _squared_error(p, y) if kind == "mse" else _absolute_error(p, y)

    def means(self) -> dict[str, float]:
        result = {"loss": self.loss / max(self.n, 1)}
        result.update({name: s / max(self.n, 1) for name, s in self.sums.items()})
        return result
