"""nn losses: each formula's value, its gradient against float64 central differences and PyTorch,
and the fused softmax/sigmoid cross-entropies at logits of ±1000 in both the Keras and PyTorch habits."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from nn import losses
from tinygrad_edu import Tensor, no_grad


def assert_grads_match(loss_fn, t, h=1e-6, rtol=1e-6, atol=1e-8):
    """backward()'s gradient of loss_fn(t) w.r.t. the float64 tensor t equals central differences."""
    t.grad = None
    loss_fn(t).backward()
    numeric = np.zeros_like(t.data)
    for j in np.ndindex(t.data.shape):
        old = t.data[j]
        with no_grad():
            t.data[j] = old + h
            up = loss_fn(t).item()
            t.data[j] = old - h
            down = loss_fn(t).item()
        t.data[j] = old
        numeric[j] = (up - down) / (2 * h)
    np.testing.assert_allclose(t.grad, numeric, rtol=rtol, atol=atol)


RNG = np.random.default_rng(0)
P = RNG.uniform(0.1, 0.9, (4, 3))                       # probabilities away from the clipping bounds
ONEHOT = np.eye(3)[[0, 2, 1, 2]]
LABELS = np.array([0, 2, 1, 2])
Z = RNG.standard_normal((4, 3)) * 2                    # logits
SIGNS = np.array([[1, -1, 1], [-1, -1, 1], [1, 1, -1], [-1, 1, 1]], dtype=np.float64)
BINARY = (RNG.uniform(size=(4, 3)) > 0.5).astype(np.float64)


# ---- values: the Keras formulas, written out in NumPy ---------------------------------------------

def keras_reference(name, p, y):
    eps = 1e-7
    if name in ("mse", "mean_squared_error"):
        return ((p - y) ** 2).mean()
    if name == "rmse":
        return np.sqrt(((p - y) ** 2).mean())
    if name == "mae":
        return np.abs(p - y).mean()
    if name == "msle":
        return ((np.log(np.maximum(p, eps) + 1) - np.log(np.maximum(y, eps) + 1)) ** 2).mean()
    if name == "binary_crossentropy":
        return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()
    if name == "categorical_crossentropy":
        q = p / p.sum(-1, keepdims=True)
        return -(y * np.log(q)).sum(-1).mean()
    if name == "hinge":
        return np.maximum(1 - y * p, 0).mean()
    if name == "squared_hinge":
        return (np.maximum(1 - y * p, 0) ** 2).mean()
    if name == "kld":
        yc, pc = np.clip(y, eps, 1), np.clip(p, eps, 1)
        return (yc * np.log(yc / pc)).sum(-1).mean()
    raise KeyError(name)


CASES = [("mse", P, ONEHOT), ("rmse", P, ONEHOT), ("mae", P, ONEHOT), ("msle", P, ONEHOT),
         ("binary_crossentropy", P, BINARY), ("categorical_crossentropy", P, ONEHOT),
         ("hinge", P, SIGNS), ("squared_hinge", P, SIGNS), ("kld", P, ONEHOT)]


@pytest.mark.parametrize("name, p, y", CASES)
def test_keras_loss_values_match_their_formulas(name, p, y):
    value = nn.losses.get(name)(y, Tensor(p)).item()
    assert value == pytest.approx(keras_reference(name, p, y), rel=1e-10)


@pytest.mark.parametrize("name, p, y", CASES)
def test_keras_loss_gradients_match_central_differences(name, p, y):
    loss = nn.losses.get(name)
    assert_grads_match(lambda t: loss(y, t), Tensor(p.copy(), requires_grad=True))


def test_hinge_reads_zero_one_labels_as_minus_one_plus_one():
    p = Tensor(np.array([[0.3], [-0.4]]))
    assert nn.Hinge()(np.array([[1.0], [0.0]]), p).item() == pytest.approx(((1 - 0.3) + (1 - 0.4)) / 2)


def test_sparse_categorical_equals_categorical_on_one_hot():
    z = Tensor(Z.copy(), requires_grad=True)
    a = nn.SparseCategoricalCrossentropy(from_logits=True)(LABELS, z).item()
    b = nn.CategoricalCrossentropy(from_logits=True)(ONEHOT, z).item()
    assert a == pytest.approx(b, rel=1e-12)
    assert_grads_match(lambda t: nn.SparseCategoricalCrossentropy(from_logits=True)(LABELS, t), z)


@pytest.mark.parametrize("make", [
    lambda: (lambda t: nn.CrossEntropyLoss()(t, LABELS)),
    lambda: (lambda t: nn.CrossEntropyLoss()(t, ONEHOT)),            # class probabilities as targets
    lambda: (lambda t: nn.CategoricalCrossentropy()(ONEHOT, t.softmax())),   # fused from the graph
    lambda: (lambda t: nn.BCEWithLogitsLoss()(t, BINARY)),
    lambda: (lambda t: nn.BinaryCrossentropy()(BINARY, t.sigmoid())),
    lambda: (lambda t: nn.MSELoss()(t, ONEHOT)),
])
def test_logit_losses_gradients_match_central_differences(make):
    assert_grads_match(make(), Tensor(Z.copy(), requires_grad=True))


# ---- against PyTorch --------------------------------------------------------------------------------

def torch_cases(torch):
    F = torch.nn.functional
    return [
        ("CrossEntropyLoss", lambda t: nn.CrossEntropyLoss()(t, LABELS),
         lambda t: F.cross_entropy(t, torch.from_numpy(LABELS))),
        ("BCEWithLogitsLoss", lambda t: nn.BCEWithLogitsLoss()(t, BINARY),
         lambda t: F.binary_cross_entropy_with_logits(t, torch.from_numpy(BINARY))),
        ("MSELoss", lambda t: nn.MSELoss()(t, ONEHOT), lambda t: F.mse_loss(t, torch.from_numpy(ONEHOT))),
        ("mae", lambda t: nn.losses.get("mae")(ONEHOT, t), lambda t: F.l1_loss(t, torch.from_numpy(ONEHOT))),
        ("kld", lambda t: nn.losses.get("kld")(ONEHOT * 0.8 + 0.2 / 3, t.softmax()),
         lambda t: F.kl_div(F.log_softmax(t, -1), torch.from_numpy(ONEHOT * 0.8 + 0.2 / 3), reduction="batchmean")),
        ("categorical_crossentropy", lambda t: nn.losses.get("categorical_crossentropy")(ONEHOT, t.softmax()),
         lambda t: F.cross_entropy(t, torch.from_numpy(ONEHOT))),
    ]


@pytest.mark.parametrize("index", range(6))
def test_losses_match_torch_value_and_gradient(index):
    torch = pytest.importorskip("torch")
    name, ours, theirs = torch_cases(torch)[index]
    z = Tensor(Z.copy(), requires_grad=True)
    value = ours(z)
    value.backward()
    zt = torch.tensor(Z, requires_grad=True)
    vt = theirs(zt)
    vt.backward()
    assert value.item() == pytest.approx(vt.item(), rel=1e-10), name
    np.testing.assert_allclose(z.grad, zt.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


# ---- logits of ±1000: finite loss, exact gradient, in both habits -----------------------------------

HUGE = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype=np.float32)
HUGE_Y = np.eye(3, dtype=np.float32)[[1, 2]]


def softmax64(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_pytorch_habit_cross_entropy_at_1000():
    z = Tensor(HUGE.copy(), requires_grad=True)
    loss = nn.CrossEntropyLoss()(z, np.array([1, 2]))
    loss.backward()
    assert np.isfinite(loss.item())
    expected = (2000.0 + (1000.0 - 999.0 + np.log1p(np.exp(-1.0)))) / 2   # -log_softmax at the labels
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    np.testing.assert_allclose(z.grad, (softmax64(HUGE.astype(np.float64)) - HUGE_Y) / 2, atol=1e-6)


def test_keras_habit_softmax_layer_and_categorical_crossentropy_at_1000():
    """activation='softmax' + 'categorical_crossentropy': the model hands the loss the logits."""
    model = nn.Sequential([nn.Dense(3, activation="softmax", input_dim=3, use_bias=False)])
    model.layers[0].kernel.data[...] = np.eye(3, dtype=np.float32)     # the logits are the inputs
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    out, is_logits, loss = model._forward_loss(Tensor(HUGE.copy()), HUGE_Y)
    assert is_logits
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() > 1000          # unclipped: the true loss, not -ln(1e-7)
    # ∂L/∂kernel = xᵀ (softmax(z) - y) / N with z = x
    expected = HUGE.astype(np.float64).T @ ((softmax64(HUGE.astype(np.float64)) - HUGE_Y) / 2)
    np.testing.assert_allclose(model.layers[0].kernel.grad, expected, rtol=1e-5, atol=1e-3)
    assert model.evaluate(HUGE, HUGE_Y, verbose=0) == pytest.approx(loss.item(), rel=1e-6)


def test_a_loss_never_looks_into_the_graph_recorded_or_not():
    """CategoricalCrossentropy()(y, z.softmax()) takes the probabilities as they are, clipped to
    [1e-7, 1 - 1e-7] as Keras's: on logits [30, -30] with the second class the answer is -ln(1e-7),
    with the graph recorded and under no_grad alike (it once read 60.0 recorded, 16.12 not)."""
    logits, y = np.array([[30.0, -30.0]], dtype=np.float32), np.array([[0.0, 1.0]], dtype=np.float32)
    recorded = nn.CategoricalCrossentropy()(y, Tensor(logits, requires_grad=True).softmax()).item()
    with no_grad():
        unrecorded = nn.CategoricalCrossentropy()(y, Tensor(logits).softmax()).item()
    assert recorded == unrecorded == pytest.approx(-np.log(1e-7), rel=1e-5)           # 16.118
    assert nn.CategoricalCrossentropy(from_logits=True)(y, Tensor(logits)).item() == pytest.approx(60.0)
    p = Tensor(np.array([[0.0], [1.0]], dtype=np.float32), requires_grad=True)          # binary: the same clip
    with no_grad():
        unrecorded = nn.BinaryCrossentropy()([[1.0], [1.0]], Tensor(p.data)).item()
    assert nn.BinaryCrossentropy()([[1.0], [1.0]], p).item() == unrecorded == pytest.approx(-np.log(1e-7) / 2, rel=1e-5)


@pytest.mark.parametrize("habit", ["pytorch", "keras_model"])
def test_sigmoid_binary_crossentropy_at_1000(habit):
    z_np = np.array([[1000.0], [-1000.0], [1000.0], [0.0]], dtype=np.float32)
    y = np.array([[0.0], [0.0], [1.0], [1.0]], dtype=np.float32)
    expected_loss = (1000.0 + 0.0 + 0.0 + np.log(2)) / 4
    expected_grad = (0.5 * (1 + np.tanh(z_np.astype(np.float64) / 2)) - y) / 4   # σ(z) without overflow
    if habit == "keras_model":
        model = nn.Sequential([nn.Dense(1, activation="sigmoid", input_dim=1, use_bias=False)])
        model.layers[0].kernel.data[...] = 1.0
        model.compile(optimizer="sgd", loss="binary_crossentropy")
        _, _, loss = model._forward_loss(Tensor(z_np), y)
        loss.backward()
        grad = model.layers[0].kernel.grad
        expected_grad = z_np.astype(np.float64).T @ expected_grad
    else:
        z = Tensor(z_np.copy(), requires_grad=True)
        loss = nn.BCEWithLogitsLoss()(z, y)
        loss.backward()
        grad = z.grad
    assert np.isfinite(loss.item())
    assert loss.item() == pytest.approx(expected_loss, rel=1e-6)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-6, atol=1e-6)


# ---- dtype and errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(set(nn.losses.LOSSES) - {"sparse_categorical_crossentropy"}))
def test_losses_keep_float32_with_float64_targets(name):
    p = Tensor(P.astype(np.float32), requires_grad=True)
    loss = nn.losses.get(name)(ONEHOT, p)              # ONEHOT is float64
    loss.backward()
    assert loss.dtype == np.float32 and p.grad.dtype == np.float32


def test_unknown_loss_lists_known_ones():
    with pytest.raises(ValueError, match="known losses: mse, .*categorical_crossentropy.*kld"):
        nn.losses.get("cross_entropy_plus")


def test_sparse_labels_out_of_range_and_wrong_widths():
    z = Tensor(Z.astype(np.float32))
    with pytest.raises(ValueError, match="label 3 is out of range for 3 classes"):
        nn.CrossEntropyLoss()(z, np.array([0, 1, 3, 2]))
    with pytest.raises(ValueError, match="label -1 is out of range"):
        nn.SparseCategoricalCrossentropy()(np.array([0, 1, -1, 2]), z.softmax())
    with pytest.raises(ValueError, match="one-hot targets have 4 columns but the model outputs 3 units"):
        nn.CategoricalCrossentropy()(np.eye(4)[[0, 1, 2, 3]], z.softmax())
    with pytest.raises(ValueError, match="look like class labels.*to_categorical"):
        nn.CategoricalCrossentropy()(LABELS, z.softmax())
    with pytest.raises(ValueError, match=r"mse: targets of shape \(4, 2\) do not match predictions of shape \(4, 3\)"):
        losses.get("mse")(np.zeros((4, 2)), z)


@pytest.mark.parametrize("labels", [LABELS, LABELS.astype(np.uint8), LABELS[:, None], LABELS.astype(np.float64),
                                    Tensor(LABELS)], ids=["int64", "uint8", "(N, 1)", "whole floats", "Tensor"])
def test_integer_labels_become_the_one_hot_rows(labels):
    like = Tensor(Z.astype(np.float32))
    onehot = losses._labels_onehot(labels, like, "x")
    assert onehot.dtype == np.float32 and np.array_equal(onehot, np.eye(3)[LABELS])
    assert np.array_equal(losses._labels_onehot(np.array([True, False]), like[:2], "x"), np.eye(3)[[1, 0]])


def test_check_targets_raises_what_the_loss_would_without_computing_it():
    like = Tensor(np.full((4, 3), 0.5, dtype=np.float32))
    for loss in (nn.CategoricalCrossentropy(), nn.SparseCategoricalCrossentropy(), nn.CrossEntropyLoss(),
                 nn.MeanSquaredError(), nn.BinaryCrossentropy()):
        targets = LABELS if "Sparse" in type(loss).__name__ or isinstance(loss, nn.CrossEntropyLoss) else ONEHOT
        loss.check_targets(targets, like)                                  # good targets: nothing raised
        with pytest.raises(ValueError):
            loss.check_targets(np.zeros((4, 5)), like)
    with pytest.raises(ValueError, match="label 3 is out of range for 3 classes"):
        nn.CrossEntropyLoss().check_targets(np.array([0, 1, 3, 2]), like)
    assert nn.CrossEntropyLoss().targets(ONEHOT * 0.5, like).dtype == np.float32   # class probabilities as they are
