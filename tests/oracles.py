"""The independent references tests hold the engine against: PyTorch and Keras (on PyTorch's backend).

    torch = oracles.torch()      # skips the test where torch is not installed
    keras = oracles.keras()      # Keras 3 with KERAS_BACKEND=torch (set before its first import)

A user without them sees those tests skip; CI installs both, and tests/conftest.py turns such a
skip into a failure when CI=true, so an oracle is never silently missing there.
"""

from __future__ import annotations

import os

import pytest


def torch():
    return pytest.importorskip("torch")


def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")      # read once, at Keras's first import
    if os.environ["KERAS_BACKEND"] != "torch":
        pytest.skip(f"Keras oracle tests run on KERAS_BACKEND=torch, not {os.environ['KERAS_BACKEND']!r}")
    pytest.importorskip("torch")
    return pytest.importorskip("keras")
