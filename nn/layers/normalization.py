"""Batch normalization: Keras's `BatchNormalization` (any axis, channels-last by default) and PyTorch's
`BatchNorm1d` / `BatchNorm2d` (channels on axis 1), on one function, `batch_norm`.

    y = γ · (x - μ) / √(σ² + ε) + β        μ, σ² per channel

While training, μ and σ² are the batch's own (over every axis but the channels'), and the gradient
flows through them too (the engine differentiates the mean and variance like any other op); each
step also moves the *moving* statistics a little towards them. At inference the moving statistics
are used, so one sample's output does not depend on the others in its batch.

    Keras    moving = momentum · moving + (1 - momentum) · batch      momentum 0.99, ε = 1e-3
    PyTorch  running = (1 - momentum) · running + momentum · batch     momentum 0.1,  ε = 1e-5
             (its momentum is 1 - Keras's; its running variance uses the unbiased σ²·n/(n-1))

>>> import numpy as np
>>> bn = BatchNormalization(input_shape=(3,))
>>> [w.shape for w in bn.get_weights()], bn.count_params(), len(bn.trainable_weights)
([(3,), (3,), (3,), (3,)], 12, 2)
"""

from __future__ import annotations

import warnings

import numpy as np

from tinygrad_edu import Tensor

from ..module import Layer, Parameter


def batch_norm(x: Tensor, axis: int, gamma, beta, mean, variance, epsilon: float) -> Tensor:
    """γ · (x - μ) / √(σ² + ε) + β with the per-channel γ, β, μ, σ² laid along `axis` of x.

    μ and σ² may be Tensors (a batch's statistics, differentiated through) or arrays (moving ones).
    """
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    along = tuple(shape)                          # (1, 1, 1, C) for channels-last images: broadcasts

    def lay(v):
        return v.reshape(along) if v.ndim == 1 else v

    out = (x - lay(mean)) * (lay(variance) + epsilon) ** -0.5
    if gamma is not None:
        out = out * lay(gamma)
    return out + lay(beta) if beta is not None else out


def _moments(x: Tensor, axis: int) -> tuple[Tensor, Tensor, int]:
    """The batch's mean and (biased) variance per channel, kept as Tensors, and how many values each has."""
    axes = tuple(a for a in range(x.ndim) if a != axis)
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=axes, keepdims=True)
    return mean, variance, int(np.prod([x.shape[a] for a in axes]))


def _make_weights(layer: Layer, channels: int, scale: str | None, shift: str | None, mean: str, variance: str) -> None:
    """The four weights, in Keras's order, under each library's names: scale γ = 1 and shift β = 0
    (learned, unless None), then the mean 0 and variance 1 a step moves but never learns."""
    for name, fill, learned in ((scale, 1.0, True), (shift, 0.0, True), (mean, 0.0, False), (variance, 1.0, False)):
        if name is not None:
            setattr(layer, name, Parameter(np.full(channels, fill, dtype=np.float32), label=f"{layer.name}.{name}",
                                           learned=learned))
            getattr(layer, name).group = layer.name


class BatchNormalization(Layer):
    """Keras's batch normalization; weights [gamma, beta, moving_mean, moving_variance], the last two non-trainable.

    >>> bn = BatchNormalization(input_shape=(2,))
    >>> x = np.array([[0.0, 10.0], [2.0, 30.0]], dtype=np.float32)
    >>> bn(x, training=True).data.round(3)          # each column to mean 0, variance ≈ 1
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    >>> bn.moving_mean.data.round(4)                 # moved 1% of the way to the batch's means
    array([0.01, 0.2 ], dtype=float32)

    `training` comes from the model (fit and train_on_batch train, predict and evaluate infer) or
    from a call's `training=` argument. As in Keras, a layer whose `trainable` is False always runs
    in inference mode, so a frozen model's statistics stay fixed too.
    A batch of one while training: each feature's batch variance is 0 and its mean the sample
    itself, so the output is β whatever the input (Keras's answer, given here with a warning).
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, name: str | None = None, input_shape: tuple | None = None):
        super().__init__(name)
        if not isinstance(axis, (int, np.integer)):
            raise ValueError(f"BatchNormalization '{self.name}': axis must be one integer (the channels' axis), "
                             f"got {axis!r}")
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNormalization '{self.name}': momentum must be in [0, 1] (Keras's: 0.99 keeps "
                             f"99% of the moving statistics each step), got {momentum!r}")
        self.axis, self.momentum, self.epsilon = int(axis), float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        if input_shape is not None:
            self.build((None,) + tuple(input_shape))

    def build(self, input_shape: tuple) -> None:
        axis = self._axis(len(input_shape), input_shape)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"BatchNormalization '{self.name}': the size of axis {self.axis} must be known, "
                             f"got input shape {tuple(input_shape)}")
        _make_weights(self, channels, "gamma" if self.scale else None, "beta" if self.center else None,
                      "moving_mean", "moving_variance")
        super().build(input_shape)

    def _axis(self, ndim: int, shape: tuple) -> int:
        if not -ndim <= self.axis < ndim or ndim < 2:
            raise ValueError(f"BatchNormalization '{self.name}': axis={self.axis} does not exist in input shape "
                             f"{tuple(shape)} (batch axis included); the channels are usually axis=-1")
        return self.axis % ndim

    def forward(self, x: Tensor) -> Tensor:
        """Normalize with the batch's statistics (training, and update the moving ones) or the moving ones."""
        axis = self._axis(x.ndim, x.shape)
        if x.shape[axis] != self.moving_mean.shape[0]:
            raise ValueError(f"BatchNormalization '{self.name}' was built for {self.moving_mean.shape[0]} channels on "
                             f"axis {self.axis}, got input shape {x.shape}")
        gamma = self.gamma if self.scale else None
        beta = self.beta if self.center else None
        if not (self.training and self.trainable):
            return batch_norm(x, axis, gamma, beta, self.moving_mean.data, self.moving_variance.data, self.epsilon)
        mean, variance, count = _moments(x, axis)
        if count == 1:
            warnings.warn(f"BatchNormalization '{self.name}': a batch of one while training (input shape {x.shape}): "
                          f"its variance is 0, so every output is beta whatever the input (Keras's answer); train "
                          f"with batch_size ≥ 2, or call with training=False to use the moving statistics",
                          UserWarning, stacklevel=3)
        keep = self.momentum                        # the update is bookkeeping, not part of the graph
        self.moving_mean.data[...] = keep * self.moving_mean.data + (1 - keep) * mean.data.reshape(-1)
        self.moving_variance.data[...] = keep * self.moving_variance.data + (1 - keep) * variance.data.reshape(-1)
        return batch_norm(x, axis, gamma, beta, mean, variance, self.epsilon)

    def get_config(self) -> dict:
        return {"axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale, "name": self.name,
                "input_shape": list(self.input_shape[1:]) if self.built else None}

    def extra_repr(self) -> str:
        return f"axis={self.axis}, momentum={self.momentum}, epsilon={self.epsilon}"


class _BatchNorm(Layer):
    """PyTorch's batch normalization over axis 1: weight γ, bias β, running_mean, running_var."""

    dims: tuple[int, ...] = ()      # the input ranks the class takes (BatchNorm1d: 2 or 3; 2d: 4)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                 name: str | None = None):
        super().__init__(name)
        if not isinstance(num_features, (int, np.integer)) or num_features < 1:
            raise ValueError(f"{type(self).__name__}(num_features): a positive integer, got {num_features!r}")
        self.num_features, self.eps, self.momentum, self.affine = int(num_features), float(eps), float(momentum), affine
        _make_weights(self, self.num_features, "weight" if affine else None, "bias" if affine else None,
                      "running_mean", "running_var")

    def forward(self, x: Tensor) -> Tensor:
        who = self.who
        if x.ndim not in self.dims or x.shape[1] != self.num_features:
            layout = " or ".join({2: "(N, C)", 3: "(N, C, L)", 4: "(N, C, H, W)"}[d] for d in self.dims)
            raise ValueError(f"{who} expects {layout} with C = {self.num_features} (channels first), "
                             f"got shape {x.shape}")
        weight = self.weight if self.affine else None
        bias = self.bias if self.affine else None
        if not (self.training and self.trainable):
            return batch_norm(x, 1, weight, bias, self.running_mean.data, self.running_var.data, self.eps)
        mean, variance, count = _moments(x, 1)
        if count == 1:
            raise ValueError(f"{who}: expected more than 1 value per channel when training, got input shape "
                             f"{x.shape} (as PyTorch): a batch of one has no spread to normalize by; use a bigger "
                             f"batch, or .eval() to use the running statistics")
        m = self.momentum
        unbiased = variance.data.reshape(-1) * (count / (count - 1))
        self.running_mean.data[...] = (1 - m) * self.running_mean.data + m * mean.data.reshape(-1)
        self.running_var.data[...] = (1 - m) * self.running_var.data + m * unbiased
        return batch_norm(x, 1, weight, bias, mean, variance, self.eps)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {"num_features": self.num_features, "eps": self.eps, "momentum": self.momentum,
                "affine": self.affine, "name": self.name}

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"


class BatchNorm1d(_BatchNorm):
    """PyTorch's BatchNorm1d over (N, C) or (N, C, L).

    >>> BatchNorm1d(3)(np.ones((4, 3), dtype=np.float32)).shape
    (4, 3)
    """
    dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """PyTorch's BatchNorm2d over (N, C, H, W) images, channels first.

    >>> BatchNorm2d(3)(np.ones((2, 3, 4, 4), dtype=np.float32)).shape
    (2, 3, 4, 4)
    """
    dims = (4,)
