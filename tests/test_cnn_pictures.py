"""The CNN chapter's pictures (filters, feature maps, the ANN-vs-CNN comparison) and `train --model cnn`."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import nn
from nn.cli import main

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


def small_cnn() -> nn.Sequential:
    nn.manual_seed(0)
    model = nn.Sequential([nn.Conv2D(4, (3, 3), activation="relu", padding="same", input_shape=(8, 8, 1)),
                           nn.MaxPooling2D(2, 2), nn.Flatten(), nn.Dense(3, activation="softmax")])
    model.build((None, 8, 8, 1))
    return model


def test_filters_one_panel_per_filter_on_one_scale(tmp_path):
    model = small_cnn()
    fig = nn.plot.filters(model.layers[0], tmp_path / "filters.png")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == [f"filter {f}" for f in range(1, 5)]          # numbered from 1
    assert "4 filters of 3×3" in fig._suptitle.get_text() and model.layers[0].name in fig._suptitle.get_text()
    assert len({ax.images[0].get_clim() for ax in fig.axes if ax.images}) == 1      # one colour scale for all
    assert (tmp_path / "filters.png").stat().st_size > 1000


def test_feature_maps_titled_with_the_layer_name_and_shape(tmp_path):
    model = small_cnn()
    x = np.random.default_rng(0).random((8, 8, 1)).astype(np.float32)
    fig = nn.plot.feature_maps(model, x, path=tmp_path / "maps.png")                # default: the first convolution
    assert f"{model.layers[0].name} (Conv2D): output (1, 8, 8, 4)" in fig._suptitle.get_text()
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == ["input"] + [f"channel {c}" for c in range(1, 5)]
    expected = nn.Sequential([model.layers[0]]).predict(x[None])      # the convolution with its relu
    assert np.allclose(fig.axes[1].images[0].get_array(), np.asarray(expected)[0, :, :, 0], atol=1e-6)
    pooled = nn.plot.feature_maps(model, x, 1)
    assert "(MaxPooling2D): output (1, 4, 4, 4)" in pooled._suptitle.get_text()
    with pytest.raises(ValueError, match="not an image"):
        nn.plot.feature_maps(model, x, model.layers[2].name)
    with pytest.raises(ValueError, match="no layer 'nope'"):
        nn.plot.feature_maps(model, x, "nope")


def test_compare_histories_draws_the_handouts_plot():
    fig = nn.plot.compare_histories({"ANN": {"loss": [0.5, 0.3], "val_loss": [0.4, 0.35], "acc": [0.8, 0.9],
                                             "val_acc": [0.85, 0.88]},
                                     "CNN": {"loss": [0.3, 0.1], "val_loss": [0.2, 0.1], "acc": [0.9, 0.97],
                                             "val_acc": [0.93, 0.97]}})
    loss, acc = fig.axes
    assert loss.get_legend_handles_labels()[1] == ["train loss ANN", "val loss ANN", "train loss CNN", "val loss CNN"]
    colors = [line.get_color() for line in loss.get_lines()]
    assert colors == ["r", "b", "r", "b"]                        # the handout's: training red, validation blue
    assert acc.get_title() == "Accuracy"
    with pytest.raises(ValueError, match="no 'loss' history"):
        nn.plot.compare_histories({"ANN": {}})


@pytest.mark.skipif(not (os.environ.get("TINYGRAD_EDU_DATA") or SHARED_MNIST.is_dir()), reason="needs MNIST")
def test_train_model_cnn_writes_the_cnn_pictures(tmp_path, capsys):
    data = Path(os.environ["TINYGRAD_EDU_DATA"]) / "mnist" if os.environ.get("TINYGRAD_EDU_DATA") else SHARED_MNIST
    status = main(["train", "--dataset", "mnist", "--model", "cnn", "--data-dir", str(data), "--limit", "300",
                   "--epochs", "1", "--verbose", "0", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "the handout's CNN" in out and "784 features" in out
    for name in ("history.png", "confusion_matrix.png", "samples.png", "model.npz", "filters.png",
                 "feature_maps.png", "feature_maps_2.png", "cnn_vs_ann_loss.png"):
        assert (tmp_path / name).stat().st_size > 0, name
        assert name in out
    assert isinstance(nn.load_model(tmp_path / "model.npz").layers[0], nn.Conv2D)


def test_train_model_cnn_refuses_data_without_images(capsys):
    assert main(["train", "--dataset", "iris", "--model", "cnn"]) == 2
    assert "--dataset mnist" in capsys.readouterr().err


def test_feature_maps_carry_a_colour_key_and_say_before_or_after_the_activation(tmp_path):
    # issue 26, item 18: grey panels with no key, and no word on whether relu had run
    model = small_cnn()
    x = np.random.default_rng(0).random((8, 8, 1)).astype(np.float32)
    fig = nn.plot.feature_maps(model, x, path=tmp_path / "maps.png")
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1 and "value" in bars[0].get_ylabel()                # one key for every channel
    channels = [ax for ax in fig.axes if ax.get_title().startswith("channel")]
    assert len({ax.images[0].get_clim() for ax in channels}) == 1             # ... so one scale for them all
    assert "after its relu" in fig._suptitle.get_text()
    pooled = nn.plot.feature_maps(model, x, 1)
    assert "after relu (in conv2d" in pooled._suptitle.get_text() and "then max pooling" in pooled._suptitle.get_text()
    linear = nn.Sequential([nn.Conv2D(2, (3, 3), input_shape=(8, 8, 1)), nn.ReLU()])
    linear.build((None, 8, 8, 1))
    assert "before any activation" in nn.plot.feature_maps(linear, x, 0)._suptitle.get_text()
    assert "after relu" in nn.plot.feature_maps(linear, x, 1)._suptitle.get_text()
