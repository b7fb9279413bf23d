"""Forecast a sine wave with a SimpleRNN: the course's first recurrent network, as Keras writes it.

Each sample is a window of 20 consecutive values of sin(2πt / 50) (X of shape (N, 20, 1): N windows,
20 time steps, 1 feature); the target is the value right after it. The model is SimpleRNN(16)
then Dense(1), trained with Adam (lr 1e-2) on the mean squared error, batch 50.

Run:  python demos/rnn_sine.py [--epochs 10]

Prints the summary and one line per epoch (MSE ≈ 0.16 after epoch 1, ≈ 1e-4 after 10); writes
demos/out/rnn_sine_forecast.png (the held-out windows' predictions, and the model fed its own
predictions) and demos/out/rnn_sine_history.png. TINYGRAD_EDU_QUICK=1 trains 2 epochs on 300 windows.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import nn

OUT = Path(__file__).resolve().parent / "out"
QUICK = os.environ.get("TINYGRAD_EDU_QUICK") == "1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2 if QUICK else 10)
    args = parser.parse_args()

    X, Y = nn.datasets.make_sine_windows(300 if QUICK else 1200, 20, noise=0.0)
    n_train = len(X) * 5 // 6                            # the first 1,000 windows to train, the rest to test
    X_train, Y_train, X_test, Y_test = X[:n_train], Y[:n_train], X[n_train:], Y[n_train:]

    nn.manual_seed(0)
    model = nn.Sequential([nn.SimpleRNN(16, input_shape=(20, 1)), nn.Dense(1)], name="sine_forecaster")
    model.summary()
    model.compile(optimizer=nn.Adam(1e-2), loss="mse")
    history = model.fit(X_train, Y_train, epochs=args.epochs, batch_size=50, verbose=2)
    print(f"test MSE: {model.evaluate(X_test, Y_test, verbose=0):.2e}")

    OUT.mkdir(exist_ok=True)
    nn.plot.forecast(model, X_test, Y_test, OUT / "rnn_sine_forecast.png", free_run=len(X_test))
    nn.plot.history(history, OUT / "rnn_sine_history.png")
    print(f"wrote {OUT / 'rnn_sine_forecast.png'} and {OUT / 'rnn_sine_history.png'}")


if __name__ == "__main__":
    main()
