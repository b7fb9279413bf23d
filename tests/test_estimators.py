"""nn.MLPClassifier and nn.MLPRegressor: the handout's scikit-learn snippet, and scikit-learn itself as the oracle.

With the same random_state both libraries draw the same initial weights and visit the samples in
the same order, so their loss curves agree to float32's digits and they stop at the same epoch.
"""

import doctest
import warnings

import numpy as np
import pytest

import nn
import nn.estimators
from nn import MLPClassifier, MLPRegressor
from nn.datasets import load_iris, make_moons
from nn.estimators import ConvergenceWarning, NotFittedError
from nn.preprocessing import StandardScaler, train_test_split

iris = load_iris()
X_train, X_test, y_train, y_test = train_test_split(iris.data, iris.target, test_size=0.1, random_state=0)


def sklearn_nn():
    return pytest.importorskip("sklearn.neural_network")


def fit_quietly(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # ConvergenceWarning, ours or scikit-learn's
        return estimator.fit(X, y)


def assert_same_loss_curve(ours, theirs):
    """Equal to float32's digits at first; over hundreds of epochs float32 (ours) and float64
    (scikit-learn's) rounding, and where Adam adds its ε, drift apart by up to a few parts in 10³."""
    assert len(ours.loss_curve_) == len(theirs.loss_curve_)
    np.testing.assert_allclose(ours.loss_curve_[:50], theirs.loss_curve_[:50], rtol=1e-4)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-2)


def test_docstring_examples():
    assert doctest.testmod(nn.estimators).failed == 0


# ---- the handout (seed 001): its scikit-learn snippet, only the imports changed ------------------------

def test_handout_snippet_runs_with_only_its_imports_changed(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")

    from nn import datasets                                   # was: from sklearn import datasets
    iris = datasets.load_iris()
    X = iris.data
    y = iris.target

    from nn.preprocessing import train_test_split             # was: from sklearn.model_selection import ...

    X_train, X_test, Y_train, Y_test = train_test_split(X, y, test_size=.10)
    X_train, X_val, Y_train, Y_val = train_test_split(X_train, Y_train, test_size=.2)
    print('X_train', X_train.shape)
    print('X_val', X_val.shape)
    print('X_test', X_test.shape)

    from nn import MLPClassifier                              # was: from sklearn.neural_network import ...

    mlp = MLPClassifier(hidden_layer_sizes=(100, ), activation='logistic', max_iter= 800)

    from nn.metrics import accuracy_score                     # was: from sklearn.metrics import ...

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)   # some runs need all 800 epochs, as in scikit-learn
        mlp.fit(X_train, Y_train)
    prediksi_val = mlp.predict(X_val)
    acc_val = accuracy_score(Y_val, prediksi_val)
    print('Akurasi Validasi Training ANN:', acc_val)

    from nn.metrics import accuracy_score, plot_confusion_matrix   # was: from sklearn.metrics import ...

    prediksi_test = mlp.predict(X_test)
    acc_test = accuracy_score(Y_test, prediksi_test)
    print('Akurasi Testing ANN:', acc_test)
    disp = plot_confusion_matrix(mlp, X_test, Y_test)

    # the handout's shapes; it printed 1.0 twice. Without a seed the split is random: over 25 runs
    # here the validation accuracy was 0.89-1.0 and the test accuracy 0.93-1.0
    assert (X_train.shape, X_val.shape, X_test.shape) == ((108, 4), (27, 4), (15, 4))
    assert acc_val >= 0.8 and acc_test >= 0.8
    assert disp.confusion_matrix.sum() == 15 and np.trace(disp.confusion_matrix) == round(acc_test * 15)
    disp.figure_.savefig(tmp_path / "handout_cm.png")


# ---- against scikit-learn, the same split and random_state ------------------------------------------------

def test_iris_classifier_equals_sklearns():
    sk = sklearn_nn()
    args = dict(hidden_layer_sizes=(100,), activation="logistic", max_iter=800, random_state=0)
    ours = fit_quietly(MLPClassifier(**args), X_train, y_train)
    theirs = fit_quietly(sk.MLPClassifier(**args), X_train, y_train)
    print(f"iris test accuracy: ours {ours.score(X_test, y_test):.4f}, scikit-learn {theirs.score(X_test, y_test):.4f}; "
          f"epochs {ours.n_iter_} and {theirs.n_iter_}")
    assert abs(ours.score(X_test, y_test) - theirs.score(X_test, y_test)) <= 0.1
    assert ours.n_iter_ == theirs.n_iter_
    assert_same_loss_curve(ours, theirs)
    assert ours.classes_.tolist() == theirs.classes_.tolist()
    assert [c.shape for c in ours.coefs_] == [c.shape for c in theirs.coefs_] == [(4, 100), (100, 3)]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in theirs.intercepts_] == [(100,), (3,)]
    for name in ("n_features_in_", "n_layers_", "n_outputs_", "out_activation_", "t_"):
        assert getattr(ours, name) == getattr(theirs, name), name
    np.testing.assert_allclose(ours.predict_proba(X_test), theirs.predict_proba(X_test), atol=1e-3)


def test_initial_weights_are_sklearns():
    sk = sklearn_nn()
    for activation in ("relu", "logistic"):   # the bound is √(6/(in+out)), √(2/(in+out)) for logistic
        ours = fit_quietly(MLPClassifier((5,), activation, max_iter=1, random_state=3, learning_rate_init=1e-12),
                           X_train, y_train)
        theirs = fit_quietly(sk.MLPClassifier((5,), activation=activation, max_iter=1, random_state=3,
                                              learning_rate_init=1e-12), X_train, y_train)
        for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_binary_problem_has_one_logistic_output_as_sklearns():
    sk = sklearn_nn()
    X, y = make_moons(200, noise=0.2, random_state=0)
    X = StandardScaler().fit_transform(X)
    args = dict(hidden_layer_sizes=(16, 16), activation="tanh", random_state=1, max_iter=300)
    ours, theirs = fit_quietly(MLPClassifier(**args), X, y), fit_quietly(sk.MLPClassifier(**args), X, y)
    assert ours.out_activation_ == theirs.out_activation_ == "logistic"
    assert [c.shape for c in ours.coefs_] == [c.shape for c in theirs.coefs_] == [(2, 16), (16, 16), (16, 1)]
    assert ours.predict_proba(X).shape == (200, 2)
    np.testing.assert_allclose(ours.predict_proba(X).sum(axis=1), 1, rtol=1e-6)
    assert_same_loss_curve(ours, theirs)
    assert ours.n_iter_ == theirs.n_iter_
    assert abs(ours.score(X, y) - theirs.score(X, y)) <= 0.02


@pytest.mark.parametrize("settings", [
    dict(solver="sgd", learning_rate_init=0.05, batch_size=32),                    # nesterov momentum 0.9
    dict(solver="sgd", learning_rate_init=0.05, momentum=0.5, nesterovs_momentum=False, batch_size=40),
    dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.5, momentum=0.0),
    dict(solver="sgd", learning_rate="adaptive", learning_rate_init=0.1, momentum=0.0),
    dict(solver="adam", alpha=0.1, batch_size=50),                                 # 135 = 2·50 + 35: two penalties
])
def test_solvers_follow_sklearns_loss_curve(settings):
    sk = sklearn_nn()
    args = dict(hidden_layer_sizes=(30,), max_iter=150, random_state=3, **settings)
    ours = fit_quietly(MLPClassifier(**args), X_train, y_train)
    theirs = fit_quietly(sk.MLPClassifier(**args), X_train, y_train)
    assert ours.n_iter_ == theirs.n_iter_
    assert_same_loss_curve(ours, theirs)


def test_regressor_equals_sklearns():
    sk = sklearn_nn()
    X = np.linspace(-1, 1, 60).reshape(-1, 1)
    Y = np.hstack([2 * X ** 2, np.sin(3 * X)])      # two targets
    args = dict(hidden_layer_sizes=(20,), activation="tanh", learning_rate_init=0.05, tol=1e-6,
                max_iter=500, random_state=0)
    for y in (Y[:, 0], Y):
        ours, theirs = fit_quietly(MLPRegressor(**args), X, y), fit_quietly(sk.MLPRegressor(**args), X, y)
        assert ours.out_activation_ == theirs.out_activation_ == "identity"
        assert ours.predict(X).shape == theirs.predict(X).shape == y.shape
        assert_same_loss_curve(ours, theirs)   # ½·mean squared error, as theirs
        assert ours.score(X, y) == pytest.approx(theirs.score(X, y), abs=1e-4)
        assert ours.n_iter_ == theirs.n_iter_


# ---- behaviour ---------------------------------------------------------------------------------------------

def test_string_labels_give_string_predictions():
    names = np.array(["setosa", "versicolor", "virginica"])
    by_number = fit_quietly(MLPClassifier((20,), random_state=0, max_iter=300), X_train, y_train)
    by_name = fit_quietly(MLPClassifier((20,), random_state=0, max_iter=300), X_train, names[y_train])
    assert by_name.classes_.tolist() == names.tolist()
    assert by_name.predict(X_test).tolist() == names[by_number.predict(X_test)].tolist()
    assert by_name.score(X_test, names[y_test]) == by_number.score(X_test, y_test)


def test_max_iter_reached_warns_and_a_flat_loss_stops_early():
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(5\) reached"):
        mlp = MLPClassifier((10,), max_iter=5, random_state=0).fit(X_train, y_train)
    assert mlp.n_iter_ == len(mlp.loss_curve_) == 5 and issubclass(ConvergenceWarning, UserWarning)
    # tol = 1: the first epoch improves on the best so far (infinity), no later one can lower the
    # loss by 1, so training stops when n_iter_no_change + 1 epochs in a row have not improved
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        mlp = MLPClassifier((10,), tol=1.0, n_iter_no_change=3, random_state=0).fit(X_train, y_train)
    assert mlp.n_iter_ == 1 + 3 + 1


def test_same_random_state_same_network():
    a = fit_quietly(MLPClassifier((10,), max_iter=20, random_state=7), X_train, y_train)
    b = fit_quietly(MLPClassifier((10,), max_iter=20, random_state=7), X_train, y_train)
    assert a.loss_curve_ == b.loss_curve_
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])


def test_early_stopping_keeps_the_best_validation_weights():
    sk = sklearn_nn()
    args = dict(hidden_layer_sizes=(30,), early_stopping=True, max_iter=300, random_state=3)
    ours = fit_quietly(MLPClassifier(**args), iris.data, iris.target)
    theirs = fit_quietly(sk.MLPClassifier(**args), iris.data, iris.target)
    # the same 15 validation samples: the first epochs score alike (later, float32 against
    # float64 can flip one borderline sample and the two runs part ways)
    assert ours.validation_scores_[:5] == pytest.approx(theirs.validation_scores_[:5])
    scores = ours.validation_scores_
    assert len(scores) == ours.n_iter_ and ours.best_validation_score_ == max(scores) and ours.best_loss_ is None
    # stopped n_iter_no_change + 1 epochs after the last one that raised the best score by tol
    last_gain = max(i for i in range(len(scores)) if scores[i] >= max([-np.inf] + scores[:i]) + ours.tol)
    assert ours.n_iter_ == last_gain + 1 + ours.n_iter_no_change + 1


def test_warm_start_continues_from_the_fitted_weights():
    mlp = fit_quietly(MLPClassifier((10,), max_iter=10, random_state=0, warm_start=True), X_train, y_train)
    first = mlp.loss_curve_[-1]
    fit_quietly(mlp, X_train, y_train)
    assert len(mlp.loss_curve_) == 20 and mlp.n_iter_ == 10 and mlp.loss_curve_[10] < first


def test_verbose_prints_sklearns_lines(capsys):
    fit_quietly(MLPClassifier((5,), max_iter=2, random_state=0, verbose=True), X_train, y_train)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Iteration 1, loss = ") and lines[1].startswith("Iteration 2, loss = ")


def test_the_network_is_a_sequential_to_draw_and_summarise():
    mlp = fit_quietly(MLPClassifier((8, 4), max_iter=3, random_state=0), X_train, y_train)
    assert isinstance(mlp.model_, nn.Sequential) and len(mlp.model_.layers) == 3
    assert mlp.model_.count_params() == (4 * 8 + 8) + (8 * 4 + 4) + (4 * 3 + 3)
    mlp.coefs_[0][...] = 0           # coefs_ are the layers' own arrays, as scikit-learn's are its own
    assert not mlp.model_.layers[0].kernel.data.any()


def test_params_and_repr_are_sklearns():
    mlp = MLPClassifier(hidden_layer_sizes=(100, ), activation='logistic', max_iter=800)
    assert repr(mlp) == "MLPClassifier(activation='logistic', max_iter=800)"
    assert MLPClassifier(**mlp.get_params()).get_params() == mlp.get_params()
    assert mlp.set_params(alpha=0.1) is mlp and mlp.alpha == 0.1
    defaults = MLPRegressor().get_params()
    assert (defaults["hidden_layer_sizes"], defaults["batch_size"], defaults["tol"], defaults["n_iter_no_change"],
            defaults["learning_rate_init"], defaults["max_iter"], defaults["momentum"]) == ((100,), "auto", 1e-4, 10,
                                                                                             0.001, 200, 0.9)


@pytest.mark.parametrize("args, message", [
    (dict(activation="sigmoid"), r"activation must be one of 'identity', 'logistic', 'tanh', 'relu', got 'sigmoid' \('logistic' is the sigmoid\)"),
    (dict(solver="lbfgs"), r"solver must be one of 'adam', 'sgd', got 'lbfgs' \('lbfgs' is not implemented here\)"),
    (dict(hidden_layer_sizes=(10, 0)), r"hidden_layer_sizes must be positive integers.*got \(10, 0\)"),
    (dict(alpha=-1), r"alpha must be a number >= 0, got -1"),
    (dict(max_iter=0), r"max_iter must be a positive integer, got 0"),
    (dict(batch_size=0), r"batch_size must be 'auto' or a positive integer, got 0"),
    (dict(learning_rate="optimal"), r"learning_rate must be one of 'constant', 'invscaling', 'adaptive', got 'optimal'"),
    (dict(validation_fraction=1.0), r"validation_fraction must be a number in \[0, 1\), got 1.0"),
])
def test_bad_arguments_name_the_argument_the_value_and_what_is_allowed(args, message):
    with pytest.raises(ValueError, match=message):
        MLPClassifier(**args).fit(X_train, y_train)


def test_using_it_before_fit_or_with_wrong_data_says_how_to_fix_it():
    with pytest.raises(NotFittedError, match=r"This MLPClassifier instance is not fitted yet: call fit\(X, y\) before predict"):
        MLPClassifier().predict(X_test)
    with pytest.raises(NotFittedError, match="before reading coefs_"):
        MLPRegressor().coefs_
    mlp = fit_quietly(MLPClassifier((5,), max_iter=2, random_state=0), X_train, y_train)
    with pytest.raises(ValueError, match=r"X has 3 features, but MLPClassifier is expecting 4 features"):
        mlp.predict(X_test[:, :3])
    with pytest.raises(ValueError, match=r"y has only one class, \[0\]"):
        MLPClassifier().fit(X_train, np.zeros(len(X_train), dtype=int))
    with pytest.raises(ValueError, match=r"X has 135 samples but y has 134"):
        MLPClassifier().fit(X_train, y_train[:-1])
    with pytest.raises(ValueError, match=r"X must be 2-D.*got shape \(135,\).*X.reshape\(-1, 1\)"):
        MLPRegressor().fit(X_train[:, 0], y_train)
    with pytest.raises(TypeError, match=r"y must be numbers, got dtype <U3; for labels use MLPClassifier"):
        MLPRegressor().fit(X_train, np.array(["cat"] * len(X_train)))
