"""Weight initializers, by Keras name: each takes a shape and returns a float32 NumPy array.

For a kernel of shape (fan_in, fan_out):

    glorot_uniform  U(-a, a), a = √(6 / (fan_in + fan_out))      (= xavier_uniform)
    glorot_normal   N(0, 2 / (fan_in + fan_out))                  (= xavier_normal; PyTorch's plain normal)
    he_uniform      U(-a, a), a = √(6 / fan_in)                   (for relu layers)
    he_normal       N(0, 2 / fan_in)
    random_normal   N(0, 0.05²)                                   (Keras's default stddev)
    random_uniform  U(-0.05, 0.05)                                (= 'uniform', Keras's Embedding default)
    orthogonal      Q of the QR decomposition of a normal matrix  (Keras's recurrent_kernel default)
    zeros, ones     0, 1

All draw from `nn.manual_seed`'s generator, so a seeded run is reproducible.

>>> from nn.seed import manual_seed
>>> manual_seed(0); get("glorot_uniform")((784, 64)).dtype
dtype('float32')
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .seed import generator


def _fans(shape: tuple) -> tuple[int, int]:
    """(fan_in, fan_out) of a kernel laid out (inputs, outputs), as Keras's Dense kernel; for a
    convolution kernel (kh, kw, in, out) both count every kernel position, as Keras's do."""
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return receptive_field * shape[-2], receptive_field * shape[-1]


def glorot_uniform(shape: tuple) -> np.ndarray:
    fan_in, fan_out = _fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return generator().uniform(-limit, limit, shape).astype(np.float32)


def glorot_normal(shape: tuple) -> np.ndarray:
    fan_in, fan_out = _fans(shape)
    return (generator().standard_normal(shape) * np.sqrt(2.0 / (fan_in + fan_out))).astype(np.float32)


def he_uniform(shape: tuple) -> np.ndarray:
    fan_in, _ = _fans(shape)
    limit = np.sqrt(6.0 / fan_in)
    return generator().uniform(-limit, limit, shape).astype(np.float32)


def he_normal(shape: tuple) -> np.ndarray:
    fan_in, _ = _fans(shape)
    return (generator().standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def random_normal(shape: tuple, stddev: float = 0.05) -> np.ndarray:
    return (generator().standard_normal(shape) * stddev).astype(np.float32)


def random_uniform(shape: tuple, minval: float = -0.05, maxval: float = 0.05) -> np.ndarray:
    return generator().uniform(minval, maxval, shape).astype(np.float32)


def orthogonal(shape: tuple, gain: float = 1.0) -> np.ndarray:
    """A matrix with orthonormal rows or columns (Keras's Orthogonal, Saxe et al. 2014).

    Why for a recurrent kernel: h is multiplied by it once per time step, and an orthogonal
    matrix neither grows nor shrinks a vector, so at the start the signal (and the gradient, by
    Wᵀ) keeps its size however many steps it travels.

    >>> from nn.seed import manual_seed
    >>> manual_seed(0); W = orthogonal((4, 12)); bool(np.allclose(W @ W.T, np.eye(4), atol=1e-6))
    True
    """
    rows, cols = int(np.prod(shape[:-1])), shape[-1]
    a = generator().standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))          # makes the decomposition unique, so Q is uniformly distributed
    if rows < cols:
        q = q.T
    return (gain * q.reshape(shape)).astype(np.float32)


def zeros(shape: tuple) -> np.ndarray:
    return np.zeros(shape, dtype=np.float32)


def ones(shape: tuple) -> np.ndarray:
    return np.ones(shape, dtype=np.float32)


INITIALIZERS: dict[str, Callable[[tuple], np.ndarray]] = {
    "glorot_uniform": glorot_uniform, "glorot_normal": glorot_normal,
    "xavier_uniform": glorot_uniform, "xavier_normal": glorot_normal,
    "he_uniform": he_uniform, "he_normal": he_normal,
    "random_normal": random_normal, "random_uniform": random_uniform, "uniform": random_uniform,
    "orthogonal": orthogonal, "zeros": zeros, "ones": ones,
}


def get(identifier: str | Callable) -> Callable[[tuple], np.ndarray]:
    """The initializer for a Keras name, or a callable shape -> array returned as is."""
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in INITIALIZERS:
        return INITIALIZERS[identifier]
    raise ValueError(f"unknown initializer {identifier!r}; known initializers: {', '.join(INITIALIZERS)}")
