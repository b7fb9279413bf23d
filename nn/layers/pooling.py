"""Pooling layers: Keras's, channels-last (N, H, W, C), and PyTorch's, channels-first (N, C, H, W).

    MaxPooling2D / AveragePooling2D            pool_size=(2, 2), strides=pool_size              Keras
    GlobalAveragePooling2D                     (N, H, W, C) -> (N, C), the mean of each channel  Keras
    MaxPool2d / AvgPool2d                      kernel_size, stride=kernel_size, padding=0        PyTorch

Every one is the engine's `max_pool2d` / `avg_pool2d` (tinygrad_edu/conv.py: windows of the image,
then a max or a mean); PyTorch's layers transpose to channels-last and back around the same calls.

>>> import numpy as np
>>> MaxPooling2D(2, 2)(np.zeros((1, 28, 28, 16), dtype=np.float32)).shape
(1, 14, 14, 16)
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor, avg_pool2d, max_pool2d, pad
from tinygrad_edu.conv import check_images, check_padding, conv_output_size, size_pair

from ..module import Layer
from .convolutional import _check_nchw, _padded_nhwc, _torch_padding


# ---- Keras, channels-last ---------------------------------------------------------------------------

class _Pooling2D(Layer):
    """What MaxPooling2D and AveragePooling2D share: sizes, checks, shapes, config."""

    pool = staticmethod(max_pool2d)

    def __init__(self, pool_size=(2, 2), strides=None, padding: str = "valid", input_shape: tuple | None = None,
                 name: str | None = None):
        super().__init__(name)
        who = self.who
        self.pool_size = size_pair(who, "pool_size", pool_size)
        self.strides = self.pool_size if strides is None else size_pair(who, "strides", strides)
        self.padding = check_padding(who, padding)
        if input_shape is not None:
            self.build((None,) + tuple(input_shape))

    def build(self, input_shape: tuple) -> None:
        self.compute_output_shape(input_shape)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        check_images(self.who, input_shape)
        size = conv_output_size(self.who, "pool", input_shape, self.pool_size, self.strides, self.padding)
        return (input_shape[0], *size, input_shape[3])

    def forward(self, x: Tensor) -> Tensor:
        check_images(self.who, x.shape, self.input_shape[3] if self.built else None)
        self.compute_output_shape(x.shape)
        return type(self).pool(x, self.pool_size, self.strides, self.padding)

    def get_config(self) -> dict:
        return {"pool_size": list(self.pool_size), "strides": list(self.strides), "padding": self.padding,
                "input_shape": list(self.input_shape[1:]) if self.built else None, "name": self.name}

    def extra_repr(self) -> str:
        return f"pool_size={self.pool_size}, strides={self.strides}, padding={self.padding!r}"


class MaxPooling2D(_Pooling2D):
    """The largest value of each pool_size window, channel by channel: (N, 28, 28, C) -> (N, 14, 14, C).

    >>> MaxPooling2D(2, 2)(np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)).data[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)

    Backward sends each gradient to the position of its window's maximum. Keras's `MaxPooling2D(2, 2)`
    is pool_size=2, strides=2.
    """

    pool = staticmethod(max_pool2d)


class AveragePooling2D(_Pooling2D):
    """The mean of each pool_size window, channel by channel; backward shares each gradient evenly.

    >>> AveragePooling2D()(np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)).data[0, :, :, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """

    pool = staticmethod(avg_pool2d)


class GlobalAveragePooling2D(Layer):
    """The mean of each channel over the whole image: (N, H, W, C) -> (N, C).

    >>> GlobalAveragePooling2D()(np.ones((2, 7, 7, 32), dtype=np.float32)).shape
    (2, 32)
    """

    def __init__(self, input_shape: tuple | None = None, name: str | None = None):
        super().__init__(name)
        if input_shape is not None:
            self.build((None,) + tuple(input_shape))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        check_images(self.who, input_shape)
        return (input_shape[0], input_shape[3])

    def forward(self, x: Tensor) -> Tensor:
        check_images(self.who, x.shape, self.input_shape[3] if self.built else None)
        return x.mean(axis=(1, 2))

    def get_config(self) -> dict:
        return {"input_shape": list(self.input_shape[1:]) if self.built else None, "name": self.name}


# ---- PyTorch, channels-first --------------------------------------------------------------------------

class _Pool2d(Layer):
    """What PyTorch's MaxPool2d and AvgPool2d share (stride defaults to kernel_size)."""

    pool = staticmethod(max_pool2d)
    pad_value = -np.inf

    def __init__(self, kernel_size, stride=None, padding=0, name: str | None = None):
        super().__init__(name)
        who = self.who
        self.kernel_size = size_pair(who, "kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else size_pair(who, "stride", stride)
        self.padding = _torch_padding(who, padding)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        size = conv_output_size(self.who, "kernel", _padded_nhwc(input_shape, self.padding), self.kernel_size,
                                self.stride, "valid")
        return tuple(input_shape[:2]) + tuple(size)

    def forward(self, x: Tensor) -> Tensor:
        _check_nchw(self, x, None)
        self.compute_output_shape(x.shape)
        (ph, pw) = self.padding
        x = pad(x.transpose(0, 2, 3, 1), ((0, 0), (ph, ph), (pw, pw), (0, 0)), type(self).pad_value)
        return type(self).pool(x, self.kernel_size, self.stride).transpose(0, 3, 1, 2)

    def get_config(self) -> dict:
        return {"kernel_size": list(self.kernel_size), "stride": list(self.stride), "padding": list(self.padding),
                "name": self.name}

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """PyTorch's max pooling over (N, C, H, W); padding is -inf, so it never wins.

    >>> MaxPool2d(2)(np.zeros((1, 3, 8, 8), dtype=np.float32)).shape
    (1, 3, 4, 4)
    """

    pool = staticmethod(max_pool2d)
    pad_value = -np.inf


class AvgPool2d(_Pool2d):
    """PyTorch's average pooling over (N, C, H, W); padding zeros count in the mean (count_include_pad=True)."""

    pool = staticmethod(avg_pool2d)
    pad_value = 0.0
