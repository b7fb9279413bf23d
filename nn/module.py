"""`Module`, `Parameter` and `Layer`: the bookkeeping every layer and model shares.

A `Module` finds its parameters and sub-modules by watching attribute assignment, as PyTorch's
does, so a layer only writes `self.kernel = Parameter(...)` and `parameters()` knows about it.
A `Layer` adds Keras's lazy building: weights whose shape depends on the input are made at the
first call, from the input's shape; and Keras's get_config / from_config, with every Layer class
findable by name in `LAYER_CLASSES`, so a saved model is rebuilt without its loader importing it.
"""

from __future__ import annotations

import re
import warnings
from typing import Iterator

import numpy as np

from tinygrad_edu import Tensor, group


class Parameter(Tensor):
    """A tensor a module learns: a leaf with `requires_grad=True`, found by `parameters()`.

    >>> w = Parameter(np.zeros((2, 3), dtype=np.float32))
    >>> w.requires_grad
    True

    `learned=False` marks a weight the model keeps and saves but never learns by gradient:
    BatchNormalization's moving statistics (Keras's non-trainable weights, PyTorch's buffers).
    It never requires a gradient, and `requires_grad_(True)` leaves it so.
    """

    __slots__ = ("learned",)

    def __init__(self, data, label: str = "", learned: bool = True):
        super().__init__(data, requires_grad=learned, label=label)
        self.learned = learned

    @property
    def trainable(self) -> bool:
        raise AttributeError("a Parameter has no `trainable`: that flag belongs to layers and models "
                             "(layer.trainable = False); for one weight use p.requires_grad = False")

    @trainable.setter
    def trainable(self, value) -> None:
        raise AttributeError(f"trainable = {value!r} set on a Parameter (shape {self.shape}): `trainable` belongs to "
                             f"layers and models (layer.trainable = False, model.trainable = False); for one weight "
                             f"use p.requires_grad = False")

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


_name_counts: dict[str, int] = {}


def unique_name(base: str) -> str:
    """Keras's automatic names: 'dense', then 'dense_1', 'dense_2', ... for each base name."""
    n = _name_counts.get(base, 0)
    _name_counts[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def snake_case(class_name: str) -> str:
    """'Dense' -> 'dense', 'LeakyReLU' -> 'leaky_re_lu' (Keras's rule, so names match Keras's)."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


class Module:
    """Base class of layers and models: parameters and sub-modules are registered when assigned.

    >>> class Affine(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = Parameter(np.ones(3, dtype=np.float32))
    ...     def forward(self, x):
    ...         return x * self.w
    >>> [name for name, _ in Affine().named_parameters()]
    ['w']

    Calling a module runs `forward` and writes the module's name into `group` of every node the
    call made, so a graph drawing can cluster the nodes layer by layer.
    """

    def __init__(self, name: str | None = None):
        # object.__setattr__: our own __setattr__ needs these dicts to exist already
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_trainable", True)
        object.__setattr__(self, "name", name or unique_name(snake_case(type(self).__name__)))

    def __setattr__(self, key: str, value) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        self._parameters.pop(key, None)
        self._modules.pop(key, None)
        if isinstance(value, Parameter):
            self._parameters[key] = value
        elif isinstance(value, Module):
            self._modules[key] = value
        object.__setattr__(self, key, value)   # plain attribute too: reads stay as fast as Python's

    def __delattr__(self, key: str) -> None:
        self._parameters.pop(key, None)
        self._modules.pop(key, None)
        object.__delattr__(self, key)

    # ---- what it holds ------------------------------------------------------------------------
    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) for this module's parameters, then each sub-module's, in order."""
        seen = set()
        for name, p in self._named_parameters_all(prefix):
            if id(p) not in seen:             # a parameter shared by two layers is listed once
                seen.add(id(p))
                yield name, p

    def _named_parameters_all(self, prefix: str):
        for name, p in self._parameters.items():
            yield prefix + name, p
        for name, m in self._modules.items():
            yield from m._named_parameters_all(f"{prefix}{name}.")

    def parameters(self) -> list[Parameter]:
        """Every parameter, each once: what an optimizer updates."""
        return [p for _, p in self.named_parameters()]

    def modules(self) -> Iterator[Module]:
        """This module, then every sub-module, depth first."""
        yield self
        for m in self._modules.values():
            yield from m.modules()

    def zero_grad(self) -> None:
        """Clear every parameter's gradient (leaves accumulate across backward() calls)."""
        for p in self.parameters():
            p.grad = None

    def count_params(self) -> int:
        """Every weight, trainable or not (Keras's count; BatchNormalization's moving statistics included)."""
        return int(sum(p.size for p in self.parameters()))

    # ---- trainable: what compile hands the optimizer ----------------------------------------------
    @property
    def trainable(self) -> bool:
        """Whether this layer's (model's) weights are trained: `D.trainable = False` freezes D.

        Setting it sets every sub-layer too, as Keras does. Keras 2's rule: the flag is read when a
        model is compiled, so the GAN recipe works (compile D; D.trainable = False; compile
        gan = Sequential([G, D]): D's own steps still train D, gan's steps leave it fixed); Keras 3
        reads it at every step instead, so there the same code stops training D altogether.
        Changing it on a model already compiled warns that the change waits for the next compile.

        >>> from nn import Dense; layer = Dense(3, input_dim=2); layer.trainable = False
        >>> len(layer.trainable_weights), len(layer.non_trainable_weights)
        (0, 2)
        """
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{type(self).__name__} '{self.name}': trainable must be True or False, got {value!r}")
        value = bool(value)
        if value != self._trainable and getattr(self, "optimizer", None) is not None:
            state = "trainable" if self._trainable else "frozen"
            warnings.warn(f"{type(self).__name__} '{self.name}'.trainable = {value} on a model already compiled: its "
                          f"own train_on_batch/fit keep its weights {state} until you compile it again (Keras 2's "
                          f"rule); models compiled from now on, such as gan = Sequential([generator, "
                          f"{self.name}]), see the new flag", UserWarning, stacklevel=2)
        for m in self.modules():
            object.__setattr__(m, "_trainable", value)

    @property
    def trainable_weights(self) -> list[Parameter]:
        """The weights a step trains: learned ones, in layers whose `trainable` is True."""
        return _unique(self._trainable_all())

    def _trainable_all(self) -> Iterator[Parameter]:
        if not self._trainable:
            return
        yield from (p for p in self._parameters.values() if p.learned)
        for m in self._modules.values():
            yield from m._trainable_all()

    @property
    def non_trainable_weights(self) -> list[Parameter]:
        """The other weights: those of frozen layers, and moving statistics (BatchNormalization's)."""
        trained = {id(p) for p in self.trainable_weights}
        return [p for p in self.parameters() if id(p) not in trained]

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """PyTorch's freezing: set requires_grad on every learned parameter; returns self.
        Backward then computes no gradient for them, so no optimizer step changes them.

        >>> from nn import Dense; d = Dense(1, input_dim=2).requires_grad_(False); d.kernel.requires_grad
        False
        """
        for p in self.parameters():
            if p.learned:
                p.requires_grad = bool(requires_grad)
        return self

    # ---- modes --------------------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops); returns self, as in PyTorch."""
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Inference mode (Dropout passes everything through)."""
        return self.train(False)

    # ---- calling --------------------------------------------------------------------------------
    def forward(self, *args):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        with group(self.name):        # every node the call makes carries this module's name
            return self.forward(*args, **kwargs)

    # ---- printing -------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The settings shown between the parentheses of repr()."""
        return ""

    def __repr__(self) -> str:
        lines = [f"  ({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + ("\n" + "\n".join(lines) + "\n)" if lines else ")")


class Layer(Module):
    """A module built lazily from its input's shape, with Keras's `build`/`get_config` protocol.

    >>> class Scale(Layer):
    ...     def build(self, input_shape):
    ...         self.s = Parameter(np.ones(input_shape[-1], dtype=np.float32))
    ...         super().build(input_shape)
    ...     def forward(self, x):
    ...         return x * self.s
    >>> Scale()(Tensor(np.ones((2, 3), dtype=np.float32))).shape
    (2, 3)

    Shapes here use None for the batch axis, as Keras prints them: (None, 784).
    """

    def __init__(self, name: str | None = None):
        super().__init__(name)
        object.__setattr__(self, "built", False)
        object.__setattr__(self, "input_shape", None)

    def build(self, input_shape: tuple) -> None:
        """Make the weights for inputs of `input_shape` (subclasses create them, then call this)."""
        object.__setattr__(self, "input_shape", tuple(input_shape))
        object.__setattr__(self, "built", True)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """The output shape for inputs of `input_shape` (None for the batch axis)."""
        return tuple(input_shape)

    @property
    def who(self) -> str:
        """How messages name this layer: its class and name, "Conv2D 'conv2d_1'"."""
        return f"{type(self).__name__} '{self.name}'"

    @property
    def output_shape(self) -> tuple:
        if not self.built:
            raise ValueError(f"Layer '{self.name}' has not been built yet: call it on data first")
        return self.compute_output_shape(self.input_shape)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        LAYER_CLASSES.setdefault(cls.__name__, cls)   # nn's own classes come first and keep their names

    def get_config(self) -> dict:
        """The constructor arguments that rebuild this layer (saved as JSON by model.save)."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        """The layer get_config() describes (Keras's from_config)."""
        return cls(**config)

    def get_weights(self) -> list[np.ndarray]:
        """Copies of this layer's weight arrays, in parameters() order (Keras's get_weights):
        [kernel, bias] for Dense and Conv2D, [] for a layer without weights."""
        return [p.data.copy() for p in self.parameters()]

    def set_weights(self, weights) -> None:
        """Copy `weights` (a list as get_weights() returns) into this layer's parameters, in place.
        Moves weights between models, ours or Keras's: `ours.set_weights(keras_model.get_weights())`."""
        params = self.parameters()
        who = self.who
        if not self.built and not params:
            raise ValueError(f"set_weights: {who} has not been built yet, so its weights do not exist: give its "
                             f"first layer input_shape=... (or input_dim), or call it on data first")
        if len(weights) != len(params):
            raise ValueError(f"set_weights: {who} has {len(params)} weight arrays "
                             f"{[p.shape for p in params]}, got {len(weights)}")
        for p, w in zip(params, weights):
            if np.shape(w) != p.shape:
                raise ValueError(f"set_weights: {who}: '{p.label}' has shape {p.shape}, got an array of shape "
                                 f"{np.shape(w)}; give the arrays in get_weights() order with its shapes")
        for p, w in zip(params, weights):      # checked first: a mismatch leaves every weight as it was
            p.data[...] = w

    takes_ids = False   # True for a layer whose input is integer ids (Embedding): they are not made floats

    def __call__(self, x, *args, training: bool | None = None, **kwargs):
        """Build at the first call, then forward(x). `training=True/False` runs this one call in
        training or inference mode (Keras's argument: Dropout, BatchNormalization), then restores
        each sub-layer's own mode."""
        x = as_input(x, self.takes_ids, self)
        if not self.built:
            self.build((None,) + x.shape[1:])
        if training is None:
            return super().__call__(x, *args, **kwargs)
        modes = [(m, m.training) for m in self.modules()]
        self.train(bool(training))
        try:
            return super().__call__(x, *args, **kwargs)
        finally:
            for m, mode in modes:
                object.__setattr__(m, "training", mode)


# every Layer class by its name: how a saved model's {"class_name", "config"} entries are rebuilt
LAYER_CLASSES: dict[str, type[Layer]] = {}


def layer_from_config(entry: dict) -> Layer:
    """The layer a {"class_name": ..., "config": get_config()} entry describes."""
    cls = LAYER_CLASSES.get(entry["class_name"])
    if cls is None:
        raise ValueError(f"unknown layer class {entry['class_name']!r}; known: {', '.join(LAYER_CLASSES)}")
    return cls.from_config(dict(entry["config"]))


def _unique(params) -> list[Parameter]:
    seen: set[int] = set()
    return [p for p in params if not (id(p) in seen or seen.add(id(p)))]


def as_input(x, keep_integers: bool = False, layer: Layer | None = None) -> Tensor:
    """A Tensor as is; an array or list as a constant Tensor, floats as float32 (Keras's floatx).
    Integers stay integers with keep_integers (token ids for an Embedding)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (list, tuple)) and x and all(isinstance(t, Tensor) for t in x):
        who = f" {layer.who}" if layer is not None else " a layer"
        raise TypeError(f"{who.strip()} got a list of {len(x)} tensors, not one tensor: a recurrent layer made with "
                        f"return_state=True returns [output, *states]; unpack it first (output, h = rnn(x)) and "
                        f"pass the output, or drop return_state=True inside a Sequential")
    arr = np.asarray(x)
    if keep_integers and arr.dtype.kind in "iu":
        return Tensor(arr)
    if arr.dtype.kind in "fiub" and arr.dtype != np.float32:
        arr = arr.astype(np.float32)   # NumPy's float64 (or uint8 pixels) would make every op float64
    return Tensor(arr)
