"""model.save / nn.load_model: the same predictions after a round trip, no pickle, and an error naming
the file and what was expected for a wrong, truncated or foreign file."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nn


def trained_model():
    nn.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2, 3)).astype(np.float32)
    y = rng.integers(0, 3, 40)
    model = nn.Sequential([nn.Flatten(), nn.Dense(8, activation="tanh", kernel_regularizer=nn.regularizers.l2(0.01)),
                           nn.Dropout(0.2), nn.LeakyReLU(0.1), nn.Dense(5, activation="gaussian"),
                           nn.Dense(3), nn.Softmax()], name="round_trip")
    model.compile(optimizer=nn.Adam(lr=0.01), loss="sparse_categorical_crossentropy", metrics=["acc"])
    model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    return model, X, y


def test_save_load_gives_identical_predictions_and_config(tmp_path):
    model, X, y = trained_model()
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = nn.load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert loaded.name == "round_trip" and loaded.count_params() == model.count_params()
    assert loaded.layers[1].kernel_regularizer.l2 == 0.01 and loaded.layers[3].negative_slope == 0.1
    # compiled as it was: evaluate works at once and gives the same numbers
    assert loaded.evaluate(X, y, verbose=0) == pytest.approx(model.evaluate(X, y, verbose=0))
    assert isinstance(loaded.optimizer, nn.Adam) and loaded.optimizer.lr == 0.01


def test_save_writes_exactly_its_path_and_holds_no_objects(tmp_path):
    model, X, _ = trained_model()
    model.save(tmp_path / "plain")
    path = tmp_path / "plain"                              # no ".npz" appended: the handout saves 'my_model2.h5'
    with np.load(path, allow_pickle=False) as f:        # loads without pickle: nothing in it runs code
        architecture = json.loads(str(f["__architecture__"]))
        assert architecture["class_name"] == "Sequential"
        assert all(f[k].dtype != object for k in f.files)
    np.testing.assert_array_equal(nn.load_model(path).predict(X), model.predict(X))


def test_from_logits_and_pytorch_losses_survive_the_round_trip(tmp_path):
    for loss in [nn.CategoricalCrossentropy(from_logits=True), nn.CrossEntropyLoss()]:
        model = nn.Sequential([nn.Dense(3, input_dim=2)])
        model.compile(optimizer=nn.SGD(lr=0.3, momentum=0.5), loss=loss)
        model.save(tmp_path / "m.npz")
        loaded = nn.load_model(tmp_path / "m.npz")
        assert type(loaded.loss) is type(loss) and loaded.loss.from_logits
        assert loaded.optimizer.get_config() == model.optimizer.get_config()


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.npz"):
        nn.load_model(tmp_path / "nothing.npz")


def test_truncated_file_names_file_and_expectation(tmp_path):
    model, _, _ = trained_model()
    path = tmp_path / "m.npz"
    model.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"m\.npz.*is not a model saved by model\.save\(\)"):
        nn.load_model(path)


def test_text_file_is_not_a_model(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.txt.*is not a model saved by model\.save\(\)"):
        nn.load_model(path)


def test_foreign_npz_names_what_it_found(tmp_path):
    path = tmp_path / "weights.npz"
    np.savez(path, W=np.zeros(3), b=np.ones(2))
    with pytest.raises(ValueError, match=r"weights\.npz.*'__format__'.*found arrays \['W', 'b'\]"):
        nn.load_model(path)


def test_pickled_object_array_is_refused_not_run(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, __format__=np.array("tinygrad_edu.nn/1"), __architecture__=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"evil\.npz"):
        nn.load_model(path)


def test_weights_that_do_not_fit_the_architecture(tmp_path):
    model, _, _ = trained_model()
    path = tmp_path / "m.npz"
    model.save(path)
    with np.load(path) as f:
        arrays = dict(f.items())
    arrays["1.kernel"] = np.zeros((2, 2), dtype=np.float32)
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=r"m\.npz.*'1\.kernel' of shape \(2, 2\), the architecture needs \(6, 8\)"):
        nn.load_model(path)
    del arrays["1.kernel"]
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=r"lacks the weights '1\.kernel'"):
        nn.load_model(path)


def test_custom_functions_cannot_be_saved_silently(tmp_path):
    model = nn.Sequential([nn.Dense(3, activation=lambda x: x * 2, input_dim=2)])
    with pytest.raises(ValueError, match="custom activation function cannot be saved"):
        model.save(tmp_path / "m.npz")


def test_unbuilt_model_cannot_be_saved(tmp_path):
    with pytest.raises(ValueError, match="no weights yet"):
        nn.Sequential([nn.Dense(3)]).save(tmp_path / "m.npz")
