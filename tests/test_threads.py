"""nn.threads: fit, evaluate, predict and train_on_batch run NumPy's BLAS on the thread count nn
chose (threadpoolctl reads it inside), put the old count back, and obey the override."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import nn
from nn import threads


def blas_threads_now() -> int:
    """The thread count of NumPy's own BLAS (scipy, when loaded, brings another, listed first)."""
    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    return next((lib for lib in blas if "numpy" in lib["filepath"]), blas[0])["num_threads"]


class Seen(nn.callbacks.Callback):
    """Records the BLAS thread count at each epoch's start."""

    def __init__(self):
        super().__init__()
        self.counts = []

    def on_epoch_begin(self, epoch, logs=None):
        self.counts.append(blas_threads_now())


@pytest.fixture
def choice():
    """Each test starts from the default (no set_num_threads, no variable) and leaves it so."""
    saved = threads._chosen
    threads._chosen = threads._UNSET
    yield
    threads._chosen = saved


@pytest.fixture
def model():
    m = nn.Sequential([nn.Dense(4, activation="relu", input_dim=3), nn.Dense(2, activation="softmax")])
    m.compile("adam", "categorical_crossentropy", metrics=["acc"])
    return m


def data():
    rng = np.random.default_rng(0)
    return rng.random((20, 3)).astype(np.float32), np.eye(2, dtype=np.float32)[rng.integers(0, 2, 20)]


def test_fit_runs_on_one_thread_and_restores_the_count(choice, model, monkeypatch):
    monkeypatch.delenv(threads.ENV, raising=False)
    X, Y = data()
    with threadpool_limits(limits=2, user_api="blas"):
        seen = Seen()
        model.fit(X, Y, epochs=2, batch_size=5, verbose=0, callbacks=[seen])
        assert seen.counts == [1, 1]
        assert blas_threads_now() == 2


def test_every_batch_runner_uses_the_choice(choice, model, monkeypatch):
    X, Y = data()
    counts = []
    layer = model.layers[0]
    call = type(layer).__call__
    monkeypatch.setattr(type(layer), "__call__", lambda self, *a, **k: (counts.append(blas_threads_now()), call(self, *a, **k))[1])
    nn.set_num_threads(3)
    with threadpool_limits(limits=2, user_api="blas"):
        model.predict(X)
        model.evaluate(X, Y, verbose=0)
        model.train_on_batch(X, Y)
        model.test_on_batch(X, Y)
        model.predict_on_batch(X)
        assert blas_threads_now() == 2
    assert counts and set(counts) == {3}


def test_none_leaves_blas_alone(choice, model):
    X, Y = data()
    nn.set_num_threads(None)
    assert nn.get_num_threads() is None
    with threadpool_limits(limits=2, user_api="blas"):
        seen = Seen()
        model.fit(X, Y, epochs=1, batch_size=5, verbose=0, callbacks=[seen])
        assert seen.counts == [2]


def test_the_environment_variable(choice, monkeypatch):
    monkeypatch.setenv(threads.ENV, "2")
    assert nn.get_num_threads() == 2
    monkeypatch.setenv(threads.ENV, "none")
    assert nn.get_num_threads() is None
    nn.set_num_threads(1)                      # the call overrides the variable
    assert nn.get_num_threads() == 1
    threads._chosen = threads._UNSET
    monkeypatch.setenv(threads.ENV, "two")
    with pytest.raises(ValueError, match="TINYGRAD_EDU_NUM_THREADS must be a positive integer or 'none', got 'two'"):
        nn.get_num_threads()


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_a_wrong_count_is_named(choice, bad):
    with pytest.raises(ValueError, match=f"nn.set_num_threads: .* got {bad!r}"):
        nn.set_num_threads(bad)
