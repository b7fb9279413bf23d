"""Convolution and pooling over images laid out channels-last, (N, H, W, C), as Keras lays them out.

None of them has a derivative rule of its own. Each is built from three linear primitives of
`ops.py` (`pad`; `windows`, which cuts out every kh × kw window; and `window_sum`, its transpose)
and ops the engine already has:

    conv2d       windows, then one matrix product with the kernel: the im2col method
    max_pool2d   windows, then max over each window (the gradient goes to the maximum)
    avg_pool2d   windows, then the mean of each window (the gradient is shared evenly)

so reverse mode, forward mode and second derivatives all come from rules already in the table.
Strides and Keras's (TensorFlow's) padding: 'valid' (no padding) or 'same' (output size
ceil(H / stride); the odd extra row or column of padding goes at the bottom / right).
"""

from __future__ import annotations

import math

import numpy as np

from . import ops
from .autograd import apply
from .tensor import Tensor


def conv2d(x, kernel, bias=None, strides=(1, 1), padding: str = "valid") -> Tensor:
    """out[n, i, j, f] = Σₐ Σ_b Σ_c x[n, i·sh + a, j·sw + b, c] · kernel[a, b, c, f] (+ bias[f]).

    x: (N, H, W, C); kernel: (kh, kw, C, F), Keras's layout; bias: (F,). Returns (N, OH, OW, F).

    >>> x = Tensor(np.ones((1, 4, 4, 1))); k = Tensor(np.ones((3, 3, 1, 2)))
    >>> conv2d(x, k).shape, conv2d(x, k, padding="same").shape
    ((1, 2, 2, 2), (1, 4, 4, 2))
    """
    x, kernel = _tensor(x), _tensor(kernel)
    if kernel.ndim != 4:
        raise ValueError(f"conv2d: the kernel must have 4 axes (kh, kw, in_channels, filters), got shape {kernel.shape}")
    kh, kw, c_in, filters = kernel.shape
    _check_image("conv2d", x, c_in)
    strides = _pair("conv2d", "strides", strides)
    x = _pad_same(x, (kh, kw), strides, padding, "conv2d", 0.0)
    patches = _windows(x, (kh, kw), strides, "conv2d", "kernel")
    n, oh, ow = patches.shape[:3]
    out = (patches.reshape(n * oh * ow, kh * kw * c_in) @ kernel.reshape(kh * kw * c_in, filters)).reshape(n, oh, ow, filters)
    return out if bias is None else out + bias


def max_pool2d(x, pool_size=(2, 2), strides=None, padding: str = "valid") -> Tensor:
    """The largest entry of each pool_size window, channel by channel (strides default to pool_size,
    as Keras). With 'same', the padding never wins: it is -inf."""
    x = _tensor(x)
    size = _pair("max_pool2d", "pool_size", pool_size)
    strides = size if strides is None else _pair("max_pool2d", "strides", strides)
    _check_image("max_pool2d", x)
    x = _pad_same(x, size, strides, padding, "max_pool2d", -np.inf)
    return _windows(x, size, strides, "max_pool2d", "pool").max(axis=(3, 4))


def avg_pool2d(x, pool_size=(2, 2), strides=None, padding: str = "valid") -> Tensor:
    """The mean of each pool_size window, channel by channel (strides default to pool_size). With
    'same', a window at the border averages only the entries inside the image, as Keras does."""
    x = _tensor(x)
    size = _pair("avg_pool2d", "pool_size", pool_size)
    strides = size if strides is None else _pair("avg_pool2d", "strides", strides)
    _check_image("avg_pool2d", x)
    if padding == "valid":
        return _windows(x, size, strides, "avg_pool2d", "pool").mean(axis=(3, 4))
    inside = _pad_same(Tensor(np.ones((1,) + x.shape[1:3] + (1,), dtype=x.dtype)), size, strides, padding, "avg_pool2d", 0.0)
    x = _pad_same(x, size, strides, padding, "avg_pool2d", 0.0)
    counts = _windows(inside, size, strides, "avg_pool2d", "pool").data.sum(axis=(3, 4))   # entries inside each window
    return _windows(x, size, strides, "avg_pool2d", "pool").sum(axis=(3, 4)) / counts


# ---- helpers ----------------------------------------------------------------------------------

def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _pair(name: str, what: str, value) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in pair):
        raise ValueError(f"{name}: {what} must be a positive integer or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_image(name: str, x: Tensor, channels: int | None = None) -> None:
    if x.ndim != 4:
        hint = (f"; for one channel of {x.shape[-2]}×{x.shape[-1]} images use x.reshape(-1, {x.shape[-2]}, {x.shape[-1]}, 1)"
                if x.ndim == 3 else "")
        raise ValueError(f"{name}: expects images as (batch, height, width, channels), got shape {x.shape}{hint}")
    if channels is not None and x.shape[3] != channels:
        if x.shape[1] == channels:
            raise ValueError(f"{name}: the input has shape {x.shape}, channels first; this layer is channels-last "
                             f"(batch, height, width, channels): use x.transpose(0, 2, 3, 1)")
        raise ValueError(f"{name}: the input has {x.shape[3]} channels (shape {x.shape}) but the kernel expects {channels}")


def _pad_same(x: Tensor, size: tuple, strides: tuple, padding: str, name: str, value: float) -> Tensor:
    """x padded as TensorFlow's 'same' does (the odd row/column at the bottom/right); as is for 'valid'."""
    if padding == "valid":
        return x
    if padding != "same":
        raise ValueError(f"{name}: padding must be 'valid' or 'same', got {padding!r}")
    widths = [(0, 0)]
    for n, k, s in zip(x.shape[1:3], size, strides):
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        widths.append((total // 2, total - total // 2))
    widths.append((0, 0))
    if all(w == (0, 0) for w in widths):
        return x
    return apply(ops.pad, x, widths=tuple(widths), value=value)


def _windows(x: Tensor, size: tuple, strides: tuple, name: str, what: str) -> Tensor:
    if size[0] > x.shape[1] or size[1] > x.shape[2]:
        raise ValueError(f"{name}: the {what} ({size[0]}×{size[1]}) is bigger than the input's "
                         f"{x.shape[1]}×{x.shape[2]} (shape {x.shape}) under padding 'valid'; use a smaller "
                         f"{what} or padding='same'")
    return apply(ops.windows, x, size=size, strides=strides)


# ---- the transposed convolution: conv2d's reverse rule, run forward --------------------------------

def conv2d_transpose(x, kernel, bias=None, strides=(1, 1), padding: str = "valid") -> Tensor:
    """The transpose of conv2d(·, kernel, strides, padding), as Keras's Conv2DTranspose: each input
    pixel spreads a kh × kw patch, kernel-weighted, into the (bigger) output, overlaps adding up.

    x: (N, H, W, C); kernel: (kh, kw, F, C), Keras's layout (output channels F before input
    channels C: it is the kernel of the convolution this op transposes, which maps F channels to
    C). Returns (N, OH, OW, F), OH = H·sh + max(kh - sh, 0) for 'valid', H·sh for 'same'.

    >>> x = Tensor(np.ones((1, 2, 2, 1))); k = Tensor(np.ones((3, 3, 1, 1)))
    >>> conv2d_transpose(x, k, strides=2).shape, conv2d_transpose(x, k, strides=2, padding="same").shape
    ((1, 5, 5, 1), (1, 4, 4, 1))

    No rule of its own: conv2d is windows then a matrix product, so its reverse rule for x is a
    matrix product with the kernel's transpose, then window_sum (windows' transpose); that is this
    op's forward pass, made of the same primitives. Reverse mode, forward mode and second
    derivatives come from their rules, and conv2d(conv2d_transpose(...)) pairs them exactly:
    ⟨conv2d(z, k), y⟩ = ⟨z, conv2d_transpose(y, k)⟩.
    """
    x, kernel = _tensor(x), _tensor(kernel)
    if kernel.ndim != 4:
        raise ValueError(f"conv2d_transpose: the kernel must have 4 axes (kh, kw, filters, in_channels), "
                         f"got shape {kernel.shape}")
    kh, kw, filters, c_in = kernel.shape
    _check_image("conv2d_transpose", x, c_in)
    sh, sw = strides = _pair("conv2d_transpose", "strides", strides)
    if padding not in ("valid", "same"):
        raise ValueError(f"conv2d_transpose: padding must be 'valid' or 'same', got {padding!r}")
    n, h, w, _ = x.shape
    oh, ow = conv_transpose_size(h, kh, sh, padding), conv_transpose_size(w, kw, sw, padding)
    # the image the forward convolution would read: the output, plus 'same''s padding around it
    pad_h, pad_w = (max(kh - sh, 0), max(kw - sw, 0)) if padding == "same" else (0, 0)
    cols = x.reshape(n * h * w, c_in) @ kernel.reshape(kh * kw * filters, c_in).T   # every pixel's patch
    patches = cols.reshape(n, h, w, kh, kw, filters)
    image = apply(ops.window_sum, patches, shape=(n, oh + pad_h, ow + pad_w, filters), size=(kh, kw), strides=strides)
    if pad_h or pad_w:                          # drop the padding, as pad's transpose does (top/left get the smaller half)
        top, left = pad_h // 2, pad_w // 2
        image = image[:, top:top + oh, left:left + ow, :]
    return image if bias is None else image + bias


def conv_transpose_size(n: int, k: int, s: int, padding: str) -> int:
    """Keras's output length of a transposed convolution along one axis: n·s for 'same',
    n·s + max(k - s, 0) for 'valid' (the convolution back from it gives n again)."""
    return n * s if padding == "same" else n * s + max(k - s, 0)
