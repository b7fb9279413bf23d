"""Convolution layers: Keras's `Conv2D`, channels-last (N, H, W, C), and PyTorch's `Conv2d`, channels-first (N, C, H, W);
their transposes, which enlarge images (a DCGAN's generator), and `UpSampling2D`.

    Conv2D(filters, kernel_size, ...)                   kernel (kh, kw, in, filters), bias (filters,)   Keras
    Conv2d(in_channels, out_channels, k, ...)           weight (out, in, kh, kw), bias (out,)            PyTorch
    Conv2DTranspose(filters, kernel_size, ...)          kernel (kh, kw, filters, in), bias (filters,)   Keras
    ConvTranspose2d(in_channels, out_channels, k, ...)  weight (in, out, kh, kw), bias (out,)            PyTorch
    UpSampling2D(size)                                  each pixel repeated size[0] × size[1] times      Keras

Both are the engine's `conv2d` (tinygrad_edu/conv.py: windows of the image, then a matrix product);
PyTorch's layer transposes to channels-last and back around the same call, as `Linear` sits beside
`Dense` on the same matrix product. The shape checks here are shared with the pooling layers.

>>> import numpy as np
>>> Conv2D(16, (3, 3), activation="relu", padding="same", input_shape=(28, 28, 1)).count_params()
160
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from tinygrad_edu import Tensor, conv2d, group, pad
from tinygrad_edu.conv import check_images, check_padding, conv2d_transpose, conv_output_size, conv_transpose_size, size_pair

from .. import activations, initializers, regularizers
from ..module import Layer, Parameter
from ..seed import generator


# ---- Keras, channels-last ---------------------------------------------------------------------------

class Conv2D(Layer):
    """A 2-D convolution over (N, H, W, C) images: activation(conv2d(x, kernel) + bias).

    out[n, i, j, f] = Σₐ Σ_b Σ_c x[n, i·sh + a, j·sw + b, c] · kernel[a, b, c, f] + bias[f]

    >>> layer = Conv2D(32, (3, 3), activation="relu", padding="same", input_shape=(14, 14, 16))
    >>> layer.kernel.shape, layer.bias.shape, layer.count_params(), layer.output_shape
    ((3, 3, 16, 32), (32,), 4640, (None, 14, 14, 32))

    Each of the `filters` kernels slides over the image and gives one channel of the output (a
    feature map); its weights are shared by every position. `padding='same'` keeps H×W (for
    stride 1), adding the odd extra row/column at the bottom/right as TensorFlow does.
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                 activation: str | Callable | None = None, use_bias: bool = True,
                 kernel_initializer: str | Callable = "glorot_uniform", bias_initializer: str | Callable = "zeros",
                 kernel_regularizer=None, input_shape: tuple | None = None, name: str | None = None):
        super().__init__(name)
        if not isinstance(filters, (int, np.integer)) or filters < 1:
            raise ValueError(f"Conv2D '{self.name}': filters must be a positive integer, got {filters!r}")
        self.filters = int(filters)
        self.kernel_size = size_pair(self.who, "kernel_size", kernel_size)
        self.strides = size_pair(self.who, "strides", strides)
        self.padding = check_padding(self.who, padding)
        self.activation = activations.get(activation)
        self.activation_name = activation if isinstance(activation, str) or activation is None \
            else activations.name_of(self.activation)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        if input_shape is not None:
            self.build((None,) + tuple(input_shape))

    def build(self, input_shape: tuple) -> None:
        check_images(self.who, input_shape)
        self.compute_output_shape(input_shape)         # a kernel bigger than the image fails here, at once
        shape = self.kernel_size + (input_shape[3], self.filters)
        self.kernel = Parameter(initializers.get(self.kernel_initializer)(shape), label=f"{self.name}.kernel")
        self.kernel.group = self.name
        if self.use_bias:
            self.bias = Parameter(initializers.get(self.bias_initializer)((self.filters,)), label=f"{self.name}.bias")
            self.bias.group = self.name
        super().build(input_shape)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        check_images(self.who, input_shape)
        size = conv_output_size(self.who, "kernel", input_shape, self.kernel_size, self.strides, self.padding)
        return (input_shape[0], *size, self.filters)

    def forward(self, x: Tensor) -> Tensor:
        """activation(conv2d(x, kernel) + bias)."""
        return self.activation(self.pre_activation(x))

    def pre_activation(self, x: Tensor) -> Tensor:
        """conv2d(x, kernel) + bias, before the activation (what a fused loss takes; see `nn.losses.Loss.fuses`)."""
        check_images(self.who, x.shape, self.kernel.shape[2])
        self.compute_output_shape(x.shape)
        return conv2d(x, self.kernel, self.bias if self.use_bias else None, self.strides, self.padding)

    def regularization_loss(self) -> Tensor | None:
        """kernel_regularizer(kernel), the penalty this layer adds to the loss (None without one)."""
        if self.kernel_regularizer is None:
            return None
        with group(self.name):
            return self.kernel_regularizer(self.kernel)

    def get_config(self) -> dict:
        custom_activation = self.activation_name is None and self.activation is not activations.linear
        if custom_activation or not all(isinstance(i, str) for i in (self.kernel_initializer, self.bias_initializer)):
            what = "activation" if custom_activation else "initializer"
            raise ValueError(f"Conv2D '{self.name}': a custom {what} function cannot be saved as JSON")
        return {"filters": self.filters, "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                "padding": self.padding, "activation": self.activation_name, "use_bias": self.use_bias,
                "kernel_initializer": self.kernel_initializer, "bias_initializer": self.bias_initializer,
                "kernel_regularizer": self.kernel_regularizer.get_config() if self.kernel_regularizer else None,
                "input_shape": list(self.input_shape[1:]) if self.built else None, "name": self.name}

    def extra_repr(self) -> str:
        act = f", activation={self.activation_name!r}" if self.activation_name not in (None, "linear") else ""
        return f"{self.filters}, kernel_size={self.kernel_size}, strides={self.strides}, padding={self.padding!r}{act}"


# ---- PyTorch, channels-first --------------------------------------------------------------------------

def _check_nchw(layer: Layer, x: Tensor, channels: int | None) -> None:
    who = layer.who
    if x.ndim != 4:
        hint = f"; for one-channel images use X.reshape(-1, 1, {x.shape[-2]}, {x.shape[-1]})" if x.ndim == 3 else ""
        raise ValueError(f"{who} expects images as (batch, channels, height, width), got shape {x.shape}{hint}")
    if channels is not None and x.shape[1] != channels:
        if x.shape[3] == channels:
            raise ValueError(f"{who} expects channels first (batch, {channels}, height, width), got shape {x.shape}, "
                             f"which looks channels-last: use X.transpose(0, 3, 1, 2)")
        raise ValueError(f"{who} expects {channels} channels, got shape {x.shape} with {x.shape[1]}")


def _torch_padding(layer_name: str, padding) -> tuple[int, int]:
    pair = (padding, padding) if isinstance(padding, (int, np.integer)) else tuple(padding)
    if len(pair) != 2 or not all(isinstance(p, (int, np.integer)) and p >= 0 for p in pair):
        raise ValueError(f"{layer_name}: padding must be a non-negative integer or a pair of them, got {padding!r}")
    return int(pair[0]), int(pair[1])


def _padded_nhwc(input_shape: tuple, padding: tuple[int, int]) -> tuple:
    """A channels-first (N, C, H, W) shape as the engine's checks read it: (N, H + 2ph, W + 2pw, C)."""
    n, c, h, w = input_shape
    (ph, pw) = padding
    return (n, None if h is None else h + 2 * ph, None if w is None else w + 2 * pw, c)


def _torch_conv_arguments(layer: Layer, in_channels, out_channels, kernel_size, stride, padding, bias) -> None:
    """PyTorch's Conv2d and ConvTranspose2d arguments, checked and kept on the layer."""
    layer.in_channels, layer.out_channels, layer.use_bias = int(in_channels), int(out_channels), bias
    layer.kernel_size = size_pair(layer.who, "kernel_size", kernel_size)
    layer.stride = size_pair(layer.who, "stride", stride)
    layer.padding = _torch_padding(layer.who, padding)


def _torch_weights(layer: Layer, shape: tuple, fan_in_channels: int, bias: bool) -> None:
    """weight of `shape` and bias (shape[1] or shape[0] entries: the output channels) as PyTorch
    initialises them: U(-1/√fan_in, 1/√fan_in), fan_in = fan_in_channels · kh · kw."""
    fan_in = fan_in_channels * shape[2] * shape[3]
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    rng = generator()
    layer.weight = Parameter(rng.uniform(-bound, bound, shape).astype(np.float32), label=f"{layer.name}.weight")
    layer.weight.group = layer.name
    if bias:
        layer.bias = Parameter(rng.uniform(-bound, bound, layer.out_channels).astype(np.float32),
                               label=f"{layer.name}.bias")
        layer.bias.group = layer.name


class Conv2d(Layer):
    """PyTorch's convolution over (N, C, H, W): weight (out_channels, in_channels, kh, kw), bias (out_channels,).

    >>> Conv2d(1, 16, 3, padding=1)(np.zeros((2, 1, 28, 28), dtype=np.float32)).shape
    (2, 16, 28, 28)

    Initialised as PyTorch does: weight and bias ~ U(-1/√fan_in, 1/√fan_in), fan_in = in·kh·kw.
    `padding` is zeros on every side (an int or (ph, pw)).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, bias: bool = True,
                 name: str | None = None):
        super().__init__(name)
        _torch_conv_arguments(self, in_channels, out_channels, kernel_size, stride, padding, bias)
        _torch_weights(self, (self.out_channels, self.in_channels) + self.kernel_size, self.in_channels, bias)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        size = conv_output_size(self.who, "kernel", _padded_nhwc(input_shape, self.padding), self.kernel_size,
                                self.stride, "valid")
        return (input_shape[0], self.out_channels, *size)

    def forward(self, x: Tensor) -> Tensor:
        _check_nchw(self, x, self.in_channels)
        self.compute_output_shape(x.shape)
        (ph, pw) = self.padding
        x = pad(x.transpose(0, 2, 3, 1), ((0, 0), (ph, ph), (pw, pw), (0, 0)), 0.0)     # to (N, H, W, C)
        out = conv2d(x, self.weight.transpose(2, 3, 1, 0), self.bias if self.use_bias else None, self.stride)
        return out.transpose(0, 3, 1, 2)                                                  # back to (N, C, H, W)

    def get_config(self) -> dict:
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": list(self.kernel_size), "stride": list(self.stride), "padding": list(self.padding),
                "bias": self.use_bias, "name": self.name}

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}")


# ---- enlarging images: the transposed convolution and up-sampling -----------------------------------

class Conv2DTranspose(Conv2D):
    """Keras's transposed convolution over (N, H, W, C): each input pixel spreads a kernel-weighted
    kh × kw patch into an output `strides` times bigger; overlapping patches add up.

    >>> layer = Conv2DTranspose(64, (4, 4), strides=(2, 2), padding="same", input_shape=(7, 7, 128))
    >>> layer.kernel.shape, layer.output_shape
    ((4, 4, 64, 128), (None, 14, 14, 64))

    It is the transpose of Conv2D with the same kernel, strides and padding (its reverse rule for
    the input, run forward: tinygrad_edu/conv.py's conv2d_transpose), so the kernel is laid out
    as that Conv2D's, (kh, kw, filters, in_channels). Output sizes, as Keras's: H·s for 'same',
    H·s + max(k - s, 0) for 'valid'.
    """

    def build(self, input_shape: tuple) -> None:
        check_images(self.who, input_shape)
        shape = self.kernel_size + (self.filters, input_shape[3])
        self.kernel = Parameter(initializers.get(self.kernel_initializer)(shape), label=f"{self.name}.kernel")
        self.kernel.group = self.name
        if self.use_bias:
            self.bias = Parameter(initializers.get(self.bias_initializer)((self.filters,)), label=f"{self.name}.bias")
            self.bias.group = self.name
        Layer.build(self, input_shape)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        check_images(self.who, input_shape)
        size = [None if n is None else conv_transpose_size(n, k, s, self.padding)
                for n, k, s in zip(input_shape[1:3], self.kernel_size, self.strides)]
        return (input_shape[0], *size, self.filters)

    def pre_activation(self, x: Tensor) -> Tensor:
        """conv2d_transpose(x, kernel) + bias, before the activation."""
        check_images(self.who, x.shape, self.kernel.shape[3])
        return conv2d_transpose(x, self.kernel, self.bias if self.use_bias else None, self.strides, self.padding)


class ConvTranspose2d(Layer):
    """PyTorch's transposed convolution over (N, C, H, W): weight (in_channels, out_channels, kh, kw).

    >>> ConvTranspose2d(8, 4, 4, stride=2, padding=1)(np.zeros((2, 8, 7, 7), dtype=np.float32)).shape
    (2, 4, 14, 14)

    Output size (H - 1)·stride - 2·padding + kernel_size + output_padding, as PyTorch's; `padding`
    here crops the output (it is the padding of the convolution this one transposes).
    Initialised as PyTorch does: U(-1/√fan_in, 1/√fan_in), fan_in = out_channels·kh·kw.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 bias: bool = True, name: str | None = None):
        super().__init__(name)
        _torch_conv_arguments(self, in_channels, out_channels, kernel_size, stride, padding, bias)
        self.output_padding = _torch_padding(self.who, output_padding)
        if any(op >= s for op, s in zip(self.output_padding, self.stride)):
            raise ValueError(f"{self.who}: output_padding {self.output_padding} must be smaller than stride {self.stride}")
        _torch_weights(self, (self.in_channels, self.out_channels) + self.kernel_size, self.out_channels, bias)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        size = [None if n is None else (n - 1) * s - 2 * p + k + op for n, k, s, p, op in
                zip(input_shape[2:4], self.kernel_size, self.stride, self.padding, self.output_padding)]
        if any(n is not None and n < 1 for n in size):
            raise ValueError(f"ConvTranspose2d '{self.name}': padding {self.padding} crops the whole output of "
                             f"input shape {tuple(input_shape)}; use less padding")
        return (input_shape[0], self.out_channels, *size)

    def forward(self, x: Tensor) -> Tensor:
        _check_nchw(self, x, self.in_channels)
        _, _, oh, ow = self.compute_output_shape(x.shape)
        kernel = self.weight.transpose(2, 3, 1, 0)              # (in, out, kh, kw) -> Keras's (kh, kw, out, in)
        full = conv2d_transpose(x.transpose(0, 2, 3, 1), kernel, None, self.stride, "valid")
        (ph, pw) = self.padding
        short = (max(ph + oh - full.shape[1], 0), max(pw + ow - full.shape[2], 0))
        if any(short):      # output_padding past what the patches reach: rows that get only the bias
            full = pad(full, ((0, 0), (0, short[0]), (0, short[1]), (0, 0)), 0.0)
        out = full[:, ph:ph + oh, pw:pw + ow, :]
        if self.use_bias:
            out = out + self.bias
        return out.transpose(0, 3, 1, 2)                          # back to (N, C, H, W)

    def get_config(self) -> dict:
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": list(self.kernel_size), "stride": list(self.stride), "padding": list(self.padding),
                "output_padding": list(self.output_padding), "bias": self.use_bias, "name": self.name}

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}")


class UpSampling2D(Layer):
    """Repeat each pixel size[0] times down and size[1] times across: (N, H, W, C) -> (N, 2H, 2W, C).

    >>> UpSampling2D()(np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1))[0, :, :, 0].data
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.],
           [2., 2., 3., 3.],
           [2., 2., 3., 3.]], dtype=float32)

    No weights. Composed of a reshape and a broadcast product with ones, so its gradient sums each
    size[0] × size[1] block back into the pixel it came from. Only 'nearest' interpolation.
    """

    def __init__(self, size=(2, 2), interpolation: str = "nearest", name: str | None = None,
                 input_shape: tuple | None = None):
        super().__init__(name)
        self.size = size_pair(self.who, "size", size)
        if interpolation != "nearest":
            raise ValueError(f"UpSampling2D '{self.name}': only interpolation='nearest' is built here, "
                             f"got {interpolation!r}")
        self.interpolation = interpolation
        if input_shape is not None:
            self.build((None,) + tuple(input_shape))

    def build(self, input_shape: tuple) -> None:
        check_images(self.who, input_shape)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        check_images(self.who, input_shape)
        n, h, w, c = input_shape
        return (n, None if h is None else h * self.size[0], None if w is None else w * self.size[1], c)

    def forward(self, x: Tensor) -> Tensor:
        check_images(self.who, x.shape)
        n, h, w, c = x.shape
        (sh, sw) = self.size
        ones = np.ones((1, 1, sh, 1, sw, 1), dtype=x.dtype)
        return (x.reshape(n, h, 1, w, 1, c) * ones).reshape(n, h * sh, w * sw, c)

    def get_config(self) -> dict:
        return {"size": list(self.size), "interpolation": self.interpolation, "name": self.name}

    def extra_repr(self) -> str:
        return f"size={self.size}"
