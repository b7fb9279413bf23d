"""The GAN weeks without Keras: the engine's transposed convolution (both modes, second order), PyTorch's
BatchNorm1d/2d and ConvTranspose2d against torch, `training=`, `trainable` and `requires_grad_`."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from tinygrad_edu import Tensor, conv2d, gradcheck, gradgradcheck
from tinygrad_edu.conv import conv2d_transpose

from oracles import torch as torch_oracle


# ---- the engine's conv2d_transpose ----------------------------------------------------------------

@pytest.mark.parametrize("strides, padding", [(1, "valid"), (1, "same"), (2, "valid"), (2, "same"), (3, "same")])
def test_conv2d_transpose_is_conv2d_transposed(strides, padding):
    """⟨conv2d(z, k), y⟩ = ⟨z, conv2d_transpose(y, k)⟩: the same kernel, strides and padding."""
    rng = np.random.default_rng(0)
    y = rng.standard_normal((2, 3, 4, 2))
    k = rng.standard_normal((3, 3, 5, 2))
    out = conv2d_transpose(Tensor(y), Tensor(k), strides=strides, padding=padding).data
    z = rng.standard_normal(out.shape)
    assert conv2d(Tensor(z), Tensor(k), strides=strides, padding=padding).shape == y.shape
    lhs = (conv2d(Tensor(z), Tensor(k), strides=strides, padding=padding).data * y).sum()
    assert abs(lhs - (z * out).sum()) < 1e-10


def test_conv2d_transpose_both_modes_and_second_order():
    rng = np.random.default_rng(1)
    x, k, b = rng.standard_normal((1, 3, 2, 2)), rng.standard_normal((3, 3, 2, 2)), rng.standard_normal(2)
    f = lambda x, k, b: conv2d_transpose(x, k, b, strides=2, padding="same").tanh()   # noqa: E731
    assert gradcheck(f, [x, k, b])
    assert gradgradcheck(f, [x, k, b])


# ---- PyTorch's layers ---------------------------------------------------------------------------------

def _grads(layer, x, u, torch=None):
    if torch is None:
        xt = Tensor(x, requires_grad=True)
        out = layer(xt)
        (out * Tensor(u)).sum().backward()
        return [out.data, xt.grad] + [p.grad for p in layer.trainable_weights]
    xt = torch.tensor(x, requires_grad=True)
    out = layer(xt)
    (out * torch.tensor(u)).sum().backward()
    return [out.detach().numpy(), xt.grad.numpy()] + [p.grad.numpy() for p in layer.parameters()]


@pytest.mark.parametrize("cls, shape", [("BatchNorm1d", (5, 3)), ("BatchNorm1d", (4, 3, 6)), ("BatchNorm2d", (3, 3, 4, 4))])
def test_batchnorm_against_torch(cls, shape):
    torch = torch_oracle()
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
    u = rng.standard_normal(shape).astype(np.float32)
    theirs = getattr(torch.nn, cls)(3, momentum=0.2)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 2); theirs.bias.normal_(); theirs.running_var.uniform_(0.5, 2)
    ours = getattr(nn, cls)(3, momentum=0.2)
    ours.set_weights([theirs.weight.detach().numpy(), theirs.bias.detach().numpy(),
                      theirs.running_mean.numpy(), theirs.running_var.numpy()])
    for a, b in zip(_grads(ours, x, u), _grads(theirs, x, u, torch)):          # training: batch statistics
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), rtol=1e-5)   # unbiased, as torch
    np.testing.assert_allclose(ours.running_mean.data, theirs.running_mean.numpy(), rtol=1e-5, atol=1e-7)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_torch_batchnorm_refuses_a_batch_of_one_while_training():
    with pytest.raises(ValueError, match=r"BatchNorm1d .*more than 1 value per channel.*\(1, 3\).*\.eval\(\)"):
        nn.BatchNorm1d(3)(np.ones((1, 3), dtype=np.float32))
    assert nn.BatchNorm1d(3).eval()(np.ones((1, 3), dtype=np.float32)).shape == (1, 3)


@pytest.mark.parametrize("kernel, stride, padding, output_padding", [(3, 1, 0, 0), (4, 2, 1, 0), (3, 2, 1, 1), (2, 3, 0, 2)])
def test_conv_transpose2d_against_torch(kernel, stride, padding, output_padding):
    torch = torch_oracle()
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 5, 4)).astype(np.float32)
    theirs = torch.nn.ConvTranspose2d(3, 2, kernel, stride, padding, output_padding)
    ours = nn.ConvTranspose2d(3, 2, kernel, stride, padding, output_padding)
    ours.set_weights([theirs.weight.detach().numpy(), theirs.bias.detach().numpy()])
    shape = tuple(theirs(torch.tensor(x)).shape)
    assert ours.compute_output_shape(x.shape) == shape
    u = rng.standard_normal(shape).astype(np.float32)
    for a, b in zip(_grads(ours, x, u), _grads(theirs, x, u, torch)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


# ---- training=, trainable, requires_grad_ ----------------------------------------------------------------

def test_training_argument_is_for_one_call():
    model = nn.Sequential([nn.Dense(4, input_dim=3), nn.Dropout(0.5), nn.BatchNormalization()])
    model.eval()
    x = np.ones((8, 3), dtype=np.float32)
    model(x, training=True)
    assert not any(m.training for m in model.modules())            # each layer's own mode is back
    assert np.any(model.layers[2].moving_mean.data != 0)            # but the call did train
    before = model.layers[2].moving_mean.data.copy()
    model.train()
    model(x, training=False)
    np.testing.assert_array_equal(model.layers[2].moving_mean.data, before)
    assert all(m.training for m in model.modules())


def test_trainable_flags_and_counts():
    d = nn.Sequential([nn.Dense(4, input_dim=3), nn.BatchNormalization(), nn.Dense(1)])
    assert [p.size for p in d.trainable_weights] == [12, 4, 4, 4, 4, 1]
    assert [p.size for p in d.non_trainable_weights] == [4, 4]       # the moving statistics
    d.trainable = False
    assert all(not m.trainable for m in d.modules()) and d.trainable_weights == []
    d.layers[2].trainable = True
    assert [p.size for p in d.trainable_weights] == []               # a frozen model's layers stay out, as Keras
    lines = []
    d.summary(print_fn=lines.append)
    assert "Trainable params: 0" in lines[0] and "Non-trainable params: 37" in lines[0]


def test_trainable_bad_input():
    layer = nn.Dense(2, input_dim=2)
    with pytest.raises(TypeError, match="trainable must be True or False, got 'no'"):
        layer.trainable = "no"
    with pytest.raises(AttributeError, match="belongs to layers and models.*requires_grad = False"):
        layer.kernel.trainable = False


def test_requires_grad_freezes_for_pytorch():
    net = nn.Sequential([nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)])
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_(True)
    assert [p.requires_grad for p in net.layers[1].parameters()] == [True, True, False, False]   # buffers stay
