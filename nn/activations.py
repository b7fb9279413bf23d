"""Activation functions, as functions on tensors and as strings ('relu'); the same as layers (`ReLU()`) are in nn/layers/activations.py.

Every one is composed of engine ops, so its derivative comes from the engine's rules.

>>> import numpy as np; from tinygrad_edu import Tensor
>>> get("relu")(Tensor(np.array([-1.0, 2.0], dtype=np.float32))).data
array([0., 2.], dtype=float32)
"""

from __future__ import annotations

from typing import Callable

from tinygrad_edu import Tensor



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
