"""`model.to_torch()`: the PyTorch twin predicts what the model predicts, and says how to get torch when it is missing.

Weights are set to random values (biases too: freshly built biases are zero and would not show a
missing copy), so a transposed kernel or a dropped bias changes the outputs.
"""

from __future__ import annotations

import sys
from typing import Callable

import numpy as np
import pytest

import nn

ATOL = 1e-6


def randomize(model: nn.Sequential, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(scale=0.7, size=w.shape).astype(np.float32) for w in model.get_weights()])


def mnist_like() -> nn.Sequential:
    """The course's MNIST network, in small: Flatten, Dense relu, Dense softmax, plus a Dropout."""
    return nn.Sequential([nn.Flatten(input_shape=(4, 4)), nn.Dense(8, activation="relu"), nn.Dropout(0.3),
                          nn.Dense(3, activation="softmax")])


def every_activation() -> nn.Sequential:
    """Each named activation, inside Dense and as a layer of its own; a Dense without bias; a PyTorch Linear."""
    return nn.Sequential([nn.Dense(6, activation="tanh", input_dim=5), nn.Dense(6, activation="sigmoid"),
                          nn.Dense(6, activation="leaky_relu"), nn.Dense(6, activation="gaussian"),
                          nn.Dense(6, use_bias=False), nn.LeakyReLU(0.2), nn.Linear(6, 6), nn.ReLU(), nn.Tanh(),
                          nn.Activation("linear"), nn.Dense(4), nn.Softmax()])


def binary() -> nn.Sequential:
    """A sigmoid output (binary classification), square kernels so a missing transpose would not crash."""
    return nn.Sequential([nn.Dense(3, activation="relu", input_dim=3), nn.Dense(3, activation="tanh"),
                          nn.Dense(1, activation="sigmoid")])


def nested() -> nn.Sequential:
    """A Sequential used as a layer of another."""
    block = nn.Sequential([nn.Dense(5, activation="relu", input_dim=4), nn.Dense(5, activation="relu")])
    return nn.Sequential([block, nn.Dense(2, activation="softmax")])


ARCHITECTURES: dict[str, tuple[Callable[[], nn.Sequential], tuple[int, ...]]] = {
    "mnist_like": (mnist_like, (4, 4)),
    "every_activation": (every_activation, (5,)),
    "binary": (binary, (3,)),
    "nested": (nested, (4,)),
}


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_same_predictions(name: str) -> None:
    torch = pytest.importorskip("torch")
    build, input_shape = ARCHITECTURES[name]
    model = build()
    randomize(model)
    X = np.random.default_rng(1).normal(size=(16, *input_shape)).astype(np.float32)
    torch_model = model.to_torch().eval()
    with torch.no_grad():
        theirs = torch_model(torch.from_numpy(X)).numpy()
    ours = model.predict(X)
    assert theirs.shape == ours.shape
    assert theirs.dtype == np.float32
    np.testing.assert_allclose(theirs, ours, rtol=0, atol=ATOL)


def test_layout_and_copies() -> None:
    """Dense -> Linear with weight = kernelᵀ; the weights are copies, not shared memory."""
    torch = pytest.importorskip("torch")
    model = mnist_like()
    randomize(model)
    torch_model = model.to_torch()
    kinds = [type(m).__name__ for m in torch_model]
    assert kinds == ["Flatten", "Linear", "ReLU", "Dropout", "Linear", "Softmax"]
    dense = model.layers[1]
    np.testing.assert_array_equal(torch_model[1].weight.detach().numpy(), dense.kernel.data.T)
    np.testing.assert_array_equal(torch_model[1].bias.detach().numpy(), dense.bias.data)
    assert torch_model[3].p == pytest.approx(0.3)
    before = dense.kernel.data.copy()
    with torch.no_grad():
        torch_model[1].weight.add_(1.0)
    np.testing.assert_array_equal(dense.kernel.data, before)


def test_mode_follows_the_model() -> None:
    pytest.importorskip("torch")
    model = mnist_like()
    assert model.to_torch().training
    model.eval()
    assert not model.to_torch().training


def test_unbuilt_model_is_refused() -> None:
    pytest.importorskip("torch")
    model = nn.Sequential([nn.Dense(4), nn.Dense(2)])
    with pytest.raises(ValueError, match="not been built"):
        model.to_torch()


def test_custom_activation_is_refused() -> None:
    pytest.importorskip("torch")
    model = nn.Sequential([nn.Dense(3, activation=lambda x: x * 2, input_dim=2)])
    with pytest.raises(ValueError, match="custom activation"):
        model.to_torch()


def test_without_torch_the_error_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)   # `import torch` now raises ImportError, as if not installed
    model = mnist_like()
    with pytest.raises(ImportError, match=r"pip install torch") as caught:
        model.to_torch()
    assert "torch==2.13.0" in str(caught.value)


# ---- the GAN layers ------------------------------------------------------------------------------------

def dcgan_generator() -> nn.Sequential:
    """demos/gan_mnist.py's DCGAN generator, in small: Dense, BatchNormalization on features, Reshape,
    Conv2DTranspose, BatchNormalization on images, LeakyReLU, UpSampling2D, Conv2D."""
    return nn.Sequential([nn.Dense(4 * 4 * 3, use_bias=False, input_dim=5), nn.BatchNormalization(momentum=0.8),
                          nn.LeakyReLU(alpha=0.2), nn.Reshape((4, 4, 3)),
                          nn.Conv2DTranspose(4, (4, 4), strides=(2, 2), padding="same", use_bias=False),
                          nn.BatchNormalization(), nn.LeakyReLU(alpha=0.2), nn.UpSampling2D(),
                          nn.Conv2D(1, (3, 3), padding="same", activation="tanh")])


def transposes() -> nn.Sequential:
    """Conv2DTranspose at odd and even kernels, strides 1-3, both paddings (a kernel smaller than the stride too),
    and PyTorch's ConvTranspose2d and BatchNorm2d between the permutes."""
    return nn.Sequential([nn.Conv2DTranspose(3, (3, 3), strides=(2, 2), padding="same", input_shape=(3, 4, 2)),
                          nn.Conv2DTranspose(2, (2, 2), strides=(3, 3), padding="valid", activation="relu"),
                          nn.Conv2DTranspose(2, (3, 2), strides=(1, 2), padding="valid"),
                          nn.Conv2DTranspose(2, (2, 3), strides=(3, 2), padding="same"),
                          nn.Flatten(), nn.Dense(3, activation="softmax")])


@pytest.mark.parametrize("build, input_shape", [(dcgan_generator, (5,)), (transposes, (3, 4, 2))])
def test_gan_layers_same_predictions(build, input_shape) -> None:
    torch = pytest.importorskip("torch")
    model = build()
    randomize(model)
    for layer in model.layers:
        if isinstance(layer, nn.BatchNormalization):                 # a variance is positive
            layer.moving_variance.data[...] = np.abs(layer.moving_variance.data) + 0.1
    X = np.random.default_rng(1).normal(size=(6, *input_shape)).astype(np.float32)
    torch_model = model.to_torch().eval()
    with torch.no_grad():
        theirs = torch_model(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(theirs, model.predict(X), rtol=1e-5, atol=1e-5)
    model.train(), torch_model.train()                             # batch statistics on both sides
    with torch.no_grad():
        theirs = torch_model(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(theirs, model(X).data, rtol=1e-4, atol=1e-4)


def test_torch_gan_layers_are_themselves() -> None:
    torch = pytest.importorskip("torch")
    model = nn.Sequential([nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), nn.BatchNorm2d(3),
                           nn.LeakyReLU(0.2)])
    model.build((None, 2, 4, 4))
    randomize(model)
    model.layers[1].running_var.data[...] = np.abs(model.layers[1].running_var.data) + 0.1
    X = np.random.default_rng(2).normal(size=(3, 2, 4, 4)).astype(np.float32)
    torch_model = model.to_torch().eval()
    assert [type(m).__name__ for m in torch_model] == ["ConvTranspose2d", "BatchNorm2d", "LeakyReLU"]
    with torch.no_grad():
        np.testing.assert_allclose(torch_model(torch.from_numpy(X)).numpy(), model.predict(X), rtol=1e-5, atol=1e-5)
