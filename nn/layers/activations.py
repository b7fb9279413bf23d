"""Activation layers, Keras's: `Activation('relu')`, `ReLU()`, `Sigmoid()`, `Tanh()`, `Softmax()`, `LeakyReLU()`, `Gaussian()`.

Each applies one of nn/activations.py's functions; `pre_activation` gives a fused loss the logits.

>>> from tinygrad_edu import Tensor
>>> ReLU()(Tensor([-1.0, 1.0])).data
array([0., 1.], dtype=float32)
"""

from __future__ import annotations

from typing import Callable

from tinygrad_edu import Tensor

from ..activations import get, leaky_relu, name_of
from ..module import Layer


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
    """x for x > 0 else negative_slope·x; Keras 3's default slope 0.3 (PyTorch's nn.LeakyReLU: 0.01).

    >>> LeakyReLU(0.1)(Tensor([-1.0])).data
    array([-0.1], dtype=float32)
    >>> LeakyReLU(alpha=0.2).negative_slope       # Keras 2's name, as GAN tutorials write it
    0.2
    """

    def __init__(self, negative_slope: float = 0.3, name: str | None = None, alpha: float | None = None):
        super().__init__("leaky_relu", name)
        if alpha is not None:
            if negative_slope != 0.3:
                raise TypeError(f"LeakyReLU '{self.name}': give the slope once, negative_slope={negative_slope!r} "
                                f"or alpha={alpha!r} (Keras 2's name for it), not both")
            negative_slope = alpha
        if not isinstance(negative_slope, (int, float)) or isinstance(negative_slope, bool) or negative_slope < 0:
            raise ValueError(f"LeakyReLU '{self.name}': negative_slope must be a number ≥ 0, got {negative_slope!r}")
        self.negative_slope = float(negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        return leaky_relu(x, self.negative_slope)

    def get_config(self) -> dict:
        return {"negative_slope": self.negative_slope, "name": self.name}

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"
