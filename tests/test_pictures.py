"""Pictures looked at again: their axes span what they show."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_learning_rate_plot_spans_the_losses_drawn(tmp_path, monkeypatch):
    plt = pytest.importorskip("matplotlib.pyplot")
    spec = importlib.util.spec_from_file_location("line_fit", ROOT / "demos" / "line_fit.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    figures = []
    monkeypatch.setattr(plt, "close", figures.append)
    paths = {0.1: [(0, 0, 10.0), (0, 0, 2e-3)], 0.6: [(0, 0, 10.0), (0, 0, 1e9)]}
    demo.plot_learning_rates(paths, tmp_path / "lr.png")
    low, high = figures[0].axes[0].get_ylim()
    assert low == pytest.approx(1e-3) and high == pytest.approx(1e6)   # was 1e-8: half the plot empty
