"""nn optimizers: the first 5 steps equal PyTorch's (same weights, same gradients) to 1e-6; the
schedules follow their formulas; strings resolve, unknown ones list the known."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from nn.module import Parameter

A = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
W0 = [np.random.default_rng(1).standard_normal((3, 2)).astype(np.float32),
      np.random.default_rng(2).standard_normal(2).astype(np.float32)]


def gradients(w, b):
    """The gradient of a small least-squares loss at (w, b), in NumPy: both sides feed the same function."""
    r = np.tanh(A @ w + b) - 0.5
    gz = r * (1 - np.tanh(A @ w + b) ** 2)
    return [A.T @ gz, gz.sum(0)]


CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.8, weight_decay=0.05)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.1)),
    ("Adadelta", dict(lr=1.0)),
]


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_first_five_steps_equal_pytorch(name, kwargs):
    torch = pytest.importorskip("torch")
    ours = [Parameter(w.copy()) for w in W0]
    theirs = [torch.tensor(w.copy(), requires_grad=True) for w in W0]
    opt = getattr(nn.optimizers, name)(ours, **kwargs)
    opt_t = getattr(torch.optim, name)(theirs, **kwargs)
    for step in range(5):
        for p, g in zip(ours, gradients(*[p.data for p in ours])):
            p.grad = g
        for p, g in zip(theirs, gradients(*[p.detach().numpy() for p in theirs])):
            p.grad = torch.from_numpy(g)
        opt.step()
        opt_t.step()
        for p, q in zip(ours, theirs):
            assert p.data.dtype == np.float32
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=0, atol=1e-6,
                                       err_msg=f"{name}{kwargs} step {step + 1}")


def test_sgd_formula_by_hand():
    w = Parameter(np.array([1.0, -2.0], dtype=np.float32))
    opt = nn.SGD([w], lr=0.5, momentum=0.9)
    w.grad = np.array([1.0, 1.0], dtype=np.float32)
    opt.step()                                   # v = g = 1 → w = w - 0.5
    np.testing.assert_allclose(w.data, [0.5, -2.5])
    opt.step()                                   # v = 0.9 + 1 = 1.9 → w - 0.95
    np.testing.assert_allclose(w.data, [-0.45, -3.45], rtol=1e-6)


def test_update_is_in_place_and_skips_params_without_grad():
    w, frozen = Parameter(np.ones(3, dtype=np.float32)), Parameter(np.ones(3, dtype=np.float32))
    array = w.data
    opt = nn.Adam([w, frozen], lr=0.1)
    w.grad = np.ones(3, dtype=np.float32)
    opt.step()
    assert w.data is array and not np.all(w.data == 1)
    assert np.all(frozen.data == 1)
    opt.zero_grad()
    assert w.grad is None


def test_optimizer_strings_and_unknown_ones():
    for name, cls in [("sgd", nn.SGD), ("adam", nn.Adam), ("rmsprop", nn.RMSprop), ("adagrad", nn.Adagrad),
                      ("adadelta", nn.Adadelta), ("Adam", nn.Adam)]:
        assert type(nn.optimizers.get(name)) is cls
    assert nn.optimizers.get("adam").lr == 0.001
    with pytest.raises(ValueError, match="known optimizers: sgd, adam, rmsprop, adagrad, adadelta"):
        nn.optimizers.get("lion")
    with pytest.raises(ValueError, match="nesterov"):
        nn.SGD([], lr=0.1, nesterov=True)


@pytest.mark.parametrize("make, expected", [
    (lambda o: nn.schedules.StepLR(o, step_size=2, gamma=0.5), lambda e: 0.1 * 0.5 ** (e // 2)),
    (lambda o: nn.schedules.ExponentialLR(o, gamma=0.9), lambda e: 0.1 * 0.9 ** e),
    (lambda o: nn.schedules.CosineAnnealingLR(o, T_max=4, eta_min=0.01),
     lambda e: 0.01 + 0.09 * (1 + math.cos(math.pi * e / 4)) / 2),
])
def test_schedules_follow_their_formulas(make, expected):
    opt = nn.SGD([], lr=0.1)
    sched = make(opt)
    for epoch in range(1, 6):
        sched.step()
        assert opt.lr == pytest.approx(expected(epoch))


def test_schedules_match_pytorch():
    torch = pytest.importorskip("torch")
    p = torch.zeros(1, requires_grad=True)
    for ours_make, theirs_make in [
        (lambda o: nn.schedules.StepLR(o, step_size=3, gamma=0.3), lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.3)),
        (lambda o: nn.schedules.ExponentialLR(o, gamma=0.8), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.8)),
        (lambda o: nn.schedules.CosineAnnealingLR(o, T_max=5, eta_min=0.001),
         lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 5, 0.001)),
    ]:
        ours, theirs = nn.SGD([], lr=0.1), torch.optim.SGD([p], lr=0.1)
        s1, s2 = ours_make(ours), theirs_make(theirs)
        for _ in range(5):
            theirs.step()
            s1.step()
            s2.step()
            assert ours.lr == pytest.approx(theirs.param_groups[0]["lr"], rel=1e-9)


def test_keras_habits_learning_rate_first_or_by_name_and_strings_with_keras_defaults():
    assert nn.Adam(learning_rate=0.01).lr == 0.01              # Keras's keyword
    sgd = nn.SGD(0.05)                                         # Keras's positional learning rate
    assert sgd.lr == 0.05 and sgd.params == []
    rms = nn.optimizers.get("rmsprop")                         # compile(optimizer='rmsprop') as in Keras
    assert (rms.lr, rms.alpha, rms.eps) == (0.001, 0.9, 1e-7)
    assert nn.optimizers.get("adam").eps == 1e-7
