"""What every benchmark shares: timing by medians, a result table, and skipping a missing competitor."""

from __future__ import annotations

import gc
import os
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Result:
    """One benchmark's figures: a row per competitor, each a median, and the reference they divide by."""

    name: str
    unit: str
    reference: str
    rows: dict = field(default_factory=dict)        # competitor -> median (in `unit`)
    extra: dict = field(default_factory=dict)       # competitor -> {figure: value}, e.g. accuracy
    skipped: dict = field(default_factory=dict)     # competitor -> why

    def add(self, competitor: str, value: float, **extra) -> None:
        self.rows[competitor] = value
        if extra:
            self.extra[competitor] = extra

    def skip(self, competitor: str, why: str) -> None:
        self.skipped[competitor] = why

    def table(self) -> str:
        ref = self.rows.get(self.reference)
        extra_keys = sorted({k for e in self.extra.values() for k in e})
        head = f"{'competitor':<34} {self.unit:>14} {'× ' + self.reference:>16}" + "".join(f" {k:>12}" for k in extra_keys)
        lines = [f"== {self.name}", head]
        for who, value in self.rows.items():
            ratio = f"{value / ref:.2f}" if ref else "-"
            extras = "".join(f" {_fmt(self.extra.get(who, {}).get(k)):>12}" for k in extra_keys)
            lines.append(f"{who:<34} {value:>14.4g} {ratio:>16}{extras}")
        for who, why in self.skipped.items():
            lines.append(f"{who:<34} skipped: {why}")
        return "\n".join(lines)

    def as_json(self) -> dict:
        return {"name": self.name, "unit": self.unit, "reference": self.reference, "rows": self.rows,
                "ratios": {k: v / self.rows[self.reference] for k, v in self.rows.items()} if self.reference in self.rows else {},
                "extra": self.extra, "skipped": self.skipped}


def _fmt(v) -> str:
    if v is None:
        return "-"
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def time_once(fn: Callable[[], object]) -> float:
    """Wall-clock seconds of one fn(); what it returns is freed after the clock stops."""
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    del result
    return elapsed


def median_time(fn: Callable[[], object], repeat: int, warmup: int = 1) -> float:
    """Median wall-clock seconds of fn() over `repeat` runs, after `warmup` untimed runs.
    The garbage collector stays on, as a user has it."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        times.append(time_once(fn))
    return statistics.median(times)


def median_epoch_time(one_epoch: Callable[[], object], accuracy: Callable[[], float], epochs: int) -> tuple[float, float]:
    """(median wall-clock seconds of one_epoch() over `epochs` runs, then accuracy())."""
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        one_epoch()
        times.append(time.perf_counter() - start)
    return statistics.median(times), accuracy()


def try_import(name: str):
    """The module, or None when the competitor is not installed. torch gets the same number of
    threads as NumPy's BLAS (run.py sets OMP_NUM_THREADS for both)."""
    try:
        module = __import__(name, fromlist=["_"])
    except ImportError:
        return None
    if name == "torch":
        module.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    return module


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector off for the block (then a collection), to show how much of
    a time is the collector's: it scans every live object a graph holds, cycles or not."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
        gc.collect()


def paused(timer: Callable[[], float]) -> Callable[[], float]:
    """timer, run with the collector paused (see collector_paused)."""
    def timed() -> float:
        with collector_paused():
            return timer()
    return timed
