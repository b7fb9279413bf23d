"""Small helpers: one-hot encoding of class labels (Keras's name); gradient clipping (PyTorch's names).

    >>> from nn.utils import to_categorical
    >>> to_categorical([0, 2, 1], 3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

__all__ = ["to_categorical", "clip_grad_norm_", "clip_grad_value_"]


def to_categorical(y: Any, num_classes: int | None = None) -> np.ndarray:
    """One-hot encode integer class labels (keras.utils.to_categorical).

    Row i of the result is all zeros but a 1 in column ``y[i]``; the shape is ``y.shape +
    (num_classes,)`` (a trailing axis of size 1 is dropped first, as Keras does), the dtype
    float32. ``num_classes`` defaults to ``max(y) + 1``. Labels that are not whole numbers in
    [0, num_classes) raise a ValueError naming the first bad one (Keras would silently wrap or
    truncate them).

    >>> to_categorical(np.array([[1], [0]])).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    labels = np.asarray(y)
    if labels.dtype.kind not in "iub":
        if labels.dtype.kind != "f":
            raise ValueError(
                f"to_categorical expects integer class labels, got dtype {labels.dtype} "
                f"(e.g. {labels.flat[0].item()!r}); map names to integers first, e.g. with "
                "np.unique(y, return_inverse=True)"
            )
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            bad = labels[~np.isfinite(labels) | (labels != np.round(labels))].flat[0].item()
            raise ValueError(f"to_categorical expects whole-number class labels, got {bad!r}")
    labels = labels.astype(np.int64)
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.reshape(-1)
    if num_classes is None:
        if flat.size == 0:
            raise ValueError("to_categorical: y is empty; pass num_classes to say how wide the rows are")
        num_classes = int(flat.max()) + 1
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"to_categorical: num_classes must be a positive integer, got {num_classes!r}")
    out_of_range = (flat < 0) | (flat >= num_classes)
    if np.any(out_of_range):
        i = int(np.argmax(out_of_range))
        raise ValueError(
            f"to_categorical: label {int(flat[i])} at position {i} is out of range for "
            f"num_classes={num_classes}; labels must be in 0..{num_classes - 1}"
        )
    categorical = np.zeros((flat.size, num_classes), dtype=np.float32)
    categorical[np.arange(flat.size), flat] = 1.0
    return categorical.reshape(shape + (num_classes,))


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0) -> float:
    """Scale every gradient, in place, by one factor so their joint norm is at most max_norm;
    returns the joint norm before clipping (torch.nn.utils.clip_grad_norm_). Between backward and step:

    >>> from nn.module import Parameter
    >>> w = Parameter(np.zeros(2, dtype=np.float32)); w.grad = np.array([3.0, 4.0], dtype=np.float32)
    >>> clip_grad_norm_([w], max_norm=1.0), w.grad.round(4)
    (5.0, array([0.6, 0.8], dtype=float32))

    The factor is max_norm / (norm + 1e-6), as PyTorch's, applied only when it is below 1.
    norm_type: 2 (Euclidean), any p ≥ 1, or float('inf') (the largest |entry|).
    """
    params = [parameters] if hasattr(parameters, "grad") else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    if norm_type == float("inf"):
        total = max(float(np.max(np.abs(g))) for g in grads)
    else:
        total = float(sum(float(np.sum(np.abs(g) ** norm_type)) for g in grads) ** (1.0 / norm_type))
    factor = max_norm / (total + 1e-6)
    if factor < 1:
        for g in grads:
            g *= g.dtype.type(factor)          # in place, as torch: the optimizer then reads the clipped .grad
    return total


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clip every gradient entry into [-clip_value, clip_value], in place (torch.nn.utils.clip_grad_value_).

    >>> from nn.module import Parameter
    >>> w = Parameter(np.zeros(2, dtype=np.float32)); w.grad = np.array([-3.0, 0.5], dtype=np.float32)
    >>> clip_grad_value_([w], 1.0); w.grad
    array([-1. ,  0.5], dtype=float32)
    """
    params = [parameters] if hasattr(parameters, "grad") else list(parameters)
    for p in params:
        if p.grad is not None:
            np.clip(p.grad, -clip_value, clip_value, out=p.grad)


def pyplot():
    """pyplot, with the Agg backend when nothing could show a window (no DISPLAY on Linux)."""
    import matplotlib

    headless = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    # leave an explicit choice alone: MPLBACKEND (Jupyter sets it) or pyplot already in use
    if headless and "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
