"""One random generator for all of `nn`: weights, dropout masks and shuffling draw from it.

>>> import nn
>>> nn.manual_seed(0)          # every later initialisation, mask and shuffle is now reproducible
"""

import numpy as np

_state = {"rng": np.random.default_rng()}


def manual_seed(seed: int) -> None:
    """Restart `nn`'s random stream from `seed` (as `torch.manual_seed`).

    >>> manual_seed(42)
    """
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed(seed): seed must be a non-negative integer, got {seed!r}")
    _state["rng"] = np.random.default_rng(int(seed))


def generator() -> np.random.Generator:
    """The generator every part of `nn` draws from (read it at each use: manual_seed replaces it)."""
    return _state["rng"]
