"""Optimizers with PyTorch's update formulas: `SGD`, `Adam`, `RMSprop`, `Adagrad`, `Adadelta`.

An optimizer reads each parameter's `.grad` (filled by backward) and updates `.data` in place
with NumPy, under no graph at all: an update is not part of the model's computation, and
in-place updates (`out=`) avoid allocating a new array per parameter per step.

>>> import numpy as np; from nn.module import Parameter
>>> w = Parameter(np.array([1.0], dtype=np.float32)); w.grad = np.array([0.5], dtype=np.float32)
>>> opt = SGD([w], lr=0.1); opt.step(); w.data
array([0.95], dtype=float32)

Both habits work: PyTorch's `Adam(model.parameters(), lr=1e-3)` and Keras's
`Adam(learning_rate=1e-3)` (or `SGD(0.01)`, the learning rate first), the parameters then coming
from `compile`. The classes' defaults are PyTorch's, except SGD's lr = 0.01 (Keras's). The strings
for `compile` ('sgd', 'adam', 'rmsprop', 'adagrad', 'adadelta') give Keras's defaults, since
`compile(optimizer='rmsprop')` is a Keras habit: see `KERAS_DEFAULTS`. Every one takes Keras's
`clipnorm`, `clipvalue` or `global_clipnorm` (see `Optimizer._clipped`); PyTorch's habit, clipping
between backward and step, is `nn.utils.clip_grad_norm_` / `clip_grad_value_`.
"""

from __future__ import annotations

import numbers
from typing import Iterable

import numpy as np


class Optimizer:
    """Base class: holds the parameters, a learning rate `lr`, and per-parameter state."""

    def __init__(self, params: Iterable | float | None, lr: float, learning_rate: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None, global_clipnorm: float | None = None):
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        given = {k: v for k, v in clips.items() if v is not None}
        if len(given) > 1:
            raise ValueError(f"{type(self).__name__}: give one of clipnorm, clipvalue, global_clipnorm, got {given}")
        for k, v in given.items():
            if not isinstance(v, numbers.Real) or v <= 0:
                raise ValueError(f"{type(self).__name__}: {k} must be a number > 0, got {v!r}")
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        if isinstance(params, numbers.Real):          # Keras's habit: SGD(0.01), the learning rate first
            params, lr = None, params
        if learning_rate is not None:                 # Keras's name for lr
            lr = learning_rate
        if lr < 0:
            raise ValueError(f"{type(self).__name__}: learning rate must be ≥ 0, got {lr}")
        self.lr = float(lr)
        self.initial_lr = self.lr
        self.params = [] if params is None else list(params)
        self.state: dict[int, dict] = {}
        self.iterations = 0

    def add_params(self, params: Iterable) -> None:
        """Attach parameters after construction (compile('adam') makes the optimizer before the model is built)."""
        known = {id(p) for p in self.params}
        self.params.extend(p for p in params if id(p) not in known)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient (clipped first, if clipping was asked for)."""
        self.iterations += 1
        params = [p for p in self.params if p.grad is not None]
        for p, g in zip(params, self._clipped([p.grad for p in params])):
            self._update(p.data, g, self.state.setdefault(id(p), {}))

    def _clipped(self, grads: list[np.ndarray]) -> list[np.ndarray]:
        """Keras's clipping, on copies (each .grad stays as backward left it):
        clipnorm         each gradient scaled to norm ≤ clipnorm, on its own
        global_clipnorm  all scaled by one factor, so their joint norm √(Σ‖g‖²) ≤ global_clipnorm
        clipvalue        each entry clipped into [-clipvalue, clipvalue]
        Clipping keeps one bad batch (a GAN's, a recurrent net's exploding gradient) from
        throwing the weights far away."""
        if self.clipnorm is not None:
            return [g * (self.clipnorm / max(float(np.sqrt(np.sum(g * g))), self.clipnorm)) for g in grads]
        if self.global_clipnorm is not None:
            total = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
            return [g * (self.global_clipnorm / max(total, self.global_clipnorm)) for g in grads]
        if self.clipvalue is not None:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict) -> None:
        raise NotImplementedError

    def get_config(self) -> dict:
        clips = {k: getattr(self, k) for k in ("clipnorm", "clipvalue", "global_clipnorm") if getattr(self, k) is not None}
        return {"name": type(self).__name__, "lr": self.lr, **clips}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def _with_weight_decay(w, g, weight_decay):
    # PyTorch's (coupled) weight decay: the L2 term's gradient wd·w joins the gradient
    return g + weight_decay * w if weight_decay else g


class SGD(Optimizer):
    """w ← w - lr·v, v = momentum·v + g (v = g at the first step); nesterov uses g + momentum·v.

    >>> SGD([], lr=0.1, momentum=0.9, nesterov=True)
    SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.0)
    """

    def __init__(self, params=None, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0, learning_rate: float | None = None,
                 **clipping):
        super().__init__(params, lr, learning_rate, **clipping)
        if nesterov and momentum <= 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")
        self.momentum, self.nesterov, self.weight_decay = float(momentum), nesterov, float(weight_decay)

    def _update(self, w, g, state):
        g = _with_weight_decay(w, g, self.weight_decay)
        if self.momentum:
            if "v" not in state:
                state["v"] = g.copy()
            else:
                v = state["v"]
                v *= self.momentum
                v += g
            g = g + self.momentum * state["v"] if self.nesterov else state["v"]
        w -= self.lr * g

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov,
                "weight_decay": self.weight_decay}


class Adam(Optimizer):
    """m ← β₁m + (1-β₁)g, v ← β₂v + (1-β₂)g², m̂ = m/(1-β₁ᵗ), v̂ = v/(1-β₂ᵗ), w ← w - lr·m̂/(√v̂ + ε).

    >>> Adam([], lr=1e-3)
    Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0)
    """

    def __init__(self, params=None, lr: float = 0.001, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, learning_rate: float | None = None,
                 **clipping):
        super().__init__(params, lr, learning_rate, **clipping)
        self.betas, self.eps, self.weight_decay = (float(betas[0]), float(betas[1])), float(eps), float(weight_decay)

    def _update(self, w, g, state):
        b1, b2 = self.betas
        g = _with_weight_decay(w, g, self.weight_decay)
        if not state:
            state.update(t=0, m=np.zeros_like(w), v=np.zeros_like(w), m_hat=np.empty_like(w), v_hat=np.empty_like(w))
        state["t"] += 1
        t, m, v, m_hat, v_hat = state["t"], state["m"], state["v"], state["m_hat"], state["v_hat"]
        # the formula line by line, each result written into an array kept in `state` (in place, or
        # out=): a new array per parameter per step costs more than the arithmetic on MNIST's 784 × 64
        m *= b1
        m += np.multiply(1 - b1, g, out=m_hat)                        # m = β₁m + (1−β₁)g (m̂'s array as scratch)
        v *= b2
        v += np.multiply(1 - b2, np.square(g, out=v_hat), out=v_hat)  # v = β₂v + (1−β₂)g² (v̂'s array as scratch)
        np.divide(m, 1 - b1 ** t, out=m_hat)           # m̂ = m/(1−β₁ᵗ)
        np.divide(v, 1 - b2 ** t, out=v_hat)           # v̂ = v/(1−β₂ᵗ)
        denominator = np.sqrt(v_hat, out=v_hat)        # √v̂ + ε, in v̂'s array
        denominator += self.eps
        step = np.multiply(m_hat, self.lr, out=m_hat)  # lr·m̂/(√v̂ + ε), in m̂'s array
        step /= denominator
        w -= step                                      # w −= lr·m̂/(√v̂ + ε)

    def get_config(self):
        return {**super().get_config(), "betas": self.betas, "eps": self.eps, "weight_decay": self.weight_decay}


class RMSprop(Optimizer):
    """s ← αs + (1-α)g², w ← w - lr·g/(√s + ε) (PyTorch's; momentum optional).

    >>> RMSprop([], lr=0.01)
    RMSprop(lr=0.01, alpha=0.99, eps=1e-08, momentum=0.0, weight_decay=0.0)
    """

    def __init__(self, params=None, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 momentum: float = 0.0, weight_decay: float = 0.0, learning_rate: float | None = None,
                 **clipping):
        super().__init__(params, lr, learning_rate, **clipping)
        self.alpha, self.eps, self.momentum, self.weight_decay = float(alpha), float(eps), float(momentum), float(weight_decay)

    def _update(self, w, g, state):
        g = _with_weight_decay(w, g, self.weight_decay)
        if not state:
            state.update(s=np.zeros_like(w), buf=np.zeros_like(w))
        s = state["s"]
        s *= self.alpha
        s += (1 - self.alpha) * g * g
        step = g / (np.sqrt(s) + self.eps)
        if self.momentum:
            buf = state["buf"]
            buf *= self.momentum
            buf += step
            step = buf
        w -= self.lr * step

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "eps": self.eps, "momentum": self.momentum,
                "weight_decay": self.weight_decay}


class Adagrad(Optimizer):
    """s ← s + g², w ← w - lr_t·g/(√s + ε), lr_t = lr/(1 + (t-1)·lr_decay) (PyTorch's).

    >>> Adagrad([], lr=0.01)
    Adagrad(lr=0.01, lr_decay=0.0, eps=1e-10, initial_accumulator_value=0.0, weight_decay=0.0)
    """

    def __init__(self, params=None, lr: float = 0.01, lr_decay: float = 0.0, eps: float = 1e-10,
                 initial_accumulator_value: float = 0.0, weight_decay: float = 0.0, learning_rate: float | None = None,
                 **clipping):
        super().__init__(params, lr, learning_rate, **clipping)
        self.lr_decay, self.eps = float(lr_decay), float(eps)
        self.initial_accumulator_value, self.weight_decay = float(initial_accumulator_value), float(weight_decay)

    def _update(self, w, g, state):
        g = _with_weight_decay(w, g, self.weight_decay)
        if not state:
            state.update(t=0, s=np.full_like(w, self.initial_accumulator_value))
        state["t"] += 1
        s = state["s"]
        s += g * g
        lr = self.lr / (1 + (state["t"] - 1) * self.lr_decay)
        w -= lr * g / (np.sqrt(s) + self.eps)

    def get_config(self):
        return {**super().get_config(), "lr_decay": self.lr_decay, "eps": self.eps,
                "initial_accumulator_value": self.initial_accumulator_value, "weight_decay": self.weight_decay}


class Adadelta(Optimizer):
    """s ← ρs + (1-ρ)g², Δ = √(u+ε)/√(s+ε)·g, u ← ρu + (1-ρ)Δ², w ← w - lr·Δ (PyTorch's).

    >>> Adadelta([])
    Adadelta(lr=1.0, rho=0.9, eps=1e-06, weight_decay=0.0)
    """

    def __init__(self, params=None, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0, learning_rate: float | None = None,
                 **clipping):
        super().__init__(params, lr, learning_rate, **clipping)
        self.rho, self.eps, self.weight_decay = float(rho), float(eps), float(weight_decay)

    def _update(self, w, g, state):
        g = _with_weight_decay(w, g, self.weight_decay)
        if not state:
            state.update(s=np.zeros_like(w), u=np.zeros_like(w))
        s, u, rho = state["s"], state["u"], self.rho
        s *= rho
        s += (1 - rho) * g * g
        delta = np.sqrt(u + self.eps) / np.sqrt(s + self.eps) * g
        u *= rho
        u += (1 - rho) * delta * delta
        w -= self.lr * delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "eps": self.eps, "weight_decay": self.weight_decay}


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta,
}


# what `compile(optimizer='adam')` means in Keras, in these classes' terms
KERAS_DEFAULTS: dict[str, dict] = {
    "sgd": {"lr": 0.01},
    "adam": {"lr": 0.001, "eps": 1e-7},
    "rmsprop": {"lr": 0.001, "alpha": 0.9, "eps": 1e-7},
    "adagrad": {"lr": 0.001, "initial_accumulator_value": 0.1, "eps": 1e-7},
    "adadelta": {"lr": 0.001, "rho": 0.95, "eps": 1e-7},
}


def get(identifier) -> Optimizer:
    """An Optimizer for a string (with Keras's defaults), or an Optimizer instance as is."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in OPTIMIZERS:
        return OPTIMIZERS[identifier.lower()](**KERAS_DEFAULTS[identifier.lower()])
    raise ValueError(f"unknown optimizer {identifier!r}; known optimizers: {', '.join(OPTIMIZERS)} "
                     f"(or an optimizer object such as nn.optimizers.Adam(lr=1e-3))")


def from_config(config: dict) -> Optimizer:
    """Rebuild an optimizer (without its state) from get_config()'s dict."""
    config = dict(config)
    cls = {c.__name__: c for c in OPTIMIZERS.values()}.get(config.pop("name", None))
    if cls is None:
        raise ValueError(f"unknown optimizer config {config!r}")
    if "betas" in config:
        config["betas"] = tuple(config["betas"])
    return cls(None, **config)
