"""PyTorch's habits on Sequential: layers as separate arguments, net[0], net[-1], len(net), iteration."""

import numpy as np
import pytest

import nn


def test_sequential_takes_layers_one_by_one_as_pytorch_does():
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    listed = nn.Sequential([nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)])
    assert len(net.layers) == 3 and net.count_params() == listed.count_params()
    assert [n for n, _ in net.named_parameters()][:2] == ["0.weight", "0.bias"]
    assert net(np.ones((2, 4))).shape == (2, 3)
    assert nn.Sequential([nn.Dense(3, input_dim=2)], "mlp").name == "mlp"     # Keras's positional name
    assert nn.Sequential(nn.Dense(3, input_dim=2), name="mlp").name == "mlp"
    assert len(nn.Sequential()) == 0 and len(nn.Sequential(None)) == 0


def test_sequential_indexes_counts_and_iterates_its_layers():
    first, act, last = nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)
    net = nn.Sequential(first, act, last)
    assert net[0] is first and net[-1] is last and net[1] is act
    assert len(net) == 3
    assert list(net) == [first, act, last]
    assert [layer for layer in net[1:]] == [act, last]
    with pytest.raises(IndexError, match="has 3 layer.* index 3 is out of range"):
        net[3]
    with pytest.raises(TypeError, match="integers or slices, got str"):
        net["0"]
