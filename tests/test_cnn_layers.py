"""The CNN layers: Keras's Conv2D / pooling (channels-last) and PyTorch's Conv2d / pooling (channels-first),
the handout's model (summary, save / load_model / predict), get/set_weights, to_torch, and each bad input."""

import numpy as np
import pytest

import nn
from nn import (AveragePooling2D, AvgPool2d, Conv2d, Conv2D, Dense, Flatten, GlobalAveragePooling2D, MaxPool2d,
                MaxPooling2D, Sequential)


def handout_cnn():
    """The handout's CNN, as its script writes it."""
    model2 = Sequential()
    model2.add(Conv2D(16, (3, 3), activation='relu', input_shape=(28, 28, 1), padding='same'))
    model2.add(MaxPooling2D(2, 2))
    model2.add(Conv2D(32, (3, 3), activation='relu', padding='same'))
    model2.add(MaxPooling2D(2, 2))
    model2.add(Flatten())
    model2.add(Dense(64, activation='relu'))
    model2.add(Dense(10, activation='softmax'))
    return model2


def test_summary_prints_the_handouts_table():
    lines = []
    handout_cnn().summary(print_fn=lines.append)
    text = "\n".join(lines)
    rows = [line.split() for line in text.splitlines() if "(" in line and ")" in line and "Layer" not in line]
    shapes = [" ".join(r[2:-1]) for r in rows]
    assert shapes == ["(None, 28, 28, 16)", "(None, 14, 14, 16)", "(None, 14, 14, 32)", "(None, 7, 7, 32)",
                      "(None, 1568)", "(None, 64)", "(None, 10)"]
    assert [int(r[-1]) for r in rows] == [160, 0, 4640, 0, 0, 100416, 650]
    assert [r[1] for r in rows] == ["(Conv2D)", "(MaxPooling2D)", "(Conv2D)", "(MaxPooling2D)", "(Flatten)",
                                    "(Dense)", "(Dense)"]
    assert "Total params: 105,866" in text


def test_handout_script_runs_with_only_its_imports_changed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    nn.manual_seed(0)
    rng = np.random.default_rng(0)
    X_train, X_test = rng.random((200, 28, 28, 1), dtype=np.float32), rng.random((50, 28, 28, 1), dtype=np.float32)
    y_train, y_test = nn.to_categorical(rng.integers(0, 10, 200), 10), nn.to_categorical(rng.integers(0, 10, 50), 10)
    model = handout_cnn()
    model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['acc'])
    history = model.fit(X_train, y_train, epochs=1, batch_size=100, validation_data=(X_test, y_test), verbose=0)
    model.save('my_model2.h5')
    assert (tmp_path / 'my_model2.h5').exists() and not (tmp_path / 'my_model2.h5.npz').exists()
    loss, acc = model.evaluate(X_test, y_test, verbose=0)
    from nn import load_model
    model_simpan2 = load_model('my_model2.h5')
    pred = model_simpan2.predict(X_test)
    np.testing.assert_array_equal(pred, model.predict(X_test))
    assert pred.shape == (50, 10) and set(history.history) >= {"loss", "acc", "val_loss", "val_acc"}
    assert model_simpan2.evaluate(X_test, y_test, verbose=0) == pytest.approx([loss, acc])


def test_loading_a_real_keras_h5_file_says_how_to_move_the_weights(tmp_path):
    path = tmp_path / "keras.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    with pytest.raises(ValueError, match=r"(?s)HDF5.*Keras.*get_weights.*set_weights"):
        nn.load_model(path)


def test_conv2d_layer_computes_the_formula():
    rng = np.random.default_rng(1)
    layer = Conv2D(3, (2, 3), strides=(1, 2), input_shape=(5, 7, 2))
    layer.set_weights([rng.normal(size=(2, 3, 2, 3)), rng.normal(size=3)])
    x = rng.normal(size=(2, 5, 7, 2)).astype(np.float32)
    k, b = layer.get_weights()
    out = layer(x).data
    assert out.shape == layer.compute_output_shape(x.shape) == (2, 4, 3, 3)
    expected = np.array([[[[np.sum(x[n, i:i + 2, 2 * j:2 * j + 3, :] * k[..., f]) + b[f] for f in range(3)]
                           for j in range(3)] for i in range(4)] for n in range(2)])
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_pooling_layers():
    x = np.arange(2 * 4 * 6 * 3, dtype=np.float32).reshape(2, 4, 6, 3)
    np.testing.assert_array_equal(MaxPooling2D()(x).data, x.reshape(2, 2, 2, 3, 2, 3).max(axis=(2, 4)))
    np.testing.assert_allclose(AveragePooling2D()(x).data, x.reshape(2, 2, 2, 3, 2, 3).mean(axis=(2, 4)))
    np.testing.assert_allclose(GlobalAveragePooling2D()(x).data, x.mean(axis=(1, 2)))
    assert MaxPooling2D(3, 1, padding="same")(x).shape == x.shape
    assert MaxPooling2D(pool_size=(2, 2), strides=(1, 3))(x).shape == (2, 3, 2, 3)


def test_flatten_is_channels_last():
    x = np.arange(2 * 3 * 3 * 4, dtype=np.float32).reshape(2, 3, 3, 4)
    np.testing.assert_array_equal(Flatten()(x).data, x.reshape(2, -1))   # channel index fastest, as Keras


def test_input_shape_on_every_first_layer():
    for first in [Conv2D(2, 3, input_shape=(8, 8, 1)), MaxPooling2D(input_shape=(8, 8, 1)),
                  AveragePooling2D(input_shape=(8, 8, 1)), GlobalAveragePooling2D(input_shape=(8, 8, 1)),
                  Flatten(input_shape=(8, 8, 1)), nn.Dropout(0.5, input_shape=(8, 8, 1)),
                  Dense(4, input_shape=(64,))]:
        model = Sequential([first, Flatten(), Dense(3)])
        assert model.built, type(first).__name__
        model.summary(print_fn=lambda s: None)


def test_get_and_set_weights_on_every_layer_with_weights():
    model = handout_cnn()
    assert [w.shape for w in model.layers[0].get_weights()] == [(3, 3, 1, 16), (16,)]
    assert model.layers[1].get_weights() == []
    weights = [w + 1 for w in model.layers[2].get_weights()]
    model.layers[2].set_weights(weights)
    np.testing.assert_array_equal(model.layers[2].kernel.data, weights[0])
    assert len(model.get_weights()) == 8


@pytest.mark.parametrize("weights, match", [
    ([np.zeros((3, 3, 16, 16)), np.zeros(32)], r"conv2d.*shape \(3, 3, 16, 32\).*shape \(3, 3, 16, 16\)"),
    ([np.zeros((3, 3, 16, 32))], r"conv2d.*2 weight arrays.*got 1"),
])
def test_set_weights_with_wrong_shapes_names_the_layer(weights, match):
    layer = handout_cnn().layers[2]
    before = layer.get_weights()
    with pytest.raises(ValueError, match=match):
        layer.set_weights(weights)
    np.testing.assert_array_equal(layer.get_weights()[0], before[0])     # nothing half-copied


# ---- bad input: each error names the layer, the shape received and the fix --------------------------

def test_three_dimensional_images_say_reshape():
    model = handout_cnn()
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d.*\(5, 28, 28\).*X\.reshape\(-1, 28, 28, 1\)"):
        model.predict(np.zeros((5, 28, 28), dtype=np.float32))
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d.*\(None, 28, 28\).*X\.reshape\(-1, 28, 28, 1\)"):
        Sequential([Conv2D(4, 3)]).predict(np.zeros((5, 28, 28), dtype=np.float32))
    with pytest.raises(ValueError, match=r"Conv2D.*\(5, 784\).*X\.reshape\(-1, 28, 28, 1\)"):
        model.predict(np.zeros((5, 784), dtype=np.float32))


def test_channels_first_data_is_detected():
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d.*\(5, 1, 28, 28\).*channels-first.*transpose\(0, 2, 3, 1\)"):
        handout_cnn().predict(np.zeros((5, 1, 28, 28), dtype=np.float32))
    with pytest.raises(ValueError, match=r"Conv2D.*\(None, 3, 32, 32\).*channels-first.*transpose\(0, 2, 3, 1\)"):
        Conv2D(8, 3)(np.zeros((2, 3, 32, 32), dtype=np.float32))
    with pytest.raises(ValueError, match=r"Conv2d.*\(2, 28, 28, 1\).*channels-last.*transpose\(0, 3, 1, 2\)"):
        Conv2d(1, 4, 3)(np.zeros((2, 28, 28, 1), dtype=np.float32))


def test_kernel_or_pool_bigger_than_input_under_valid():
    with pytest.raises(ValueError, match=r"Conv2D.*kernel \(5×5\) is bigger.*\(None, 4, 4, 1\).*padding='same'"):
        Conv2D(2, 5, input_shape=(4, 4, 1))
    with pytest.raises(ValueError, match=r"MaxPooling2D.*pool \(3×3\) is bigger.*\(None, 2, 2, 1\).*padding='same'"):
        MaxPooling2D(3)(np.zeros((2, 2, 2, 1), dtype=np.float32))
    with pytest.raises(ValueError, match=r"max_pooling2d.*pool \(2×2\) is bigger.*\(None, 1, 1, 32\)"):
        Sequential([Conv2D(32, 3, input_shape=(3, 3, 1)), MaxPooling2D(2)])
    assert Conv2D(2, 5, padding="same")(np.zeros((1, 4, 4, 1), dtype=np.float32)).shape == (1, 4, 4, 2)


@pytest.mark.parametrize("make", [lambda: Conv2D(4, 3, strides=0), lambda: Conv2D(4, 3, strides=(1, -1)),
                                  lambda: MaxPooling2D(2, strides=0), lambda: AveragePooling2D(2, -2),
                                  lambda: Conv2d(1, 2, 3, stride=0), lambda: MaxPool2d(2, stride=-1)])
def test_non_positive_stride(make):
    with pytest.raises(ValueError, match=r"'.+'.*strides? must be a positive integer"):
        make()


def test_bad_sizes_and_padding():
    with pytest.raises(ValueError, match=r"Conv2D.*filters must be a positive integer, got 0"):
        Conv2D(0, 3)
    with pytest.raises(ValueError, match=r"Conv2D.*kernel_size.*got \(3, 0\)"):
        Conv2D(4, (3, 0))
    with pytest.raises(ValueError, match=r"MaxPooling2D.*padding must be 'valid' or 'same', got 'full'"):
        MaxPooling2D(padding="full")
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d.*built for 1 channels.*\(2, 28, 28, 3\)"):
        handout_cnn().predict(np.zeros((2, 28, 28, 3), dtype=np.float32))


# ---- against torch -------------------------------------------------------------------------------------

def test_pytorch_layers_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 9, 8)).astype(np.float32)
    conv = Conv2d(3, 5, (3, 2), stride=(2, 1), padding=1)
    ref = torch.nn.Conv2d(3, 5, (3, 2), stride=(2, 1), padding=1)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(conv.weight.data))
        ref.bias.copy_(torch.tensor(conv.bias.data))
    xt = torch.tensor(x, requires_grad=True)
    out = conv(x)
    np.testing.assert_allclose(out.data, ref(xt).detach().numpy(), rtol=1e-5, atol=1e-5)
    assert out.shape == conv.compute_output_shape(x.shape)
    ref(xt).square().sum().backward()
    xs = nn.module.as_input(x)
    xs.requires_grad = True
    conv(xs).square().sum().backward()
    np.testing.assert_allclose(conv.weight.grad, ref.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(xs.grad, xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    for ours, theirs in [(MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1)), (AvgPool2d(2, 1, 1), torch.nn.AvgPool2d(2, 1, 1)),
                         (MaxPool2d(2), torch.nn.MaxPool2d(2))]:
        np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_to_torch_takes_the_same_channels_last_input_and_predicts_the_same(padding):
    torch = pytest.importorskip("torch")
    nn.manual_seed(3)
    model = Sequential([Conv2D(4, (3, 3), strides=(2, 1), activation="relu", padding=padding, input_shape=(9, 8, 2)),
                        MaxPooling2D(2, padding=padding), Conv2D(3, 2, activation="tanh", padding=padding),
                        AveragePooling2D((1, 2)), Flatten(), Dense(6, activation="relu"), Dense(5, activation="softmax")])
    X = np.random.default_rng(3).normal(size=(7, 9, 8, 2)).astype(np.float32)
    torch_model = model.to_torch().eval()
    np.testing.assert_allclose(torch_model(torch.tensor(X)).detach().numpy(), model.predict(X), rtol=1e-5, atol=1e-6)
    gap = Sequential([Conv2D(4, 3, input_shape=(6, 6, 2)), GlobalAveragePooling2D(), Dense(3)])
    np.testing.assert_allclose(gap.to_torch()(torch.tensor(X[:, :6, :6])).detach().numpy(), gap.predict(X[:, :6, :6]),
                               rtol=1e-5, atol=1e-6)


def test_handout_cnn_to_torch_predictions_equal():
    torch = pytest.importorskip("torch")
    nn.manual_seed(4)
    model = handout_cnn()
    X = np.random.default_rng(4).random((20, 28, 28, 1), dtype=np.float32)
    torch_model = model.to_torch().eval()
    assert isinstance(torch_model[0], torch.nn.Module) and "Permute" in type(torch_model[0]).__name__
    np.testing.assert_allclose(torch_model(torch.tensor(X)).detach().numpy(), model.predict(X), rtol=1e-5, atol=1e-6)


def test_conv_layers_survive_save_and_load(tmp_path):
    nn.manual_seed(5)
    model = Sequential([Conv2d(1, 2, 3, padding=1), MaxPool2d(2), AvgPool2d(2, 1)])
    X = np.random.default_rng(5).random((3, 1, 8, 8), dtype=np.float32)
    expected = model.predict(X)
    model.save(tmp_path / "m.keras")
    np.testing.assert_array_equal(nn.load_model(tmp_path / "m.keras").predict(X), expected)
    model = Sequential([Conv2D(2, 3, strides=2, kernel_regularizer="l2", input_shape=(9, 9, 1)),
                        AveragePooling2D(2, 1, "same"), GlobalAveragePooling2D()])
    model.save(tmp_path / "k.npz")
    loaded = nn.load_model(tmp_path / "k.npz")
    X = np.random.default_rng(6).random((3, 9, 9, 1), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.layers[0].strides == (2, 2) and loaded.layers[1].padding == "same"
