"""The recurrent layers and Embedding without Keras: parameter counts and summary() as Keras prints
them, shapes, the time-step groups, integer ids through fit, save / load, and each bad input's message."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from tinygrad_edu import Tensor


def summary_rows(model) -> list[list[str]]:
    lines = []
    model.summary(print_fn=lines.append)
    return [line.split() for line in "\n".join(lines).splitlines() if "(" in line and "Layer (type)" not in line]


@pytest.mark.parametrize("layer, count", [(nn.SimpleRNN(32), 1088), (nn.LSTM(32), 4352), (nn.GRU(32), 3360),
                                          (nn.GRU(32, reset_after=False), 3264)])
def test_parameter_counts_are_keras_counts(layer, count):
    model = nn.Sequential([layer])
    model.build((None, None, 1))
    rows = summary_rows(model)
    assert rows[0][-1] == str(count) and rows[0][-3:-1] == ["(None,", "32)"]


def test_summary_of_a_text_model_and_dense_on_every_time_step():
    model = nn.Sequential([nn.Embedding(10000, 32, input_shape=(50,)), nn.LSTM(16, return_sequences=True),
                           nn.Dense(10)])
    rows = summary_rows(model)
    assert [" ".join(r[2:-1]) for r in rows] == ["(None, 50, 32)", "(None, 50, 16)", "(None, 50, 10)"]
    assert [r[-1] for r in rows] == ["320000", "3136", "170"]
    assert nn.Dense(4, input_shape=(7, 3)).output_shape == (None, 7, 4)


def test_shapes_of_return_sequences_return_state_and_bidirectional():
    X = np.random.default_rng(0).normal(size=(2, 5, 3))
    assert nn.GRU(4)(X).shape == (2, 4)
    assert nn.GRU(4, return_sequences=True)(X).shape == (2, 5, 4)
    out, h, c = nn.LSTM(4, return_sequences=True, return_state=True)(X)
    assert out.shape == (2, 5, 4) and h.shape == c.shape == (2, 4)
    assert np.array_equal(out.data[:, -1], h.data)
    assert nn.Bidirectional(nn.SimpleRNN(4, return_sequences=True))(X).shape == (2, 5, 8)


def test_go_backwards_reads_the_sequence_reversed():
    nn.manual_seed(0)
    X = np.random.default_rng(1).normal(size=(2, 5, 3)).astype(np.float32)
    forward = nn.SimpleRNN(4, input_shape=(5, 3))
    backward = nn.SimpleRNN(4, go_backwards=True, input_shape=(5, 3))
    backward.set_weights(forward.get_weights())
    assert np.allclose(backward(X).data, forward(X[:, ::-1]).data)


def test_every_time_step_is_its_own_group():
    layer = nn.SimpleRNN(3, name="rnn", input_shape=(4, 2))
    out = layer(np.zeros((1, 4, 2)))
    assert out.group == "rnn t=3"
    from tinygrad_edu import topological_order
    groups = {node.group for node in topological_order(out.sum())}
    assert {"rnn t=0", "rnn t=1", "rnn t=2", "rnn t=3"} <= groups


def test_integer_ids_stay_integers_through_fit_and_the_model_learns():
    nn.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.integers(0, 20, size=(64, 6))
    Y = (X[:, 0] < 10).astype(np.float32)                    # the label is in the first token
    model = nn.Sequential([nn.Embedding(20, 8), nn.SimpleRNN(8, go_backwards=True), nn.Dense(1, activation="sigmoid")])
    model.compile(optimizer=nn.Adam(0.05), loss="binary_crossentropy", metrics=["acc"])
    history = model.fit(X, Y, epochs=15, batch_size=16, verbose=0)
    assert history.history["acc"][-1] > 0.9
    assert model.predict(X[:3]).shape == (3, 1)


def test_save_and_load_keep_the_recurrent_model(tmp_path):
    model = nn.Sequential([nn.Embedding(30, 4, input_shape=(7,)), nn.Bidirectional(nn.GRU(3, return_sequences=True)),
                           nn.LSTM(5, unit_forget_bias=False), nn.Dense(2)])
    X = np.random.default_rng(2).integers(0, 30, size=(3, 7))
    model.save(tmp_path / "m.npz")
    again = nn.load_model(tmp_path / "m.npz")
    assert np.allclose(again.predict(X), model.predict(X))


# ---- bad input: one clear message naming the layer, the shape and the fix -------------------------------

def test_2d_input_to_a_recurrent_layer_says_reshape_to_n_t_1():
    with pytest.raises(ValueError, match=r"SimpleRNN 'simple_rnn.*' expects 3-D input .* got shape \(None, 20\): "
                                         r"reshape to \(N, T, 1\)"):
        nn.SimpleRNN(4)(np.zeros((8, 20)))
    model = nn.Sequential([nn.LSTM(4), nn.Dense(1)])
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match=r"reshape to \(N, T, 1\), X.reshape\(-1, 20, 1\)"):
        model.fit(np.zeros((8, 20)), np.zeros((8, 1)), verbose=0)


def test_wrong_feature_count_names_the_layer():
    layer = nn.GRU(4, input_shape=(5, 3))
    with pytest.raises(ValueError, match=r"GRU '.*' was built for 3 features per time step, got input of shape "
                                         r"\(2, 5, 2\)"):
        layer(np.zeros((2, 5, 2)))


def test_ids_outside_input_dim_and_fractional_ids():
    emb = nn.Embedding(10, 4)
    with pytest.raises(ValueError, match=r"input_dim=10, so ids must be in 0..9; got 12 at index \(1, 0\) .* "
                                         r"make input_dim at least 13"):
        emb(np.array([[1, 2], [12, 3]]))
    with pytest.raises(ValueError, match=r"ids must be in 0..9; got -1"):
        emb(np.array([[-1, 2]]))
    with pytest.raises(ValueError, match=r"takes integer token ids, got 2.5 at index \(0, 1\)"):
        emb(np.array([[1.0, 2.5]]))
    assert emb(np.array([[1.0, 2.0]])).shape == (1, 2, 4)     # whole floats are ids too


def test_set_weights_in_the_wrong_layout_names_keras_layout():
    layer = nn.LSTM(4, input_shape=(None, 3))
    with pytest.raises(ValueError, match=r"takes Keras's layout \[kernel \(3, 16\), recurrent_kernel \(4, 16\), "
                                         r"bias \(16,\)\] \(these look like PyTorch's weight_ih"):
        layer.set_weights([np.zeros((16, 3)), np.zeros((16, 4)), np.zeros(16)])
    gru = nn.GRU(4, input_shape=(None, 3))
    with pytest.raises(ValueError, match=r"bias \(2, 12\)\]"):
        gru.set_weights([np.zeros((3, 12)), np.zeros((4, 12)), np.zeros(12)])


def test_return_state_used_as_one_tensor_says_how_to_unpack():
    result = nn.LSTM(3, return_state=True)(np.zeros((2, 4, 1)))
    with pytest.raises(AttributeError, match=r"returns a list of 3 tensors, \[output, h, c\].*"
                                             r"output, h, c = layer\(x\)"):
        result.shape
    with pytest.raises(TypeError, match=r"Dense '.*' got a list of 3 tensors.*return_state=True"):
        nn.Dense(2)(result)


@pytest.mark.parametrize("name, advice", [("ConvLSTM2D", "Conv2D"), ("TimeDistributed", "Dense"),
                                          ("Attention", "PyTorch")])
def test_a_missing_keras_layer_says_it_is_not_here_and_what_to_use(name, advice):
    with pytest.raises(ImportError, match=rf"nn has no {name}.*{advice}"):
        getattr(nn, name)
    with pytest.raises(ImportError, match=rf"nn has no {name}.*{advice}"):
        exec(f"from nn import {name}")


def test_gradient_through_time_draws_one_falling_line_per_model(tmp_path):
    fig = nn.plot.gradient_through_time(steps=15, path=tmp_path / "vg.png")
    lines = fig.axes[0].get_lines()
    assert [line.get_label().split(":")[0] for line in lines] == ["SimpleRNN (tanh)", "LSTM (forget bias 1)",
                                                                  "LSTM (forget bias 3)"]
    assert fig.axes[0].get_yscale() == "log" and (tmp_path / "vg.png").stat().st_size > 10_000
    rnn, lstm, open_lstm = (line.get_ydata() for line in lines)
    assert rnn[0] < rnn[-1] / 10 and open_lstm[0] / open_lstm[-1] > rnn[0] / rnn[-1]


def test_sine_windows_and_the_shipped_text_round_trip():
    X, Y = nn.datasets.make_sine_windows(1000, 20)
    assert X.shape == (1000, 20, 1) and Y.shape == (1000, 1) and X.dtype == np.float32
    assert np.array_equal(X[1, :-1], X[0, 1:]) and Y[0, 0] == X[1, -1, 0]      # consecutive windows
    noisy = nn.datasets.sine_wave(200, noise=0.1, random_state=0)
    assert 0.05 < np.std(noisy - nn.datasets.sine_wave(200)) < 0.15
    text = nn.datasets.load_text()
    vocab = nn.datasets.char_vocabulary(text)
    ids = nn.datasets.text_to_ids(text, vocab)
    assert 2000 < len(text) < 5000 and ids.dtype == np.int64 and nn.datasets.ids_to_text(ids, vocab) == text
    Xc, Yc = nn.datasets.windows(ids, 50)
    assert Xc.shape == (len(ids) - 50, 50) and np.array_equal(Yc[:3], ids[50:53])
    with pytest.raises(ValueError, match="too short for windows of 50 steps"):
        nn.datasets.windows(ids[:30], 50)
    with pytest.raises(ValueError, match=r"characters \['#'\] are not in the vocabulary"):
        nn.datasets.text_to_ids("#a", vocab)


@pytest.mark.parametrize("layer", [nn.SimpleRNN(6), nn.SimpleRNN(6, activation="relu", return_sequences=True),
                                   nn.LSTM(6), nn.LSTM(6, return_sequences=True, go_backwards=True),
                                   nn.GRU(6), nn.GRU(6, return_sequences=True, go_backwards=True)])
def test_to_torch_gives_the_same_predictions_and_float64_outputs(layer):
    torch = pytest.importorskip("torch")
    model = nn.Sequential([layer, nn.Dense(2)])
    model.build((None, 7, 3))
    for p in model.parameters():                                   # random biases: torch's two must be mapped right
        p.data[...] = np.random.default_rng(0).normal(size=p.shape) * 0.5
    X = np.random.default_rng(1).normal(size=(4, 7, 3)).astype(np.float32)
    torch_model = model.to_torch().eval()
    with torch.no_grad():
        theirs = torch_model(torch.tensor(X)).numpy()
    assert np.allclose(model.predict(X), theirs, atol=1e-5)
    # float64 on both sides: the same numbers to rounding (the engine against an independent implementation)
    torch64 = model.to_torch().double().eval()
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
    ours = model(Tensor(X.astype(np.float64))).data
    with torch.no_grad():
        assert np.allclose(ours, torch64(torch.tensor(X, dtype=torch.float64)).numpy(), rtol=0, atol=1e-13)


def test_to_torch_embedding_and_the_recurrent_errors():
    torch = pytest.importorskip("torch")
    model = nn.Sequential([nn.Embedding(12, 4, input_shape=(5,)), nn.GRU(3), nn.Dense(2)])
    ids = np.random.default_rng(0).integers(0, 12, size=(3, 5))
    with torch.no_grad():
        assert np.allclose(model.predict(ids), model.to_torch()(torch.tensor(ids)).numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="reset_after=False"):
        nn.Sequential([nn.GRU(3, reset_after=False, input_shape=(4, 1))]).to_torch()


def test_cli_train_model_rnn_forecasts_the_sine(tmp_path, capsys):
    from nn.cli import main
    assert main(["train", "--model", "rnn", "--limit", "300", "--epochs", "3", "--verbose", "0",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "SimpleRNN(16) → Dense(1)" in out and "test MSE" in out
    for name in ("forecast.png", "history.png", "model.npz"):
        assert (tmp_path / name).stat().st_size > 1000
    model = nn.load_model(tmp_path / "model.npz")
    X, Y = nn.datasets.make_sine_windows(300, 20)
    assert float(np.mean((model.predict(X) - Y) ** 2)) < 0.05
    assert main(["train", "--model", "rnn", "--dataset", "iris", "--out", str(tmp_path)]) != 0
