"""`Sequential`: layers applied one after the other, the model Keras and PyTorch both start with.

>>> import nn
>>> model = nn.Sequential([nn.Dense(8, activation="relu", input_dim=4), nn.Dense(3, activation="softmax")])
>>> len(model.layers), model.count_params()
(2, 67)

This file is the container: adding and building layers, calling them in turn, weights in and
out, the summary table. Training it (compile / fit / evaluate / predict) is `nn/training.py`'s
`Trainer`, which `Sequential` inherits, as Keras's `Model` inherits its `Trainer`.
"""

from __future__ import annotations

from typing import Callable, Iterator, Sequence as SequenceType

from tinygrad_edu import Tensor, group

from .module import Layer, Module, layer_from_config
from .saving import save_model
from .to_torch import to_torch
from .training import Trainer


class Sequential(Trainer, Layer):
    """Layers applied one after the other: `Sequential([Dense(64, activation='relu'), Dense(10)])` or `.add()`.

    >>> from nn import Dense
    >>> model = Sequential(name="mlp"); model.add(Dense(64, activation="relu", input_dim=784)); model.add(Dense(10))
    >>> model.count_params()
    50890
    """

    def __init__(self, *layers: Module | SequenceType[Module] | None, name: str | None = None):
        """Keras's `Sequential([l1, l2], name=None)`, or PyTorch's `Sequential(l1, l2, l3)`."""
        if len(layers) == 2 and isinstance(layers[1], str) and not isinstance(layers[0], Module):
            layers, name = layers[:1], layers[1]            # Keras's positional name: Sequential([...], "mlp")
        if len(layers) == 1 and not isinstance(layers[0], Module):
            layers = layers[0] or []                        # one list (Keras), or None
        if isinstance(layers, (str, Module)) or not (name is None or isinstance(name, str)):
            raise TypeError(f"Sequential(*layers, name=None): give the layers as one list, "
                            f"Sequential([Linear(4, 8), ReLU()]), or one by one, Sequential(Linear(4, 8), ReLU()); "
                            f"got {layers!r} and name={name!r}")
        super().__init__(name)
        self.layers: list[Layer] = []
        for layer in layers:
            self.add(layer)

    # ---- PyTorch's container habits: net[0], net[-1], net[1:], len(net), for layer in net ----------
    def __getitem__(self, index: int | slice) -> Layer | Sequential:
        """The layer at `index` (negative counts from the end); a slice is a new Sequential of those layers."""
        if isinstance(index, slice):
            return Sequential(self.layers[index])
        try:
            return self.layers[index]
        except IndexError:
            raise IndexError(f"Sequential '{self.name}' has {len(self.layers)} layer(s), so index {index} "
                             f"is out of range (use 0..{len(self.layers) - 1}, or -1 for the last)") from None
        except TypeError:
            raise TypeError(f"Sequential indices are integers or slices, got {type(index).__name__} "
                            f"{index!r}") from None

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

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
        if first.built:                             # input width known: build now, so summary() works before fit
            self.build(first.input_shape)

    def build(self, input_shape: tuple) -> None:
        """Build every layer in turn, each from the previous one's output shape."""
        shape = tuple(input_shape)
        for i, layer in enumerate(self.layers):
            if not layer.built:
                layer.build(shape)
            elif not _fits(layer.input_shape, shape):     # e.g. gan = Sequential([G, D]) with D built for other data
                before = f"layer '{self.layers[i - 1].name}' gives" if i else "the input has"
                raise ValueError(f"Sequential '{self.name}': {type(layer).__name__} '{layer.name}' was built for inputs "
                                 f"of shape {layer.input_shape}, but {before} shape {shape}; make them agree (for a "
                                 f"GAN: the generator's output size must be the discriminator's input size)")
            shape = layer.compute_output_shape(shape)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        for layer in self.layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    # ---- calling ----------------------------------------------------------------------------------
    @property
    def takes_ids(self) -> bool:
        """Whether the first layer takes integer ids (an Embedding): batches then stay integers."""
        return bool(self.layers) and self.layers[0].takes_ids

    def forward(self, x: Tensor) -> Tensor:
        """The layers in order."""
        for layer in self._nonempty():
            x = layer(x)
        return x

    def pre_activation(self, x: Tensor) -> Tensor:
        """The layers in order, the last one stopping before its activation: the logits a fused
        loss takes (see `nn.losses.Loss.fuses`). For a built model whose last layer has an activation."""
        *first, last = self._nonempty()
        for layer in first:
            x = layer(x)
        with group(last.name):        # its nodes carry its name, as when it is called
            return last.pre_activation(x)

    def _nonempty(self) -> list[Layer]:
        if not self.layers:
            raise ValueError(f"Sequential '{self.name}' has no layers; add some with .add(nn.Dense(...))")
        return self.layers

    # ---- weights in and out -------------------------------------------------------------------------
    def get_config(self) -> dict:
        return {"name": self.name, "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                                              for layer in self.layers],
                "input_shape": list(self.input_shape) if self.built else None}

    @classmethod
    def from_config(cls, config: dict) -> Sequential:
        model = cls([layer_from_config(entry) for entry in config["layers"]], name=config["name"])
        if config.get("input_shape") is not None and not model.built:
            model.build(tuple(config["input_shape"]))
        return model

    def save(self, path) -> None:
        """Write architecture (JSON) and weights to a NumPy .npz; reload with nn.load_model(path)."""
        save_model(self, path)

    def to_torch(self) -> "torch.nn.Sequential":  # noqa: F821 (torch is imported only inside)
        """This network as a torch.nn.Sequential with copies of the weights (torch optional; see nn/to_torch.py)."""
        return to_torch(self)

    # ---- printing ---------------------------------------------------------------------------------
    def summary(self, print_fn: Callable[[str], None] = print) -> None:
        """Keras's table: each layer's name (type), output shape and parameter count, then the totals.
        Non-trainable: frozen layers' weights (`layer.trainable = False`) and BatchNormalization's
        moving statistics."""
        if not self.built:
            raise ValueError(f"Model '{self.name}' has not yet been built: give the first layer input_dim "
                             f"(e.g. Dense(64, input_dim=784)), or call fit()/predict() on data first")
        shapes, shape = [], self.input_shape
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
            shapes.append(str(shape).replace(",)", ")"))
        names = [f"{layer.name} ({type(layer).__name__})" for layer in self.layers]
        widths = (max([28] + [len(n) + 2 for n in names]), max([26] + [len(s) + 2 for s in shapes]))
        width = widths[0] + widths[1] + 11       # the columns widen for long names (max_pooling2d_1 (MaxPooling2D))
        line = "_" * width
        rows = [f'Model: "{self.name}"', line, _row("Layer (type)", "Output Shape", "Param #", widths), "=" * width]
        for i, layer in enumerate(self.layers):
            rows.append(_row(names[i], shapes[i], str(layer.count_params()), widths))
            rows.append("=" * width if i == len(self.layers) - 1 else "")
        total = self.count_params()
        trainable = int(sum(p.size for p in self.trainable_weights))   # the flags as they are now (see `trainable`)
        rows += [f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                 f"Non-trainable params: {total - trainable:,}", line]
        print_fn("\n".join(rows))

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"Model '{self.name}' has not yet been built, so its weights do not exist yet")
        return super().count_params()

    def extra_repr(self) -> str:
        return f"name={self.name!r}"


def _fits(built_for: tuple, given: tuple) -> bool:
    """Whether inputs of shape `given` fit a layer built for `built_for` (None: any size)."""
    return len(built_for) == len(given) and all(a is None or b is None or a == b
                                                for a, b in zip(built_for[1:], given[1:]))


def _row(a: str, b: str, c: str, widths: tuple = (28, 26)) -> str:
    return f" {a:<{widths[0]}}{b:<{widths[1]}}{c:<10}"
