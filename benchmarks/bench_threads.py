"""threads: the course's models at NumPy's default BLAS thread count and at one thread, on the
machine as it is and with one core busy.

    python benchmarks/bench_threads.py [--repeat N] [--quick]       (run.py runs it too)

NumPy's BLAS (OpenBLAS) starts one thread per core. The course's products are small (batch 100 ×
784 × 64; the CNN's im2col, 19,600 × 144 × 32), so a second thread has little to gain, and when
another process holds a core, a BLAS thread waiting for it stalls every product: lab machines and
free notebook services give students two shared cores. Each model's `fit` epoch is timed at both
counts, in turns (threadpoolctl sets the count around each epoch; `nn.set_num_threads(None)` keeps
`fit` from choosing its own), first on the machine as it is (the load average printed beside it:
a shared machine is rarely quiet), then with one core busy: a process this benchmark starts,
spinning, and stops afterwards (it also stops itself after SPIN_LIMIT seconds, whatever happens
here). The models: the MNIST MLP, the handout's CNN (on a fifth of its images), and the sine
RNN (bench_rnn_epoch's).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import time
from contextlib import contextmanager

import numpy as np
from threadpoolctl import ThreadpoolController

import bench_cnn_epoch as cnn
import bench_mnist_epoch as mnist
import bench_rnn_epoch as rnn
import nn
from common import Result, time_once

SPIN_LIMIT = 900           # seconds: a spinner outlives this benchmark by no more than that
CNN_IMAGES = 5_000         # a fifth of the CNN's epoch: the same products, a shorter wait


def run(quick: bool, repeat: int) -> list[Result]:
    blas = ThreadpoolController()
    default = _cpus()      # what OpenBLAS starts with when no variable limits it
    models = epochs(quick)
    results = []
    for condition, busy in (("as it is", False), ("one core busy", True)):
        with spinning(busy):
            load = os.getloadavg()[0]
            for name, epoch in models.items():
                times = {default: [], 1: []}
                for i in range(max(repeat, 1)):
                    for threads in (default, 1) if i % 2 == 0 else (1, default):
                        with blas.limit(limits=threads, user_api="blas"):
                            times[threads].append(time_once(epoch))
                r = Result(f"threads: {name}, {condition} (load average {load:.2f} on {default} CPUs)",
                           "s per epoch", f"{default} BLAS threads")
                r.add(f"{default} BLAS threads", statistics.median(times[default]))
                r.add("1 BLAS thread", statistics.median(times[1]))
                results.append(r)
    return results


def timers(engine, nn, quick: bool) -> dict:
    """Nothing to A/B here: the other benchmarks time the same epochs at one thread."""
    return {}


def epochs(quick: bool) -> dict:
    """model -> one `fit` epoch, nn's own thread choice switched off (nn.set_num_threads(None))."""
    if hasattr(nn, "set_num_threads"):
        nn.set_num_threads(None)
    X, Y, _, _ = mnist.data(2_000 if quick else None)
    mlp = mnist.keras_model(nn, mnist.initial_weights())
    Xc, Yc, _, _ = cnn.data(500 if quick else CNN_IMAGES)
    conv = cnn.nn_model(nn, cnn.initial_weights())
    models = {f"MNIST MLP 784-64-10, {len(X):,} images": lambda: mlp.fit(X, Y, epochs=1, batch_size=100, verbose=0),
              f"the handout's CNN, {len(Xc):,} images": lambda: conv.fit(Xc, Yc, epochs=1, batch_size=100, verbose=0)}
    Xs, Ys = rnn.sine_data(quick)
    sine = rnn.sine_model(nn)
    models[f"the sine RNN, SimpleRNN(16), {len(Xs):,} windows"] = lambda: sine.fit(Xs, Ys, epochs=1, batch_size=50, verbose=0)
    return models


@contextmanager
def spinning(busy: bool):
    """One core held by a process spinning (when busy), stopped at the end of the block."""
    if not busy:
        yield
        return
    spinner = multiprocessing.get_context("spawn").Process(target=_spin, args=(SPIN_LIMIT,), daemon=True)
    spinner.start()
    try:
        time.sleep(0.5)                 # let it start spinning
        yield
    finally:
        spinner.terminate()
        spinner.join()


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="epochs per thread count and condition (median)")
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    args = parser.parse_args()
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  NumPy {np.__version__}  {_cpus()} CPUs", flush=True)
    for result in run(args.quick, 1 if args.quick else args.repeat):
        print(result.table(), flush=True)
        print()
    sys.exit(0)
