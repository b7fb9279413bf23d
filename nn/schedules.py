"""Learning-rate schedules with PyTorch's names and formulas, for epoch e and initial rate lr₀:

    StepLR(step_size, gamma=0.1)           lr₀ · γ^⌊e / step_size⌋
    ExponentialLR(gamma)                   lr₀ · γ^e
    CosineAnnealingLR(T_max, eta_min=0)    η_min + (lr₀ - η_min)(1 + cos(π e / T_max)) / 2

Use them as in PyTorch (`scheduler.step()` after each epoch) or hand them to `fit` as callbacks,
where they attach to the compiled model's optimizer:

>>> from nn.optimizers import SGD
>>> opt = SGD([], lr=0.1); sched = StepLR(opt, step_size=2, gamma=0.5)
>>> for _ in range(3): sched.step()
>>> opt.lr
0.05
"""

from __future__ import annotations

import math

from .callbacks import Callback


class LRScheduler(Callback):
    """Base class: sets `optimizer.lr = get_lr(epoch)` at each step()."""

    def __init__(self, optimizer=None):
        self.optimizer = optimizer
        self.last_epoch = 0
        self.base_lr = optimizer.lr if optimizer is not None else None

    def get_lr(self, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """One epoch done: move the learning rate on."""
        self.last_epoch += 1
        self.optimizer.lr = self.get_lr(self.last_epoch)

    # as a fit callback: bind to the compiled optimizer, step after every epoch
    def on_train_begin(self, logs=None):
        if self.optimizer is None:
            self.optimizer = self.model.optimizer
            self.base_lr = self.optimizer.lr

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = self.optimizer.lr       # recorded in History, as Keras does
        self.step()


class StepLR(LRScheduler):
    """lr₀ · γ^⌊e / step_size⌋: divide the rate by 1/γ every step_size epochs."""

    def __init__(self, optimizer=None, step_size: int = 10, gamma: float = 0.1):
        super().__init__(optimizer)
        self.step_size, self.gamma = int(step_size), float(gamma)

    def get_lr(self, epoch):
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr₀ · γ^e."""

    def __init__(self, optimizer=None, gamma: float = 0.95):
        super().__init__(optimizer)
        self.gamma = float(gamma)

    def get_lr(self, epoch):
        return self.base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """η_min + (lr₀ - η_min)(1 + cos(π e / T_max)) / 2: from lr₀ down to η_min over T_max epochs."""

    def __init__(self, optimizer=None, T_max: int = 10, eta_min: float = 0.0):  # noqa: N803 (PyTorch's name)
        super().__init__(optimizer)
        self.T_max, self.eta_min = int(T_max), float(eta_min)

    def get_lr(self, epoch):
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
