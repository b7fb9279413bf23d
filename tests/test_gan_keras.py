"""The GAN weeks' layers held against Keras 3 (torch backend): outputs and gradients from Keras's own
weights (ours take `keras_layer.get_weights()`), BatchNormalization's moving statistics, and the
parameter counts Keras's summary prints. One file, so Keras is imported once."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from tinygrad_edu import Tensor

from oracles import keras as keras_oracle


@pytest.fixture(scope="module")
def keras():
    return keras_oracle()


def run_keras(keras, layer, x: np.ndarray, cotangent: np.ndarray | None = None, training: bool | None = None):
    """Keras's output, and with a cotangent u the gradient of Σ u·out for the input and each weight."""
    import torch
    xt = torch.tensor(x, requires_grad=True)
    out = layer(xt, training=training) if training is not None else layer(xt)
    if cotangent is None:
        return out.detach().numpy(), None
    (out * torch.tensor(cotangent)).sum().backward()
    grads = [xt.grad.numpy()] + [w.value.grad.numpy() for w in layer.trainable_weights]
    return out.detach().numpy(), grads


def run_ours(layer, x: np.ndarray, cotangent: np.ndarray, training: bool | None = None):
    xt = Tensor(x, requires_grad=True)
    out = layer(xt, training=training)
    (out * Tensor(cotangent)).sum().backward()
    return out.data, [xt.grad] + [p.grad for p in layer.trainable_weights]


def randomize(keras_layer, rng, positive: set[int] = frozenset()):
    """Keras's weights set to random values (entries in `positive` > 0: a variance), returned for ours."""
    weights = [rng.uniform(0.5, 1.5, w.shape).astype(np.float32) if i in positive
               else rng.standard_normal(w.shape).astype(np.float32) for i, w in enumerate(keras_layer.get_weights())]
    keras_layer.set_weights(weights)
    return keras_layer.get_weights()


def close(ours, theirs, tol=1e-5):
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


# ---- LeakyReLU ------------------------------------------------------------------------------------

def test_leaky_relu_default_slope_and_keras2_alpha(keras):
    x = np.linspace(-3, 3, 13, dtype=np.float32).reshape(1, -1)
    assert nn.LeakyReLU().negative_slope == keras.layers.LeakyReLU().negative_slope == 0.3
    np.testing.assert_allclose(nn.LeakyReLU()(x).data, keras.layers.LeakyReLU()(x).detach().numpy())
    np.testing.assert_allclose(nn.LeakyReLU(alpha=0.2)(x).data, keras.layers.LeakyReLU(negative_slope=0.2)(x).detach().numpy())
    with pytest.raises(TypeError, match="not both"):
        nn.LeakyReLU(0.1, alpha=0.2)


# ---- BatchNormalization ----------------------------------------------------------------------------

@pytest.mark.parametrize("shape, axis", [((6, 4), -1), ((3, 5, 5, 2), -1), ((3, 2, 4, 4), 1)])
def test_batch_normalization_both_modes_against_keras(keras, shape, axis):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    u = rng.standard_normal(shape).astype(np.float32)
    theirs = keras.layers.BatchNormalization(axis=axis)
    theirs.build(shape)
    weights = randomize(theirs, rng, positive={3})
    ours = nn.BatchNormalization(axis=axis)
    ours.build((None,) + shape[1:])
    ours.set_weights(weights)
    assert [p.label.split(".")[-1] for p in ours.parameters()] == ["gamma", "beta", "moving_mean", "moving_variance"]

    out, grads = run_ours(ours, x, u, training=True)            # batch statistics, moving ones updated
    k_out, k_grads = run_keras(keras, theirs, x, u, training=True)
    close([out] + grads, [k_out] + k_grads, 1e-4)
    close(ours.get_weights(), theirs.get_weights())                 # the moving statistics moved alike

    for p in ours.parameters():
        p.grad = None
    out, grads = run_ours(ours, x, u, training=False)          # the moving statistics
    k_out, k_grads = run_keras(keras, theirs, x, u, training=False)
    close([out] + grads[:1], [k_out] + k_grads[:1], 1e-4)
    close(ours.get_weights(), theirs.get_weights())                 # inference moves nothing


def test_batch_normalization_counts_as_keras_summary(keras):
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.BatchNormalization()])
    ours = nn.Sequential([nn.Dense(4, input_dim=3), nn.BatchNormalization()])
    assert ours.count_params() == theirs.count_params() == 32
    assert sum(p.size for p in ours.trainable_weights) == sum(int(np.prod(w.shape)) for w in theirs.trainable_weights)
    lines = []
    ours.summary(print_fn=lines.append)
    assert "Trainable params: 24" in lines[0] and "Non-trainable params: 8" in lines[0]


def test_batch_of_one_gives_keras_answer_with_a_warning(keras):
    x = np.array([[1.0, -2.0, 3.0]], dtype=np.float32)
    theirs = keras.layers.BatchNormalization()
    theirs.build(x.shape)
    ours = nn.BatchNormalization(input_shape=(3,))
    ours.set_weights(theirs.get_weights())
    with pytest.warns(UserWarning, match="batch of one"):
        out = ours(x, training=True).data
    np.testing.assert_allclose(out, theirs(x, training=True).detach().numpy(), atol=1e-6)


# ---- Reshape, UpSampling2D -------------------------------------------------------------------------

def test_reshape_and_upsampling_against_keras(keras):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 24)).astype(np.float32)
    np.testing.assert_array_equal(nn.Reshape((2, 3, 4))(x).data, keras.layers.Reshape((2, 3, 4))(x).detach().numpy())
    np.testing.assert_array_equal(nn.Reshape((-1, 4))(x).data, keras.layers.Reshape((-1, 4))(x).detach().numpy())
    images = rng.standard_normal((2, 3, 4, 2)).astype(np.float32)
    u = rng.standard_normal((2, 6, 12, 2)).astype(np.float32)
    out, grads = run_ours(nn.UpSampling2D((2, 3)), images, u)
    k_out, k_grads = run_keras(keras, keras.layers.UpSampling2D((2, 3)), images, u)
    close([out] + grads, [k_out] + k_grads)


# ---- Conv2DTranspose ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kernel, strides, padding", [(3, 1, "valid"), (3, 1, "same"), (3, 2, "valid"),
                                                      (3, 2, "same"), (4, 2, "same"), (2, 3, "valid"),
                                                      ((3, 2), (2, 1), "same")])
def test_conv2d_transpose_against_keras(keras, kernel, strides, padding):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 4, 3)).astype(np.float32)
    theirs = keras.layers.Conv2DTranspose(4, kernel, strides=strides, padding=padding)
    theirs.build(x.shape)
    weights = randomize(theirs, rng)
    ours = nn.Conv2DTranspose(4, kernel, strides=strides, padding=padding, input_shape=x.shape[1:])
    ours.set_weights(weights)                                   # kernel (kh, kw, filters, in), as Keras's
    expected_shape = tuple(theirs.compute_output_shape(x.shape))
    assert (2,) + ours.output_shape[1:] == expected_shape
    u = rng.standard_normal(expected_shape).astype(np.float32)
    out, grads = run_ours(ours, x, u)
    k_out, k_grads = run_keras(keras, theirs, x, u)
    close([out] + grads, [k_out] + k_grads, 1e-4)


def test_conv2d_transpose_on_3d_input_names_the_fix():
    layer = nn.Conv2DTranspose(4, 3, input_shape=(5, 5, 1))
    with pytest.raises(ValueError, match=r"Conv2DTranspose .*\(batch, height, width, channels\).*reshape\(-1, 5, 5, 1\)"):
        layer(np.zeros((2, 5, 5), dtype=np.float32))


def test_dcgan_generator_shapes_as_keras(keras):
    def build(lib):
        L = lib.layers
        return [L.Dense(7 * 7 * 16, use_bias=False), L.BatchNormalization(), L.LeakyReLU(), L.Reshape((7, 7, 16)),
                L.Conv2DTranspose(8, (5, 5), strides=(1, 1), padding="same", use_bias=False), L.BatchNormalization(),
                L.LeakyReLU(), L.Conv2DTranspose(4, (5, 5), strides=(2, 2), padding="same", use_bias=False),
                L.UpSampling2D(), L.Conv2DTranspose(1, (3, 3), padding="valid", activation="tanh")]
    theirs = keras.Sequential([keras.Input((10,))] + build(keras))
    ours = nn.Sequential([nn.Dense(7 * 7 * 16, use_bias=False, input_dim=10)] + build(nn)[1:])
    assert ours.output_shape == tuple(theirs.output_shape)
    assert ours.count_params() == theirs.count_params()
    assert sum(p.size for p in ours.trainable_weights) == sum(int(np.prod(w.shape)) for w in theirs.trainable_weights)
    ours.set_weights(theirs.get_weights())
    z = np.random.default_rng(3).standard_normal((4, 10)).astype(np.float32)
    close([ours(z, training=True).data], [theirs(z, training=True).detach().numpy()], 1e-4)
    close([ours.predict(z)], [theirs.predict(z, verbose=0)], 1e-4)


# ---- clipping, as Keras's optimizers do it -------------------------------------------------------------

@pytest.mark.parametrize("clip", [{"clipnorm": 1.0}, {"clipvalue": 0.5}, {"global_clipnorm": 2.0}])
def test_optimizer_clipping_against_keras(keras, clip):
    import torch
    rng = np.random.default_rng(4)
    weights = [rng.standard_normal((3, 2)).astype(np.float32), rng.standard_normal(2).astype(np.float32)]
    grads = [rng.standard_normal((3, 2)).astype(np.float32) * 3, rng.standard_normal(2).astype(np.float32)]
    variables = [keras.Variable(w) for w in weights]
    keras.optimizers.SGD(learning_rate=0.1, **clip).apply_gradients(
        [(torch.tensor(g), v) for g, v in zip(grads, variables)])
    params = [nn.Parameter(w.copy()) for w in weights]
    for p, g in zip(params, grads):
        p.grad = g.copy()
    nn.SGD(params, lr=0.1, **clip).step()
    close([p.data for p in params], [v.numpy() for v in variables], 1e-6)
    np.testing.assert_array_equal(params[0].grad, grads[0])          # .grad itself is left as it was
