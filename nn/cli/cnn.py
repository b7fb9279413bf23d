"""`tinygrad-edu train --model cnn`: the handout's CNN on MNIST's 28×28 images, and the pictures of it.

The model is seed 001's: Conv2D(16, 3×3, relu, same) → MaxPooling2D(2, 2) → Conv2D(32, 3×3, relu,
same) → MaxPooling2D(2, 2) → Flatten → Dense(64, relu) → Dense(10, softmax), 105,866 parameters.
Beside train's usual report it writes what a CNN adds: its filters, one digit's feature maps after
each convolution, and the handout's comparison of its loss with the fully connected network's.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable

import nn
from nn import plot

from .data import Prepared

DESCRIPTION = ("the handout's CNN: Conv2D(16, 3×3, relu, same) → MaxPooling2D(2, 2) → Conv2D(32, 3×3, relu, same) "
               "→ MaxPooling2D(2, 2) → Flatten → Dense(64, relu) → Dense(10, softmax)")


def check(dataset: str) -> None:
    if dataset != "mnist":
        raise ValueError(f"--model cnn trains the handout's CNN on 28×28 digit images; --dataset {dataset} has none: "
                         "use --dataset mnist (or --model mlp)")


def as_images(data: Prepared) -> Prepared:
    """The same data with every input a 28×28×1 image (channels-last), as Conv2D takes it."""
    return replace(data, X_train=data.X_train.reshape(-1, 28, 28, 1), X_test=data.X_test.reshape(-1, 28, 28, 1))


def as_rows(data: Prepared) -> Prepared:
    """The same data with every input a row of 784 pixels, as the fully connected network takes it."""
    return replace(data, X_train=data.X_train.reshape(len(data.X_train), -1),
                   X_test=data.X_test.reshape(len(data.X_test), -1))


def build(n_classes: int, optimizer, loss: str) -> nn.Sequential:
    """The handout's CNN, compiled."""
    model = nn.Sequential([
        nn.Conv2D(16, (3, 3), activation="relu", input_shape=(28, 28, 1), padding="same"),
        nn.MaxPooling2D(2, 2),
        nn.Conv2D(32, (3, 3), activation="relu", padding="same"),
        nn.MaxPooling2D(2, 2),
        nn.Flatten(),
        nn.Dense(64, activation="relu"),
        nn.Dense(n_classes, activation="softmax"),
    ], name="cnn")
    model.compile(optimizer=optimizer, loss=loss, metrics=["acc"])
    return model


def pictures(out: Path, model, history, data: Prepared, train_ann: Callable[[], object]) -> list[tuple[Path, str]]:
    """filters.png, feature_maps.png, feature_maps_2.png and cnn_vs_ann_loss.png; (path, what) for each.

    train_ann() trains the fully connected network on the same data and settings and returns its History.
    """
    import matplotlib.pyplot as plt
    convs = [layer for layer in model.layers if isinstance(layer, nn.Conv2D)]
    digit = data.X_test[0]
    written = []

    def keep(figure, name: str, what: str) -> None:
        plt.close(figure)
        written.append((out / name, what))

    keep(plot.filters(convs[0], out / "filters.png"), "filters.png", f"the {convs[0].filters} learned filters of "
         f"'{convs[0].name}'")
    for k, conv in enumerate(convs):
        name = "feature_maps.png" if k == 0 else f"feature_maps_{k + 1}.png"
        keep(plot.feature_maps(model, digit, conv.name, out / name), name,
             f"test digit 0 after '{conv.name}': one feature map per filter")
    ann = train_ann()
    keep(plot.compare_histories({"ANN": ann, "CNN": history}, out / "cnn_vs_ann_loss.png",
                                title="MNIST: the fully connected network (ANN) against the CNN"),
         "cnn_vs_ann_loss.png", "the handout's comparison: loss of the ANN (784-64-10) and of the CNN")
    return written
