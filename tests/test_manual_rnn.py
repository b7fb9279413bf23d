"""Backprop through time by hand (`nn.manual.rnn`, NumPy only) equals the engine's autodiff, to 1e-10 in float64;
`bptt_norms` equals torch's ‖h_t.grad‖ (retain_grad); the file runs copied alone; docs/backprop.md's BPTT
links land on their formulas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from doclinks import assert_links_point_at_the_formula

import nn
import oracles

ROOT = Path(__file__).resolve().parents[1]
LOSSES = [("mse", None, lambda rng, shape: rng.normal(size=shape)),
          ("binary_crossentropy", "sigmoid", lambda rng, shape: (rng.random(shape) < 0.5).astype(float)),
          ("categorical_crossentropy", "softmax", lambda rng, shape: np.eye(shape[-1])[rng.integers(0, shape[-1],
                                                                                             shape[:-1])])]


def model_and_data(kind, return_sequences, loss="mse", activation=None, T=7, seed=0):
    nn.manual_seed(seed)
    model = nn.Sequential([kind(5, return_sequences=return_sequences, input_shape=(T, 2)),
                           nn.Dense(3, activation=activation)])
    model.compile("adam", loss)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(4, T, 2))
    return model, X, rng


@pytest.mark.parametrize("loss, activation, targets", LOSSES)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("kind", [nn.SimpleRNN, nn.LSTM])
def test_compare_rnn_hand_bptt_equals_autodiff_to_1e_10(kind, return_sequences, loss, activation, targets, capsys):
    model, X, rng = model_and_data(kind, return_sequences, loss, activation)
    Y = targets(rng, (4, 7, 3) if return_sequences else (4, 3))
    before = [w.copy() for w in model.get_weights()]
    errors = nn.manual.compare_rnn(model, X, Y, verbose=True)
    assert set(errors) == {"∂L/∂W_xh", "∂L/∂W_hh", "∂L/∂b_h", "∂L/∂W_hy", "∂L/∂b_y"}
    assert max(errors.values()) < 1e-10, errors
    assert "by hand" in capsys.readouterr().out
    assert all(np.array_equal(a, b) and a.dtype == np.float32 for a, b in zip(model.get_weights(), before))


def torch_dh_norms(model, X, Y, lstm: bool) -> np.ndarray:
    """‖∂L/∂h_t‖ by torch: the loop written with torch ops, h_t.retain_grad(), L = mean squared error."""
    torch = oracles.torch()
    kernel, recurrent, bias, W_hy, b_y = (torch.tensor(w, dtype=torch.float64, requires_grad=True)
                                        for w in model.get_weights())
    x = torch.tensor(X)
    N, T, _ = X.shape
    U = recurrent.shape[0]
    h, c, hs = torch.zeros(N, U, dtype=torch.float64), torch.zeros(N, U, dtype=torch.float64), []
    for t in range(T):
        z = x[:, t] @ kernel + h @ recurrent + bias
        if lstm:
            i, f, g, o = torch.sigmoid(z[:, :U]), torch.sigmoid(z[:, U:2 * U]), torch.tanh(z[:, 2 * U:3 * U]), \
                torch.sigmoid(z[:, 3 * U:])
            c = f * c + i * g
            h = o * torch.tanh(c)
        else:
            h = torch.tanh(z)
        h.retain_grad()
        hs.append(h)
    L = ((h @ W_hy + b_y - torch.tensor(Y)) ** 2).mean()
    L.backward()
    return np.array([float(h.grad.norm()) for h in hs])


@pytest.mark.parametrize("kind", [nn.SimpleRNN, nn.LSTM])
def test_bptt_norms_equal_torch_retain_grad(kind):
    model, X, rng = model_and_data(kind, False, T=12)
    Y = rng.normal(size=(4, 3))
    norms = nn.manual.bptt_norms(model, X, Y)
    assert norms.dtype == np.float64 and norms.shape == (12,)
    expected = torch_dh_norms(model, X, Y, lstm=kind is nn.LSTM)
    assert np.allclose(norms, expected, rtol=1e-10, atol=0), (norms, expected)


def test_the_tanh_rnn_gradient_vanishes_going_back_in_time():
    nn.manual_seed(1)
    model = nn.Sequential([nn.SimpleRNN(16, input_shape=(40, 1)), nn.Dense(1)])
    model.compile("adam", "mse")
    rng = np.random.default_rng(1)
    norms = nn.manual.bptt_norms(model, rng.normal(size=(16, 40, 1)) * 2, rng.normal(size=(16, 1)))
    assert norms[0] < 1e-3 * norms[-1]


def test_rnn_py_runs_copied_alone(tmp_path):
    (tmp_path / "rnn.py").write_text((ROOT / "nn" / "manual" / "rnn.py").read_text())
    script = ("import sys, doctest; sys.modules.pop('nn', None); import rnn\n"
              "assert 'nn' not in sys.modules\n"
              "r = doctest.testmod(rnn); assert r.failed == 0 and r.attempted > 5, r\nprint('ok')")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.stdout.strip() == "ok", done.stderr


def test_backprop_md_bptt_links_point_at_the_formula():
    """docs/backprop.md links each BPTT formula to ../nn/manual/rnn.py#L<n>; line n must compute it."""
    assert_links_point_at_the_formula("rnn.py", at_least=8)


def test_models_the_hand_bptt_does_not_cover_say_so():
    model = nn.Sequential([nn.GRU(3, input_shape=(4, 1)), nn.Dense(1)])
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match=r"Sequential\(\[SimpleRNN or LSTM, Dense\]\).*\['GRU', 'Dense'\]"):
        nn.manual.compare_rnn(model, np.zeros((2, 4, 1)), np.zeros((2, 1)))
    model = nn.Sequential([nn.SimpleRNN(3, input_shape=(4, 1)), nn.Dense(1)])
    with pytest.raises(ValueError, match=r"compile the model first"):
        nn.manual.bptt_norms(model, np.zeros((2, 4, 1)), np.zeros((2, 1)))
