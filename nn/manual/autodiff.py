"""The autodiff side of `nn.manual.compare`: the lecture's cost J through the model and `backward`, float64.

nn's losses are means (Keras's); the lecture's J is a sum over samples, with a ½ in squared error.
So the engine is given J = scale × loss + ½λ Σ ‖kernel‖², with the scale that undoes each mean:

    binary_crossentropy        mean over all n·t entries     J = n·t × loss
    categorical_crossentropy   mean over the n samples       J = n × loss      (also sparse_, cross_entropy)
    mse                        mean over all n·t entries     J = n·t/2 × loss  (½ Σ (a − y)²)

and the L2 term covers the kernels only: the bias (W's row 0) is not penalised, as in `MLP.cost`.
The forward pass is the model's own (its Dense layers, its fused softmax/sigmoid + loss), on
float64 copies of the weights, so nothing about the model changes.

>>> import numpy as np, nn
>>> model = nn.Sequential([nn.Dense(1, input_dim=1)]); model.compile(loss="mse")
>>> model.set_weights([np.array([[-1.0]]), np.array([5.0])])          # y = m·x + b, m = −1, b = 5
>>> Deltas, J, _ = autodiff_deltas(model, [[1.0], [2.0]], [3.0, 5.0])
>>> J, Deltas[0].ravel().tolist()                                     # ½ Σ (ŷ − y)², [∂J/∂b, ∂J/∂m]
(2.5, [-1.0, -3.0])
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from tinygrad_edu import Tensor

from .. import losses
from ..layers import Dense

# J = scale(n, t) × loss for each nn loss (by its `name`) that has a hand-derived backprop, as above
SCALES: dict[str, tuple[Callable[[int, int], float], str]] = {
    "binary_crossentropy": (lambda n, t: n * t, "n·t"),
    "categorical_crossentropy": (lambda n, t: n, "n"),
    "sparse_categorical_crossentropy": (lambda n, t: n, "n"),
    "cross_entropy": (lambda n, t: n, "n"),
    "mse": (lambda n, t: n * t / 2, "n·t/2"),
}


def cost_scale(loss_name: str) -> tuple[Callable, str]:
    """(scale(n, t), its formula as text): J = scale × loss for the nn loss named loss_name."""
    if loss_name not in SCALES:
        raise ValueError(f"nn.manual: no hand-derived backprop for the loss {loss_name!r}; "
                         f"use one of {', '.join(SCALES)}")
    return SCALES[loss_name]


def dense_layers(model) -> list[Dense]:
    """The model's layers, checked to be what the lecture's W(l) maps to: built Dense layers with a bias."""
    layers = list(getattr(model, "layers", []))
    if not layers:
        raise ValueError(f"nn.manual: expected an nn.Sequential of Dense layers, got {type(model).__name__}")
    for layer in layers:
        if not isinstance(layer, Dense) or not layer.built or not layer.use_bias:
            raise ValueError(f"nn.manual: every layer must be a built Dense with a bias (the lecture's W has a "
                             f"bias row); layer '{layer.name}' is a {type(layer).__name__}"
                             + ("" if not isinstance(layer, Dense) else
                                " without a bias" if layer.built else " not yet built (give input_dim)"))
    return layers


def autodiff_deltas(model, X, Y, loss=None, l2: float = 0.0, weights: Sequence[np.ndarray] | None = None
                    ) -> tuple[list[np.ndarray], float, str]:
    """([∂J/∂W(l) as [∂J/∂bias; ∂J/∂kernel] per Dense layer], J, the loss's name), by the engine in float64.

    weights (W(l) with the bias as row 0, as `MLP.W`) replace the model's for this one evaluation;
    by default the model's own weights are used. The model's arrays are restored afterwards.
    """
    loss_obj = losses.get(loss if loss is not None else model.loss)
    scale, _ = cost_scale(loss_obj.name)
    dense = dense_layers(model)
    for layer in dense:
        if layer.kernel_regularizer is not None:
            raise ValueError(f"nn.manual.compare: layer '{layer.name}' has its own kernel_regularizer, a penalty on "
                             f"the mean loss; leave it out and pass l2=λ, which adds the lecture's ½λ Σ w²")
    if weights is None:
        weights = [np.vstack([layer.bias.data[None, :], layer.kernel.data]) for layer in dense]
    X = np.asarray(X, dtype=np.float64)
    Yarr = np.asarray(Y)
    Y = Yarr.astype(np.float64) if Yarr.dtype.kind == "f" else Yarr   # integer labels stay labels
    saved = [(layer.kernel.data, layer.bias.data, layer.kernel.grad, layer.bias.grad) for layer in dense]
    try:
        for layer, W in zip(dense, weights):
            W = np.asarray(W, dtype=np.float64)
            layer.kernel.data, layer.bias.data = W[1:].copy(), W[0].copy()   # kernel = W[1:], bias = W[0]
            layer.kernel.grad = layer.bias.grad = None
        fused = loss_obj.fuses(dense[-1])                                   # the one decision, as in fit
        out = model.pre_activation(Tensor(X)) if fused else model(Tensor(X))
        mean_loss = loss_obj.forward_logits(out, Y) if fused else loss_obj.forward(out, Y)
        J = mean_loss * float(scale(out.shape[0], out.shape[1]))             # the sum the lecture writes
        for layer in dense:
            J = J + (layer.kernel * layer.kernel).sum() * (0.5 * l2)         # + ½λ Σ w², kernels only
        J.backward()
        Deltas = [np.vstack([layer.bias.grad[None, :], layer.kernel.grad]) for layer in dense]
        return Deltas, float(J.item()), loss_obj.name
    finally:
        for layer, (kernel, bias, kgrad, bgrad) in zip(dense, saved):
            layer.kernel.data, layer.bias.data, layer.kernel.grad, layer.bias.grad = kernel, bias, kgrad, bgrad
