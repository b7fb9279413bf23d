"""The lecture's matrix backprop by hand (`nn.manual.MLP`) computes what autodiff computes.

The cost on both sides is the lecture's J: a sum over samples, ½ Σ (a − y)² for squared error,
plus ½λ Σ w² without the bias rows; the engine gets it as J = scale × (nn's mean loss) + ½λ Σ ‖kernel‖².
The course's own numbers come from the seed notes: the line fit of "How a Neural Network Trains",
the 2-2-1 sigmoid network of "Basic Neural Networks", and the L2 term of "Multilayers ANN" B.1.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from doclinks import assert_links_point_at_the_formula
from hypothesis import given, settings, strategies as st

import nn
from nn.manual import MLP, compare, relu, sigmoid, sigmoid_prime, tanh_prime, relu_prime
from nn.manual.autodiff import autodiff_deltas
from tinygrad_edu import Tensor, assert_grads_close

ROOT = Path(__file__).resolve().parents[1]
LOSS = {"logistic": "binary_crossentropy", "cross_entropy": "categorical_crossentropy", "squared_error": "mse"}


# ---- the networks and data of the grid ---------------------------------------------------------------

ARCHITECTURES = [(3, (), 2), (2, (2,), 1), (3, (4,), 3), (4, (5, 3), 2), (3, (4, 3, 2), 4)]   # (m, hidden widths, t)
ACTIVATIONS = ["sigmoid", "tanh", "relu"]
GRID = [(arch, act, cost, lam) for arch in ARCHITECTURES for act in ACTIVATIONS for cost in LOSS
        for lam in (0.0, 0.1)
        if not (cost == "cross_entropy" and arch[2] == 1)]   # softmax over one unit is constant 1: nothing to learn


def output_of(cost: str, act: str) -> str:
    """The output φ: fixed by the classification costs; for squared error the hidden φ, so φ′(Z(out)) is exercised."""
    return {"logistic": "sigmoid", "cross_entropy": "softmax"}.get(cost, act)


def build_model(arch, act: str, cost: str, seed: int = 0) -> nn.Sequential:
    """nn.Sequential of Dense layers with random weights *and* biases (a zero bias would hide a bias-row bug)."""
    m, hidden, t = arch
    widths = list(hidden) + [t]
    layers = [nn.Dense(w, activation=act if k < len(hidden) else output_of(cost, act), input_dim=d)
              for k, (d, w) in enumerate(zip([m] + list(hidden), widths))]
    model = nn.Sequential(layers)
    model.compile(optimizer="sgd", loss=LOSS[cost])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0.0, 0.7, p.shape) for p in model.parameters()])
    return model


def data(arch, cost: str, n: int = 7, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    m, _, t = arch
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, m))
    if cost == "logistic":
        Y = rng.integers(0, 2, (n, t)).astype(np.float64)     # 0/1 per output unit
    elif cost == "cross_entropy":
        Y = np.eye(t)[rng.integers(0, t, n)]                   # one-hot rows
    else:
        Y = rng.normal(0.5, 0.5, (n, t))
    return X, Y


def case_id(case) -> str:
    (m, hidden, t), act, cost, lam = case
    return f"{m}-{'-'.join(map(str, hidden)) or 'none'}-{t}-{act}-{cost}-l2={lam}"


# ---- Δ by hand = ∂J/∂W by autodiff, over the grid ----------------------------------------------------

@pytest.mark.parametrize("case", GRID, ids=case_id)
def test_Delta_by_hand_equals_autodiff_gradient(case):
    arch, act, cost, lam = case
    model = build_model(arch, act, cost)
    X, Y = data(arch, cost)
    net = MLP.from_model(model, l2=lam)
    hand = net.backward(X, Y)
    auto, J_auto, _ = autodiff_deltas(model, X, Y, l2=lam, weights=net.W)
    names = [f"Δ({name})" for name in net.names]
    assert_grads_close(dict(zip(names, auto)), {k: hand[k] for k in names}, rtol=1e-10, atol=1e-10)
    assert net.cost(X, Y) == pytest.approx(J_auto, rel=1e-12)           # the same J on both sides


@pytest.mark.parametrize("case", GRID, ids=case_id)
def test_twenty_epochs_of_gradient_descent_agree(case):
    arch, act, cost, lam = case
    model = build_model(arch, act, cost, seed=2)
    X, Y = data(arch, cost, seed=3)
    eta = 0.05
    net = MLP.from_model(model, l2=lam)
    W_start = [W.copy() for W in net.W]
    net.fit(X, Y, epochs=20, eta=eta)                                   # W(l) := W(l) − η Δ(l), by hand
    W_auto = [W.copy() for W in W_start]
    for _ in range(20):                                                 # the same, with the engine's gradient
        Deltas, _, _ = autodiff_deltas(model, X, Y, l2=lam, weights=W_auto)
        W_auto = [W - eta * D for W, D in zip(W_auto, Deltas)]
    assert_grads_close(W_auto, net.W, names=net.names, rtol=1e-8, atol=1e-8)
    assert max(np.abs(W - W0).max() for W, W0 in zip(net.W, W_start)) > 1e-3   # training moved the weights


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 4), hidden=st.lists(st.integers(1, 5), max_size=3), t=st.integers(1, 4),
       acts=st.lists(st.sampled_from(ACTIVATIONS), min_size=3, max_size=3), cost=st.sampled_from(list(LOSS)),
       lam=st.floats(0.0, 1.0), n=st.integers(1, 6), seed=st.integers(0, 2 ** 16))
def test_Delta_equals_autodiff_for_any_shape(m, hidden, t, acts, cost, lam, n, seed):
    """Any widths, a different φ per hidden layer, any λ, even a single sample."""
    t = max(t, 2) if cost == "cross_entropy" else t
    layers = [nn.Dense(w, activation=acts[k], input_dim=d) for k, (d, w) in enumerate(zip([m] + hidden, hidden))]
    model = nn.Sequential(layers + [nn.Dense(t, activation=output_of(cost, acts[-1]), input_dim=([m] + hidden)[-1])])
    model.compile(loss=LOSS[cost])
    rng = np.random.default_rng(seed)
    net = MLP.from_model(model, l2=lam)
    net.W = [rng.normal(0.0, 0.7, W.shape) for W in net.W]              # float64 weights, bias rows included
    X, Y = data((m, tuple(hidden), t), cost, n=n, seed=seed)
    auto, _, _ = autodiff_deltas(model, X, Y, l2=lam, weights=net.W)
    assert_grads_close(auto, net.gradients(X, Y), names=net.names, rtol=1e-10, atol=1e-10)


# ---- the course's numbers: the line fit y = m·x + b ("How a Neural Network Trains") ------------------

def line_fit() -> tuple[MLP, np.ndarray, np.ndarray]:
    """No hidden layer, linear output: A(in) = [1, x], W(out) = [b; m]; start at m = −1, b = 5."""
    X, y = np.array([[1.0], [2.0]]), np.array([3.0, 5.0])              # data = [(1, 3), (2, 5)]
    return MLP((1, 1), cost="squared_error", weights=[np.array([[5.0], [-1.0]])]), X, y


def test_line_fit_predictions_and_mse_2_5():
    net, X, y = line_fit()
    y_hat = net.forward(X)["A(out)"].ravel()
    assert y_hat.tolist() == [4.0, 3.0]                                 # the slide's ŷ column
    assert ((y - y_hat) ** 2).tolist() == [1.0, 4.0]                    # its err² column
    n = len(y)
    mse = np.mean((y - y_hat) ** 2)
    assert mse == 2.5 and round(np.sqrt(mse), 1) == 1.6                 # MSE = 2.5, RMSE = 1.6 (as printed)
    assert 2 / n * net.cost(X, y) == mse                                # J = ½ Σ err², so MSE = (2/n) J


def test_line_fit_gradients_minus_3_and_minus_1():
    net, X, y = line_fit()
    n, (m, b) = len(y), (-1.0, 5.0)
    dJ_db, dJ_dm = net.backward(X, y)["Δ(out)"].ravel()                 # W(out) = [b; m]
    assert (2 / n * dJ_dm, 2 / n * dJ_db) == (-3.0, -1.0)               # ∂MSE/∂m = −3, ∂MSE/∂b = −1
    assert (5 * m + 3 * b - 13, 3 * m + 2 * b - 8) == (-3.0, -1.0)      # the slide's closed forms agree
    model = net.to_model()                                              # the engine, on nn's own mean loss
    loss = model.loss(y, model(Tensor(X.astype(np.float32))))
    loss.backward()
    assert loss.item() == 2.5
    assert (model.layers[0].kernel.grad.item(), model.layers[0].bias.grad.item()) == (-3.0, -1.0)


def test_line_fit_one_step_with_eta_0_1():
    net, X, y = line_fit()
    costs = net.fit(X, y, epochs=1, eta=0.1)                            # n = 2, so Δ = ∂J/∂W = ∂MSE/∂W
    b, m = net.W[0].ravel()
    assert costs == [2.5]
    assert (m, b) == pytest.approx((-0.7, 5.1), abs=1e-15)              # m := −1 − 0.1·(−3), b := 5 − 0.1·(−1)
    assert net.forward(X)["A(out)"].ravel() == pytest.approx([4.4, 3.7], abs=1e-14)   # ŷ = m·x + b
    assert net.cost(X, y) == pytest.approx((1.4 ** 2 + 1.3 ** 2) / 2, abs=1e-14)   # MSE 2.5 → 1.825: downhill


def test_line_fit_update_slide_uses_the_gradients_printed_beside_it():
    """The notes' last slide steps with ∂MSE/∂m = −7, ∂MSE/∂b = −3, printed on the slide before it
    (another point of the loss curve: at (−1, 5) they are −3 and −1), and writes
    m := −1 + 7λ = −0.3, b := 5 + 3λ = 4.7 with λ = .1 (that deck's name for the learning rate).
    The update rule reproduces m = −0.3; for b, 5 + 3·0.1 is 5.3: the printed 4.7 is 5 − 3λ, a sign slip."""
    net, _, _ = line_fit()
    net.step([np.array([[-3.0], [-7.0]])], eta=0.1)                     # [∂/∂b; ∂/∂m] as printed
    b, m = net.W[0].ravel()
    assert m == pytest.approx(-0.3, abs=1e-15)                          # m := −1 + 7λ = −0.3, as printed
    assert b == pytest.approx(5 + 3 * 0.1, abs=1e-15) and b != pytest.approx(4.7)   # 5.3, not the slide's 4.7


# ---- the course's numbers: the 2-2-1 sigmoid network of "Basic Neural Networks" ---------------------

def test_basic_neural_networks_2_2_1_hand_chain_rule():
    """The notes write the chain rule for x0, x1 → (z1, a1), (z2, a2) → (z3, a3), L = (y − a3)², but
    print no numbers; these inputs and weights are ours. Each line below is a line of the notes."""
    x0, x1, y = 0.05, 0.10, 0.01
    Wh = [[0.15, 0.25], [0.20, 0.30]]                                   # Wh[i][j]: input i → hidden j
    Bh, Wo, Bo = [0.35, 0.35], [0.40, 0.45], 0.60
    σ = lambda v: 1 / (1 + np.exp(-v))
    σ_prime = lambda v: σ(v) * (1 - σ(v))
    z1 = x0 * Wh[0][0] + x1 * Wh[1][0] + Bh[0]
    z2 = x0 * Wh[0][1] + x1 * Wh[1][1] + Bh[1]
    a1, a2 = σ(z1), σ(z2)
    z3 = a1 * Wo[0] + a2 * Wo[1] + Bo
    a3 = σ(z3)
    dL_da3 = -2 * (y - a3)                                              # ∂L/∂a3 = −2(y − a3)
    dL_dz3 = dL_da3 * σ_prime(z3)                                       # ∂L/∂z3 = ∂L/∂a3 · σ′(z3)
    dL_dWo = [dL_dz3 * a1, dL_dz3 * a2]                                 # ∂L/∂Wo[0] = ∂L/∂z3 · a1, ...
    dL_dBo = dL_dz3                                                     # ∂L/∂Bo = ∂L/∂z3 · 1
    dL_da1, dL_da2 = dL_dz3 * Wo[0], dL_dz3 * Wo[1]                     # ∂L/∂a1 = ∂L/∂z3 · Wo[0]
    dL_dz1, dL_dz2 = dL_da1 * σ_prime(z1), dL_da2 * σ_prime(z2)         # ∂L/∂z1 = ∂L/∂a1 · σ′(z1)
    dL_dWh = [[dL_dz1 * x0, dL_dz2 * x0], [dL_dz1 * x1, dL_dz2 * x1]]   # ∂L/∂Wh[i][j] = ∂L/∂zj · xi
    dL_dBh = [dL_dz1, dL_dz2]                                           # ∂L/∂Bh[j] = ∂L/∂zj

    # the same network in the lecture's matrices: W(h) = [Bh; Wh], W(out) = [Bo; Wo]
    W_h, W_out = np.array([Bh, *Wh]), np.array([[Bo], [Wo[0]], [Wo[1]]])
    net = MLP((2, 2, 1), activation="sigmoid", cost="squared_error", output="sigmoid", weights=[W_h, W_out])
    X, Y = np.array([[x0, x1]]), np.array([[y]])
    g = net.backward(X, Y)
    assert net.forward(X)["A(out)"].item() == pytest.approx(a3, rel=1e-15)
    # the notes' L = (y − a3)² is twice the lecture's J = ½ (a − y)², so their gradients are 2Δ
    assert_grads_close({"Δ(h)": 2 * g["Δ(h)"], "Δ(out)": 2 * g["Δ(out)"]},
                       {"Δ(h)": np.array([dL_dBh, *dL_dWh]), "Δ(out)": np.array([[dL_dBo], *[[w] for w in dL_dWo]])},
                       rtol=1e-13)
    # and the engine: nn's mse on one sample and one output is exactly the notes' L = 2J
    model = net.to_model()
    auto, J_auto, _ = autodiff_deltas(model, X, Y, weights=net.W)
    assert J_auto == pytest.approx((y - a3) ** 2 / 2, rel=1e-14)
    assert_grads_close(auto, [g["Δ(h)"], g["Δ(out)"]], names=["Δ(h)", "Δ(out)"], rtol=1e-13)


def test_sigmoid_derivative_as_derived_in_the_notes():
    """σ′ = e^(−x) / (1 + e^(−x))² = σ(x)(1 − σ(x)), the notes' derivation; tanh and ReLU beside it."""
    x = np.linspace(-6, 6, 49) + 0.01                                   # +0.01: keep ReLU's kink off the grid
    assert np.allclose(sigmoid_prime(x), np.exp(-x) / (1 + np.exp(-x)) ** 2, rtol=1e-13, atol=0)
    h = 1e-6
    for phi, phi_prime in ((sigmoid, sigmoid_prime), (np.tanh, tanh_prime), (relu, relu_prime)):
        central = (phi(x + h) - phi(x - h)) / (2 * h)
        assert np.allclose(phi_prime(x), central, rtol=1e-7, atol=1e-9), phi.__name__


# ---- the L2 term ½λ Σ w² and its gradient λW ------------------------------------------------------

def test_l2_term_and_its_gradient():
    """L2 = λ/2 Σ_l Σ_{i=1}^{u_l} Σ_j (w_{j,i}^(l))²: i starts at 1, so the bias row (i = 0) is not in it."""
    lam, arch = 0.1, (3, (4,), 2)
    model = build_model(arch, "tanh", "logistic", seed=5)
    X, Y = data(arch, "logistic")
    plain, regularised = MLP.from_model(model), MLP.from_model(model, l2=lam)
    L2 = lam / 2 * sum(W[i, j] ** 2 for W in plain.W for i in range(1, W.shape[0]) for j in range(W.shape[1]))
    assert regularised.cost(X, Y) - plain.cost(X, Y) == pytest.approx(L2, rel=1e-12)
    g0, g = plain.backward(X, Y), regularised.backward(X, Y)
    for name, W in zip(plain.names, plain.W):
        λW = lam * W
        λW[0] = 0.0                                                     # ∂L2/∂(bias) = 0
        assert np.allclose(g[f"Δ({name})"] - g0[f"Δ({name})"], λW, rtol=1e-12, atol=1e-15)
    # the engine differentiates the same term to the same λW
    auto0, J0, _ = autodiff_deltas(model, X, Y, weights=plain.W)
    auto, J, _ = autodiff_deltas(model, X, Y, l2=lam, weights=plain.W)
    assert J - J0 == pytest.approx(L2, rel=1e-12)
    for A, A0, W in zip(auto, auto0, plain.W):
        assert np.allclose(A - A0, np.vstack([np.zeros((1, W.shape[1])), lam * W[1:]]), rtol=1e-12, atol=1e-15)


# ---- compare: the report a student reads ---------------------------------------------------------------

def test_compare_prints_the_lecture_names_and_shapes(capsys):
    model = build_model((3, (4, 2), 2), "relu", "cross_entropy")
    X, Y = data((3, (4, 2), 2), "cross_entropy")
    result = compare(model, X, Y, l2=0.1)                               # loss: the compiled one
    text = capsys.readouterr().out
    assert [row.name for row in result.rows] == ["Δ(h1)", "Δ(h2)", "Δ(out)"]
    assert [row.shape for row in result.rows] == [(4, 4), (5, 2), (3, 2)]
    for line in ("cost: cross_entropy  J(W) = n × categorical_crossentropy + ½λ Σ w²", "λ = 0.1",
                 "Δ(h1)     (1+m) × h1 = 4 × 4", "Δ(h2)     (1+h1) × h2 = 5 × 2", "Δ(out)    (1+h2) × t = 3 × 2",
                 "max |hand − autodiff|"):
        assert line in text, line
    assert text.strip() == result.table()
    assert result.max_abs < 1e-12 and result.max_rel < 1e-12
    assert result.J_hand == pytest.approx(result.J_autodiff, rel=1e-13)


def test_compare_finds_a_forgotten_relu_derivative(monkeypatch):
    """A student's classic slip, φ′ = 1 for ReLU: Δ(out) still agrees, Δ(h) does not."""
    model = build_model((3, (5,), 2), "relu", "cross_entropy")
    X, Y = data((3, (5,), 2), "cross_entropy")
    monkeypatch.setitem(nn.manual.ACTIVATIONS, "relu", (relu, lambda z: np.ones_like(z)))
    result = compare(model, X, Y, verbose=False)
    by_name = {row.name: row for row in result.rows}
    assert by_name["Δ(out)"].max_rel < 1e-12
    assert by_name["Δ(h)"].max_rel > 1e-3


@pytest.mark.parametrize("loss, last, labels", [
    ("mse", "sigmoid", False),                                          # a loss other than the compiled one
    (nn.BinaryCrossentropy(from_logits=True), "linear", False),        # the sigmoid inside the loss
    (nn.CrossEntropyLoss(), "linear", True),                           # PyTorch's: logits and integer labels
    ("sparse_categorical_crossentropy", "softmax", True),
])
def test_compare_takes_compile_names_and_loss_objects(loss, last, labels):
    model = nn.Sequential([nn.Dense(4, activation="tanh", input_dim=3), nn.Dense(3, activation=last)])
    model.compile(loss="binary_crossentropy" if last == "sigmoid" else "mse")
    X, Y = data((3, (4,), 3), "cross_entropy")
    if labels:
        Y = Y.argmax(axis=1)
    assert compare(model, X, Y, loss=loss, l2=0.1, verbose=False).max_rel < 1e-12


def test_compare_refuses_what_it_cannot_compare():
    model = nn.Sequential([nn.Dense(3, activation="relu", input_dim=2), nn.Dense(2, activation="softmax")])
    model.compile(loss="mse")
    with pytest.raises(ValueError, match="squared error on softmax"):
        compare(model, np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="needs a sigmoid last layer"):
        compare(model, np.ones((2, 2)), np.ones((2, 2)), loss="binary_crossentropy")
    regularised = nn.Sequential([nn.Dense(2, activation="sigmoid", input_dim=2,
                                          kernel_regularizer=nn.regularizers.l2(0.01))])
    regularised.compile(loss="binary_crossentropy")
    with pytest.raises(ValueError, match="pass l2=λ"):
        compare(regularised, np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="not compiled"):
        compare(nn.Sequential([nn.Dense(1, input_dim=1)]), np.ones((2, 1)), np.ones(2))


def test_autodiff_side_leaves_the_model_as_it_was():
    model = build_model((3, (4,), 2), "sigmoid", "logistic")
    before = model.get_weights()
    autodiff_deltas(model, *data((3, (4,), 2), "logistic"), l2=0.1, weights=[W * 2 for W in MLP.from_model(model).W])
    after = model.get_weights()
    assert all(a.dtype == np.float32 and np.array_equal(a, b) for a, b in zip(after, before))
    assert all(p.grad is None for p in model.parameters())


# ---- the bridge, both ways ----------------------------------------------------------------------------

def test_bridge_model_to_mlp_to_model():
    model = build_model((3, (4, 2), 2), "tanh", "cross_entropy")
    net = MLP.from_model(model)
    assert (net.activations, net.output, net.cost_name) == (["tanh", "tanh"], "softmax", "cross_entropy")
    for layer, W in zip(model.layers, net.W):                           # W(l) = [bias; kernel]
        assert np.array_equal(W[0], layer.bias.data) and np.array_equal(W[1:], layer.kernel.data)
    back = net.to_model()
    assert all(np.array_equal(a, b) for a, b in zip(back.get_weights(), model.get_weights()))
    X, _ = data((3, (4, 2), 2), "cross_entropy")
    assert np.allclose(net.forward(X)["A(out)"], model.predict(X), rtol=1e-5, atol=1e-6)   # float32 model
    assert back.loss.name == "categorical_crossentropy"


def test_bridge_mlp_to_model_to_mlp():
    net = MLP((2, 3, 1), activation="relu", cost="squared_error", output="tanh", seed=4)
    net.W = [W + 0.3 for W in net.W]                                    # non-zero bias rows too
    model = net.to_model()
    assert [layer.activation_name for layer in model.layers] == ["relu", "tanh"]
    again = MLP.from_model(model)
    assert (again.activations, again.output, again.cost_name) == (["relu"], "tanh", "squared_error")
    for W, W2 in zip(net.W, again.W):                                   # the model keeps float32
        assert np.array_equal(W2, W.astype(np.float32).astype(np.float64))


def test_bridge_refuses_layers_without_a_W():
    with pytest.raises(ValueError, match="Dropout"):
        MLP.from_model(nn.Sequential([nn.Dense(2, input_dim=2), nn.Dropout(0.5)]), cost="mse")
    with pytest.raises(ValueError, match="without a bias"):
        MLP.from_model(nn.Sequential([nn.Dense(2, input_dim=2, use_bias=False)]), cost="mse")


# ---- the MLP on its own --------------------------------------------------------------------------------

def test_mlp_learns_xor():
    X, y = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0.0, 1.0, 1.0, 0.0])
    net = MLP((2, 4, 1), activation="tanh", cost="logistic", eta=0.5, seed=0)
    net.W[0] = np.random.default_rng(0).normal(0.0, 1.0, net.W[0].shape)   # XOR needs bigger first weights
    costs = net.fit(X, y, epochs=2000)
    assert costs[-1] < 0.1 * costs[0]
    assert net.predict(X).tolist() == [0, 1, 1, 0]


def test_mlp_errors_quote_shapes():
    net = MLP((3, 4, 2), cost="cross_entropy", seed=0)
    with pytest.raises(ValueError, match=r"n × m = n × 3.*\(5, 2\)"):
        net.forward(np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"5 × 2.*\(5, 3\)"):
        net.backward(np.ones((5, 3)), np.ones((5, 3)))
    with pytest.raises(ValueError, match="labels must be 0..1"):
        net.backward(np.ones((2, 3)), np.array([0, 2]))
    with pytest.raises(ValueError, match="goes with softmax"):
        MLP((3, 2), cost="cross_entropy", output="sigmoid")
    with pytest.raises(ValueError, match=r"\(1\+3\) × 4"):
        MLP((3, 4, 2), weights=[np.ones((3, 4)), np.ones((5, 2))])


def test_manual_uses_numpy_only():
    """nn/manual/mlp.py imports no engine: read its imports, then run a copy of it alone, nn and tinygrad_edu
    made unimportable, as a student who copied the file out would."""
    path = ROOT / "nn" / "manual" / "mlp.py"
    tree = ast.parse(path.read_text())
    at_top, when_called = set(), set()
    for node in ast.walk(tree):
        found = at_top if node in tree.body else when_called
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module.split(".")[0])
    assert at_top == {"__future__", "dataclasses", "typing", "numpy"}
    assert when_called == {"nn"}                     # the bridges: compare, check, from_model, to_model
    script = f"""
import importlib.util, sys
sys.modules["tinygrad_edu"] = sys.modules["nn"] = None     # any import of the engine or nn now fails
spec = importlib.util.spec_from_file_location("mlp", {str(path)!r})
manual = sys.modules["mlp"] = importlib.util.module_from_spec(spec)   # registered first, for dataclasses
spec.loader.exec_module(manual)
net = manual.MLP((2, 3, 1), activation="sigmoid", cost="logistic", seed=0)
costs = net.fit([[0., 1.], [1., 0.]], [1., 0.], epochs=5)
assert costs[-1] < costs[0], costs
assert not any(name.startswith("tinygrad_edu") and sys.modules[name] is not None for name in sys.modules)
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr


# ---- the derivation's links point at the lines that compute it -----------------------------------

def test_backprop_md_links_point_at_the_formula():
    """docs/backprop.md links each equation to ../nn/manual/mlp.py#L<n>; line n must compute that equation."""
    assert_links_point_at_the_formula("mlp.py", at_least=8)
