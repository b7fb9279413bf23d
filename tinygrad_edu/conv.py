"""Convolution and pooling over images laid out channels-last, (N, H, W, C), as Keras lays them out.

None of them has a derivative rule of its own. Each is built from three linear primitives of
`ops.py` (`pad`; `windows`, which cuts out every kh × kw window; and `window_sum`, its transpose)
and ops the engine already has:

    conv2d       windows, then one matrix product with the kernel (`tensordot`): the im2col method
    max_pool2d   windows, then max over each window (the gradient goes to the maximum)
    avg_pool2d   windows, then the mean of each window (the gradient is shared evenly)

so reverse mode, forward mode and second derivatives all come from rules already in the table.
Strides and Keras's (TensorFlow's) padding: 'valid' (no padding) or 'same' (output size
ceil(H / stride); the odd extra row or column of padding goes at the bottom / right).

The checks of their arguments live here, once, and are public so that nn's layers use them too
(`who` names the caller in the message: "conv2d", or a layer, "Conv2D 'conv2d_1'"):

    pad(x, widths, value)          x with a constant border (the primitive `pad`)
    size_pair(who, what, value)    3 or (3, 3) -> (3, 3), a kernel's, a pool's or a stride's size
    check_padding(who, padding)    'valid' or 'same'
    check_images(who, shape, channels)     (batch, height, width, channels), with a fix when not
    conv_output_size(who, what, shape, size, strides, padding)    the output's (height, width)
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
    check_images("conv2d", x.shape, c_in)
    strides = size_pair("conv2d", "strides", strides)
    oh, ow = conv_output_size("conv2d", "kernel", x.shape, (kh, kw), strides, padding)
    patches = _windows(_pad_same(x, (kh, kw), strides, padding, 0.0), (kh, kw), strides)
    n = x.shape[0]
    rows = patches.reshape(n * oh * ow, kh * kw, c_in)            # im2col: one row per window
    out = apply(ops.tensordot, rows, kernel.reshape(kh * kw, c_in, filters)).reshape(n, oh, ow, filters)
    return out if bias is None else out + bias


def max_pool2d(x, pool_size=(2, 2), strides=None, padding: str = "valid") -> Tensor:
    """The largest entry of each pool_size window, channel by channel (strides default to pool_size,
    as Keras). With 'same', the padding never wins: it is -inf."""
    x, size, strides = _pool_arguments("max_pool2d", x, pool_size, strides, padding)
    return _windows(_pad_same(x, size, strides, padding, -np.inf), size, strides).max(axis=(3, 4))


def avg_pool2d(x, pool_size=(2, 2), strides=None, padding: str = "valid") -> Tensor:
    """The mean of each pool_size window, channel by channel (strides default to pool_size). With
    'same', a window at the border averages only the entries inside the image, as Keras does."""
    x, size, strides = _pool_arguments("avg_pool2d", x, pool_size, strides, padding)
    if padding == "valid":
        return _windows(x, size, strides).mean(axis=(3, 4))
    inside = _pad_same(Tensor(np.ones((1,) + x.shape[1:3] + (1,), dtype=x.dtype)), size, strides, padding, 0.0)
    counts = _windows(inside, size, strides).data.sum(axis=(3, 4))   # entries inside each window
    return _windows(_pad_same(x, size, strides, padding, 0.0), size, strides).sum(axis=(3, 4)) / counts


def pad(x, widths, value: float = 0.0) -> Tensor:
    """x with a border of `value`: widths[i] = (before, after) entries along axis i, as np.pad.
    Its derivative is the gradient without the border (the border is a constant)."""
    x = _tensor(x)
    widths = tuple((int(before), int(after)) for before, after in widths)
    if len(widths) != x.ndim or any(w < 0 for pair in widths for w in pair):
        raise ValueError(f"pad: widths must give (before, after), both ≥ 0, for each of the {x.ndim} axes of "
                         f"shape {x.shape}, got {widths!r}")
    if all(w == (0, 0) for w in widths):
        return x
    return apply(ops.pad, x, widths=widths, value=value)


# ---- the checks, public: nn's layers call them too ------------------------------------------------

def size_pair(who: str, what: str, value) -> tuple[int, int]:
    """3 -> (3, 3); (3, 2) as is: a kernel's, a pool's or a stride's (height, width), both positive."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value) if isinstance(value, (tuple, list)) else ()
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in pair):
        raise ValueError(f"{who}: {what} must be a positive integer or a pair of them, e.g. {what}=(2, 2), "
                         f"got {value!r}")
    return int(pair[0]), int(pair[1])


def check_padding(who: str, padding) -> str:
    if padding not in ("valid", "same"):
        raise ValueError(f"{who}: padding must be 'valid' or 'same', got {padding!r}")
    return padding


def check_images(who: str, shape: tuple, channels: int | None = None) -> None:
    """`shape` (batch axis included; None where unknown) must be (batch, height, width, channels),
    with `channels` if given; when it is not, the message says how to fix the data."""
    shape = tuple(shape)
    if len(shape) != 4:
        hint = ""
        if len(shape) == 3:
            h, w = shape[1], shape[2]
            hint = f"; for one-channel {h}×{w} images use X.reshape(-1, {h}, {w}, 1)"
        elif len(shape) == 2 and shape[1] is not None and math.isqrt(shape[1]) ** 2 == shape[1]:
            side = math.isqrt(shape[1])
            hint = f"; for flat one-channel {side}×{side} images use X.reshape(-1, {side}, {side}, 1)"
        raise ValueError(f"{who} expects images as (batch, height, width, channels), got shape {shape}{hint}")
    first = (f"{who} expects channels last (batch, height, width, channels), got shape {shape}, which looks "
             f"channels-first (its channels first, PyTorch's layout): use X.transpose(0, 2, 3, 1)")
    if channels is not None and shape[3] != channels:
        if shape[1] == channels:
            raise ValueError(first)
        raise ValueError(f"{who}: built for {channels} channels, got shape {shape} with {shape[3]} channels "
                         f"but the kernel expects {channels}")
    if channels is None and shape[1] in (1, 3) and shape[3] is not None and shape[3] > 4 and shape[2] == shape[3]:
        # (N, 1, 28, 28): a one- or three-channel image stored channels-first, read as 28 channels of 1×28
        raise ValueError(f"{first} (or give input_shape=... if it really is {shape[1]}×{shape[2]} with "
                         f"{shape[3]} channels)")


def conv_output_size(who: str, what: str, shape: tuple, size: tuple, strides: tuple, padding: str) -> tuple:
    """The output's (height, width) for images of `shape` (N, H, W, C) under a `size` window moved
    by `strides`: ceil(H / sh) for 'same', (H - kh) // sh + 1 for 'valid'; None where H is None.
    `what` names the window in the message when it does not fit: "kernel" or "pool"."""
    check_padding(who, padding)
    (h, w), (kh, kw) = shape[1:3], size
    if padding == "valid" and ((h is not None and kh > h) or (w is not None and kw > w)):
        raise ValueError(f"{who}: the {what} ({kh}×{kw}) is bigger than the input's {h}×{w} (shape {tuple(shape)}) "
                         f"under padding='valid': use a smaller {what} or padding='same'")
    return tuple(None if n is None else -(-n // s) if padding == "same" else (n - k) // s + 1
                 for n, k, s in zip((h, w), size, strides))


# ---- helpers ----------------------------------------------------------------------------------

def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _pool_arguments(who: str, x, pool_size, strides, padding) -> tuple:
    """The pools' arguments checked: (x as a Tensor, the pool's size, its strides)."""
    x = _tensor(x)
    size = size_pair(who, "pool_size", pool_size)
    strides = size if strides is None else size_pair(who, "strides", strides)
    check_images(who, x.shape)
    conv_output_size(who, "pool", x.shape, size, strides, padding)
    return x, size, strides


def _pad_same(x: Tensor, size: tuple, strides: tuple, padding: str, value: float) -> Tensor:
    """x padded as TensorFlow's 'same' does (the odd row/column at the bottom/right); as is for 'valid'."""
    if padding == "valid":
        return x
    widths = [(0, 0)]
    for n, k, s in zip(x.shape[1:3], size, strides):
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        widths.append((total // 2, total - total // 2))
    return pad(x, widths + [(0, 0)], value)


def _windows(x: Tensor, size: tuple, strides: tuple) -> Tensor:
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
    check_images("conv2d_transpose", x.shape, c_in)
    sh, sw = strides = size_pair("conv2d_transpose", "strides", strides)
    check_padding("conv2d_transpose", padding)
    n, h, w, _ = x.shape
    oh, ow = conv_transpose_size(h, kh, sh, padding), conv_transpose_size(w, kw, sw, padding)
    # the image the forward convolution would read: the output, plus 'same''s padding around it
    pad_h, pad_w = (max(kh - sh, 0), max(kw - sw, 0)) if padding == "same" else (0, 0)
    # every pixel's patch, kernel position by kernel position (each position's block contiguous,
    # so window_sum adds whole blocks: see ops.tensordot)
    cols = x.reshape(n * h * w, c_in) @ kernel.reshape(kh * kw, filters, c_in).transpose(0, 2, 1)
    patches = cols.reshape(kh, kw, n, h, w, filters).transpose(2, 3, 4, 0, 1, 5)
    image = apply(ops.window_sum, patches, shape=(n, oh + pad_h, ow + pad_w, filters), size=(kh, kw), strides=strides)
    if pad_h or pad_w:                          # drop the padding, as pad's transpose does (top/left get the smaller half)
        top, left = pad_h // 2, pad_w // 2
        image = image[:, top:top + oh, left:left + ow, :]
    return image if bias is None else image + bias


def conv_transpose_size(n: int, k: int, s: int, padding: str) -> int:
    """Keras's output length of a transposed convolution along one axis: n·s for 'same',
    n·s + max(k - s, 0) for 'valid' (the convolution back from it gives n again)."""
    return n * s if padding == "same" else n * s + max(k - s, 0)
