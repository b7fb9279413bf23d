"""Activation functions, as functions on tensors, as strings ('relu') and as layers (`ReLU()`).

Every one is composed of engine ops, so its derivative comes from the engine's rules.

>>> import numpy as np; from tinygrad_edu import Tensor
>>> get("relu")(Tensor(np.array([-1.0, 2.0], dtype=np.float32))).data
array([0., 2.], dtype=float32)
"""

from __future__ import annotations

from typing import Callable

from tinygrad_edu import Tensor

from .module import Layer


def relu(x: Tensor) -> Tensor:
    """max(x, 0); derivative 1 for x > 0, else 0."""
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    """σ(x) = 1/(1+e⁻ˣ); σ' = σ(1-σ)."""
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    """tanh x = 2σ(2x) - 1; tanh' = 1 - tanh²."""
    return x.tanh()


def softmax(x: Tensor) -> Tensor:
    """eˣⁱ / Σⱼ eˣʲ over the last axis (the classes)."""
    return x.softmax(axis=-1)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, else slope·x (PyTorch's default slope 0.01)."""
    return x.leaky_relu(negative_slope)


def linear(x: Tensor) -> Tensor:
    """x itself (Keras's 'linear' = no activation)."""
    return x


def gaussian(x: Tensor) -> Tensor:
    """e^(-x²), the course's Gaussian activation; derivative -2x·e^(-x²)."""
    return (-(x * x)).exp()


ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "relu": relu, "sigmoid": sigmoid, "tanh": tanh, "softmax": softmax,
    "leaky_relu": leaky_relu, "linear": linear, "gaussian": gaussian,
}


def get(identifier: str | Callable | None) -> Callable[[Tensor], Tensor]:
    """The activation function for a Keras string, a callable (returned as is) or None (linear).

    >>> get(None) is linear
    True
    """
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in ACTIVATIONS:
        return ACTIVATIONS[identifier]
    raise ValueError(f"unknown activation {identifier!r}; known activations: {', '.join(ACTIVATIONS)}")


def name_of(fn: Callable) -> str | None:
    """The registered string of an activation function, or None for a user's own function."""
    return next((k for k, v in ACTIVATIONS.items() if v is fn), None)


# ---- the same functions as layers ------------------------------------------------------------------

class Activation(Layer):
    """A layer applying an activation: `Activation('relu')`, as Keras's.

    >>> Activation("tanh")(Tensor([0.0])).data
    array([0.], dtype=float32)
    """

    def __init__(self, activation: str | Callable, name: str | None = None):
        super().__init__(name)
        self.activation = get(activation)
        self.activation_name = activation if isinstance(activation, str) else name_of(self.activation)

    def forward(self, x: Tensor) -> Tensor:
        return self.activation(x)

    def pre_activation(self, x: Tensor) -> Tensor:
        """x itself, the value before the activation: the logits a fused loss takes
        (see `nn.losses.Loss.fuses`)."""
        return x

    def get_config(self) -> dict:
        if self.activation_name is None:
            raise ValueError(f"Activation layer '{self.name}' holds a custom function; it cannot be saved as JSON")
        return {"activation": self.activation_name, "name": self.name}

    def extra_repr(self) -> str:
        return repr(self.activation_name or self.activation)


class _Fixed(Activation):
    """An Activation layer whose function is fixed by its class (ReLU, Sigmoid, ...)."""

    kind = "linear"

    def __init__(self, name: str | None = None):
        super().__init__(self.kind, name)

    def get_config(self) -> dict:
        return {"name": self.name}

    def extra_repr(self) -> str:
        return ""


class ReLU(_Fixed):
    """max(x, 0) as a layer.

    >>> ReLU()(Tensor([-1.0, 1.0])).data
    array([0., 1.], dtype=float32)
    """
    kind = "relu"


class Sigmoid(_Fixed):
    """σ(x) as a layer.

    >>> Sigmoid()(Tensor([0.0])).data
    array([0.5], dtype=float32)
    """
    kind = "sigmoid"


class Tanh(_Fixed):
    """tanh(x) as a layer.

    >>> Tanh()(Tensor([0.0])).data
    array([0.], dtype=float32)
    """
    kind = "tanh"


class Softmax(_Fixed):
    """Softmax over the last axis as a layer.

    >>> Softmax()(Tensor([0.0, 0.0])).data
    array([0.5, 0.5], dtype=float32)
    """
    kind = "softmax"


class Gaussian(_Fixed):
    """e^(-x²) as a layer.

    >>> Gaussian()(Tensor([0.0])).data
    array([1.], dtype=float32)
    """
    kind = "gaussian"


class LeakyReLU(Activation):
    """x for x > 0 else negative_slope·x.

    >>> LeakyReLU(0.1)(Tensor([-1.0])).data
    array([-0.1], dtype=float32)
    """

    def __init__(self, negative_slope: float = 0.01, name: str | None = None):
        super().__init__("leaky_relu", name)
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return leaky_relu(x, self.negative_slope)

    def get_config(self) -> dict:
        return {"negative_slope": self.negative_slope, "name": self.name}

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"
