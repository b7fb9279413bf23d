"""How many threads NumPy's BLAS runs while nn trains or predicts: one, unless you say otherwise.

`fit`, `evaluate`, `predict`, `train_on_batch`, `test_on_batch` and `predict_on_batch` set the
count for their own work and put the old one back when they return:

    nn.set_num_threads(4)              4 threads from now on; nn.set_num_threads(None): leave
                                       NumPy's BLAS as it is (its own default, or what you set)
    TINYGRAD_EDU_NUM_THREADS=4         the same for a whole session, read when first needed
                                       ("none" for None); set_num_threads overrides it
    nn.get_num_threads()               the count nn uses (None: BLAS's own)

Why one. NumPy's BLAS (OpenBLAS) starts a thread per core. The course's products are small
(batch 100 × 784 × 64; the CNN's 19,600 × 144 × 32): on a 2-core machine with both cores free a
second thread makes the CNN's epoch 13–17 % quicker (the MLP's and the RNN's: about even), but as
soon as another process holds a core every product waits for the thread that core runs, and an
epoch takes 1.8× to 9× as long (README, "Performance"; `benchmarks/bench_threads.py`). Lab machines and free notebook
services give students two shared cores, so one thread, the bounded loss. On a machine of your
own, bigger models may gain from more: set_num_threads(None).

threadpoolctl (scikit-learn's way of doing this) is imported when batches first run, so that
importing nn stays light.
"""

from __future__ import annotations

import numbers
import os
from contextlib import contextmanager

ENV = "TINYGRAD_EDU_NUM_THREADS"
DEFAULT = 1

_UNSET = object()
_chosen = _UNSET           # set_num_threads's number, None, or _UNSET (then the variable, else DEFAULT)
_blas = None               # threadpoolctl's controller, made once: finding the libraries takes ~1 ms


def set_num_threads(n: int | None) -> None:
    """Use n threads for NumPy's BLAS while nn runs batches; None leaves the BLAS as it is."""
    global _chosen
    _chosen = _check(n, "nn.set_num_threads")


def get_num_threads() -> int | None:
    """The thread count nn's training and prediction use (None: NumPy's BLAS left as it is)."""
    if _chosen is not _UNSET:
        return _chosen
    value = os.environ.get(ENV, "").strip()
    if not value:
        return DEFAULT
    if value.lower() == "none":
        return None
    try:
        return _check(int(value), ENV)
    except ValueError:
        raise ValueError(f"{ENV} must be a positive integer or 'none', got {value!r}") from None


@contextmanager
def blas_threads():
    """The block runs with get_num_threads() BLAS threads; the count before it comes back after."""
    n = get_num_threads()
    if n is None:
        yield
        return
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController   # here, not at the top: see the module's docstring
        _blas = ThreadpoolController()
    with _blas.limit(limits=n, user_api="blas"):
        yield


def _check(n, who: str) -> int | None:
    if n is None:
        return None
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{who}: the number of threads must be a positive integer or None, got {n!r}")
    return int(n)
