"""Convolution and pooling by hand (`nn.manual.cnn`, NumPy only) compute what the engine's autodiff computes.

Each formula of docs/backprop.md's convolution section (∂L/∂K the correlation of the input with
∂L/∂out, ∂L/∂I the full convolution of ∂L/∂out with the flipped kernel, max pooling's gradient to
the maximum, average pooling's spread evenly) is checked against `tinygrad_edu.conv2d`,
`max_pool2d` and `avg_pool2d` in float64, over strides, both paddings and odd sizes, to 1e-10;
then a whole small CNN, and the handout's 6×6 example.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from doclinks import assert_links_point_at_the_formula

import tinygrad_edu as tg
from nn import manual
from nn.manual.cnn import (CNN, Conv, Dense, Flatten, Pool, avg_pool2d, avg_pool2d_backward, conv2d,
                            conv2d_backward, max_pool2d, max_pool2d_backward)

ROOT = Path(__file__).resolve().parents[1]
TOL = 1e-10

CONV_CASES = [((2, 5, 5, 1), (3, 3, 1, 2), (1, 1), "valid"), ((2, 5, 5, 1), (3, 3, 1, 2), (1, 1), "same"),
              ((1, 7, 6, 2), (3, 2, 2, 3), (2, 2), "valid"), ((1, 7, 6, 2), (3, 2, 2, 3), (2, 1), "same"),
              ((2, 6, 6, 3), (2, 2, 3, 1), (2, 2), "same"), ((1, 8, 9, 1), (4, 3, 1, 2), (3, 2), "valid"),
              ((1, 5, 5, 2), (1, 1, 2, 2), (1, 1), "valid")]
POOL_CASES = [((2, 4, 4, 2), (2, 2), None, "valid"), ((1, 5, 5, 1), (2, 2), None, "valid"),
              ((1, 5, 5, 1), (2, 2), None, "same"), ((1, 7, 6, 2), (3, 3), (2, 2), "same"),
              ((2, 6, 7, 1), (3, 2), (1, 2), "valid"), ((1, 6, 6, 3), (3, 3), (1, 1), "same")]


def engine_grads(f, *arrays):
    """(output, [∂L/∂array]) for L = Σ out ⊙ G with a fixed random G: the engine's backward, in float64."""
    inputs = [tg.Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = f(*inputs)
    G = np.random.default_rng(7).normal(size=out.shape)
    (out * tg.Tensor(G)).sum().backward()
    return out.data, G, [t.grad for t in inputs]


def close(hand, auto, what):
    err = np.max(np.abs(hand - auto)) / max(np.max(np.abs(auto)), 1.0)
    assert err < TOL, f"{what}: max |hand − autodiff| = {err:.3e}"


@pytest.mark.parametrize("x_shape, k_shape, strides, padding", CONV_CASES)
def test_conv2d_forward_and_backward_by_hand_equal_autodiff(x_shape, k_shape, strides, padding):
    rng = np.random.default_rng(0)
    X, K, b = rng.normal(size=x_shape), rng.normal(size=k_shape), rng.normal(size=k_shape[-1])
    out, G, (dX, dK, db) = engine_grads(lambda x, k, c: tg.conv2d(x, k, c, strides, padding), X, K, b)
    close(conv2d(X, K, b, strides, padding), out, "out")
    hand_dX, hand_dK, hand_db = conv2d_backward(X, K, G, strides, padding)
    close(hand_dK, dK, "∂L/∂K, the correlation of the input with ∂L/∂out")
    close(hand_dX, dX, "∂L/∂I, the full convolution of ∂L/∂out with the flipped kernel")
    close(hand_db, db, "∂L/∂b")


@pytest.mark.parametrize("x_shape, size, strides, padding", POOL_CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_forward_and_backward_by_hand_equal_autodiff(kind, x_shape, size, strides, padding):
    X = np.random.default_rng(1).normal(size=x_shape)
    engine = tg.max_pool2d if kind == "max" else tg.avg_pool2d
    forward, backward = (max_pool2d, max_pool2d_backward) if kind == "max" else (avg_pool2d, avg_pool2d_backward)
    out, G, (dX,) = engine_grads(lambda x: engine(x, size, strides, padding), X)
    close(forward(X, size, strides, padding), out, "out")
    close(backward(X, G, size, strides, padding), dX, f"{kind} pooling's ∂L/∂I")


def test_max_pooling_sends_the_gradient_to_the_maximum_and_average_pooling_spreads_it():
    X = np.array([1.0, 5.0, 2.0, 3.0]).reshape(1, 2, 2, 1)
    G = np.array([[[[10.0]]]])
    assert max_pool2d_backward(X, G)[0, :, :, 0].tolist() == [[0.0, 10.0], [0.0, 0.0]]
    assert avg_pool2d_backward(X, G)[0, :, :, 0].tolist() == [[2.5, 2.5], [2.5, 2.5]]
    tie = np.zeros((1, 2, 2, 1))                               # a window of zeros after relu: shared, as the engine
    assert max_pool2d_backward(tie, G)[0, :, :, 0].tolist() == [[2.5, 2.5], [2.5, 2.5]]


def small_cnn(rng, strides=(1, 1), pool="max") -> CNN:
    return CNN([Conv(rng.normal(0, 0.5, (3, 3, 2, 4)), rng.normal(0, 0.1, 4), strides, "same", name="conv2d"),
                Pool(pool, (2, 2), None, "valid", name="pooling"),
                Conv(rng.normal(0, 0.5, (2, 2, 4, 3)), rng.normal(0, 0.1, 3), (1, 1), "valid", name="conv2d_1"),
                Flatten(),
                Dense(rng.normal(0, 0.5, (12 if strides == (1, 1) else 3, 5)), rng.normal(0, 0.1, 5), "relu",
                      name="dense"),
                Dense(rng.normal(0, 0.5, (5, 3)), rng.normal(0, 0.1, 3), "softmax", name="dense_1")])


def engine_cnn_grads(net: CNN, X, Y):
    """J = −Σ Σ y log softmax(z) through the engine's conv2d / pooling / matmul, and its gradients by backward."""
    params = {}
    A = tg.Tensor(X)
    for layer in net.layers:
        if isinstance(layer, Conv):
            K, b = (params.setdefault(f"∂J/∂{p}({layer.name})", tg.Tensor(v, requires_grad=True))
                    for p, v in (("K", layer.K), ("b", layer.b)))
            A = tg.conv2d(A, K, b, layer.strides, layer.padding).relu()
        elif isinstance(layer, Pool):
            A = (tg.max_pool2d if layer.kind == "max" else tg.avg_pool2d)(A, layer.pool_size, layer.strides,
                                                                          layer.padding)
        elif isinstance(layer, Flatten):
            A = A.reshape(A.shape[0], -1)
        else:
            W, b = (params.setdefault(f"∂J/∂{p}({layer.name})", tg.Tensor(v, requires_grad=True))
                    for p, v in (("W", layer.W), ("b", layer.b)))
            Z = A @ W + b
            A = Z.relu() if layer.activation == "relu" else Z
    J = -(tg.Tensor(Y) * A.log_softmax(axis=1)).sum()
    J.backward()
    return float(J.item()), {name: t.grad for name, t in params.items()}


@pytest.mark.parametrize("strides, pool", [((1, 1), "max"), ((1, 1), "avg"), ((2, 2), "max")])
def test_small_cnn_by_hand_equals_autodiff(strides, pool):
    rng = np.random.default_rng(3)
    net = small_cnn(rng, strides, pool)
    side = 6 if strides == (1, 1) else 8                 # 2×2×3 or 1×1×3 after conv, pool, conv
    X, Y = rng.normal(size=(6, side, side, 2)), np.eye(3)[rng.integers(0, 3, 6)]
    J, auto = engine_cnn_grads(net, X, Y)
    hand = net.backward(X, Y)
    assert list(hand) == list(auto)
    assert abs(net.cost(X, Y) - J) < TOL * abs(J)
    for name in hand:
        close(hand[name], auto[name], name)


def test_handout_convolution_example_gives_90_where_the_handout_prints_30():
    """Seed 001, "Convolutional Layer": the 6×6 image with 30 in its left half, the filter [[1, 0, −1]] × 3.

    Each output sums 3 rows of 30·1 + 30·0 + 0·(−1) where the filter straddles the edge: 3 × 30 = 90.
    The handout's feature map prints 30 (the classic picture of this example is drawn with 10s and
    shows 30 = 3 × 10); the arithmetic on the handout's own numbers gives 90. Engine and hand agree.
    """
    I = np.zeros((1, 6, 6, 1))
    I[0, :, :3, 0] = 30
    K = np.array([[1.0, 0.0, -1.0]] * 3).reshape(3, 3, 1, 1)
    expected = np.array([[0, 90, 90, 0]] * 4, dtype=float)
    assert conv2d(I, K)[0, :, :, 0].tolist() == expected.tolist()
    assert tg.conv2d(I, K).data[0, :, :, 0].tolist() == expected.tolist()
    assert (expected / 3).tolist() == [[0, 30, 30, 0]] * 4     # the handout's printed map: one row's worth
    ten = np.where(I > 0, 10.0, 0.0)                           # the classic drawing, with 10s
    assert conv2d(ten, K)[0, :, :, 0].tolist() == [[0, 30, 30, 0]] * 4


def test_manual_exports_the_convolution_by_hand():
    for name in ("conv2d", "conv2d_backward", "max_pool2d_backward", "avg_pool2d_backward", "CNN"):
        assert getattr(manual, name) is getattr(sys.modules["nn.manual.cnn"], name)


def test_manual_conv_uses_numpy_only():
    """nn/manual/cnn.py imports NumPy at the top, and a copy of it runs alone, the engine and nn made unimportable."""
    path = ROOT / "nn" / "manual" / "cnn.py"
    top = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            top |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            top.add(node.module.split(".")[0])
    assert top == {"__future__", "math", "dataclasses", "typing", "numpy"}
    script = f"""
import importlib.util, sys
import numpy as np
sys.modules["tinygrad_edu"] = sys.modules["nn"] = None
spec = importlib.util.spec_from_file_location("manual_conv", {str(path)!r})
mc = sys.modules["manual_conv"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mc)
I = np.zeros((1, 6, 6, 1)); I[0, :, :3, 0] = 30
assert mc.conv2d(I, np.array([[1.0, 0, -1]] * 3).reshape(3, 3, 1, 1)).max() == 90
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr


def test_backprop_md_convolution_links_point_at_the_formula():
    """docs/backprop.md links each convolution formula to ../nn/manual/cnn.py#L<n>; line n must compute it."""
    assert_links_point_at_the_formula("cnn.py", at_least=12)


@pytest.mark.parametrize("pool", ["MaxPooling2D", "AveragePooling2D"])
def test_compare_cnn_on_an_nn_model_to_1e_10(pool, capsys):
    """nn.manual.compare_cnn: the hand CNN beside the engine's backward through nn's own layers, float64."""
    import nn
    nn.manual_seed(0)
    model = nn.Sequential([nn.Conv2D(3, (3, 3), activation="relu", padding="same", input_shape=(6, 6, 2)),
                           getattr(nn, pool)((2, 2)), nn.Conv2D(4, (2, 2), strides=(1, 1), activation="relu"),
                           nn.Flatten(), nn.Dense(5, activation="relu"), nn.Dense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy")
    rng = np.random.default_rng(5)
    model.set_weights([rng.normal(0, 0.5, w.shape) for w in model.get_weights()])   # biases not zero
    before = [w.copy() for w in model.get_weights()]
    X, Y = rng.normal(size=(5, 6, 6, 2)), np.eye(3)[rng.integers(0, 3, 5)]
    errors = manual.compare_cnn(model, X, Y)
    assert len(errors) == 8 and max(errors.values()) < TOL, errors
    assert "∂J/∂K(" in capsys.readouterr().out
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))   # the model is left alone
