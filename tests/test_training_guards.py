"""fit and `tinygrad-edu train` against diverging runs, wrong targets, Ctrl-C and logs that are not a terminal."""

import os
import shutil
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import nn

SCRIPT = shutil.which("tinygrad-edu", path=str(Path(sys.executable).parent)) or shutil.which("tinygrad-edu")
ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"}


def _model(loss="mse", units=3, activation=None, optimizer=None):
    nn.manual_seed(0)
    model = nn.Sequential([nn.Dense(units, input_dim=4, activation=activation)])
    model.compile(optimizer=optimizer or nn.SGD(lr=1e10), loss=loss)
    return model


# ---- a diverging run stops at the first non-finite loss: one message, no NumPy warnings ------------

def test_fit_stops_at_the_first_non_finite_loss_with_one_message():
    model = _model()
    X, Y = np.random.default_rng(0).random((50, 4)), np.random.default_rng(1).random((50, 3)) * 1e3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(X, Y, epochs=20, batch_size=25, verbose=0)
    assert [w.category for w in caught] == [RuntimeWarning]          # no overflow warnings from inside NumPy
    message = str(caught[0].message)
    assert "epoch 2/20, batch 1/2" in message and "lower the learning rate (it is 1e+10" in message
    assert history.stopped == "nan" and history.stop_message == message
    # the stopped epoch is recorded too, its loss the non-finite mean, as Keras's TerminateOnNaN leaves it
    assert len(history.epoch) == 2 and np.isfinite(history.history["loss"][0])
    assert not np.isfinite(history.history["loss"][1])


def test_a_run_stopped_in_its_first_epoch_still_has_a_loss_curve():
    """The student's plt.plot(hist.history["loss"]) works after a divergence in the first epoch."""
    model = _model()
    X, Y = np.random.default_rng(0).random((50, 4)), np.random.default_rng(1).random((50, 3)) * 1e18
    with pytest.warns(RuntimeWarning, match=r"epoch 1/3, batch \d/2"):
        history = model.fit(X, Y, epochs=3, batch_size=25, verbose=0)
    assert history.epoch == [0] and len(history.history["loss"]) == 1
    assert not np.isfinite(history.history["loss"][0])


def test_lr_1e300_adam_stops_in_the_first_epoch():
    model = _model("sparse_categorical_crossentropy", activation="softmax", optimizer=nn.Adam(lr=1e300))
    X, y = np.random.default_rng(0).random((64, 4)), np.arange(64) % 3
    with pytest.warns(RuntimeWarning, match=r"epoch 1/5, batch \d+/4.*1e\+300"):
        history = model.fit(X, y, epochs=5, batch_size=16, verbose=0)
    assert history.stopped == "nan"


def test_the_command_exits_1_and_saves_no_nan_model(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run([SCRIPT, "train", "--lr", "1e300", "--epochs", "3", "--out", out],
                            capture_output=True, text=True, timeout=120, env=ENV)
    assert result.returncode == 1
    assert "lower the learning rate (it is 1e+300" in result.stderr and "Traceback" not in result.stderr
    assert "RuntimeWarning" not in result.stderr and "overflow" not in result.stderr
    assert not (out / "model.npz").exists() and not list(out.glob("*.png"))


# ---- targets that do not fit the loss are refused before the first step ------------------------------

def test_binary_crossentropy_refuses_labels_0_1_2():
    model = _model("binary_crossentropy", units=1, activation="sigmoid", optimizer="adam")
    weights = [p.data.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match=r"binary_crossentropy: targets must be labels 0/1 or probabilities.*got 2"):
        model.fit(np.ones((6, 4)), np.array([0, 1, 2, 0, 1, 2]), verbose=0)
    assert all(np.array_equal(w, p.data) for w, p in zip(weights, model.parameters()))   # no step was taken
    model.fit(np.ones((4, 4)), np.array([0.0, 0.25, 1.0, 0.5]), epochs=1, verbose=0)      # probabilities are fine


def test_categorical_crossentropy_refuses_rows_that_are_not_one_hot():
    model = _model("categorical_crossentropy", activation="softmax", optimizer="adam")
    with pytest.raises(ValueError, match=r"one-hot.*row 1 is \[1.0, 1.0, 0.0\]"):
        model.fit(np.ones((3, 4)), np.array([[0, 0, 1], [1, 1, 0], [0, 1, 0]]), verbose=0)
    with pytest.raises(ValueError, match=r"label 3 is out of range for 3 classes"):
        _model("sparse_categorical_crossentropy", activation="softmax").fit(np.ones((2, 4)), [0, 3], verbose=0)


@pytest.mark.parametrize("Y, loss", [
    (np.array([0, 2, 1, 2]), "sparse_categorical_crossentropy"),
    (np.eye(3)[[0, 2, 1, 2]], "categorical_crossentropy"),
    (np.array([[0.0], [1.0], [1.0], [0.0]]), "binary_crossentropy"),
    (np.array([0.3, 2.5, -1.0, 4.0]), "mse"),
])
def test_compile_first_proposes_the_loss_that_fits_the_targets(Y, loss):
    model = nn.Sequential([nn.Dense(3, input_dim=4)])
    with pytest.raises(RuntimeError, match=f"compile the model first.*loss='{loss}'"):
        model.fit(np.ones((4, 4)), Y)


# ---- progress for logs --------------------------------------------------------------------------------

def test_progress_is_one_plain_line_per_epoch_when_stdout_is_a_pipe():
    code = ("import numpy as np, nn; nn.manual_seed(0)\n"
            "m = nn.Sequential([nn.Dense(3, input_dim=4, activation='softmax')])\n"
            "m.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['acc'])\n"
            "m.fit(np.random.rand(60, 4), np.arange(60) % 3, epochs=3, batch_size=10,"
            " validation_split=0.2)\n")                   # verbose=1, the default
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=ENV)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and "\r" not in result.stdout and "\r" not in result.stderr
    for epoch, line in enumerate(lines, 1):
        assert line.startswith(f"Epoch {epoch}/3 - loss: ") and " - acc: " in line and " - val_loss: " in line
        assert line.endswith("s")                       # the epoch's time, Keras's "- 1s"


def test_verbose_0_is_silent_and_2_prints_lines(capsys):
    model = _model("mse", optimizer="adam")
    model.fit(np.ones((8, 4)), np.ones((8, 3)), epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(np.ones((8, 4)), np.ones((8, 3)), epochs=2, verbose=2)
    assert [line.split(" - ")[0] for line in capsys.readouterr().out.splitlines()] == ["Epoch 1/2", "Epoch 2/2"]


# ---- Ctrl-C: stop after the batch, keep everything, exit 130 ------------------------------------------

def test_ctrl_c_in_train_keeps_the_model_curves_and_report_and_exits_130(tmp_path):
    out = tmp_path / "out"
    process = subprocess.Popen([SCRIPT, "train", "--epochs", "100000", "--out", str(out)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=ENV)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Epoch 3/100000"):
            process.send_signal(signal.SIGINT)
            break
    rest, err = process.communicate(timeout=120)
    stdout = "".join(lines) + rest
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert "INTERRUPTED (Ctrl-C) after" in stdout and "test accuracy:" in stdout and "interrupted in" in stdout
    for name in ("model.npz", "history.png", "confusion_matrix.png", "preprocessing.json"):
        assert (out / name).stat().st_size > 0
    assert not list(out.glob(".*partial*")) and not list(out.glob("*.tmp*"))       # nothing half-written left
    assert (out / "history.png").read_bytes().endswith(b"IEND\xaeB`\x82")       # a whole PNG
    model = nn.load_model(out / "model.npz")
    assert all(np.isfinite(p.data).all() for p in model.parameters())


def test_ctrl_c_in_fit_returns_the_history_so_far():
    model = _model("mse", optimizer="adam")

    class Interrupt(nn.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                os.kill(os.getpid(), signal.SIGINT)      # as Ctrl-C: handled, the next batch ends training

    history = model.fit(np.ones((8, 4)), np.ones((8, 3)), epochs=50, batch_size=4, verbose=0,
                        callbacks=[Interrupt()])
    assert history.stopped == "interrupted" and len(history.epoch) == 3
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler       # the handler is put back


def test_the_neuron_caption_counts_from_1(tmp_path):
    result = subprocess.run([SCRIPT, "train", "--epochs", "2", "--out", tmp_path], capture_output=True, text=True,
                            timeout=120, env=ENV)
    assert result.returncode == 0, result.stderr
    svg = next(tmp_path.glob("neuron.*")).read_text(encoding="utf-8", errors="replace")
    assert "test sample 1 " in svg and "test sample 0" not in svg and " unit 0 " not in svg
