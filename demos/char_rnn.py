"""A character-level LSTM on the opening of Alice in Wonderland: text in, one character at a time.

The text ships with the package (nn.datasets.load_text()). Each character becomes an id
(nn.datasets.char_vocabulary / text_to_ids); a sample is 40 ids, the target the id that follows.
The model is Embedding(vocabulary, 16) → LSTM(64) → Dense(vocabulary, softmax), trained with
sparse_categorical_crossentropy. After every epoch it writes a sample: starting from "Alice was ",
it predicts the next character's probabilities, draws one, appends it and repeats, so you watch
it go from noise to spelling.

Run:  python demos/char_rnn.py [--epochs 30] [--temperature 0.5]

TINYGRAD_EDU_QUICK=1 trains 1 epoch on the first 800 characters, windows of 20.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import nn
from nn.datasets import char_vocabulary, ids_to_text, load_text, text_to_ids, windows

QUICK = os.environ.get("TINYGRAD_EDU_QUICK") == "1"


def sample(model: nn.Sequential, vocabulary: list[str], start: str, length: int, temperature: float,
           rng: np.random.Generator) -> str:
    """Draw `length` characters after `start`, each from the model's softmax sharpened by 1/temperature."""
    steps = model.input_shape[1]
    ids = list(text_to_ids(start, vocabulary))
    for _ in range(length):
        window = np.array([ids[-steps:]])
        p = model.predict(window)[0].astype(np.float64)
        logits = np.log(p + 1e-12) / temperature           # temperature < 1: surer, more like the text
        p = np.exp(logits - logits.max())
        ids.append(int(rng.choice(len(p), p=p / p.sum())))
    return ids_to_text(ids, vocabulary)


class PrintSample(nn.callbacks.Callback):
    """After each epoch, print the loss and a sample of the text the model writes."""

    def __init__(self, vocabulary: list[str], temperature: float):
        super().__init__()
        self.vocabulary, self.temperature, self.rng = vocabulary, temperature, np.random.default_rng(0)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        text = sample(self.model, self.vocabulary, "Alice was ", 60 if QUICK else 120, self.temperature, self.rng)
        print(f"epoch {epoch + 1}: loss {logs['loss']:.3f}\n    {text!r}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1 if QUICK else 30)
    parser.add_argument("--temperature", type=float, default=0.5)
    args = parser.parse_args()

    text = load_text()[:800] if QUICK else load_text()
    vocabulary = char_vocabulary(text)
    steps = 20 if QUICK else 40
    X, Y = windows(text_to_ids(text, vocabulary), steps)           # X (N, steps) ids, Y (N,) the next id
    print(f"{len(text)} characters, {len(vocabulary)} distinct; {len(X)} windows of {steps}")

    nn.manual_seed(0)
    model = nn.Sequential([nn.Embedding(len(vocabulary), 16, input_shape=(steps,)), nn.LSTM(64),
                           nn.Dense(len(vocabulary), activation="softmax")], name="char_lstm")
    model.summary()
    model.compile(optimizer=nn.Adam(1e-2), loss="sparse_categorical_crossentropy", metrics=["acc"])
    model.fit(X, Y, epochs=args.epochs, batch_size=64, verbose=0, callbacks=[PrintSample(vocabulary, args.temperature)])


if __name__ == "__main__":
    main()
