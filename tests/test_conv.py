"""Convolution and pooling (channels-last, as Keras): the handout's worked example, central
differences in both modes and to second order, and torch's conv2d / max_pool2d / avg_pool2d."""

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, avg_pool2d, conv2d, gradcheck, gradgradcheck, jvp, max_pool2d, pad, vjp
from tinygrad_edu.conv import check_images, check_padding, conv2d_transpose, conv_output_size, size_pair

rng = np.random.default_rng(3)


def test_the_handout_s_vertical_edge_example():
    # seed 001: a 6×6 image whose left half is 30, the vertical-edge filter [1, 0, -1] in three rows
    image = np.zeros((6, 6))
    image[:, :3] = 30
    edge = np.array([[1.0, 0.0, -1.0]] * 3)
    feature_map = conv2d(image.reshape(1, 6, 6, 1), edge.reshape(3, 3, 1, 1)).data.reshape(4, 4)
    # each 3×3 window straddling the edge sums 3 rows × 30 × (1 - 0): 90 (the handout prints 30,
    # the classic picture's numbers drawn with 10s)
    np.testing.assert_array_equal(feature_map, [[0, 90, 90, 0]] * 4)


SETTINGS = [((1, 1), "valid"), ((1, 1), "same"), ((2, 2), "valid"), ((2, 2), "same"), ((2, 1), "same")]


@pytest.mark.parametrize("strides, padding", SETTINGS)
def test_conv2d_gradients_in_both_modes(strides, padding):
    x, k, b = rng.normal(size=(2, 5, 4, 2)), rng.normal(size=(3, 2, 2, 3)), rng.normal(size=3)
    assert gradcheck(lambda x, k, b: conv2d(x, k, b, strides=strides, padding=padding), [x, k, b])


@pytest.mark.parametrize("strides, padding", SETTINGS)
def test_pooling_gradients_in_both_modes(strides, padding):
    x = rng.normal(size=(2, 5, 5, 2))                 # odd sizes: 'same' pads one side more
    assert gradcheck(lambda x: max_pool2d(x, (2, 3), strides, padding), [x])
    assert gradcheck(lambda x: avg_pool2d(x, (3, 2), strides, padding), [x])


def test_second_derivatives():
    x, k = rng.normal(size=(1, 5, 4, 1)), rng.normal(size=(2, 3, 1, 2))
    assert gradgradcheck(lambda x, k: conv2d(x, k, padding="same", strides=2).tanh(), [x, k])
    assert gradgradcheck(lambda x: (max_pool2d(x, 2) ** 2).sum() + (avg_pool2d(x, 2, padding="same") ** 3).sum(),
                         [rng.normal(size=(1, 4, 5, 2))])


def test_max_pooling_sends_the_gradient_to_the_maximum_and_average_pooling_spreads_it():
    x = Tensor(np.array([[1.0, 5.0], [3.0, 2.0]]).reshape(1, 2, 2, 1), requires_grad=True, dtype=np.float64)
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.reshape(2, 2), [[0, 1], [0, 0]])
    x.zero_grad()
    avg_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.reshape(2, 2), [[0.25, 0.25], [0.25, 0.25]])


def _torch_same(torch, xt, size, strides):
    """TensorFlow's 'same' padding for torch (extra row/column at the bottom/right)."""
    pads = []
    for n, k, s in zip(xt.shape[2:], size, strides):
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        pads.append((total // 2, total - total // 2))
    return torch.nn.functional.pad(xt, (pads[1][0], pads[1][1], pads[0][0], pads[0][1]))


@pytest.mark.parametrize("strides, padding", SETTINGS)
def test_conv2d_against_torch(strides, padding):
    torch = pytest.importorskip("torch")
    x, k, b = rng.normal(size=(2, 7, 6, 3)), rng.normal(size=(3, 2, 3, 4)), rng.normal(size=4)
    X, K, B = (Tensor(a, requires_grad=True) for a in (x, k, b))
    out = conv2d(X, K, B, strides=strides, padding=padding)
    w = rng.normal(size=out.shape)
    (out * w).sum().backward()
    xt, kt, bt = (torch.tensor(a, requires_grad=True) for a in (x, k, b))
    xin = xt.permute(0, 3, 1, 2)
    if padding == "same":
        xin = _torch_same(torch, xin, k.shape[:2], strides)
    theirs = torch.nn.functional.conv2d(xin, kt.permute(3, 2, 0, 1), bt, stride=strides).permute(0, 2, 3, 1)
    (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(out.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    for ours, t in ((X, xt), (K, kt), (B, bt)):
        np.testing.assert_allclose(ours.grad, t.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("strides", [(2, 2), (1, 1), (1, 2)])
def test_pooling_against_torch(strides):
    torch = pytest.importorskip("torch")
    x = rng.normal(size=(2, 6, 7, 3))
    for ours_fn, theirs_fn in ((max_pool2d, torch.nn.functional.max_pool2d), (avg_pool2d, torch.nn.functional.avg_pool2d)):
        X = Tensor(x, requires_grad=True)
        out = ours_fn(X, (2, 3), strides)
        w = rng.normal(size=out.shape)
        (out * w).sum().backward()
        xt = torch.tensor(x, requires_grad=True)
        theirs = theirs_fn(xt.permute(0, 3, 1, 2), (2, 3), strides).permute(0, 2, 3, 1)
        (theirs * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(out.data, theirs.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(X.grad, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_float32_stays_float32():
    x = Tensor(rng.normal(size=(2, 8, 8, 1)).astype(np.float32), requires_grad=True)
    k = Tensor(rng.normal(size=(3, 3, 1, 4)).astype(np.float32), requires_grad=True)
    out = max_pool2d(conv2d(x, k, padding="same").relu())
    out.sum().backward()
    assert out.dtype == x.grad.dtype == k.grad.dtype == np.float32


@pytest.mark.parametrize("call, message", [
    (lambda: conv2d(np.ones((2, 28, 28)), np.ones((3, 3, 1, 4))), r"got shape \(2, 28, 28\); .*reshape\(-1, 28, 28, 1\)"),
    (lambda: conv2d(np.ones((2, 3, 28, 28)), np.ones((3, 3, 3, 4))), r"channels first.*transpose\(0, 2, 3, 1\)"),
    (lambda: conv2d(np.ones((2, 5, 5, 2)), np.ones((3, 3, 1, 4))), r"2 channels .* the kernel expects 1"),
    (lambda: conv2d(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1))), r"kernel \(3×3\) is bigger than the input's 2×2"),
    (lambda: max_pool2d(np.ones((1, 2, 2, 1)), 3), r"pool \(3×3\) is bigger than the input's 2×2"),
    (lambda: conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), strides=0), r"strides must be a positive integer"),
    (lambda: max_pool2d(np.ones((1, 4, 4, 1)), 2, strides=(1, -1)), r"strides must be a positive integer"),
    (lambda: conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), padding="full"), r"padding must be 'valid' or 'same'"),
])
def test_bad_input_names_the_shape_and_the_fix(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- the checks nn's layers share: one place, the caller named -------------------------------------

def test_pad_gives_a_border_and_its_gradient_is_the_inside():
    x = Tensor(np.arange(4.0).reshape(2, 2), requires_grad=True)
    out = pad(x, ((1, 0), (0, 2)), value=-1.0)
    assert out.shape == (3, 4) and out.data[0].tolist() == [-1.0] * 4 and out.data[1].tolist() == [0, 1, -1, -1]
    (out * np.arange(12.0).reshape(3, 4)).sum().backward()
    assert x.grad.tolist() == [[4.0, 5.0], [8.0, 9.0]]
    assert pad(x, ((0, 0), (0, 0))) is x
    assert gradcheck(lambda t: pad(t, ((1, 1), (2, 0))).sum(), [rng.normal(size=(2, 3))])
    with pytest.raises(ValueError, match=r"pad: widths must give \(before, after\).*2 axes of shape \(2, 2\)"):
        pad(x, ((1, 1),))


def test_the_checks_name_the_caller():
    who = "Conv2D 'conv2d_7'"
    assert size_pair(who, "strides", 2) == (2, 2) and size_pair(who, "kernel_size", [3, 1]) == (3, 1)
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d_7': kernel_size must be a positive integer.*got \(3, 0\)"):
        size_pair(who, "kernel_size", (3, 0))
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d_7': padding must be 'valid' or 'same', got 'full'"):
        check_padding(who, "full")
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d_7'.*\(5, 784\).*X\.reshape\(-1, 28, 28, 1\)"):
        check_images(who, (5, 784))
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d_7'.*\(None, 1, 28, 28\).*channels-first.*transpose\(0, 2, 3, 1\)"):
        check_images(who, (None, 1, 28, 28))
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d_7': built for 1 channels.*\(2, 28, 28, 3\)"):
        check_images(who, (2, 28, 28, 3), channels=1)
    check_images(who, (None, 28, 28, 1), channels=1)


def test_conv_output_size():
    assert conv_output_size("c", "kernel", (None, 28, 28, 1), (3, 3), (1, 1), "valid") == (26, 26)
    assert conv_output_size("c", "kernel", (None, 28, None, 1), (3, 3), (2, 2), "same") == (14, None)
    assert conv_output_size("c", "pool", (1, 7, 5, 1), (2, 2), (2, 2), "valid") == (3, 2)
    with pytest.raises(ValueError, match=r"MaxPooling2D 'm': the pool \(3×3\) is bigger than the input's 2×2 "
                                         r"\(shape \(None, 2, 2, 1\)\).*padding='same'"):
        conv_output_size("MaxPooling2D 'm'", "pool", (None, 2, 2, 1), (3, 3), (3, 3), "valid")


def test_conv2d_transpose_is_conv2ds_transpose():
    """⟨conv2d(z, k), y⟩ = ⟨z, conv2d_transpose(y, k)⟩, strided and 'same'; and its gradients."""
    rng = np.random.default_rng(0)
    k = rng.normal(size=(3, 3, 2, 4))
    for strides, padding, size in (((1, 1), "valid", 6), ((2, 2), "same", 6), ((2, 2), "valid", 7)):
        z = rng.normal(size=(2, size, size, 2))
        y = rng.normal(size=conv2d(z, k, strides=strides, padding=padding).shape)
        left = (conv2d(z, k, strides=strides, padding=padding).data * y).sum()
        right = (z * conv2d_transpose(y, k, strides=strides, padding=padding).data).sum()
        assert np.isclose(left, right)
    y, k = Tensor(rng.normal(size=(1, 3, 3, 4)), requires_grad=True), Tensor(k, requires_grad=True)
    assert gradcheck(lambda y, k: conv2d_transpose(y, k, strides=2, padding="same").tanh(), [y, k])


def test_conv2d_forward_and_reverse_mode_agree():
    """tensordot's jvp and vjp (conv2d's product): ⟨J ṫ, u⟩ = ⟨ṫ, Jᵀ u⟩ for a random direction."""
    rng = np.random.default_rng(1)
    x, k = rng.normal(size=(2, 5, 5, 3)), rng.normal(size=(3, 3, 3, 4))
    tx, tk = rng.normal(size=x.shape), rng.normal(size=k.shape)
    f = lambda x, k: conv2d(x, k, padding="same", strides=2).tanh()  # noqa: E731
    _, t = jvp(f, (x, k), (tx, tk))
    out, back = vjp(f, x, k)
    u = rng.normal(size=np.shape(out))
    gx, gk = back(u)
    assert np.isclose((np.asarray(t) * u).sum(), (np.asarray(gx) * tx).sum() + (np.asarray(gk) * tk).sum())
