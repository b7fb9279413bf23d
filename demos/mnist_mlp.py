"""The course's Keras MNIST script (handout "Membangun Model ANN", fully connected layer for digits), with nn.

Line for line the handout's four parts: 1. load the data, reshape to 28×28×1, scale to [0, 1],
one-hot labels; 2. Sequential with Flatten, Dense(64, relu), Dense(10, softmax); 3. compile with
adam and categorical_crossentropy, fit with validation data, save, evaluate; then the loss curves,
and 4. load the saved model and predict. What differs from the Keras original: the imports, the
saved file's format (.npz instead of .h5), and one build() call so that summary() can come before fit.

Run:  python demos/mnist_mlp.py [--data-dir DIR] [--epochs 10]

MNIST is read from --data-dir (the folder holding the four IDX files, or a folder with an mnist/
subfolder), else from $TINYGRAD_EDU_DATA/mnist, else nn.datasets.load_mnist's cache (downloading
once). Prints the summary, one line per epoch, the test loss and accuracy, and one prediction;
writes to demos/out/: mnist_history.png (loss and accuracy curves), mnist_samples.png (the first
30 test digits with their predictions, mistakes in red), mnist_confusion.png and my_model1.npz.
TINYGRAD_EDU_QUICK=1 trains on 2,000 images for 2 epochs and tests on 1,000.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

import nn
from nn import Dense, Flatten, Sequential
from nn.datasets import load_mnist
from nn.utils import to_categorical

OUT = Path(__file__).resolve().parent / "out"
QUICK = os.environ.get("TINYGRAD_EDU_QUICK") == "1"


def mnist_folder(data_dir: str | None) -> Path | None:
    """The folder to give load_mnist: --data-dir itself, or its mnist/ subfolder; None lets load_mnist look."""
    if data_dir is None:
        return None
    folder = Path(data_dir)
    return folder / "mnist" if (folder / "mnist").is_dir() else folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder with the MNIST IDX files (default: $TINYGRAD_EDU_DATA/mnist)")
    parser.add_argument("--epochs", type=int, default=2 if QUICK else 10, help="passes over the training set")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    nn.manual_seed(0)

    # ---- 1. Load data ------------------------------------------------------------------------------
    try:
        (X_train, y_train), (X_test, y_test) = load_mnist(mnist_folder(args.data_dir))
    except OSError as e:     # a wrong --data-dir, or no data and no internet: one line, not a traceback
        parser.exit(2, f"mnist_mlp.py: {str(e).replace(nn.datasets.MNIST_PATH_HINT, '--data-dir DIR')}\n")
    if QUICK:      # a small slice, so the test suite runs the whole script in seconds
        X_train, y_train, X_test, y_test = X_train[:2000], y_train[:2000], X_test[:1000], y_test[:1000]
    X_train = X_train.reshape(-1, 28, 28, 1)
    X_test = X_test.reshape(-1, 28, 28, 1)
    X_train = X_train.astype('float32')
    X_test = X_test.astype('float32')
    X_train /= 255
    X_test /= 255
    y_train = to_categorical(y_train, 10)
    y_test = to_categorical(y_test, 10)
    print(f"training images {X_train.shape}, test images {X_test.shape}, one-hot labels {y_train.shape}\n")

    # ---- 2. Define model ---------------------------------------------------------------------------
    model1 = Sequential()
    model1.add(Flatten())
    model1.add(Dense(64, activation='relu'))
    model1.add(Dense(10, activation='softmax'))
    model1.build((None, 28, 28, 1))   # Keras builds at the first fit; building now lets summary() come first
    model1.summary()

    # ---- 3. Compile, fit, save and evaluate ---------------------------------------------------------
    model1.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['acc'])
    start = time.perf_counter()
    history1 = model1.fit(X_train, y_train, epochs=args.epochs, batch_size=100, validation_data=(X_test, y_test),
                          verbose=2 if QUICK else 1)
    print(f"trained in {time.perf_counter() - start:.1f} s")
    model1.save(OUT / 'my_model1.npz')
    print(model1.evaluate(X_test, y_test))

    # ---- the handout's loss curves (training against validation), with accuracy beside them ----------
    nn.plot.history(history1, OUT / "mnist_history.png",
                    title=f"MNIST, Flatten → Dense(64, relu) → Dense(10, softmax): {len(X_train):,} training images")

    # ---- 4. Load model and prediction --------------------------------------------------------------
    model_simpan = nn.load_model(OUT / 'my_model1.npz')
    pred = model_simpan.predict(X_test)
    print('label actual:', np.argmax(y_test[30]))
    print('label prediction:', np.argmax(pred[30]))

    labels, predicted = y_test.argmax(axis=1), pred.argmax(axis=1)
    nn.plot.samples(X_test[:30], labels[:30], predicted[:30], OUT / "mnist_samples.png",
                    title=f"The first 30 test digits and the model's predictions "
                          f"({int((labels[:30] != predicted[:30]).sum())} wrong, in red)")
    nn.plot.confusion_matrix(nn.metrics.confusion_matrix(labels, predicted), path=OUT / "mnist_confusion.png",
                             title=f"MNIST test set ({len(labels):,} images)")
    print(f"\nwrote {OUT}/mnist_history.png, mnist_samples.png, mnist_confusion.png and my_model1.npz")


if __name__ == "__main__":
    main()
