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


# ---- clipping, as PyTorch's utilities ---------------------------------------------------------------------

@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, float("inf")), (2.0, 1.0)])
def test_clip_grad_norm_against_torch(max_norm, norm_type):
    torch = torch_oracle()
    rng = np.random.default_rng(5)
    grads = [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(4).astype(np.float32)]
    ours = [nn.Parameter(np.zeros_like(g)) for g in grads]
    theirs = [torch.nn.Parameter(torch.zeros(g.shape)) for g in grads]
    for p, t, g in zip(ours, theirs, grads):
        p.grad, t.grad = g.copy(), torch.tensor(g)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    assert total == pytest.approx(float(torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)), rel=1e-6)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-6)
    nn.utils.clip_grad_value_(ours, 0.1)
    torch.nn.utils.clip_grad_value_(theirs, 0.1)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-6)


def test_optimizer_takes_one_kind_of_clipping():
    with pytest.raises(ValueError, match="give one of clipnorm, clipvalue, global_clipnorm"):
        nn.Adam(lr=1e-3, clipnorm=1.0, clipvalue=0.5)
    with pytest.raises(ValueError, match="clipnorm must be a number > 0, got -1"):
        nn.SGD(0.1, clipnorm=-1)
    assert nn.RMSprop(clipvalue=0.5).get_config()["clipvalue"] == 0.5


# ---- a gradient inside the loss: autograd.grad and WGAN-GP's penalty ------------------------------------

def test_grad_returns_and_stores_nothing():
    from tinygrad_edu.autograd import grad
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([3.0]), requires_grad=True)
    gx, gy = grad([(x * x).sum(), (x * y).sum()], [x, y])
    np.testing.assert_array_equal(gx.data, 2 * x.data + y.data)
    np.testing.assert_array_equal(gy.data, [3.0])
    assert x.grad is None and y.grad is None
    assert grad(x * 2, [x, y], grad_outputs=np.ones(2), allow_unused=True)[1] is None
    with pytest.raises(RuntimeError, match="input 1 .* not used .* allow_unused=True"):
        grad(x * 2, [x, y], grad_outputs=np.ones(2))
    with pytest.raises(RuntimeError, match="output 0 has shape \\(2,\\); give grad_outputs"):
        grad(x * 2, x)


def test_wgan_gp_penalty_matches_torch_to_1e12():
    """WGAN-GP: λ·mean((‖∂D/∂x̂‖ - 1)²) at x̂ between real and fake points; its gradient for D's weights
    differentiates a gradient (create_graph=True), as torch.autograd.grad does."""
    torch = torch_oracle()
    from tinygrad_edu.autograd import grad
    rng = np.random.default_rng(6)
    weights = [rng.standard_normal((2, 16)), rng.standard_normal(16), rng.standard_normal((16, 1)), rng.standard_normal(1)]
    real, fake, eps = rng.standard_normal((8, 2)), rng.standard_normal((8, 2)), rng.uniform(size=(8, 1))
    between = eps * real + (1 - eps) * fake

    def critic(x, w1, b1, w2, b2, leaky):
        return leaky(x @ w1 + b1).tanh() @ w2 + b2       # leaky then tanh: second derivatives that are not 0

    ws = [Tensor(w, requires_grad=True) for w in weights]
    x_hat = Tensor(between, requires_grad=True)
    (g,) = grad(critic(x_hat, *ws, lambda h: h.leaky_relu(0.2)), x_hat, grad_outputs=np.ones((8, 1)),
                create_graph=True)
    penalty = 10 * (((g * g).sum(axis=1).sqrt() - 1) ** 2).mean()
    penalty.backward()

    tws = [torch.tensor(w, requires_grad=True) for w in weights]
    tx = torch.tensor(between, requires_grad=True)
    (tg,) = torch.autograd.grad(critic(tx, *tws, lambda h: torch.nn.functional.leaky_relu(h, 0.2)), tx,
                                grad_outputs=torch.ones(8, 1, dtype=torch.float64), create_graph=True)
    tpenalty = 10 * ((tg.norm(dim=1) - 1) ** 2).mean()
    tpenalty.backward()
    assert abs(penalty.item() - tpenalty.item()) < 1e-12
    for w, tw in zip(ws[:3], tws[:3]):
        np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert ws[3].grad is None and tws[3].grad is None          # the last bias moves D, not its slope


# ---- the Keras recipe, as tutorials write it --------------------------------------------------------------

def _recipe():
    nn.manual_seed(0)
    G = nn.Sequential([nn.Dense(8, activation="relu", input_dim=3), nn.Dense(2)], name="generator")
    D = nn.Sequential([nn.Dense(8, input_dim=2), nn.LeakyReLU(alpha=0.2), nn.Dense(1, activation="sigmoid")],
                      name="discriminator")
    D.compile(optimizer=nn.Adam(lr=1e-2), loss="binary_crossentropy")
    with pytest.warns(UserWarning, match="already compiled.*own train_on_batch/fit keep its weights trainable"):
        D.trainable = False
    gan = nn.Sequential([G, D])
    gan.compile(optimizer=nn.Adam(lr=1e-2), loss="binary_crossentropy")
    return G, D, gan


def test_recipe_d_learns_in_its_step_and_not_in_gans():
    G, D, gan = _recipe()
    rng = np.random.default_rng(7)
    weights = lambda m: [w.copy() for w in m.get_weights()]                      # noqa: E731
    changed = lambda a, b: all(np.any(x != y) for x, y in zip(a, b))            # noqa: E731
    same = lambda a, b: all(np.array_equal(x, y) for x, y in zip(a, b))          # noqa: E731
    for _ in range(3):
        g0, d0 = weights(G), weights(D)
        real, fake = rng.standard_normal((16, 2)), G.predict(rng.standard_normal((16, 3)))
        x, y = np.concatenate([real, fake]), np.concatenate([np.ones((16, 1)), np.zeros((16, 1))])
        d_loss = D.train_on_batch(x, y)
        g1, d1 = weights(G), weights(D)
        assert changed(d0, d1) and same(g0, g1)                    # D's step: only D
        g_loss = gan.train_on_batch(rng.standard_normal((16, 3)), np.ones((16, 1)))
        g2, d2 = weights(G), weights(D)
        assert changed(g1, g2) and same(d1, d2)                    # gan's step: only G
        assert np.isfinite(d_loss) and np.isfinite(g_loss)
    lines = []
    gan.summary(print_fn=lines.append)
    assert f"Non-trainable params: {D.count_params()}" in lines[0]
    assert f"Trainable params: {G.count_params()}" in lines[0]


def test_gan_step_computes_no_gradient_for_the_frozen_discriminator():
    """Keras differentiates with respect to the trainable weights only: in gan's step D is gone
    through (G's gradient is unchanged) but its weights get none, and require one again afterwards."""
    from tinygrad_edu import Tensor
    G, D, gan = _recipe()
    z = np.random.default_rng(9).standard_normal((6, 3)).astype(np.float32)
    ones = np.ones((6, 1), np.float32)
    loss = gan.loss.forward(gan(Tensor(z)), ones)          # every gradient, by hand, for comparison
    loss.backward()
    expected = [p.grad.copy() for p in G.trainable_weights]
    for p in gan.parameters():
        p.grad = None
    gan.train_on_batch(z, ones)
    assert all(p.grad is None and p.requires_grad for p in D.trainable_weights + D.non_trainable_weights)
    for p, g in zip(G.trainable_weights, expected):
        np.testing.assert_allclose(p.grad, g, rtol=1e-5, atol=1e-7)
    D.compile("adam", "binary_crossentropy")                # nothing trainable: a step does nothing, as Keras
    before = D.get_weights()
    D.train_on_batch(np.ones((2, 2), np.float32), np.ones((2, 1), np.float32))
    assert all(np.array_equal(a, b) for a, b in zip(before, D.get_weights()))


def test_on_batch_family():
    G, D, gan = _recipe()
    x = np.random.default_rng(8).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(gan.predict_on_batch(x), D.predict(G.predict(x)), rtol=1e-6)
    before = [w.copy() for w in gan.get_weights()]
    loss = gan.test_on_batch(x, np.ones((5, 1)))
    assert all(np.array_equal(a, b) for a, b in zip(before, gan.get_weights()))
    assert loss == pytest.approx(float(np.mean(-np.log(gan.predict(x)))), rel=1e-5)
    D.compile("adam", "binary_crossentropy", metrics=["acc"])
    assert len(D.train_on_batch(G.predict(x), np.zeros((5, 1)))) == 2                      # [loss, acc]


def test_recipe_bad_input():
    G = nn.Sequential([nn.Dense(4, input_dim=3)], name="g")
    with pytest.raises(RuntimeError, match="train_on_batch: compile the model first"):
        G.train_on_batch(np.ones((2, 3)), np.ones((2, 4)))
    D = nn.Sequential([nn.Dense(1, input_dim=784)], name="d")
    with pytest.raises(ValueError, match=r"'d' was built for inputs of shape \(None, 784\), but layer 'g' gives "
                                         r"shape \(None, 4\).*generator's output size"):
        nn.Sequential([G, D])


# ---- the 2-D GAN covers the ring ------------------------------------------------------------------------

def test_2d_gan_covers_all_8_modes_from_a_fixed_seed():
    """The Keras recipe on 8 Gaussians, 1000 D+G steps from seed 0: every mode gets generated points.
    One BLAS thread: these matrices are small, and threads sharing two cores only slow them down."""
    import sys
    from pathlib import Path
    from threadpoolctl import threadpool_limits
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "demos"))
    import gan_2d
    with threadpool_limits(1):
        G = gan_2d.train(1000, seed=0)["G"]
    z = np.random.default_rng(1).standard_normal((2000, 2)).astype(np.float32)
    assert gan_2d.modes_covered(G.predict(z)) == 8


def test_digits_per_epoch_rows_numbered_and_pixels_on_one_scale(tmp_path):
    """Rows named by the epochs given; tanh's [-1, 1] drawn on that fixed scale (noise is not stretched)."""
    from nn import plot_gan
    images = [np.full((10, 784), -1.0, np.float32), np.linspace(-0.5, 0.5, 7840, dtype=np.float32).reshape(10, 784)]
    fig = plot_gan.digits_per_epoch(images, epochs=[1, 5])
    axes = fig.axes
    assert [axes[0].get_ylabel(), axes[10].get_ylabel()] == ["epoch 1", "epoch 5"]
    assert axes[10].images[0].get_clim() == (-1.0, 1.0)
    plot_gan.digits_per_epoch(images, tmp_path / "d.png")
    assert (tmp_path / "d.png").stat().st_size > 1000
