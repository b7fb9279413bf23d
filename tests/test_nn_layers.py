"""nn layers, activations, initializers and Module bookkeeping: values, and gradients against float64
central differences (and PyTorch where installed)."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from tinygrad_edu import Tensor, no_grad, topological_order


# ---- a small central-difference check, local to this file ------------------------------------------

def assert_grads_match(loss_fn, tensors, h=1e-6, rtol=1e-6, atol=1e-8):
    """backward()'s gradient of loss_fn() w.r.t. each float64 tensor equals central differences."""
    for t in tensors:
        t.grad = None
    loss_fn().backward()
    for k, t in enumerate(tensors):
        numeric = np.zeros_like(t.data)
        for j in np.ndindex(t.data.shape):
            old = t.data[j]
            with no_grad():
                t.data[j] = old + h
                up = loss_fn().item()
                t.data[j] = old - h
                down = loss_fn().item()
            t.data[j] = old
            numeric[j] = (up - down) / (2 * h)
        np.testing.assert_allclose(t.grad, numeric, rtol=rtol, atol=atol, err_msg=f"tensor {k} {t.label!r}")


def to_float64(layer):
    """The layer's parameters as float64, so central differences are exact to ~1e-10."""
    for p in layer.parameters():
        p.data = p.data.astype(np.float64)
    return layer


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---- gradients of each layer -------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "softmax", "leaky_relu", "linear", "gaussian"])
def test_dense_gradients_match_central_differences(activation):
    nn.manual_seed(1)
    layer = to_float64(nn.Dense(3, activation=activation, input_dim=4))
    x = Tensor(rand(5, 4) + 0.05, requires_grad=True)   # + 0.05: no relu input sits exactly at its kink
    weights = rand(5, 3, seed=1)
    assert_grads_match(lambda: (layer(x) * weights).sum(), [x, layer.kernel, layer.bias])


def test_linear_gradients_match_central_differences():
    nn.manual_seed(2)
    layer = to_float64(nn.Linear(4, 3))
    x = Tensor(rand(2, 4), requires_grad=True)
    assert_grads_match(lambda: (layer(x) * rand(2, 3, seed=3)).sum(), [x, layer.weight, layer.bias])


def test_flatten_and_activation_layers_gradients():
    x = Tensor(rand(2, 3, 2), requires_grad=True)
    w = rand(2, 6, seed=4)
    assert_grads_match(lambda: (nn.Flatten()(x) * w).sum(), [x])
    for layer in [nn.ReLU(), nn.Sigmoid(), nn.Tanh(), nn.Softmax(), nn.LeakyReLU(0.2), nn.Gaussian(),
                  nn.Activation("tanh")]:
        y = Tensor(rand(3, 4) + 0.05, requires_grad=True)
        assert_grads_match(lambda: (layer(y) * rand(3, 4, seed=5)).sum(), [y])


def test_dropout_scales_kept_units_and_their_gradient():
    nn.manual_seed(3)
    x = Tensor(np.ones((200, 50)), requires_grad=True)
    layer = nn.Dropout(0.25)
    out = layer(x)
    kept = out.data != 0
    assert 0.70 < kept.mean() < 0.80                       # about 1 - rate kept
    np.testing.assert_allclose(out.data[kept], 1 / 0.75)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, kept / 0.75)        # the gradient flows only through kept units
    layer.eval()
    assert layer(x) is x                                   # inference: identity, no op recorded


def test_regularizers_are_keras_formulas_with_right_gradients():
    w = Tensor(rand(3, 2), requires_grad=True)
    assert nn.regularizers.l2(0.1)(w).item() == pytest.approx(0.1 * (w.data ** 2).sum())   # λΣw², no ½
    assert nn.regularizers.l1(0.1)(w).item() == pytest.approx(0.1 * np.abs(w.data).sum())
    assert_grads_match(lambda: nn.regularizers.l2(0.3)(w) + nn.regularizers.l1(0.2)(w), [w])


# ---- against PyTorch -------------------------------------------------------------------------------

def test_linear_matches_torch_forward_and_backward():
    torch = pytest.importorskip("torch")
    nn.manual_seed(4)
    ours = nn.Linear(5, 3)
    theirs = torch.nn.Linear(5, 3)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.data))
        theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    x = rand(4, 5).astype(np.float32)
    y = ours(Tensor(x)).tanh().sum()
    y.backward()
    yt = torch.tanh(theirs(torch.from_numpy(x))).sum()
    yt.backward()
    np.testing.assert_allclose(y.item(), yt.item(), rtol=1e-6)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("activation, torch_name", [
    ("relu", "relu"), ("sigmoid", "sigmoid"), ("tanh", "tanh"), ("softmax", "softmax"), ("leaky_relu", "leaky_relu")])
def test_dense_matches_torch(activation, torch_name):
    torch = pytest.importorskip("torch")
    nn.manual_seed(5)
    layer = nn.Dense(4, activation=activation, input_dim=3)
    x = rand(6, 3).astype(np.float32)
    w = rand(6, 4, seed=7).astype(np.float32)
    (layer(Tensor(x)) * w).sum().backward()
    K = torch.tensor(layer.kernel.data, requires_grad=True)
    b = torch.tensor(layer.bias.data, requires_grad=True)
    z = torch.from_numpy(x) @ K + b
    f = getattr(torch.nn.functional, torch_name)
    a = f(z, dim=-1) if torch_name == "softmax" else f(z)
    (a * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(layer.kernel.grad, K.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.bias.grad, b.grad.numpy(), rtol=1e-5, atol=1e-6)


# ---- Dense's Keras behaviour ------------------------------------------------------------------------

def test_dense_infers_input_width_at_first_call_and_counts_params():
    layer = nn.Dense(64, activation="relu")
    assert not layer.built and layer.parameters() == []
    out = layer(np.zeros((2, 784), dtype=np.float32))
    assert out.shape == (2, 64) and out.dtype == np.float32
    assert layer.kernel.shape == (784, 64) and layer.count_params() == 50240


def test_dense_forward_is_one_matmul_and_one_add():
    layer = nn.Dense(3, input_dim=4)
    out = layer(np.ones((2, 4), dtype=np.float32))
    ops = [n.op.name for n in topological_order(out) if n.op is not None]
    assert ops == ["@", "+"]


def test_dense_wrong_input_width_names_layer_and_counts():
    layer = nn.Dense(10, input_dim=784, name="dense_1")
    with pytest.raises(ValueError, match="Dense 'dense_1' expects 784 features, got 28"):
        layer(np.zeros((5, 28, 28), dtype=np.float32))


def test_unknown_activation_and_initializer_list_the_known_ones():
    with pytest.raises(ValueError, match="known activations: relu, sigmoid, tanh, softmax, leaky_relu, linear, gaussian"):
        nn.Dense(3, activation="swish")
    with pytest.raises(ValueError, match="glorot_uniform"):
        nn.Dense(3, kernel_initializer="lecun_normal")   # orthogonal is known now (recurrent kernels)


def test_activation_strings_compute_their_formulas():
    x = np.array([[-2.0, 0.5, 3.0]], dtype=np.float32)
    t = Tensor(x)
    get = nn.activations.get
    np.testing.assert_allclose(get("relu")(t).data, np.maximum(x, 0))
    np.testing.assert_allclose(get("sigmoid")(t).data, 1 / (1 + np.exp(-x)), rtol=1e-6)
    np.testing.assert_allclose(get("tanh")(t).data, 2 / (1 + np.exp(-2 * x)) - 1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(get("softmax")(t).data, np.exp(x) / np.exp(x).sum(), rtol=1e-6)
    np.testing.assert_allclose(get("leaky_relu")(t).data, np.where(x > 0, x, 0.01 * x), rtol=1e-6)
    np.testing.assert_allclose(get("linear")(t).data, x)
    np.testing.assert_allclose(get("gaussian")(t).data, np.exp(-x * x), rtol=1e-6)


# ---- initializers -----------------------------------------------------------------------------------

def test_initializers_have_their_scales_and_are_float32():
    nn.manual_seed(0)
    fan_in, fan_out = 400, 200
    get = nn.initializers.get
    cases = {
        "glorot_uniform": np.sqrt(2 / (fan_in + fan_out)),      # U(-a, a) has std a/√3
        "glorot_normal": np.sqrt(2 / (fan_in + fan_out)),
        "he_uniform": np.sqrt(2 / fan_in), "he_normal": np.sqrt(2 / fan_in),
        "random_normal": 0.05,
    }
    for name, std in cases.items():
        w = get(name)((fan_in, fan_out))
        assert w.dtype == np.float32 and w.shape == (fan_in, fan_out)
        assert w.std() == pytest.approx(std, rel=0.03), name
        assert abs(w.mean()) < 0.05 * std * 5, name
    assert np.all(get("zeros")((3, 2)) == 0)
    limit = np.sqrt(6 / (fan_in + fan_out))
    assert np.abs(get("xavier_uniform")((fan_in, fan_out))).max() <= limit


def test_manual_seed_makes_weights_and_dropout_reproducible():
    def run():
        nn.manual_seed(123)
        layer = nn.Dense(5, input_dim=4)
        mask = nn.Dropout(0.5)(np.ones((3, 5), dtype=np.float32)).data
        return layer.kernel.data.copy(), mask
    (k1, m1), (k2, m2) = run(), run()
    np.testing.assert_array_equal(k1, k2)
    np.testing.assert_array_equal(m1, m2)
    nn.manual_seed(124)
    assert not np.array_equal(nn.Dense(5, input_dim=4).kernel.data, k1)


def test_linear_uses_pytorch_bound():
    nn.manual_seed(0)
    layer = nn.Linear(100, 50)
    assert layer.weight.shape == (50, 100)
    assert np.abs(layer.weight.data).max() <= 0.1 and np.abs(layer.weight.data).max() > 0.09
    assert np.abs(layer.bias.data).max() <= 0.1


# ---- Module bookkeeping -----------------------------------------------------------------------------

class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 4)
        self.out = nn.Linear(4, 2)
        self.scale = nn.Parameter(np.ones(2, dtype=np.float32))

    def forward(self, x):
        return self.out(self.hidden(x).relu()) * self.scale


def test_module_registers_parameters_and_submodules_on_assignment():
    m = TwoLayer()
    names = [name for name, _ in m.named_parameters()]
    assert names == ["scale", "hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert len(m.parameters()) == 5 and m.count_params() == 2 + 16 + 10
    m.out = nn.Linear(4, 2, bias=False)             # reassigning replaces the entry
    assert [n for n, _ in m.named_parameters()][-1] == "out.weight"
    del m.scale
    assert "scale" not in dict(m.named_parameters())


def test_module_zero_grad_train_eval_and_repr():
    m = TwoLayer()
    m(Tensor(np.ones((2, 3), dtype=np.float32))).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    assert m.eval() is m and not m.hidden.training
    m.train()
    assert m.out.training
    text = repr(m)
    assert "(hidden): Linear(in_features=3, out_features=4, bias=True)" in text
    assert text.startswith("TwoLayer(") and text.endswith(")")


def test_nodes_made_inside_a_layer_carry_its_name_in_group():
    model = nn.Sequential([nn.Dense(4, activation="relu", input_dim=3, name="hidden"),
                           nn.Dense(2, activation="softmax", name="output")])
    x = Tensor(np.ones((2, 3), dtype=np.float32))
    out = model(x)
    groups = {(n.op.name if n.op else n.label): n.group for n in topological_order(out)}
    assert groups["hidden.kernel"] == "hidden" and groups["output.bias"] == "output"
    assert groups["relu"] == "hidden" and groups["softmax"] == "output"
    assert x.group is None                               # the data is no layer's node


def test_loss_and_penalty_nodes_are_grouped_too():
    model = nn.Sequential([nn.Dense(2, activation="softmax", input_dim=3, name="out",
                                    kernel_regularizer=nn.regularizers.l2(0.1))])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    _, _, loss = model._forward_loss(Tensor(np.ones((2, 3), dtype=np.float32)), np.eye(2, dtype=np.float32))
    groups = {}
    for n in topological_order(loss):
        if n.op is not None:
            groups.setdefault(n.op.name, set()).add(n.group)
    assert groups["log_softmax"] == {"categorical_crossentropy"}
    assert "out" in groups["sum"] and "categorical_crossentropy" in groups["sum"]   # penalty Σw² and the loss's Σ
