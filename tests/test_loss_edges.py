"""Cross-entropy and BCE-with-logits at extreme logits (-inf, ±1e308, ±inf) match torch, value and gradient."""

import warnings

import numpy as np
import pytest

import nn
from tinygrad_edu import Tensor

torch = pytest.importorskip("torch")

INF = np.inf


@pytest.mark.parametrize("logits, label", [
    ([-INF, 0.0, 1.0], 2),          # a masked class: torch gives 0.3133
    ([1e308, -1e308, 0.0], 0),
    ([1e308, -1e308, 0.0], 1),      # the label's own logit is -inf after the shift: loss inf, as torch
    ([-1e308, 1e308, -INF], 1),
])
def test_cross_entropy_at_extreme_logits_matches_torch(logits, label):
    z = Tensor(np.array([logits]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # no NumPy overflow warnings either
        loss = nn.CrossEntropyLoss()(z, [label])
        loss.backward()
    zt = torch.tensor([logits], dtype=torch.float64, requires_grad=True)
    lt = torch.nn.functional.cross_entropy(zt, torch.tensor([label]))
    lt.backward()
    assert loss.item() == pytest.approx(lt.item(), rel=1e-12) or loss.item() == lt.item() == np.inf
    np.testing.assert_allclose(z.grad, zt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_masked_class_value_is_torchs_03133():
    loss = nn.CrossEntropyLoss()(Tensor(np.array([[-INF, 0.0, 1.0]])), [2])
    assert round(loss.item(), 4) == 0.3133


def test_bce_with_logits_at_infinity_matches_torch():
    z_np = np.array([INF, INF, -INF, -INF, 1e308, -1e308, 0.0, 3.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    z = Tensor(z_np.copy(), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = nn.BCEWithLogitsLoss()(z, y)
        loss.backward()
    zt = torch.tensor(z_np, requires_grad=True)
    terms = torch.nn.functional.binary_cross_entropy_with_logits(zt, torch.tensor(y), reduction="none")
    terms.mean().backward()
    np.testing.assert_allclose(z.grad, zt.grad.numpy(), rtol=1e-12, atol=1e-15)   # σ(z) - y, no nan
    assert not np.isnan(z.grad).any()
    assert loss.item() == np.inf                      # the (+inf, 0) and (-inf, 1) terms, as torch's
    # where torch's terms are nan (0 · inf at (+inf, 1) and (-inf, 0)), ours are the limits, 0
    finite = nn.BCEWithLogitsLoss()(Tensor(z_np[[0, 2, 4, 5, 6, 7]]), y[[0, 2, 4, 5, 6, 7]]).item()
    expected = torch.nan_to_num(terms, nan=0.0)[[0, 2, 4, 5, 6, 7]].mean().item()
    assert finite == pytest.approx(expected, rel=1e-12)


def test_bce_with_soft_labels_matches_torch():
    z_np, y = np.array([-3.0, 0.0, 2.0, 40.0]), np.array([0.2, 0.5, 0.9, 0.3])
    z = Tensor(z_np.copy(), requires_grad=True)
    loss = nn.BCEWithLogitsLoss()(z, y)
    loss.backward()
    zt = torch.tensor(z_np, requires_grad=True)
    lt = torch.nn.functional.binary_cross_entropy_with_logits(zt, torch.tensor(y))
    lt.backward()
    assert loss.item() == pytest.approx(lt.item(), rel=1e-12)
    np.testing.assert_allclose(z.grad, zt.grad.numpy(), rtol=1e-12)
