"""The course's Keras CNN for MNIST (handout "Contoh implementasi arsitektur CNN pada pengenalan angka"), with nn.

Line for line the handout's parts: 1. define the CNN, Conv2D(16, 3×3, relu, same) → MaxPooling2D(2, 2)
→ Conv2D(32, 3×3, relu, same) → MaxPooling2D(2, 2) → Flatten → Dense(64, relu) → Dense(10, softmax),
and its summary (105,866 parameters); 2. compile with adam and categorical_crossentropy, fit with
validation data, save, evaluate; 3. load the saved model and predict; then the handout's last plot,
the loss curves of the ANN (model1, the fully connected network of demos/mnist_mlp.py) and of the
CNN side by side. What differs from the Keras original: the imports and the saved file's format
(.npz instead of .h5). Beyond the handout, the pictures that give "filter" and "feature map" a face.

Run:  python demos/cnn_mnist.py [--data-dir DIR] [--epochs 10]

MNIST is read from --data-dir, else $TINYGRAD_EDU_DATA/mnist, else nn.datasets.load_mnist's cache.
Prints both summaries, one line per epoch, the test loss and accuracy, and one prediction; writes to
demos/out/: cnn_vs_ann_loss.png (the handout's comparison), cnn_filters.png (the 16 learned 3×3
filters of the first Conv2D), cnn_feature_maps.png and cnn_feature_maps_2.png (one test digit after
each Conv2D), cnn_samples.png (test digits and predictions) and my_model2.npz.
TINYGRAD_EDU_QUICK=1 trains on 2,000 images for 2 epochs and tests on 1,000.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import nn
from nn import Conv2D, Dense, Flatten, MaxPooling2D, Sequential
from nn.datasets import load_mnist
from nn.utils import to_categorical

from mnist_mlp import OUT, QUICK, mnist_folder    # the ANN demo beside this one: --data-dir, the quick slice


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder with the MNIST IDX files (default: $TINYGRAD_EDU_DATA/mnist)")
    parser.add_argument("--epochs", type=int, default=2 if QUICK else 10, help="passes over the training set")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    nn.manual_seed(0)

    # ---- load the data, as the ANN's handout does ------------------------------------------------------
    try:
        (X_train, y_train), (X_test, y_test) = load_mnist(mnist_folder(args.data_dir))
    except FileNotFoundError as e:
        parser.exit(2, f"cnn_mnist.py: {e}\n")
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
    print(f"training images {X_train.shape}, test images {X_test.shape}\n")

    # ---- the ANN of the earlier handout (model1), for the comparison at the end -------------------------
    model1 = Sequential()
    model1.add(Flatten())
    model1.add(Dense(64, activation='relu'))
    model1.add(Dense(10, activation='softmax'))
    model1.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['acc'])
    history1 = model1.fit(X_train, y_train, epochs=args.epochs, batch_size=100, validation_data=(X_test, y_test),
                          verbose=0)
    print(f"ANN (model1): test loss and accuracy {model1.evaluate(X_test, y_test, verbose=0)}\n")

    # ---- 1. Define model CNN -------------------------------------------------------------------------
    model2 = Sequential()
    model2.add(Conv2D(16, (3, 3), activation='relu', input_shape=(28, 28, 1), padding='same'))
    model2.add(MaxPooling2D(2, 2))
    model2.add(Conv2D(32, (3, 3), activation='relu', padding='same'))
    model2.add(MaxPooling2D(2, 2))
    model2.add(Flatten())
    model2.add(Dense(64, activation='relu'))
    model2.add(Dense(10, activation='softmax'))
    model2.summary()

    # ---- 2. Compile, fit, save and evaluate the CNN ---------------------------------------------------
    model2.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['acc'])
    start = time.perf_counter()
    history2 = model2.fit(X_train, y_train, epochs=args.epochs, batch_size=100, validation_data=(X_test, y_test),
                          verbose=2 if QUICK else 1)
    print(f"trained in {time.perf_counter() - start:.1f} s")
    model2.save(OUT / 'my_model2.npz')
    print(model2.evaluate(X_test, y_test))

    # ---- 3. Load model CNN and prediction ------------------------------------------------------------
    model_simpan2 = nn.load_model(OUT / 'my_model2.npz')
    pred = model_simpan2.predict(X_test)
    print('label actual:', np.argmax(y_test[30]))
    print('label prediction:', np.argmax(pred[30]))

    # ---- the handout's plot: the loss of the ANN and of the CNN, training and validation ---------------
    nn.plot.compare_histories({"ANN": history1, "CNN": history2}, OUT / "cnn_vs_ann_loss.png",
                              title=f"Perbandingan loss: ANN vs CNN, MNIST ({len(X_train):,} training images)")
    # ---- filters and feature maps: what the convolution layers learned, and what they see -------------
    nn.plot.filters(model2.layers[0], OUT / "cnn_filters.png")
    nn.plot.feature_maps(model2, X_test[30], model2.layers[0].name, OUT / "cnn_feature_maps.png")
    nn.plot.feature_maps(model2, X_test[30], model2.layers[2].name, OUT / "cnn_feature_maps_2.png")
    labels, predicted = y_test.argmax(axis=1), pred.argmax(axis=1)
    nn.plot.samples(X_test[:30], labels[:30], predicted[:30], OUT / "cnn_samples.png",
                    title=f"The first 30 test digits and the CNN's predictions "
                          f"({int((labels[:30] != predicted[:30]).sum())} wrong, in red)")
    print(f"\nwrote {OUT}/cnn_vs_ann_loss.png, cnn_filters.png, cnn_feature_maps.png, cnn_feature_maps_2.png, "
          f"cnn_samples.png and my_model2.npz")


if __name__ == "__main__":
    main()
