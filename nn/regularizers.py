"""Weight penalties added to the loss, as Keras's `kernel_regularizer=l2(0.01)`.

    l1(λ):  λ Σ |w|      gradient λ·sign(w)
    l2(λ):  λ Σ w²       gradient 2λ·w   (Keras's convention: no ½)

Each is computed with engine ops, so its gradient comes from backward like the loss's.

>>> import numpy as np; from tinygrad_edu import Tensor
>>> l2(0.1)(Tensor(np.array([1.0, 2.0], dtype=np.float32))).item()
0.5
"""

from __future__ import annotations

from tinygrad_edu import Tensor


class Regularizer:
    """Base class: a callable from a weight tensor to a scalar penalty."""

    def __call__(self, w: Tensor) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}


class L1(Regularizer):
    """λ Σ |w|.

    >>> round(L1(0.1)(Tensor([1.0, -2.0])).item(), 4)
    0.3
    """

    def __init__(self, l1: float = 0.01):
        self.l1 = float(l1)

    def __call__(self, w: Tensor) -> Tensor:
        return w.abs().sum() * self.l1

    def get_config(self) -> dict:
        return {"class_name": "L1", "l1": self.l1}

    def __repr__(self) -> str:
        return f"l1({self.l1})"


class L2(Regularizer):
    """λ Σ w².

    >>> L2(0.1)(Tensor([1.0, 2.0])).item()
    0.5
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = float(l2)

    def __call__(self, w: Tensor) -> Tensor:
        return (w * w).sum() * self.l2

    def get_config(self) -> dict:
        return {"class_name": "L2", "l2": self.l2}

    def __repr__(self) -> str:
        return f"l2({self.l2})"


def l1(l1: float = 0.01) -> L1:
    """Keras's `regularizers.l1(λ)`: penalty λ Σ |w|."""
    return L1(l1)


def l2(l2: float = 0.01) -> L2:
    """Keras's `regularizers.l2(λ)`: penalty λ Σ w²."""
    return L2(l2)


def get(identifier) -> Regularizer | None:
    """None, a Regularizer, a saved config dict, or the strings 'l1' / 'l2' (λ = 0.01, Keras's default)."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if identifier == "l1":
        return L1()
    if identifier == "l2":
        return L2()
    if isinstance(identifier, dict) and identifier.get("class_name") in ("L1", "L2"):
        cls = L1 if identifier["class_name"] == "L1" else L2
        return cls(identifier[cls.__name__.lower()])
    raise ValueError(f"unknown regularizer {identifier!r}; use nn.regularizers.l1(λ), l2(λ), 'l1' or 'l2'")
