"""Backprop through time, step by step: the stepper shows W_hh's gradient as a sum over time steps,
one path per step arriving, the running sum ending at the gradient backward() leaves."""

import numpy as np

import nn
from tinygrad_edu import Tensor
from tinygrad_edu.draw.steps import backward_trace


def test_the_stepper_shows_bptts_sum_arriving_at_w_hh_path_by_path():
    nn.manual_seed(0)
    model = nn.Sequential([nn.SimpleRNN(2, input_shape=(3, 1), name="rnn"), nn.Dense(1, name="out")])
    x, y = Tensor(np.array([[[0.5], [-1.0], [2.0]]])), Tensor(np.array([[1.0]]))
    loss = nn.losses.get("mse")(y, model(x))
    loss.backward()
    w_hh = next(p for p in model.parameters() if p.label == "rnn.recurrent_kernel")
    shares = [a for step in backward_trace(loss) for a in step.arrivals if a.input is w_hh]
    assert [a.paths for a in shares] == [(1, 3), (2, 3), (3, 3)]     # one h_{t−1} @ W_hh per time step
    running = np.zeros_like(w_hh.data)
    for a in shares:                                                  # ∂L/∂W_hh = Σ_t h_{t−1}ᵀ δ_t
        running = running + np.asarray(a.sent)
        np.testing.assert_allclose(np.asarray(a.total), running, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(running, w_hh.grad, rtol=1e-6, atol=1e-7)
    captions = [step.caption for step in backward_trace(loss) if "rnn.recurrent_kernel gets" in step.caption]
    assert [c.count(f"{k} of 3 paths") for k, c in zip((1, 2, 3), captions)] == [1, 1, 1]
