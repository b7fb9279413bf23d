"""Frictions of a first afternoon (issue 26, item 14): the hinge loss with metrics=["acc"] on ±1 labels,
a --batch-size larger than the data, and a feature of 1e308."""

import warnings

import numpy as np

import nn
from nn.cli import main
from nn.metrics import accuracy
from nn.preprocessing import StandardScaler


def test_hinge_with_acc_on_plus_minus_one_labels_trains_and_scores_by_the_sign():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = np.where(X[:, 0] > 0, 1.0, -1.0)
    nn.manual_seed(0)      # and a rate that trains from any start: "sgd"'s 0.01 reached 0.8 from half of them
    model = nn.Sequential([nn.Dense(1, input_dim=2)])
    model.compile(optimizer=nn.SGD(0.1), loss="hinge", metrics=["acc"])
    history = model.fit(X, y, epochs=30, verbose=0)
    assert len(history.history["acc"]) == 30 and history.history["acc"][-1] > 0.8
    assert accuracy([-1, 1, 1, -1], [-0.3, 2.0, -0.1, -5.0]) == 0.75       # the score's sign is the class
    assert accuracy([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.1]) == 0.75            # probabilities as before


def write_table(path, rows):
    path.write_text("a,b,c\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows))
    return path


def test_train_batch_size_larger_than_the_data_is_clamped_with_a_note(tmp_path, capsys):
    path = write_table(tmp_path / "t.csv", [(i + 0.5, 3 * i + 0.25, i % 2) for i in range(12)])
    code = main(["train", "--csv", str(path), "--target", "c", "--batch-size", "1000000000", "--epochs", "2",
                 "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "note: --batch-size 1000000000 is more than the 8 training samples; using 8" in out
    assert "epochs of batch 8" in out


def test_a_feature_of_1e308_is_scaled_not_reported_as_inf():
    X = np.array([[1e308, 1.0], [-1e308, 2.0], [1e308, 3.0], [5e307, 4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")                   # no RuntimeWarning may leak
        scaler = StandardScaler().fit(X)
        Z = scaler.transform(X)
    assert np.all(np.isfinite(Z)) and np.all(np.isfinite(scaler.mean_)) and np.all(np.isfinite(scaler.scale_))
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-12)
    small = np.array([[1.0, 2.0], [3.0, 5.0], [4.0, 9.0]])
    np.testing.assert_array_equal(StandardScaler().fit_transform(small), (small - small.mean(0)) / small.std(0))


def test_train_on_a_feature_of_1e308_runs_without_warnings(tmp_path, capsys):
    path = write_table(tmp_path / "big.csv", [("1e308" if i % 3 else "-1e308", i + 0.25, i % 2) for i in range(13)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        code = main(["train", "--csv", str(path), "--target", "c", "--epochs", "2", "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "inf" not in err and "Warning" not in err
