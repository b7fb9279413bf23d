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
    Conv2D(filters, (kh, kw)) ->  torch.nn.Conv2d(in, filters, (kh, kw)) with weight = kernel.permute(3, 2, 0, 1),
                                  after a ZeroPad2d for 'same' (TensorFlow's: the odd extra row/column bottom/right)
    MaxPooling2D / AveragePooling2D  ->  torch.nn.MaxPool2d / AvgPool2d (after a -inf pad for 'same' max pooling)
    GlobalAveragePooling2D    ->  torch.nn.AdaptiveAvgPool2d(1), then Flatten
    Conv2DTranspose(filters, (kh, kw), strides, padding)  ->  torch.nn.ConvTranspose2d(in, filters, (kh, kw), stride)
                                  with weight = kernel.permute(3, 2, 0, 1), output_padding for a kernel smaller than
                                  the stride, then a crop to Keras's size for 'same' (the rows 'same' Conv2D pads)
    UpSampling2D(size)        ->  torch.nn.Upsample(scale_factor=size, mode='nearest')
    BatchNormalization        ->  torch.nn.BatchNorm2d on images, BatchNorm1d on features: gamma, beta and the
                                  moving statistics copied, eps = epsilon, momentum = 1 - Keras's momentum
    Reshape(target_shape)     ->  torch.nn.Unflatten(1, target_shape) after a Flatten (channels-last, as Keras)
    Conv2d / MaxPool2d / AvgPool2d / ConvTranspose2d / BatchNorm1d / BatchNorm2d (PyTorch's own)  ->  themselves
    SimpleRNN / LSTM / GRU    ->  torch.nn.RNN / LSTM / GRU(batch_first=True), weight_ih = kernelᵀ,
                                  weight_hh = recurrent_kernelᵀ; inside a module that keeps the output
                                  (the last step, or every step with return_sequences) and reads the
                                  input reversed for go_backwards
    Embedding                 ->  torch.nn.Embedding, the same table

Recurrent weights: torch keeps two biases, b_ih and b_hh, where Keras keeps one (b_ih = bias,
b_hh = 0). LSTM gates are in the same order in both (i, f, g/c, o). A GRU's are not: Keras stacks
z, r, h, torch r, z, n, so the blocks are reordered; and torch's GRU is Keras's reset_after=True
(b_ih = bias[0], b_hh = bias[1]), so a GRU with reset_after=False has no torch twin.

Images: nn's Keras layers are channels-last (N, H, W, C), torch's channels-first (N, C, H, W). The
torch model takes the same channels-last input as the nn model: a Permute(0, 3, 1, 2) at its front
(before the first channels-last layer), and a Permute(0, 2, 3, 1) back before Flatten, so that
Flatten lists the entries in Keras's order and the Dense after it keeps its weights as they are.

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
from .layers import (Activation, AveragePooling2D, AvgPool2d, BatchNorm1d, BatchNorm2d, BatchNormalization, Conv2d,
                     Conv2D, Conv2DTranspose, ConvTranspose2d, Dense, Dropout, Flatten, GlobalAveragePooling2D,
                     LeakyReLU, Linear, MaxPool2d, MaxPooling2D, Reshape, UpSampling2D)
from .layers.pooling import _Pooling2D
from .layers import GRU, LSTM, Embedding, SimpleRNN

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


def _permute_module(torch: Any, dims: tuple) -> Any:
    """x.permute(*dims) as a torch module (torch.nn has none): between channels-last and channels-first."""

    class Permute(torch.nn.Module):
        """x.permute(dims): (N, H, W, C) -> (N, C, H, W) for (0, 3, 1, 2), back for (0, 2, 3, 1)."""

        def __init__(self, dims: tuple):
            super().__init__()
            self.dims = tuple(dims)

        def forward(self, x: Any) -> Any:
            return x.permute(*self.dims)

        def extra_repr(self) -> str:
            return f"dims={self.dims}"

    return Permute(dims)


def _crop_module(torch: Any, top: int, left: int, size: tuple) -> Any:
    """x[:, :, top:top + h, left:left + w] as a torch module: Conv2DTranspose's 'same' output size."""

    class Crop(torch.nn.Module):
        """The (h, w) window from (top, left) of (N, C, H, W) images."""

        def __init__(self, top: int, left: int, size: tuple):
            super().__init__()
            self.top, self.left, self.size = top, left, tuple(size)

        def forward(self, x: Any) -> Any:
            return x[:, :, self.top:self.top + self.size[0], self.left:self.left + self.size[1]]

        def extra_repr(self) -> str:
            return f"top={self.top}, left={self.left}, size={self.size}"

    return Crop(top, left, size)


def _same_padding(layer: Any, size: tuple, strides: tuple) -> tuple[int, int, int, int]:
    """TensorFlow's 'same' padding for `layer`'s input as (left, right, top, bottom), ZeroPad2d's order."""
    (top, bottom), (left, right) = [divmod(max((-(-n // s) - 1) * s + k - n, 0), 2)
                                    for n, k, s in zip(layer.input_shape[1:3], size, strides)]
    (top, bottom), (left, right) = (top, top + bottom), (left, left + right)
    return left, right, top, bottom


def _channels_last_image_layer(torch: Any, layer: Any, name: str) -> list[tuple[str, Any]]:
    """The torch modules for a Keras image layer, on channels-first data."""
    if isinstance(layer, Conv2DTranspose):
        return _conv_transpose(torch, layer, name)
    if isinstance(layer, UpSampling2D):
        return [(name, torch.nn.Upsample(scale_factor=tuple(float(s) for s in layer.size), mode="nearest"))]
    if isinstance(layer, BatchNormalization):
        return [(name, _batch_norm(torch, layer, torch.nn.BatchNorm2d))]
    if isinstance(layer, Conv2D):
        conv = torch.nn.Conv2d(layer.kernel.shape[2], layer.filters, layer.kernel_size, stride=layer.strides,
                               bias=layer.use_bias)
        conv.weight = _parameter(torch, layer.kernel.data.transpose(3, 2, 0, 1))   # (kh, kw, in, out) -> (out, in, kh, kw)
        if layer.use_bias:
            conv.bias = _parameter(torch, layer.bias.data)
        parts = [(name, conv)]
        if layer.padding == "same":
            parts.insert(0, (f"{name}_pad", torch.nn.ZeroPad2d(_same_padding(layer, layer.kernel_size, layer.strides))))
        act = _activation_module(torch, layer.activation_name, layer.name)
        return parts + ([(f"{name}_{layer.activation_name}", act)] if act is not None else [])
    if isinstance(layer, _Pooling2D):
        if isinstance(layer, MaxPooling2D):
            parts = [(name, torch.nn.MaxPool2d(layer.pool_size, stride=layer.strides))]
            if layer.padding == "same":
                pad = torch.nn.ConstantPad2d(_same_padding(layer, layer.pool_size, layer.strides), float("-inf"))
                parts.insert(0, (f"{name}_pad", pad))
            return parts
        if layer.padding == "same":
            raise ValueError(f"to_torch: AveragePooling2D '{layer.name}' uses padding='same', whose border windows "
                             f"average only the pixels inside; torch's AvgPool2d has no such padding")
        return [(name, torch.nn.AvgPool2d(layer.pool_size, stride=layer.strides))]
    # GlobalAveragePooling2D
    return [(name, torch.nn.AdaptiveAvgPool2d(1)), (f"{name}_flatten", torch.nn.Flatten())]


def _conv_transpose(torch: Any, layer: Any, name: str) -> list[tuple[str, Any]]:
    """Conv2DTranspose as ConvTranspose2d without padding, whose output ((H-1)·s + k) is the 'valid'
    one; a kernel smaller than the stride leaves s - k more rows in Keras's (output_padding); 'same'
    keeps H·s rows, dropping the ones a 'same' Conv2D of that output would pad on top (and left)."""
    k, s = layer.kernel_size, layer.strides
    conv = torch.nn.ConvTranspose2d(layer.kernel.shape[3], layer.filters, k, stride=s, bias=layer.use_bias,
                                    output_padding=tuple(max(si - ki, 0) for ki, si in zip(k, s)))
    conv.weight = _parameter(torch, layer.kernel.data.transpose(3, 2, 0, 1))    # (kh, kw, out, in) -> (in, out, kh, kw)
    if layer.use_bias:
        conv.bias = _parameter(torch, layer.bias.data)
    parts = [(name, conv)]
    if layer.padding == "same":
        top, left = (max(ki - si, 0) // 2 for ki, si in zip(k, s))
        parts.append((f"{name}_crop", _crop_module(torch, top, left, layer.output_shape[1:3])))
    act = _activation_module(torch, layer.activation_name, layer.name)
    return parts + ([(f"{name}_{layer.activation_name}", act)] if act is not None else [])


def _batch_norm(torch: Any, layer: Any, cls: Any) -> Any:
    """BatchNorm1d/2d holding a BatchNormalization's weights (gamma 1 and beta 0 where it has none)."""
    if layer.axis not in (-1, len(layer.input_shape) - 1):
        raise ValueError(f"to_torch: BatchNormalization '{layer.name}' normalizes axis {layer.axis}; only the "
                         f"channels' axis (-1, Keras's default) is converted")
    channels = layer.moving_mean.shape[0]
    norm = cls(channels, eps=layer.epsilon, momentum=1 - layer.momentum)
    with torch.no_grad():
        norm.weight.copy_(torch.tensor(layer.gamma.data if layer.scale else np.ones(channels, np.float32)))
        norm.bias.copy_(torch.tensor(layer.beta.data if layer.center else np.zeros(channels, np.float32)))
        norm.running_mean.copy_(torch.tensor(layer.moving_mean.data))
        norm.running_var.copy_(torch.tensor(layer.moving_variance.data))
    return norm


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
    if isinstance(layer, Conv2d):
        conv = torch.nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, stride=layer.stride,
                               padding=layer.padding, bias=layer.use_bias)
        conv.weight = _parameter(torch, layer.weight.data)
        if layer.use_bias:
            conv.bias = _parameter(torch, layer.bias.data)
        return [(name, conv)]
    if isinstance(layer, ConvTranspose2d):
        conv = torch.nn.ConvTranspose2d(layer.in_channels, layer.out_channels, layer.kernel_size, stride=layer.stride,
                                        padding=layer.padding, output_padding=layer.output_padding,
                                        bias=layer.use_bias)
        conv.weight = _parameter(torch, layer.weight.data)
        if layer.use_bias:
            conv.bias = _parameter(torch, layer.bias.data)
        return [(name, conv)]
    if isinstance(layer, (BatchNorm1d, BatchNorm2d)):
        norm = (torch.nn.BatchNorm1d if isinstance(layer, BatchNorm1d) else torch.nn.BatchNorm2d)(
            layer.num_features, eps=layer.eps, momentum=layer.momentum, affine=layer.affine)
        with torch.no_grad():
            if layer.affine:
                norm.weight.copy_(torch.tensor(layer.weight.data))
                norm.bias.copy_(torch.tensor(layer.bias.data))
            norm.running_mean.copy_(torch.tensor(layer.running_mean.data))
            norm.running_var.copy_(torch.tensor(layer.running_var.data))
        return [(name, norm)]
    if isinstance(layer, BatchNormalization):          # on features (N, F); images went to BatchNorm2d
        if len(layer.input_shape) != 2:
            raise ValueError(f"to_torch: BatchNormalization '{layer.name}' on input shape {layer.input_shape}: only "
                             f"features (N, F) and images (N, H, W, C) are converted")
        return [(name, _batch_norm(torch, layer, torch.nn.BatchNorm1d))]
    if isinstance(layer, Reshape):
        return [(f"{name}_flatten", torch.nn.Flatten()), (name, torch.nn.Unflatten(1, layer.output_shape[1:]))]
    if isinstance(layer, (MaxPool2d, AvgPool2d)):
        cls = torch.nn.MaxPool2d if isinstance(layer, MaxPool2d) else torch.nn.AvgPool2d
        return [(name, cls(layer.kernel_size, stride=layer.stride, padding=layer.padding))]
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
    if isinstance(layer, (SimpleRNN, LSTM, GRU)):
        return [(name, _recurrent(torch, layer))]
    if isinstance(layer, Embedding):
        embedding = torch.nn.Embedding(layer.input_dim, layer.output_dim)
        embedding.weight = _parameter(torch, layer.embeddings.data)
        return [(name, embedding)]
    if hasattr(layer, "layers"):                # a Sequential inside the model (read by its attributes:
        return [(name, to_torch(layer))]        # Sequential imports this module)
    raise TypeError(f"to_torch: no PyTorch counterpart for layer '{layer.name}' of type {type(layer).__name__}")


def _recurrent(torch: Any, layer: Any) -> Any:
    """torch.nn.RNN / LSTM / GRU with `layer`'s weights, in a module returning what the Keras layer returns."""
    if layer.return_state:
        raise ValueError(f"to_torch: {type(layer).__name__} '{layer.name}' has return_state=True; a torch.nn.Sequential "
                         f"passes one tensor from layer to layer, so convert a model without it")
    cell = layer.cell
    acts = [activations.name_of(cell.activation), activations.name_of(getattr(cell, "recurrent_activation", None))]
    features, units = layer.input_shape[-1], layer.units
    if isinstance(layer, SimpleRNN):
        if acts[0] not in ("tanh", "relu"):
            raise ValueError(f"to_torch: SimpleRNN '{layer.name}' uses {acts[0]!r}; torch.nn.RNN has tanh and relu")
        module = torch.nn.RNN(features, units, nonlinearity=acts[0], batch_first=True, bias=cell.use_bias)
    else:
        if acts != ["tanh", "sigmoid"]:
            raise ValueError(f"to_torch: {type(layer).__name__} '{layer.name}' uses activations {acts}; torch's has "
                             f"tanh and sigmoid gates only")
        if isinstance(layer, GRU) and not cell.reset_after:
            raise ValueError(f"to_torch: GRU '{layer.name}' has reset_after=False; torch.nn.GRU applies the reset gate "
                             f"after the matmul, as Keras's reset_after=True (its default)")
        kind = torch.nn.LSTM if isinstance(layer, LSTM) else torch.nn.GRU
        module = kind(features, units, batch_first=True, bias=cell.use_bias)
    kernel, recurrent = cell.kernel.data, cell.recurrent_kernel.data
    bias = cell.bias.data if cell.use_bias else None
    b_ih, b_hh = (bias[0], bias[1]) if isinstance(layer, GRU) and bias is not None else (bias, None)
    if isinstance(layer, GRU):                  # Keras's blocks z, r, h -> torch's r, z, n
        order = np.r_[units:2 * units, 0:units, 2 * units:3 * units]
        kernel, recurrent = kernel[:, order], recurrent[:, order]
        b_ih = b_ih[order] if b_ih is not None else None
        b_hh = b_hh[order] if b_hh is not None else None
    module.weight_ih_l0 = _parameter(torch, kernel.T)
    module.weight_hh_l0 = _parameter(torch, recurrent.T)
    if bias is not None:
        module.bias_ih_l0 = _parameter(torch, b_ih)
        module.bias_hh_l0 = _parameter(torch, b_hh if b_hh is not None else np.zeros_like(b_ih))

    class KerasRecurrent(torch.nn.Module):
        """The torch recurrent module, returning Keras's output: every step's h (return_sequences) or the last."""

        def __init__(self, rnn: Any, return_sequences: bool, go_backwards: bool):
            super().__init__()
            self.rnn, self.return_sequences, self.go_backwards = rnn, return_sequences, go_backwards

        def forward(self, x: Any) -> Any:
            if self.go_backwards:
                x = torch.flip(x, dims=(1,))   # Keras reads x_T first, and returns its outputs in that order
            out, _ = self.rnn(x)
            return out if self.return_sequences else out[:, -1]

        def extra_repr(self) -> str:
            return f"return_sequences={self.return_sequences}, go_backwards={self.go_backwards}"

    return KerasRecurrent(module, layer.return_sequences, layer.go_backwards)


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
    channels_first = False            # True between the front Permute and Flatten (see the module docstring)
    for layer in model.layers:
        name = layer.name.replace(".", "_")
        if channels_first and isinstance(layer, Activation) and layer.activation_name != "softmax":   # elementwise
            converted = _convert(torch, layer)
        elif isinstance(layer, (Conv2D, _Pooling2D, GlobalAveragePooling2D, UpSampling2D)) or (
                isinstance(layer, BatchNormalization) and len(layer.input_shape) == 4):
            if not channels_first:
                modules[f"{name}_to_channels_first"] = _permute_module(torch, (0, 3, 1, 2))
                channels_first = True
            converted = _channels_last_image_layer(torch, layer, name)
            channels_first = not isinstance(layer, GlobalAveragePooling2D)
        else:
            if channels_first:        # back to (N, H, W, C): Flatten in Keras's order; Dense, Dropout per position
                modules[f"{name}_to_channels_last"] = _permute_module(torch, (0, 2, 3, 1))
                channels_first = False
            converted = _convert(torch, layer)
        for sub_name, module in converted:
            modules[sub_name] = module
    if channels_first:                # the model ends on feature maps: hand them back channels-last
        modules["to_channels_last"] = _permute_module(torch, (0, 2, 3, 1))
    result = torch.nn.Sequential(modules)
    result.train(model.training)
    return result
