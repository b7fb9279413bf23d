"""Layers: `Dense` (Keras), `Linear` (PyTorch), `Flatten`, `Reshape` and `Dropout`.

>>> import numpy as np; from nn.layers import Dense
>>> Dense(3, activation="relu")(np.ones((2, 4), dtype=np.float32)).shape   # input width found at the first call
(2, 3)
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from tinygrad_edu import Tensor, group

from .. import activations, initializers, regularizers
from ..module import Layer, Parameter
from ..seed import generator


def _check_width(layer: Layer, x: Tensor, expected: int) -> None:
    if x.ndim < 1 or x.shape[-1] != expected:
        got = x.shape[-1] if x.ndim else "a scalar"
        raise ValueError(f"{type(layer).__name__} '{layer.name}' expects {expected} features, got {got} "
                         f"(input shape {x.shape})")


class Dense(Layer):
    """A fully connected layer: activation(x @ kernel + bias), kernel of shape (inputs, units).

    >>> layer = Dense(64, activation="relu", input_dim=784)
    >>> layer.kernel.shape, layer.bias.shape, layer.count_params()
    ((784, 64), (64,), 50240)

    Without `input_dim` the kernel is made at the first call, from the input's last axis.
    The forward pass is one matmul and one broadcast add (then the activation): the bias's
    gradient is the engine undoing that broadcast, a sum over the batch.
    """

    def __init__(self, units: int, activation: str | Callable | None = None, input_dim: int | None = None,
                 use_bias: bool = True, kernel_initializer: str | Callable = "glorot_uniform",
                 kernel_regularizer=None, name: str | None = None, input_shape: tuple | None = None):
        super().__init__(name)
        if not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"Dense(units): units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.activation_name = activation if isinstance(activation, str) or activation is None \
            else activations.name_of(self.activation)
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.kernel_initializer_fn = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        if input_shape is not None and input_dim is None:
            self.build((None,) + tuple(input_shape))      # (T, F): a Dense on every time step, (None, T, units)
        elif input_dim is not None:
            self.build((None, int(input_dim)))

    def build(self, input_shape: tuple) -> None:
        self.kernel = Parameter(self.kernel_initializer_fn((input_shape[-1], self.units)), label=f"{self.name}.kernel")
        self.kernel.group = self.name
        if self.use_bias:
            self.bias = Parameter(np.zeros(self.units, dtype=np.float32), label=f"{self.name}.bias")
            self.bias.group = self.name
        super().build(input_shape)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.units,)

    def forward(self, x: Tensor) -> Tensor:
        """activation(x @ kernel + bias)."""
        return self.activation(self.pre_activation(x))

    def pre_activation(self, x: Tensor) -> Tensor:
        """x @ kernel + bias, the value before the activation: the logits a fused loss takes
        (see `nn.losses.Loss.fuses`)."""
        _check_width(self, x, self.kernel.shape[0])
        z = x @ self.kernel
        return z + self.bias if self.use_bias else z

    def regularization_loss(self) -> Tensor | None:
        """kernel_regularizer(kernel), the penalty this layer adds to the loss (None without one)."""
        if self.kernel_regularizer is None:
            return None
        with group(self.name):        # the penalty is drawn inside this layer's box
            return self.kernel_regularizer(self.kernel)

    def get_config(self) -> dict:
        input_dim = self.input_shape[-1] if self.built else None
        custom_activation = self.activation_name is None and self.activation is not activations.linear
        if custom_activation or not isinstance(self.kernel_initializer, str):
            what = "activation" if custom_activation else "kernel_initializer"
            raise ValueError(f"Dense '{self.name}': a custom {what} function cannot be saved as JSON")
        return {"units": self.units, "activation": self.activation_name, "input_dim": input_dim,
                "use_bias": self.use_bias, "kernel_initializer": self.kernel_initializer,
                "kernel_regularizer": self.kernel_regularizer.get_config() if self.kernel_regularizer else None,
                "name": self.name}

    def extra_repr(self) -> str:
        act = f", activation={self.activation_name!r}" if self.activation_name not in (None, "linear") else ""
        width = f", input_dim={self.input_shape[-1]}" if self.built else ""
        return f"{self.units}{act}{width}"


class Linear(Layer):
    """PyTorch's fully connected layer: x @ weightᵀ + bias, weight of shape (out_features, in_features).

    >>> Linear(4, 3).weight.shape
    (3, 4)

    Initialised as PyTorch does: weight and bias ~ U(-1/√in_features, 1/√in_features)
    (kaiming_uniform with a = √5 works out to this bound), so weights copied from torch fit as is.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, name: str | None = None):
        super().__init__(name)
        self.in_features, self.out_features, self.use_bias = int(in_features), int(out_features), bias
        bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
        rng = generator()
        self.weight = Parameter(rng.uniform(-bound, bound, (out_features, in_features)).astype(np.float32),
                                label=f"{self.name}.weight")
        self.weight.group = self.name
        if bias:
            self.bias = Parameter(rng.uniform(-bound, bound, out_features).astype(np.float32), label=f"{self.name}.bias")
            self.bias.group = self.name
        super().build((None, in_features))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.out_features,)

    def forward(self, x: Tensor) -> Tensor:
        _check_width(self, x, self.in_features)
        z = x @ self.weight.T     # .T is a view in NumPy: no copy of the weights
        return z + self.bias if self.use_bias else z

    def get_config(self) -> dict:
        return {"in_features": self.in_features, "out_features": self.out_features, "bias": self.use_bias,
                "name": self.name}

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.use_bias}"


class Flatten(Layer):
    """Merge every axis but the batch axis: (N, 28, 28) -> (N, 784), (N, 7, 7, 32) -> (N, 1568).

    >>> Flatten()(np.zeros((2, 28, 28), dtype=np.float32)).shape
    (2, 784)

    In channels-last order, as Keras: the channel index runs fastest, so entry (i, j, c) of a
    (7, 7, 32) feature map lands at i·7·32 + j·32 + c. (PyTorch flattens (C, H, W), channel
    slowest: to_torch() permutes back to channels-last before its Flatten, so the weights of the
    Dense after it mean the same in both.)
    """

    def __init__(self, name: str | None = None, input_shape: tuple | None = None):
        super().__init__(name)
        if input_shape is not None:
            self.build((None,) + tuple(input_shape))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        rest = input_shape[1:]
        return (input_shape[0], int(np.prod(rest)) if all(d is not None for d in rest) else None)

    def forward(self, x: Tensor) -> Tensor:
        return x if x.ndim == 2 else x.flatten(1)   # already flat: no reshape node at all


class Reshape(Layer):
    """Give each sample a new shape, the batch axis kept: Reshape((7, 7, 128)) turns (N, 6272) into (N, 7, 7, 128).

    >>> Reshape((7, 7, 2))(np.zeros((3, 98), dtype=np.float32)).shape
    (3, 7, 7, 2)

    One entry may be -1, worked out from the rest (as NumPy's reshape). A GAN's generator uses it
    to turn its Dense output into a small image that Conv2DTranspose layers then enlarge.
    """

    def __init__(self, target_shape: tuple, name: str | None = None, input_shape: tuple | None = None):
        super().__init__(name)
        target = tuple(target_shape) if isinstance(target_shape, (tuple, list)) else (target_shape,)
        if not all(isinstance(d, (int, np.integer)) and (d > 0 or d == -1) for d in target) or target.count(-1) > 1:
            raise ValueError(f"Reshape '{self.name}': target_shape must be positive integers (at most one -1), "
                             f"without the batch axis, e.g. Reshape((7, 7, 128)); got {target_shape!r}")
        self.target_shape = tuple(int(d) for d in target)
        if input_shape is not None:
            self.build((None,) + tuple(input_shape))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        size = int(np.prod(input_shape[1:])) if all(d is not None for d in input_shape[1:]) else None
        known = int(np.prod([d for d in self.target_shape if d != -1]))
        if size is None:
            return (input_shape[0],) + self.target_shape
        if (-1 in self.target_shape and size % known) or (-1 not in self.target_shape and size != known):
            raise ValueError(f"Reshape '{self.name}': a sample of shape {tuple(input_shape[1:])} has {size} values, "
                             f"which do not fit target_shape {self.target_shape} ({known} values); the target's "
                             f"sizes must multiply to {size}")
        return (input_shape[0],) + tuple(size // known if d == -1 else d for d in self.target_shape)

    def forward(self, x: Tensor) -> Tensor:
        shape = self.compute_output_shape((None,) + x.shape[1:])
        return x.reshape((x.shape[0],) + shape[1:])

    def get_config(self) -> dict:
        return {"target_shape": list(self.target_shape), "name": self.name}

    def extra_repr(self) -> str:
        return f"{self.target_shape}"


class Dropout(Layer):
    """Zero each input with probability `rate` while training, scaling the rest by 1/(1-rate).

    >>> d = Dropout(0.5).eval(); d(np.ones((1, 4), dtype=np.float32)).data   # inference: identity
    array([[1., 1., 1., 1.]], dtype=float32)

    Scaling at training time ("inverted dropout", as Keras and PyTorch) keeps the expected
    activation equal in both modes, so inference needs no rescaling.
    """

    def __init__(self, rate: float, name: str | None = None, input_shape: tuple | None = None):
        super().__init__(name)
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout(rate): rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)
        if input_shape is not None:
            self.build((None,) + tuple(input_shape))

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.rate == 0:
            return x
        keep = generator().random(x.shape, dtype=np.float32) >= self.rate
        mask = keep.astype(x.dtype) / x.dtype.type(1 - self.rate)   # x.dtype scalar: no float64 upcast
        return x * mask

    def get_config(self) -> dict:
        return {"rate": self.rate, "name": self.name}

    def extra_repr(self) -> str:
        return f"rate={self.rate}"
