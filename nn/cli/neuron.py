"""One neuron of a trained model as a small graph: a = φ(Σ xᵢ·wᵢ + b) on one input, backpropagated.

The picture a student can check by hand: the trained weights of one unit of the first layer,
one test sample's inputs, and after `a.backward()` each weight's gradient ∂a/∂wᵢ = xᵢ·φ′(z).
With a few inputs (iris, the 2-D sets) every xᵢ·wᵢ is its own Value; with many (MNIST's 784
pixels) x and w are small Tensors, so the picture stays four boxes wide.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from tinygrad_edu import Tensor, Value

MAX_SCALAR_INPUTS = 8       # beyond this a Value per input makes a picture nobody can read


def neuron_graph(model, x: np.ndarray, feature_names: Sequence[str]) -> tuple[Value | Tensor, str]:
    """(the neuron's output node, after backward; a caption saying which neuron and what it computes).

    The unit is the one of the first layer with the largest z on this input, so that a ReLU is
    active and the gradients are not all zero; without hidden layers, the predicted class's unit.
    """
    layer = model.layers[0]
    kernel = np.asarray(layer.kernel.data, dtype=np.float64)
    bias = np.asarray(layer.bias.data, dtype=np.float64) if layer.use_bias else np.zeros(kernel.shape[1])
    x = np.asarray(x, dtype=np.float64)
    j = int(np.argmax(x @ kernel + bias))
    act = layer.activation_name or "linear"
    if x.size <= MAX_SCALAR_INPUTS:
        z = _scalar_sum(x, kernel[:, j], bias[j], feature_names)
    else:
        z = _tensor_sum(x, kernel[:, j], bias[j], layer.name)
    a = _activate(z, act)
    a.backward()
    what = "hidden" if len(model.layers) > 1 else "output"
    formula = "z = Σ xᵢ·wᵢ + b" if act in ("linear", "softmax") else f"a = {act}(Σ xᵢ·wᵢ + b)"
    caption = (f"{what} unit {j + 1} of layer '{layer.name}' ({act}) on one test sample: {formula} = {_num(a)}; "
               f"backward fills ∂{'z' if a is z else 'a'}/∂wᵢ = xᵢ·φ′(z)")
    if act == "softmax":
        caption += " (softmax mixes every unit, so the picture stops at this unit's z)"
    return a, caption


def _scalar_sum(x: np.ndarray, w: np.ndarray, b: float, names: Sequence[str]) -> Value:
    """z = x1·w1 + x2·w2 + ... + b, one labelled Value per number (micrograd's neuron)."""
    total = None
    for i, (xi, wi) in enumerate(zip(x.tolist(), w.tolist()), start=1):
        name = names[i - 1] if i - 1 < len(names) and names[i - 1] != f"x{i}" else ""
        # the inputs are data, not parameters: constants, drawn dashed, with no gradient
        xv = Value(xi, label=f"x{i} ({name})" if name else f"x{i}", requires_grad=False)
        product = xv * Value(wi, label=f"w{i}")
        product.label = f"x{i}·w{i}"
        total = product if total is None else total + product
    z = total + Value(b, label="b")
    z.label = "z"
    return z


def _tensor_sum(x: np.ndarray, w: np.ndarray, b: float, layer_name: str) -> Tensor:
    """z = Σ (x ⊙ w) + b with x and w whole vectors: three ops, however many inputs."""
    xt = Tensor(x, label=f"x ({x.size} inputs)")
    wt = Tensor(w, requires_grad=True, label=f"w (a column of {layer_name}.kernel)")
    product = xt * wt
    product.label = "x ⊙ w"
    total = product.sum()
    total.label = "Σ xᵢ·wᵢ"
    z = total + Tensor(np.float64(b), requires_grad=True, label="b")
    z.label = "z"
    return z


def _activate(z, act: str):
    """φ(z) as one more node (none for a linear unit, nor for softmax, which needs the whole layer)."""
    if act in ("linear", "softmax"):
        return z
    if act == "gaussian":
        a = (-(z * z)).exp()                   # nn's gaussian: e^(-z²)
    elif act == "leaky_relu":
        a = z.leaky_relu(0.01)                 # nn.activations.leaky_relu's default slope
    else:
        a = getattr(z, act)()                  # relu, sigmoid, tanh: methods of Value and Tensor
    a.label = "a"
    return a


def _num(node) -> str:
    return f"{float(np.asarray(node.data)):.4g}"
