"""`tinygrad-edu train --model rnn`: the course's sine forecaster, SimpleRNN(16) → Dense(1), and its pictures.

Data made on the spot (nn.datasets.make_sine_windows): windows of 20 values of sin(2πt / 50), each
predicting the next; the first 1,000 windows train, the next 200 test. Adam at 0.01, batch 50,
10 epochs unless --lr / --batch-size / --epochs say otherwise; --limit N uses N windows in all.
"""

from __future__ import annotations

import argparse
import time

import nn
from nn import plot

from . import preflight

DESCRIPTION = "SimpleRNN(16) → Dense(1) on windows of 20 sine values (sin(2πt / 50)), predicting the next"


def run(args: argparse.Namespace) -> int:
    """Train the forecaster, print the losses, write forecast.png, history.png and model.npz into --out."""
    start = time.perf_counter()
    if args.dataset is not None or args.csv is not None:
        raise ValueError("--model rnn trains on sine windows made on the spot; leave out --dataset / --csv")
    out = args.out
    preflight.check_out(out)
    n = args.limit or 1200
    X, Y = nn.datasets.make_sine_windows(n, 20)
    cut = n * 5 // 6
    epochs, batch_size, lr = args.epochs or 10, args.batch_size or 50, args.lr or 1e-2
    nn.manual_seed(args.seed)
    model = nn.Sequential([nn.SimpleRNN(16, input_shape=(20, 1)), nn.Dense(1)], name="sine_forecaster")
    model.compile(optimizer=nn.Adam(lr), loss="mse")
    print(f"sine windows: {cut} to train, {n - cut} held out for the test; model {DESCRIPTION}, "
          f"{model.count_params()} parameters; adam lr {lr:g}, {epochs} epochs of batch {batch_size}, seed {args.seed}")
    history = model.fit(X[:cut], Y[:cut], epochs=epochs, batch_size=batch_size, verbose=args.verbose)
    print(f"test MSE: {model.evaluate(X[cut:], Y[cut:], verbose=0):.3e}")
    out.mkdir(parents=True, exist_ok=True)
    written = [(out / "forecast.png", "the held-out windows: truth, one step ahead, and fed its own predictions"),
               (out / "history.png", "the training loss per epoch"), (out / "model.npz", "the trained model")]
    plot.forecast(model, X[cut:], Y[cut:], written[0][0], free_run=n - cut)
    plot.history(history, written[1][0])
    model.save(written[2][0])
    print(f"\nwrote into {out}/:")
    for path, what in written:
        print(f"  {path.name:<13}  {what}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0
