"""`tinygrad-edu train`: fit a small MLP, print the test report, write the pictures and the model.

What it writes, and the defaults, are in DESCRIPTION (the command's --help); the defaults per data
set are `data.DEFAULTS`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
import time
from pathlib import Path

import numpy as np

import nn
from nn import datasets, metrics, optimizers, plot
from tinygrad_edu import draw_graph

from .data import DATASETS, DEFAULTS, Prepared, prepare
from .drawing import write_drawing
from . import cnn, preflight, rnn
from .neuron import neuron_graph
from .options import column_names, delimiter, fraction, hidden_widths, non_negative_int, positive_float, positive_int

DESCRIPTION = """Train a small network and write what it learned.

With no options: the iris flowers shipped in the package, a 4-16-3 network, Adam at 0.01 for
100 epochs, 30 flowers held out for the test; a few seconds. Everything lands in --out:

    history.png            loss and accuracy, training against validation, per epoch
    confusion_matrix.png   test samples by true and predicted class
    decision_boundary.png  the regions of each class (2-D data only)
    samples.png            test digits with their predictions (MNIST only)
    model.npz              the trained model: nn.load_model("model.npz")
    preprocessing.json     how raw inputs become model inputs, (x - mean) / scale, and the class names
    neuron.svg, .png       one trained neuron on one test sample, backpropagated
    with --model cnn (MNIST), instead of the neuron:
    filters.png            the first convolution's learned 3×3 filters
    feature_maps.png, _2   one test digit after each convolution, a panel per filter
    cnn_vs_ann_loss.png    the handout's comparison: the CNN's loss against the 784-64-10 network's
    with --model rnn (sine windows made on the spot, no --dataset), instead:
    forecast.png, history.png, model.npz   the SimpleRNN forecaster's predictions, loss, weights

examples:
    tinygrad-edu train
    tinygrad-edu train --dataset moons --hidden 32,32 --epochs 200
    tinygrad-edu train --dataset mnist --data-dir data/mnist --epochs 3
    tinygrad-edu train --dataset mnist --model cnn --epochs 3       (the handout's CNN)
    tinygrad-edu train --model rnn                                  (a SimpleRNN forecasting a sine wave)
    tinygrad-edu train --csv patients.csv --target diagnosis --drop id
    tinygrad-edu train --csv hcv.csv --target Category --delimiter ";" --drop ""   (a pandas index column)

Mistakes are found before any work: options that need --csv, an --out that cannot be written,
a --data-dir that is not MNIST's folder, a network too large for this machine's memory."""

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "gaussian", "linear")
# each loss with the output layer and the target encoding it needs
LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy", "mse")
OPTIMIZERS = ("adam", "sgd", "rmsprop", "adagrad", "adadelta")


def configure(parser: argparse.ArgumentParser) -> None:
    """The `train` subcommand's arguments; None means "the data set's default" (see data.DEFAULTS)."""
    d = DEFAULTS["iris"]
    add = parser.add_argument
    add("--dataset", choices=DATASETS, metavar="NAME",
        help=f"{', '.join(DATASETS)} (default iris; csv needs --csv and --target)")
    add("--csv", type=Path, metavar="PATH", help="a table with a header row (implies --dataset csv)")
    add("--target", metavar="COLUMN", help="the CSV column holding the classes")
    add("--drop", type=column_names, default=[], metavar="COLUMNS",
        help="CSV columns to leave out, comma separated (an id, a name); an unnamed first column is \"\" or index")
    add("--delimiter", type=delimiter, metavar="CHAR",
        help="what separates the CSV's values: , ; tab | or any one character (default: sniffed from the first lines)")
    add("--decimal", choices=(".", ","), metavar="MARK",
        help="the CSV's decimal mark, . or , (default: a ;-separated file's decimal commas are found and read as "
             "numbers, as Excel writes them in an Indonesian locale)")
    add("--encoding", metavar="NAME",
        help="the CSV's text encoding (default UTF-8; e.g. cp1252 for a file Excel saved as plain CSV)")
    add("--data-dir", type=Path, metavar="DIR",
        help="the folder with MNIST's four .gz files (default: $TINYGRAD_EDU_DATA/mnist, else the download cache)")
    add("--limit", type=positive_int, metavar="N",
        help="use at most N samples (MNIST: the first N training and N test images), for quick runs")
    add("--samples", type=positive_int, default=400, metavar="N",
        help="points to generate for moons, circles, xor, spirals (default 400)")
    add("--model", choices=("mlp", "cnn", "rnn"), default="mlp",
        help="mlp: Dense layers of --hidden widths (default); cnn: the handout's CNN (MNIST only; --hidden unused); "
             "rnn: a SimpleRNN forecasting a sine wave (its own data)")
    add("--hidden", type=hidden_widths, metavar="WIDTHS",
        help=f"hidden layer widths, comma separated, e.g. 64,32 ('none' for none; default {d.hidden[0]}, "
             f"moons etc. 16,16, MNIST 64)")
    add("--activation", choices=ACTIVATIONS, metavar="NAME",
        help=f"of the hidden layers: {', '.join(ACTIVATIONS)} (default relu)")
    add("--loss", choices=LOSSES, default=LOSSES[0], metavar="NAME",
        help=f"{', '.join(LOSSES)}; default sparse_categorical_crossentropy (softmax outputs, integer labels); "
             f"binary_crossentropy (one sigmoid output) needs two classes")
    add("--optimizer", choices=OPTIMIZERS, metavar="NAME", help=f"{', '.join(OPTIMIZERS)} (default adam)")
    add("--lr", type=positive_float, help=f"learning rate (default {d.lr}; MNIST 0.001)")
    add("--epochs", type=positive_int, metavar="N", help=f"passes over the training data (default {d.epochs}; MNIST 5)")
    add("--batch-size", type=positive_int, metavar="N", help=f"samples per step (default {d.batch_size}; 2-D sets 32, MNIST 128)")
    add("--val-split", type=fraction, metavar="FRACTION",
        help=f"share of the training data held back for validation curves (default {d.val_split}; MNIST 0.1; 0: none)")
    add("--test-split", type=fraction, metavar="FRACTION", help=f"share held out for the final test (default {d.test_split}; "
                                            f"2-D sets 0.25; MNIST has its own test set)")
    add("--seed", type=non_negative_int, default=0, metavar="N", help="one seed for data, split, weights and shuffling (default 0)")
    add("--out", type=Path, default=Path("tinygrad_edu_out"), metavar="DIR",
        help="where to write the pictures and the model (default ./tinygrad_edu_out/)")
    add("--verbose", type=int, choices=(0, 1, 2), default=1,
        help="1: a progress bar per epoch (default); 2: one line per epoch; 0: quiet training")


def run(args: argparse.Namespace) -> int:
    """Check, load, train, report, write the files. Returns the exit status."""
    if args.model == "rnn":                  # its own data and pictures: nn/cli/rnn.py
        return rnn.run(args)
    start = time.perf_counter()
    name = preflight.dataset_name(args)
    out = args.out
    preflight.check_out(out)                 # first: a folder we cannot write must not cost a training run
    preflight.check_data_dir(args.data_dir)
    d = DEFAULTS[name]
    settings = {key: getattr(args, key) if getattr(args, key) is not None else getattr(d, key)
                for key in ("hidden", "activation", "epochs", "batch_size", "lr", "optimizer", "val_split",
                            "test_split")}
    data_dir = args.data_dir
    if data_dir is not None and not list(data_dir.glob("train-images-idx3-ubyte*")) and (data_dir / "mnist").is_dir():
        data_dir = data_dir / "mnist"          # the folder above mnist/, as $TINYGRAD_EDU_DATA is, works too
    try:
        data = prepare(name, seed=args.seed, test_split=settings["test_split"], limit=args.limit,
                       samples=args.samples, csv_path=args.csv, target=args.target, drop=args.drop,
                       delimiter=args.delimiter, encoding=args.encoding, decimal=args.decimal, data_dir=data_dir)
    except OSError as e:          # no MNIST and no internet: the hint names this command's flag
        if datasets.MNIST_PATH_HINT not in str(e):
            raise
        raise type(e)(str(e).replace(datasets.MNIST_PATH_HINT, "--data-dir DIR")) from None
    if args.loss == "binary_crossentropy" and data.n_classes != 2:
        raise ValueError(f"--loss binary_crossentropy needs two classes; {name} has {data.n_classes}: use "
                         f"sparse_categorical_crossentropy")
    outputs = 1 if args.loss == "binary_crossentropy" else data.n_classes
    n_fit = len(data.X_train) - (int(len(data.X_train) * settings["val_split"]) if settings["val_split"] else 0)
    if settings["batch_size"] > n_fit:     # as Keras: one batch of all the data, not a refusal
        if args.batch_size is not None:
            data.notes.append(f"--batch-size {args.batch_size} is more than the {n_fit} training samples; "
                              f"using {n_fit} (one batch per epoch)")
        settings["batch_size"] = max(n_fit, 1)
    if args.model == "cnn":
        cnn.check(name)
        data = cnn.as_images(data)
    else:
        preflight.check_model_size([data.X_train.shape[1], *settings["hidden"], outputs], settings["batch_size"])

    nn.manual_seed(args.seed)
    if args.model == "cnn":
        model = cnn.build(data.n_classes, _optimizer(settings), args.loss)
    else:
        model = _model(data, settings, args.loss)
    sizes = "-".join(str(s) for s in [data.X_train.shape[1], *settings["hidden"], model.layers[-1].units])
    n_val = int(len(data.X_train) * settings["val_split"]) if settings["val_split"] else 0
    print(f"{name}: {len(data.X_train) + len(data.X_test)} samples, {data.X_train[0].size} features, "
          f"{data.n_classes} classes; {len(data.X_train) - n_val} to train on, {n_val} for validation, "
          f"{len(data.X_test)} held out for the test")
    for note in data.notes:
        print(f"note: {note}")
    hidden = f"{settings['activation']} hidden" if settings["hidden"] else "no hidden layer"
    shape = cnn.DESCRIPTION if args.model == "cnn" else f"{sizes} ({hidden}, {model.layers[-1].activation_name} output)"
    print(f"model {shape}, "
          f"{args.loss}, {settings['optimizer']} lr {settings['lr']:g}, {settings['epochs']} epochs of "
          f"batch {settings['batch_size']}, seed {args.seed}")
    with warnings.catch_warnings(record=True) as caught:   # a diverging run: fit's one message, said below
        warnings.simplefilter("always", RuntimeWarning)
        history = model.fit(data.X_train, _targets(data.y_train, data.n_classes, args.loss),
                            epochs=settings["epochs"], batch_size=settings["batch_size"],
                            validation_split=settings["val_split"], verbose=args.verbose)
    for w in caught:
        if history.stopped != "nan" or str(w.message) != history.stop_message:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if history.stopped == "nan":               # a NaN model is worth nothing: write nothing, say why
        print(f"error: {history.stop_message.removeprefix('fit: ')} (--lr); nothing was written to {out}",
              file=sys.stderr)
        return 1
    interrupted = history.stopped == "interrupted"
    if interrupted:
        done = len(history.epoch)
        print(f"\nINTERRUPTED (Ctrl-C) after {done} of {settings['epochs']} epochs: the report, the curves and "
              f"the model below are those of the training so far")

    probabilities = model.predict(data.X_test)
    _report(data, probabilities)
    train_ann = None
    if args.model == "cnn":
        def train_ann():    # the handout's comparison: the fully connected network, same data and settings
            rows = cnn.as_rows(data)
            return _model(rows, settings, args.loss).fit(
                rows.X_train, _targets(rows.y_train, rows.n_classes, args.loss), epochs=settings["epochs"],
                batch_size=settings["batch_size"], validation_split=settings["val_split"], verbose=0)
    written = _write_files(out, model, history, data, probabilities, train_ann,
                           note=f" (interrupted after {len(history.epoch)} of {settings['epochs']} epochs)"
                           if interrupted else "")
    print(f"\nwrote into {out}{'' if str(out).endswith('/') else '/'}:")
    width = max(len(path.name) for path, _ in written)
    for path, what in written:
        print(f"  {path.name:<{width}}  {what}")
    print(f"{'interrupted' if interrupted else 'done'} in {time.perf_counter() - start:.1f} s")
    return 130 if interrupted else 0


def _model(data: Prepared, settings: dict, loss: str):
    """Dense layers of the given widths, then the output layer the loss expects; compiled."""
    layers = [nn.Dense(width, activation=settings["activation"], name=f"hidden_{i + 1}",
                       input_dim=data.X_train.shape[1] if i == 0 else None)
              for i, width in enumerate(settings["hidden"])]
    binary = loss == "binary_crossentropy"
    layers.append(nn.Dense(1 if binary else data.n_classes, activation="sigmoid" if binary else "softmax",
                           name="output", input_dim=None if layers else data.X_train.shape[1]))
    model = nn.Sequential(layers, name="mlp")
    model.compile(optimizer=_optimizer(settings), loss=loss, metrics=["acc"])
    return model


def _optimizer(settings: dict):
    """Keras's defaults for the optimizer (its epsilon etc.), with our learning rate."""
    kind = settings["optimizer"]
    return optimizers.OPTIMIZERS[kind](**{**optimizers.KERAS_DEFAULTS[kind], "lr": settings["lr"]})


def _targets(y: np.ndarray, k: int, loss: str) -> np.ndarray:
    """Labels as the loss reads them: as they are (sparse), a 0/1 column (binary) or one-hot rows."""
    if loss == "sparse_categorical_crossentropy":
        return y
    if loss == "binary_crossentropy":
        return y.astype(np.float32).reshape(-1, 1)
    return np.eye(k, dtype=np.float32)[y]


def _report(data: Prepared, probabilities: np.ndarray) -> None:
    """Test accuracy, then precision, recall and F1 per class."""
    acc = metrics.accuracy(data.y_test, probabilities)
    correct = int(round(acc * len(data.y_test)))
    print(f"\ntest accuracy: {acc:.4f} ({correct} of {len(data.y_test)} held-out samples)\n")
    print(metrics.classification_report(data.y_test, probabilities, labels=list(range(data.n_classes)),
                                target_names=data.class_names, digits=3, zero_division=0))


def _write_files(out: Path, model, history, data: Prepared, probabilities: np.ndarray,
                 train_ann=None, note: str = "") -> list[tuple[Path, str]]:
    """Every picture and the model, each written whole or not at all (a temporary name, then a
    rename); returns (path, what it shows) for the listing. `note` marks the titles (interrupted).
    For a CNN (train_ann given: it trains the fully connected network to compare with), the CNN's
    pictures replace the neuron."""
    written: list[tuple[Path, str]] = []

    def keep(plotter, path: Path, what: str) -> None:
        _close(_atomically(path, plotter))
        written.append((path, what))

    _headless()
    sizes = [data.X_train.shape[1]] + [getattr(layer, "units", None) for layer in model.layers]
    title = (f"{data.name}: the handout's CNN" if train_ann else f"{data.name}: {'-'.join(map(str, sizes))} network") + note
    keep(lambda p: plot.history(history, p, title=title), out / "history.png", "loss and accuracy curves" + note)
    cm = metrics.confusion_matrix(data.y_test, probabilities, num_classes=data.n_classes)
    keep(lambda p: plot.confusion_matrix(cm, data.class_names, p, title=f"Confusion matrix, {data.name} test set{note}"),
         out / "confusion_matrix.png", "confusion matrix of the test set")
    if data.raw_points is not None:
        keep(lambda p: plot.decision_boundary(lambda points: model.predict(data.transform(points)), data.raw_points,
                                              data.raw_labels, p, class_names=data.class_names,
                                              title=f"Decision boundary, {data.name} (all {len(data.raw_points)} "
                                                    f"points){note}"),
             out / "decision_boundary.png", "decision boundary over all the points")
    if data.test_images is not None:
        keep(lambda p: plot.samples(data.test_images[:30], data.y_test[:30], probabilities[:30], p),
             out / "samples.png", "the first 30 test digits and their predictions")
    model.save(out / "model.npz")                      # save writes a temporary file, then renames it
    written.append((out / "model.npz", "the trained model: nn.load_model(path)" + note))
    _atomically(out / "preprocessing.json", lambda p: _write_preprocessing(p, data))
    written.append((out / "preprocessing.json", "model input = (raw input - mean) / scale; the class names"))
    written += cnn.pictures(out, model, history, data, train_ann) if train_ann else _write_neuron(out, model, data)
    return written


def _atomically(path: Path, write):
    """write(a temporary path with path's suffix), then rename it to `path`: a file is there whole
    or not at all, even if the command is stopped mid-write. Returns what write returned."""
    tmp = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        result = write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return result


def _write_preprocessing(path: Path, data: Prepared) -> None:
    record = {"dataset": data.name, "class_names": data.class_names, "feature_names": data.feature_names,
              "mean": np.asarray(data.mean).tolist(), "scale": np.asarray(data.scale).tolist()}
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def _write_neuron(out: Path, model, data: Prepared) -> list[tuple[Path, str]]:
    """neuron.svg and neuron.png, or neuron.gv with a note when Graphviz's `dot` is missing."""
    root, caption = neuron_graph(model, data.X_test[0], data.feature_names)
    what = "pixels / 255" if data.name == "mnist" else "standardized features"
    caption += f"\nx: the {what} of test sample 1 (true class: {data.class_names[data.y_test[0]]})"

    def draw(fmt: str):
        g = draw_graph(root, format=fmt)
        g.attr(label=caption, labelloc="t", fontsize="13")
        return g

    written = []
    for name in ("neuron.svg", "neuron.png"):
        tmp = out / f".neuron.partial{Path(name).suffix}"
        drawn, note = write_drawing(draw, tmp)           # tmp, or tmp's .gv without Graphviz's dot
        path = (out / name).with_suffix(drawn.suffix)
        os.replace(drawn, path)                          # whole or not at all
        written.append((path, "one trained neuron on one test sample, backpropagated"))
        if note:
            print(f"note: {note}")
            break                   # the .png would fall back to the same .gv
    return written


def _headless() -> None:
    """The Agg backend, unless pyplot is already in use: this command only writes files."""
    import matplotlib
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")


def _close(figure) -> None:
    import matplotlib.pyplot as plt
    plt.close(figure)
