"""Callbacks for `fit`: `History`, `EarlyStopping`, `CSVLogger`, `LearningRateScheduler`.

`fit` calls on_train_begin(), then for each epoch on_epoch_begin(epoch) and
on_epoch_end(epoch, logs) with logs = {'loss': ..., 'acc': ..., 'val_loss': ...}, then
on_train_end(). Setting `model.stop_training = True` ends training after the current epoch.

>>> stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
>>> # model.fit(X, Y, validation_split=0.2, callbacks=[stop])
"""

from __future__ import annotations

import csv
import math
from typing import Callable

import numpy as np


class Callback:
    """Base class: every hook does nothing; `self.model` is set by fit."""

    model = None

    def set_model(self, model) -> None:
        self.model = model

    def on_train_begin(self, logs: dict | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_train_end(self, logs: dict | None = None) -> None: ...


class History(Callback):
    """What fit returns: `history.history` maps 'loss', 'val_loss', each metric ... to per-epoch lists.

    >>> h = History(); h.on_train_begin(); h.on_epoch_end(0, {"loss": 0.5}); h.history
    {'loss': [0.5]}
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.params: dict = {}
        self.stopped: str | None = None     # fit stopped early: "nan" (a non-finite loss) or "interrupted"
        self.stop_message = ""

    def on_train_begin(self, logs=None):
        self.history, self.epoch = {}, []
        self.stopped, self.stop_message = None, ""

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than min_delta for `patience` epochs.

    >>> EarlyStopping(monitor="val_acc", patience=5).mode     # 'auto' picks max for accuracies
    'max'

    With restore_best_weights=True the model gets back the weights of its best epoch when it stops
    (and, unlike Keras, also when the epochs run out: the best epoch is the one you'd keep).
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0, mode: str = "auto",
                 restore_best_weights: bool = False, verbose: int = 0):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping(mode): expected 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            mode = "max" if ("acc" in monitor or "auc" in monitor) else "min"
        self.monitor, self.min_delta, self.patience, self.mode = monitor, abs(min_delta), patience, mode
        self.restore_best_weights, self.verbose = restore_best_weights, verbose
        self.stopped_epoch = 0

    def _better(self, value: float, best: float) -> bool:
        return value < best - self.min_delta if self.mode == "min" else value > best + self.min_delta

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping: monitor {self.monitor!r} is not among the logged values "
                           f"{sorted(logs)}; pass validation data for 'val_' values")
        value = logs[self.monitor]
        if self._better(value, self.best):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = [p.data.copy() for p in self.model.parameters()]
            return
        self.wait += 1
        if self.wait >= self.patience:     # Keras's rule: `patience` epochs without improvement
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            for p, w in zip(self.model.parameters(), self.best_weights):
                p.data[...] = w
        if self.verbose and self.stopped_epoch:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping (best {self.monitor} "
                  f"{self.best:.4f} at epoch {self.best_epoch + 1})")


class CSVLogger(Callback):
    """Write one CSV row per epoch: epoch, then every logged value.

    >>> logger = CSVLogger("training.csv")     # model.fit(..., callbacks=[logger])
    """

    def __init__(self, filename: str, separator: str = ",", append: bool = False):
        self.filename, self.separator, self.append = str(filename), separator, append
        self._file = None

    def on_train_begin(self, logs=None):
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self._writer, self._keys = None, None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._writer is None:
            self._keys = sorted(logs)
            self._writer = csv.writer(self._file, delimiter=self.separator)
            if not self.append or self._file.tell() == 0:
                self._writer.writerow(["epoch"] + self._keys)
        self._writer.writerow([epoch] + [logs.get(k, "") for k in self._keys])
        self._file.flush()      # a crash mid-training still leaves the finished epochs on disk

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None


class LearningRateScheduler(Callback):
    """Set the optimizer's lr at each epoch start to schedule(epoch, lr), as Keras's.

    >>> LearningRateScheduler(lambda epoch, lr: lr * 0.9)
    LearningRateScheduler(...)
    """

    def __init__(self, schedule: Callable[[int, float], float]):
        self.schedule = schedule

    def on_epoch_begin(self, epoch, logs=None):
        lr = float(self.schedule(epoch, self.model.optimizer.lr))
        if not np.isfinite(lr) or lr < 0:
            raise ValueError(f"LearningRateScheduler: the schedule returned lr={lr} at epoch {epoch}")
        self.model.optimizer.lr = lr

    def __repr__(self) -> str:
        return "LearningRateScheduler(...)"
