"""The `tinygrad-edu` command end to end: train, graph and check, through `main([...])` and the installed script.

Each test runs in a temporary directory and checks what a user would: the files written (PNGs
that really are PNGs, a model that loads and predicts), the printed numbers, the exit status, and
that a mistake gives one line on stderr and never a traceback.
"""

from __future__ import annotations

import html
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import nn
from nn.cli import main
from nn.cli.expression import ExpressionError, build

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MNIST_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
SCRIPT = shutil.which("tinygrad-edu", path=str(Path(sys.executable).parent)) or shutil.which("tinygrad-edu")
HAS_DOT = shutil.which("dot") is not None


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """main(argv) -> (exit status, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_png(path: Path) -> None:
    assert path.is_file(), f"{path} was not written"
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path} is not a PNG (starts {data[:8]!r})"
    assert len(data) > 2000, f"{path} is only {len(data)} bytes: an empty picture?"


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines}"
    assert lines[0].startswith("tinygrad-edu")
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"


def model_inputs(raw: np.ndarray, folder: Path) -> np.ndarray:
    """Raw features as the saved model takes them, from the preprocessing.json written beside it."""
    record = json.loads((folder / "preprocessing.json").read_text())
    return (raw - np.asarray(record["mean"])) / np.asarray(record["scale"])


# ---- train ------------------------------------------------------------------------------------

def test_train_default_iris_writes_report_pictures_and_a_model_that_predicts(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, _ = run(capsys, "train", "--out", out)
    assert code == 0
    assert "Epoch 100/100" in stdout                      # the progress bars of fit(verbose=1)
    accuracy = float(stdout.split("test accuracy: ")[1].split()[0])
    assert accuracy >= 0.9
    for name in ("setosa", "versicolor", "virginica", "precision", "recall", "f1-score"):
        assert name in stdout
    for picture in ("history.png", "confusion_matrix.png"):
        assert_png(out / picture)
    assert not (out / "decision_boundary.png").exists()   # iris has 4 features: no 2-D picture
    assert not (out / "samples.png").exists()
    if HAS_DOT:
        assert_png(out / "neuron.png")
        assert (out / "neuron.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    for name in ("history.png", "model.npz", "neuron.svg"):
        assert str(name) in stdout                          # the listing says where each file went

    model = nn.load_model(out / "model.npz")
    iris = nn.datasets.load_iris()
    predicted = model.predict(model_inputs(iris.data, out)).argmax(axis=1)
    assert np.mean(predicted == iris.target) >= 0.9        # the saved model is the trained one


def test_train_neuron_picture_holds_the_trained_weights_and_their_gradients(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(capsys, "train", "--out", out, "--epochs", "5", "--verbose", "0")[0] == 0
    model = nn.load_model(out / "model.npz")
    dot = out / "neuron.svg" if HAS_DOT else out / "neuron.gv"
    text = html.unescape(dot.read_text())              # SVG writes a minus sign as &#45;
    # the drawn unit is one of the first layer's: its weights appear in the picture, 4 significant digits
    kernel = model.layers[0].kernel.data
    drawn = [j for j in range(kernel.shape[1]) if all(f"{w:.4g}" in text for w in kernel[:, j])]
    assert drawn, "no unit of the first layer has all its weights in the neuron picture"
    assert "relu" in text and "grad" in text


def test_train_moons_draws_the_decision_boundary(tmp_path, capsys):
    out = tmp_path / "moons"
    code, stdout, _ = run(capsys, "train", "--dataset", "moons", "--samples", "200", "--epochs", "30",
                          "--verbose", "0", "--out", out)
    assert code == 0
    assert "moons: 200 samples, 2 features, 2 classes" in stdout
    assert_png(out / "decision_boundary.png")
    assert float(stdout.split("test accuracy: ")[1].split()[0]) >= 0.8


@pytest.mark.parametrize("dataset", ["circles", "xor", "spirals"])
def test_train_each_toy_set_runs(dataset, tmp_path, capsys):
    code, stdout, _ = run(capsys, "train", "--dataset", dataset, "--samples", "120", "--epochs", "3",
                          "--verbose", "0", "--out", tmp_path)
    assert code == 0 and f"{dataset}: 120 samples" in stdout
    assert_png(tmp_path / "decision_boundary.png")


def test_train_binary_crossentropy_uses_one_sigmoid_output(tmp_path, capsys):
    code, stdout, _ = run(capsys, "train", "--dataset", "xor", "--loss", "binary_crossentropy", "--samples", "100",
                          "--epochs", "3", "--verbose", "0", "--out", tmp_path)
    assert code == 0 and "2-16-16-1 (relu hidden, sigmoid output)" in stdout
    assert nn.load_model(tmp_path / "model.npz").layers[-1].units == 1


def test_train_settings_from_the_command_line_reach_the_model(tmp_path, capsys):
    code, stdout, _ = run(capsys, "train", "--hidden", "8,4", "--activation", "tanh", "--optimizer", "sgd",
                          "--lr", "0.1", "--epochs", "2", "--batch-size", "50", "--val-split", "0", "--verbose", "2",
                          "--out", tmp_path)
    assert code == 0
    assert "model 4-8-4-3 (tanh hidden, softmax output)" in stdout and "sgd lr 0.1, 2 epochs of batch 50" in stdout
    assert "Epoch 2/2 - loss:" in stdout and "val_loss" not in stdout          # verbose=2 lines, no validation
    model = nn.load_model(tmp_path / "model.npz")
    assert [layer.units for layer in model.layers] == [8, 4, 3]
    assert model.layers[0].activation_name == "tanh"


@pytest.mark.skipif(not MNIST_DIR.is_dir(), reason="no MNIST files in ../shared/data/mnist")
def test_train_mnist_subset_writes_sample_predictions(tmp_path, capsys):
    code, stdout, _ = run(capsys, "train", "--dataset", "mnist", "--data-dir", MNIST_DIR, "--limit", "500",
                          "--epochs", "2", "--verbose", "0", "--out", tmp_path)
    assert code == 0
    assert "model 784-64-10" in stdout
    assert_png(tmp_path / "samples.png")
    assert_png(tmp_path / "confusion_matrix.png")
    assert not (tmp_path / "decision_boundary.png").exists()
    model = nn.load_model(tmp_path / "model.npz")
    assert model.predict(np.zeros((2, 784), dtype=np.float32)).shape == (2, 10)
    if HAS_DOT:   # 784 inputs are drawn as vectors: a handful of boxes, not 784
        assert "784 inputs" in (tmp_path / "neuron.svg").read_text()


def write_table(path: Path) -> Path:
    """A small CSV: an id, two numeric columns with one missing value, a category, a word target."""
    rng = np.random.default_rng(0)
    rows = ["id,size,weight,colour,kind"]
    for i in range(60):
        kind = ["apple", "pear", "plum"][i % 3]
        size = rng.normal([7.0, 9.0, 4.0][i % 3], 0.5)
        weight = "" if i == 7 else f"{rng.normal([150, 180, 40][i % 3], 10):.1f}"
        rows.append(f"{i},{size:.2f},{weight},{['red', 'green'][i % 2]},{kind}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_train_csv_table(tmp_path, capsys):
    table = write_table(tmp_path / "fruit.csv")
    code, stdout, _ = run(capsys, "train", "--csv", table, "--target", "kind", "--drop", "id", "--epochs", "30",
                          "--verbose", "0", "--out", tmp_path / "out")
    assert code == 0
    assert "imputed 1 missing value(s) in 'weight'" in stdout
    assert "csv: 60 samples, 4 features, 3 classes" in stdout          # size, weight, colour_green, colour_red
    for kind in ("apple", "pear", "plum"):
        assert kind in stdout
    assert json.loads((tmp_path / "out" / "preprocessing.json").read_text())["class_names"] == ["apple", "pear", "plum"]


@pytest.mark.parametrize("argv, fragments", [
    (["train", "--csv", "missing.csv", "--target", "y"], ["no file", "missing.csv"]),
    (["train", "--csv", "TABLE", "--target", "species"], ["no column 'species'", "kind"]),
    (["train", "--csv", "TABLE", "--target", "kind", "--drop", "nope"], ["no column 'nope'"]),
    (["train", "--dataset", "csv"], ["--csv PATH and --target COLUMN"]),
    (["train", "--dataset", "iris", "--target", "kind"], ["--dataset csv"]),
    (["train", "--epochs", "abc"], ["--epochs", "'abc'"]),
    (["train", "--hidden", "64,x"], ["--hidden", "'64,x'"]),
    (["train", "--val-split", "1.5"], ["--val-split"]),
    (["train", "--dataset", "cifar"], ["invalid choice: 'cifar'"]),
    (["train", "--loss", "binary_crossentropy"], ["two classes", "3"]),
    (["train", "--dataset", "mnist", "--data-dir", "EMPTY"], ["train-images-idx3-ubyte.gz not found"]),
    (["train", "--out", "FILE/sub"], ["FILE"]),
    (["graph", "x*w", "x=1", "w=2", "--out", "graph.txt"], ["graph.txt", ".svg"]),
    (["check", "--loss", "categorical_crossentropy", "--outputs", "1"], ["at least 2 outputs"]),
    (["check", "--hidden", "0,3"], ["--hidden"]),
    (["--bogus"], ["--bogus"]),
    ([], ["choose a command"]),
])
def test_mistakes_give_one_line_and_status_2(argv, fragments, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_table(tmp_path / "table.csv")
    (tmp_path / "EMPTY").mkdir()
    (tmp_path / "FILE").write_text("a file, not a folder")
    argv = [{"TABLE": "table.csv"}.get(a, a) for a in argv]
    code, _, err = run(capsys, *argv)
    assert_one_line_error(code, err, *fragments)


def test_help_of_each_command(capsys):
    for argv, expected in ((["--help"], "train"), (["train", "--help"], "--dataset"),
                           (["graph", "--help"], "VAR=VALUE"), (["check", "--help"], "--l2")):
        code, out, _ = run(capsys, *argv)
        assert code == 0 and expected in out


# ---- graph ------------------------------------------------------------------------------------

def test_graph_prints_gradients_and_draws(tmp_path, capsys):
    out = tmp_path / "neuron.svg"
    code, stdout, _ = run(capsys, "graph", "tanh(x*w + b)", "x=2", "w=-3", "b=6.8813735870195432", "--out", out)
    assert code == 0
    grads = {line.split("=")[0].strip(): float(line.split("=")[1]) for line in stdout.splitlines()
             if line.strip().startswith("∂f/∂")}
    # o = tanh(n), n = x·w + b = 0.8814, 1 - tanh² = 0.5: ∂o/∂x = 0.5·w, ∂o/∂w = 0.5·x, ∂o/∂b = 0.5
    assert grads == pytest.approx({"∂f/∂x": -1.5, "∂f/∂w": 1.0, "∂f/∂b": 0.5}, abs=1e-5)
    assert "0.707107" in stdout
    written = out if HAS_DOT else out.with_suffix(".gv")
    text = written.read_text()
    for label in ("x * w + b", "tanh(x * w + b)", ">w<", ">b<"):   # every variable and sub-formula labelled
        assert label in text


def test_graph_reused_variable_accumulates_and_png_and_steps(tmp_path, capsys):
    code, stdout, _ = run(capsys, "graph", "x*x + 3*x", "x=2", "--out", tmp_path / "g.png",
                          "--steps", tmp_path / "steps")
    assert code == 0
    assert "∂f/∂x = 7" in stdout                                  # d(x² + 3x)/dx = 2x + 3
    if not HAS_DOT:
        pytest.skip("Graphviz's dot is not installed")
    assert_png(tmp_path / "g.png")
    frames = sorted((tmp_path / "steps").glob("step_*.png"))
    assert len(frames) == 5                                       # x, 3, x*x, 3*x, the sum
    assert_png(frames[0])


def test_graph_dot_source_output_and_unused_variable_note(tmp_path, capsys):
    code, stdout, _ = run(capsys, "graph", "exp(-x) / (1 + exp(-x))", "x=0.5", "y=3", "--out", tmp_path / "g.gv")
    assert code == 0
    assert "y is not in the formula" in stdout
    assert (tmp_path / "g.gv").read_text().lstrip().startswith("digraph")
    σ = 1 / (1 + math.exp(0.5))                                    # e^-x / (1 + e^-x) = σ(-x), derivative -σ(1-σ)
    assert f"∂f/∂x = {-σ * (1 - σ):.6g}" in stdout


@pytest.mark.parametrize("expression, refused", [
    ("__import__('os')", "calling __import__"),
    ("__import__('pathlib').Path('PWNED').touch()", "only plain function names"),
    ("x.__class__", "attribute access"),
    ("x[0]", "subscripts"),
    ("(lambda: x)()", "only plain function names"),
    ("lambda: x", "lambdas"),
    ("x if x else x", "if-expressions"),
    ("x < 1", "comparisons"),
    ("'text' * x", "str constants"),
    ("exp(x, x)", "one argument"),
    ("open(x)", "calling open"),
    ("[x]", "List"),
    ("x @ x", "MatMult"),
])
def test_graph_refuses_everything_off_the_whitelist(expression, refused, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, stdout, err = run(capsys, "graph", expression, "x=1")
    assert_one_line_error(code, err, "refused", refused)
    assert not (tmp_path / "PWNED").exists()                    # nothing was evaluated
    assert not (tmp_path / "graph.svg").exists() and stdout == ""


@pytest.mark.parametrize("argv, fragments", [
    (["x*y*z", "x=1"], ["no value for y, z", "y=... z=..."]),
    (["x*w", "x=a", "w=1"], ["'x=a'", "not a number"]),
    (["x*w", "x=1", "x=2", "w=1"], ["x is given twice"]),
    (["x*w", "x", "w=1"], ["'x' is not VAR=VALUE"]),
    (["x +", "x=1"], ["cannot parse"]),
])
def test_graph_bad_values_and_syntax(argv, fragments, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "graph", *argv)
    assert_one_line_error(code, err, *fragments)


def test_build_labels_each_node_and_folds_negative_numbers():
    root, leaves = build("-2*x + relu(y)", {"x": 1.5, "y": -1.0})
    root.backward()
    assert root.label == "-2 * x + relu(y)" and root.data == -3.0
    assert leaves["x"].grad == -2.0 and leaves["y"].grad == 0.0    # relu'(-1) = 0
    # -2 is one constant, not neg(2): the product's inputs are the constant and x
    product = root.inputs[0]
    assert [node.data for node in product.inputs] == [-2.0, 1.5] and not product.inputs[0].requires_grad
    with pytest.raises(ExpressionError, match="no value for y"):
        build("x + y", {"x": 1.0})


def test_without_dot_the_dot_source_is_written_with_a_note(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))     # no `dot` can be found
    code, stdout, _ = run(capsys, "graph", "x*w", "x=2", "w=3", "--out", tmp_path / "g.svg", "--steps", tmp_path / "s")
    assert code == 0
    assert not (tmp_path / "g.svg").exists()
    assert (tmp_path / "g.gv").read_text().lstrip().startswith("digraph")
    notes = [line for line in stdout.splitlines() if line.startswith("note:")]
    assert len(notes) == 2 and "dot" in notes[0] and "g.gv" in notes[0]

    out = tmp_path / "train"
    code, stdout, _ = run(capsys, "train", "--epochs", "2", "--verbose", "0", "--out", out)
    assert code == 0
    assert (out / "neuron.gv").is_file() and not (out / "neuron.svg").exists()
    assert_png(out / "history.png")                                # matplotlib needs no Graphviz


# ---- check ------------------------------------------------------------------------------------

def test_check_prints_the_comparison_table(capsys):
    code, stdout, _ = run(capsys, "check")
    assert code == 0
    assert "Δ(h)" in stdout and "Δ(out)" in stdout and "agree" in stdout
    code, stdout, _ = run(capsys, "check", "--hidden", "5,3", "--activation", "relu", "--loss",
                          "categorical_crossentropy", "--l2", "0.1", "--outputs", "3", "--seed", "4")
    assert code == 0
    assert "network 3-5-3-3" in stdout and "λ = 0.1" in stdout
    assert all(name in stdout for name in ("Δ(h1)", "Δ(h2)", "Δ(out)"))


def test_check_fails_when_the_hand_derivative_is_wrong(capsys, monkeypatch):
    import nn.manual as manual
    sigmoid, _ = manual.ACTIVATIONS["sigmoid"]
    # a classic slip: φ′ written as φ(1 − φ) of the wrong thing, here σ(z)·(1 + σ(z))
    monkeypatch.setitem(manual.ACTIVATIONS, "sigmoid", (sigmoid, lambda z: sigmoid(z) * (1 + sigmoid(z))))
    code, stdout, _ = run(capsys, "check")
    assert code == 1 and "DISAGREE" in stdout


# ---- the installed script ---------------------------------------------------------------------

@pytest.mark.skipif(SCRIPT is None, reason="the tinygrad-edu script is not installed (pip install -e .)")
def test_installed_script_default_train_run(tmp_path):
    start = time.perf_counter()
    result = subprocess.run([SCRIPT, "train"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    assert elapsed < 60, f"the default run took {elapsed:.0f} s"
    out = tmp_path / "tinygrad_edu_out"
    assert_png(out / "history.png")
    assert_png(out / "confusion_matrix.png")
    assert nn.load_model(out / "model.npz").predict(np.zeros((1, 4))).shape == (1, 3)
    assert "test accuracy" in result.stdout and "Traceback" not in result.stderr


@pytest.mark.skipif(SCRIPT is None, reason="the tinygrad-edu script is not installed (pip install -e .)")
@pytest.mark.parametrize("argv, fragment", [
    (["graph", "__import__('os').system('touch PWNED')", "x=1"], "refused"),
    (["train", "--epochs", "abc"], "--epochs"),
    (["train", "--csv", "missing.csv", "--target", "y"], "missing.csv"),
])
def test_installed_script_errors(argv, fragment, tmp_path):
    result = subprocess.run([SCRIPT, *argv], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "TINYGRAD_EDU_DEBUG": ""})
    assert_one_line_error(result.returncode, result.stderr, fragment)
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.skipif(SCRIPT is None, reason="the tinygrad-edu script is not installed (pip install -e .)")
def test_installed_script_graph_and_check(tmp_path):
    result = subprocess.run([SCRIPT, "graph", "x**2", "x=3", "--out", "g.gv"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and "∂f/∂x = 6" in result.stdout
    assert (tmp_path / "g.gv").is_file()
    result = subprocess.run([SCRIPT, "check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "agree" in result.stdout
