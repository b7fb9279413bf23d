"""`to_torch(model)`: the way out, an nn `Sequential` as a `torch.nn.Sequential` with the same weights.

Each layer becomes its PyTorch twin, weights copied (not shared):

    Dense(units, activation)  ->  torch.nn.Linear(inputs, units) with weight = kernelᵀ, then the activation
    Linear                    ->  torch.nn.Linear, weight and bias as they are (same layout)
    Flatten                   ->  torch.nn.Flatten()          (every axis but the batch axis)
    Dropout(rate)             ->  torch.nn.Dropout(p=rate)
    relu / sigmoid / tanh     ->  torch.nn.ReLU() / Sigmoid() / Tanh()
    softmax                   ->  torch.nn.Softmax(dim=-1)
    leaky_relu                ->  torch.nn.LeakyReLU(negative_slope)
    gaussian                  ->  a two-line module computing e^(-x²) (PyTorch has none)
    linear (no activation)    ->  nothing

Keras stores a Dense kernel as (inputs, units) and computes x @ kernel; PyTorch stores a Linear
weight as (out_features, in_features) and computes x @ weightᵀ: hence the transpose.

>>> import numpy as np, nn
>>> model = nn.Sequential([nn.Dense(8, activation="relu", input_dim=4), nn.Dense(3, activation="softmax")])
>>> torch_model = model.to_torch()          # doctest: +SKIP
>>> torch_model                             # doctest: +SKIP
Sequential(
  (dense): Linear(in_features=4, out_features=8, bias=True)
  (dense_relu): ReLU()
  (dense_1): Linear(in_features=8, out_features=3, bias=True)
  (dense_1_softmax): Softmax(dim=-1)
)

To go on training in PyTorch with `torch.nn.CrossEntropyLoss`, which takes logits (as nn's fused
loss does internally), leave out the final softmax: `torch_model[:-1]`. Kernel regularizers are a
training-time penalty, not part of the network, so they are not carried over: add weight decay
to the PyTorch optimizer instead. torch is imported only when this is called.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from . import activations
from .activations import Activation, LeakyReLU
from .layers import Dense, Dropout, Flatten, Linear

INSTALL_HINT = ("model.to_torch() needs PyTorch, which tinygrad_edu does not install: pip install torch "
                "(on the course machines, the CPU build: pip install torch==2.13.0)")


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as e:
        raise ImportError(INSTALL_HINT) from e
    return torch


def _activation_module(torch: Any, name: str | None, owner: str, negative_slope: float = 0.01) -> Any | None:
    """The torch module for an activation of nn, or None for 'linear' (nothing to apply)."""
    if name in (None, "linear"):
        return None
    if name == "relu":
        return torch.nn.ReLU()
    if name == "sigmoid":
        return torch.nn.Sigmoid()
    if name == "tanh":
        return torch.nn.Tanh()
    if name == "softmax":
        return torch.nn.Softmax(dim=-1)     # nn's softmax is over the last axis, the classes
    if name == "leaky_relu":
        return torch.nn.LeakyReLU(negative_slope)
    if name == "gaussian":
        return _gaussian_module(torch)
    raise ValueError(f"to_torch: layer '{owner}' uses activation {name!r}, which has no PyTorch counterpart here")


def _gaussian_module(torch: Any) -> Any:
    """The course's Gaussian activation e^(-x²) as a torch module (PyTorch ships none)."""

    class Gaussian(torch.nn.Module):
        """e^(-x²), as nn.activations.gaussian."""

        def forward(self, x: Any) -> Any:
            return torch.exp(-x * x)

    return Gaussian()


def _parameter(torch: Any, array: np.ndarray) -> Any:
    # a copy, so training the PyTorch model leaves the nn model as it was (and vice versa)
    return torch.nn.Parameter(torch.tensor(np.array(array, copy=True)))


def _linear(torch: Any, weight: np.ndarray, bias: np.ndarray | None) -> Any:
    """A torch.nn.Linear holding `weight` (out_features, in_features) and `bias`."""
    out_features, in_features = weight.shape
    layer = torch.nn.Linear(in_features, out_features, bias=bias is not None)
    layer.weight = _parameter(torch, weight)
    if bias is not None:
        layer.bias = _parameter(torch, bias)
    return layer


def _convert(torch: Any, layer: Any) -> list[tuple[str, Any]]:
    """The (name, torch module) pairs that compute what one nn layer computes."""
    name = layer.name.replace(".", "_")          # torch refuses dots in a sub-module's name
    if isinstance(layer, Dense):
        if layer.activation_name is None and layer.activation is not activations.linear:
            raise ValueError(f"to_torch: Dense '{layer.name}' uses a custom activation function "
                             f"{layer.activation!r}; only nn's named activations can be converted")
        bias = layer.bias.data if layer.use_bias else None
        parts = [(name, _linear(torch, layer.kernel.data.T, bias))]
        act = _activation_module(torch, layer.activation_name, layer.name)
        return parts + ([(f"{name}_{layer.activation_name}", act)] if act is not None else [])
    if isinstance(layer, Linear):
        return [(name, _linear(torch, layer.weight.data, layer.bias.data if layer.use_bias else None))]
    if isinstance(layer, Flatten):
        return [(name, torch.nn.Flatten())]
    if isinstance(layer, Dropout):
        return [(name, torch.nn.Dropout(p=layer.rate))]
    if isinstance(layer, Activation):
        if layer.activation_name is None:
            raise ValueError(f"to_torch: Activation layer '{layer.name}' holds a custom function "
                             f"{layer.activation!r}; only nn's named activations can be converted")
        slope = layer.negative_slope if isinstance(layer, LeakyReLU) else 0.01
        act = _activation_module(torch, layer.activation_name, layer.name, slope)
        return [(name, act if act is not None else torch.nn.Identity())]
    if hasattr(layer, "layers"):                # a Sequential inside the model (read by its attributes:
        return [(name, to_torch(layer))]        # Sequential imports this module)
    raise TypeError(f"to_torch: no PyTorch counterpart for layer '{layer.name}' of type {type(layer).__name__}")


def to_torch(model: Any) -> Any:
    """A `torch.nn.Sequential` computing what `model` computes, with copies of its weights.

    The result is in the model's mode (train or eval), so `torch_model.eval()` before comparing
    predictions with `model.predict`, which always runs in inference mode.
    """
    torch = _import_torch()
    if not model.built:
        raise ValueError(f"to_torch: model '{model.name}' has not been built yet, so it has no weights to copy: "
                         f"give the first layer input_dim (e.g. Dense(64, input_dim=784)), or call fit()/predict()")
    modules: OrderedDict[str, Any] = OrderedDict()
    for layer in model.layers:
        for name, module in _convert(torch, layer):
            modules[name] = module
    result = torch.nn.Sequential(modules)
    result.train(model.training)
    return result
