"""SimpleRNN, LSTM, GRU, Bidirectional and Embedding against Keras 3 itself (torch backend), in float64.

Each test builds Keras's layer, copies its own weights into ours with set_weights(get_weights()),
and compares outputs and the gradients of L = Σ out ⊙ G (G fixed, random) with respect to the
input and to every weight.

Keras's layers asked for float64 (dtype="float64") still round somewhere in float32 on the torch
backend: a one-step SimpleRNN differs from NumPy's float64 tanh(x W + b) by ~3e-8. So the
tolerance here is 1e-6; the float64 agreement to 1e-12 is checked against torch.nn.RNN/LSTM/GRU
(tests/test_recurrent.py), which computes in float64 throughout.
"""

from __future__ import annotations

import numpy as np
import pytest

import nn
from tinygrad_edu import Tensor

import oracles

KINDS = ["SimpleRNN", "LSTM", "GRU"]
TOL = 1e-6


def to_float64(layer) -> None:
    for p in layer.parameters():
        p.data = p.data.astype(np.float64)


def keras_forward_backward(keras_layer, X, G):
    """(outputs, ∂L/∂X, [∂L/∂weight]) from Keras for L = Σ out ⊙ G."""
    torch = oracles.torch()
    x = torch.tensor(X, requires_grad=True)
    out = keras_layer(x)
    (out * torch.tensor(G)).sum().backward()
    return out.detach().numpy(), x.grad.numpy(), [w.value.grad.numpy() for w in keras_layer.trainable_weights]


def ours_forward_backward(layer, X, G):
    x = Tensor(X, requires_grad=True)
    out = layer(x)
    (out * Tensor(G)).sum().backward()
    return out.data, x.grad, [p.grad for p in layer.parameters()]


def assert_close(ours, theirs, what):
    err = np.max(np.abs(ours - theirs)) / max(np.max(np.abs(theirs)), 1.0)
    assert err < TOL, f"{what}: max relative difference {err:.3e}"


def check_against_keras(ours, theirs, X):
    ours.build((None,) + X.shape[1:])
    theirs.build(X.shape)
    to_float64(ours)                         # first: set_weights copies into the arrays, keeping their dtype
    ours.set_weights(theirs.get_weights())
    G = np.random.default_rng(1).normal(size=ours.compute_output_shape(X.shape))
    k_out, k_dx, k_dw = keras_forward_backward(theirs, X, G)
    o_out, o_dx, o_dw = ours_forward_backward(ours, X, G)
    assert o_out.dtype == np.float64
    assert_close(o_out, k_out, "output")
    assert_close(o_dx, k_dx, "∂L/∂x")
    assert len(o_dw) == len(k_dw)
    for w, o, k in zip(theirs.trainable_weights, o_dw, k_dw):
        assert_close(o, k, f"∂L/∂{w.path}")


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_outputs_and_gradients_equal_keras_from_its_own_weights(kind, return_sequences):
    keras = oracles.keras()
    X = np.random.default_rng(0).normal(size=(3, 6, 2))
    theirs = getattr(keras.layers, kind)(5, return_sequences=return_sequences, dtype="float64")
    ours = getattr(nn, kind)(5, return_sequences=return_sequences)
    check_against_keras(ours, theirs, X)


@pytest.mark.parametrize("kind, kwargs", [("GRU", {"reset_after": False}), ("LSTM", {"go_backwards": True}),
                                          ("SimpleRNN", {"activation": "relu", "go_backwards": True}),
                                          ("LSTM", {"unit_forget_bias": False, "use_bias": False})])
def test_the_other_settings_equal_keras(kind, kwargs):
    keras = oracles.keras()
    X = np.random.default_rng(2).normal(size=(2, 4, 3))
    theirs = getattr(keras.layers, kind)(4, return_sequences=True, dtype="float64", **kwargs)
    check_against_keras(getattr(nn, kind)(4, return_sequences=True, **kwargs), theirs, X)


@pytest.mark.parametrize("merge_mode", ["concat", "sum"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_equals_keras(return_sequences, merge_mode):
    keras = oracles.keras()
    X = np.random.default_rng(3).normal(size=(2, 5, 3))
    theirs = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=return_sequences, dtype="float64"),
                                        merge_mode=merge_mode, dtype="float64")
    ours = nn.Bidirectional(nn.LSTM(4, return_sequences=return_sequences), merge_mode=merge_mode)
    check_against_keras(ours, theirs, X)


def test_return_state_equals_keras():
    keras, torch = oracles.keras(), oracles.torch()
    X = np.random.default_rng(4).normal(size=(2, 5, 3))
    theirs = keras.layers.LSTM(4, return_state=True, dtype="float64")
    theirs.build(X.shape)
    ours = nn.LSTM(4, return_state=True, input_shape=(5, 3))
    to_float64(ours)                         # first: set_weights copies into the arrays, keeping their dtype
    ours.set_weights(theirs.get_weights())
    out, h, c = ours(Tensor(X))
    k_out, k_h, k_c = (t.detach().numpy() for t in theirs(torch.tensor(X)))
    for a, b, what in ((out, k_out, "output"), (h, k_h, "h"), (c, k_c, "c")):
        assert_close(a.data, b, what)


def test_embedding_equals_keras_and_its_gradient_scatters_into_the_rows_used():
    keras, torch = oracles.keras(), oracles.torch()
    ids = np.array([[1, 4, 4, 0], [3, 3, 2, 9]])
    theirs = keras.layers.Embedding(10, 3, dtype="float64")
    theirs.build(ids.shape)
    ours = nn.Embedding(10, 3)
    to_float64(ours)                         # first: set_weights copies into the arrays, keeping their dtype
    ours.set_weights(theirs.get_weights())
    G = np.random.default_rng(5).normal(size=(2, 4, 3))
    out = ours(ids)
    (out * Tensor(G)).sum().backward()
    k_out = theirs(torch.tensor(ids))
    (k_out * torch.tensor(G)).sum().backward()
    assert_close(out.data, k_out.detach().numpy(), "output")
    assert_close(ours.embeddings.grad, theirs.trainable_weights[0].value.grad.to_dense().numpy(), "∂L/∂embeddings")
    assert not ours.embeddings.grad[[5, 6, 7, 8]].any()          # rows never used get nothing


def test_initializers_are_keras_kinds():
    nn.manual_seed(0)
    layer = nn.LSTM(8, input_shape=(None, 3))
    kernel, recurrent, bias = layer.get_weights()
    limit = np.sqrt(6 / (3 + 32))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.8 * limit      # glorot_uniform
    assert np.allclose(recurrent @ recurrent.T, np.eye(8), atol=1e-5)                 # orthogonal rows
    assert bias.tolist() == [0.0] * 8 + [1.0] * 8 + [0.0] * 16                        # unit_forget_bias
    keras = oracles.keras()
    theirs = keras.layers.LSTM(8)
    theirs.build((None, None, 3))
    assert [w.shape for w in theirs.get_weights()] == [w.shape for w in layer.get_weights()]
    assert theirs.get_weights()[2].tolist() == bias.tolist()


@pytest.mark.parametrize("kwargs", [{}, {"maxlen": 3}, {"maxlen": 3, "padding": "post", "truncating": "post"},
                                    {"maxlen": 6, "value": -1}, {"padding": "post", "dtype": "float32"}])
def test_pad_sequences_equals_keras(kwargs):
    keras = oracles.keras()
    sequences = [[1, 2, 3, 4], [5, 6], [], [7]]
    ours = nn.preprocessing.pad_sequences(sequences, **kwargs)
    theirs = keras.utils.pad_sequences(sequences, **kwargs)
    assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)
