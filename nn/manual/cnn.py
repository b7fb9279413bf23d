"""Convolution and pooling by hand, NumPy only: forward and backward as the formulas of docs/backprop.md.

Images are channels-last, (N, H, W, C), kernels (kh, kw, C, F), as Keras and `tinygrad_edu.conv2d`
lay them out; s is the stride, and 'same' pads as TensorFlow does (the odd row or column at the
bottom / right). What a CNN layer computes, and what flows back through it:

    conv     out(i, j) = Σ_m Σ_n I(i·s + m, j·s + n) K(m, n) + b                  (summed over channels c)
             ∂L/∂K(m, n) = Σ_i Σ_j I(i·s + m, j·s + n) ∂L/∂out(i, j)   the correlation of I with ∂L/∂out
             ∂L/∂b = Σ_i Σ_j ∂L/∂out(i, j)
             ∂L/∂I = ∂L/∂out (spread by s) fully convolved with K: correlated with K flipped (K[::-1, ::-1])
    max pool out(i, j) = max of the window;  ∂L/∂out(i, j) goes to the position of the maximum
    avg pool out(i, j) = mean of the window; ∂L/∂out(i, j) is spread evenly over the window

`CNN` chains them with relu, flatten and Dense layers into the lecture's backprop (a cost J summed
over the samples, δ(out) = A(out) − Y for softmax + cross-entropy), and `compare_cnn` puts its
gradients beside the engine's for an nn.Sequential with Conv2D / pooling / Flatten / Dense layers.
The loops run over the kernel's (or pool's) positions m, n: a few, each a whole-image NumPy step.

>>> I = np.zeros((1, 6, 6, 1)); I[0, :, :3, 0] = 30                 # the handout's image: left half 30
>>> K = np.array([[1.0, 0, -1]] * 3).reshape(3, 3, 1, 1)             # its vertical-edge filter
>>> conv2d(I, K)[0, :, :, 0]
array([[ 0., 90., 90.,  0.],
       [ 0., 90., 90.,  0.],
       [ 0., 90., 90.,  0.],
       [ 0., 90., 90.,  0.]])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

Pair = tuple[int, int]


# ---- padding and windows ---------------------------------------------------------------------------

def padding_widths(size: Pair, window: Pair, strides: Pair, padding: str) -> tuple[Pair, Pair]:
    """((top, bottom), (left, right)): none for 'valid'; for 'same', enough for ceil(H / s) outputs,
    the odd one at the bottom / right (TensorFlow's rule).

    >>> padding_widths((28, 28), (3, 3), (1, 1), "same"), padding_widths((5, 5), (2, 2), (2, 2), "same")
    (((1, 1), (1, 1)), ((0, 1), (0, 1)))
    """
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding != "same":
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    widths = []
    for n, k, s in zip(size, window, strides):
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        widths.append((total // 2, total - total // 2))
    return widths[0], widths[1]


def pad(X: np.ndarray, widths: tuple[Pair, Pair], value: float = 0.0) -> np.ndarray:
    """X with rows added above / below and columns left / right of every image."""
    return np.pad(X, ((0, 0), widths[0], widths[1], (0, 0)), constant_values=value)


def crop(Xp: np.ndarray, widths: tuple[Pair, Pair], size: Pair) -> np.ndarray:
    """The inverse of `pad`: the H × W image inside the padding."""
    (top, _), (left, _) = widths
    return Xp[:, top:top + size[0], left:left + size[1], :]


def window_entries(Xp: np.ndarray, m: int, n: int, out_size: Pair, strides: Pair) -> np.ndarray:
    """I(i·s + m, j·s + n) for every output position (i, j): entry (m, n) of every window, at once."""
    (oh, ow), (sh, sw) = out_size, strides
    return Xp[:, m:m + sh * (oh - 1) + 1:sh, n:n + sw * (ow - 1) + 1:sw, :]


def output_size(size: Pair, window: Pair, strides: Pair) -> Pair:
    """(H − kh) // s + 1 rows, and the same for the columns, of the (padded) image."""
    (h, w), (kh, kw), (sh, sw) = size, window, strides
    if kh > h or kw > w:
        raise ValueError(f"the {kh}×{kw} window is bigger than the {h}×{w} image: use padding='same'")
    return (h - kh) // sh + 1, (w - kw) // sw + 1


# ---- convolution -----------------------------------------------------------------------------------

def conv2d(X: np.ndarray, K: np.ndarray, b: np.ndarray | None = None, strides: Pair = (1, 1),
           padding: str = "valid") -> np.ndarray:
    """out(i, j) = Σ_m Σ_n I(i·s + m, j·s + n) K(m, n) + b, per filter, summed over the channels.

    (Keras and PyTorch compute this correlation and call it convolution; so does the handout.)
    """
    X, K = np.asarray(X, dtype=np.float64), np.asarray(K, dtype=np.float64)
    kh, kw, _, F = K.shape
    widths = padding_widths(X.shape[1:3], (kh, kw), strides, padding)
    Xp = pad(X, widths)
    oh, ow = output_size(Xp.shape[1:3], (kh, kw), strides)
    out = np.zeros((X.shape[0], oh, ow, F))
    for m in range(kh):
        for n in range(kw):
            out += window_entries(Xp, m, n, (oh, ow), strides) @ K[m, n]   # I(i·s + m, j·s + n) K(m, n)
    return out if b is None else out + b                                   # + b


def conv2d_backward(X: np.ndarray, K: np.ndarray, dOut: np.ndarray, strides: Pair = (1, 1),
                    padding: str = "valid") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(∂L/∂I, ∂L/∂K, ∂L/∂b) from ∂L/∂out, the gradient arriving at the convolution's output."""
    X, K = np.asarray(X, dtype=np.float64), np.asarray(K, dtype=np.float64)
    kh, kw, _, _ = K.shape
    (sh, sw), (oh, ow) = strides, dOut.shape[1:3]
    widths = padding_widths(X.shape[1:3], (kh, kw), strides, padding)
    Xp = pad(X, widths)
    dK = np.zeros_like(K)
    for m in range(kh):
        for n in range(kw):
            I_mn = window_entries(Xp, m, n, (oh, ow), strides)
            dK[m, n] = np.einsum("nijc,nijf->cf", I_mn, dOut)   # ∂L/∂K(m, n) = Σ_i Σ_j I(i·s + m, j·s + n) ∂L/∂out(i, j)
    db = dOut.sum(axis=(0, 1, 2))                               # ∂L/∂b = Σ_i Σ_j ∂L/∂out(i, j)
    # ∂L/∂I: out(i, j) used I(i·s + m, j·s + n) with weight K(m, n). Put each ∂L/∂out(i, j) where its
    # window starts (s − 1 zeros between them), pad kh − 1 / kw − 1 zeros all round, and correlate with
    # the flipped kernel (filters in, channels out): that is the full convolution of ∂L/∂out with K.
    spread = np.zeros((dOut.shape[0], sh * (oh - 1) + 1, sw * (ow - 1) + 1, dOut.shape[3]))
    spread[:, ::sh, ::sw, :] = dOut
    flipped = K[::-1, ::-1].transpose(0, 1, 3, 2)                # K(kh−1−m, kw−1−n), (kh, kw, F, C)
    dXp = conv2d(pad(spread, ((kh - 1, kh - 1), (kw - 1, kw - 1))), flipped)   # ∂L/∂I = full conv of ∂L/∂out with K
    # rows / columns no window reached (a stride that does not tile the image) get no gradient
    dXp = np.pad(dXp, ((0, 0), (0, Xp.shape[1] - dXp.shape[1]), (0, Xp.shape[2] - dXp.shape[2]), (0, 0)))
    return crop(dXp, widths, X.shape[1:3]), dK, db


# ---- pooling ---------------------------------------------------------------------------------------

def _pool_setup(X, pool_size, strides, padding, fill):
    X = np.asarray(X, dtype=np.float64)
    strides = pool_size if strides is None else strides
    widths = padding_widths(X.shape[1:3], pool_size, strides, padding)
    Xp = pad(X, widths, fill)
    return X, Xp, strides, widths, output_size(Xp.shape[1:3], pool_size, strides)


def max_pool2d(X: np.ndarray, pool_size: Pair = (2, 2), strides: Pair | None = None,
               padding: str = "valid") -> np.ndarray:
    """out(i, j) = max_{m, n} I(i·s + m, j·s + n), channel by channel ('same' pads with −∞)."""
    X, Xp, strides, _, size = _pool_setup(X, pool_size, strides, padding, -np.inf)
    out = np.full((X.shape[0], *size, X.shape[3]), -np.inf)
    for m in range(pool_size[0]):
        for n in range(pool_size[1]):
            out = np.maximum(out, window_entries(Xp, m, n, size, strides))   # out(i, j) = max I(i·s + m, j·s + n)
    return out


def max_pool2d_backward(X: np.ndarray, dOut: np.ndarray, pool_size: Pair = (2, 2), strides: Pair | None = None,
                        padding: str = "valid") -> np.ndarray:
    """∂L/∂I: each ∂L/∂out(i, j) goes to the position of its window's maximum.

    A window with several equal maxima (all zeros after a relu) shares it equally among them, as
    the engine's max does; every other entry of the window gets nothing.
    """
    X, Xp, strides, widths, size = _pool_setup(X, pool_size, strides, padding, -np.inf)
    out = max_pool2d(X, pool_size, strides, padding)
    ties = sum(window_entries(Xp, m, n, size, strides) == out
               for m in range(pool_size[0]) for n in range(pool_size[1]))
    dXp = np.zeros_like(Xp)
    for m in range(pool_size[0]):
        for n in range(pool_size[1]):
            is_max = window_entries(Xp, m, n, size, strides) == out
            window_entries(dXp, m, n, size, strides)[...] += dOut * is_max / ties   # to the maximum only
    return crop(dXp, widths, X.shape[1:3])


def _inside_counts(X, pool_size, strides, widths, size) -> np.ndarray:
    """How many entries of each window lie inside the image (fewer at a 'same' border)."""
    inside = pad(np.ones((1, *X.shape[1:3], 1)), widths)
    return sum(window_entries(inside, m, n, size, strides) for m in range(pool_size[0]) for n in range(pool_size[1]))


def avg_pool2d(X: np.ndarray, pool_size: Pair = (2, 2), strides: Pair | None = None,
               padding: str = "valid") -> np.ndarray:
    """out(i, j) = (1 / count) Σ_{m, n} I(i·s + m, j·s + n): the mean of the entries inside the image."""
    X, Xp, strides, widths, size = _pool_setup(X, pool_size, strides, padding, 0.0)
    count = _inside_counts(X, pool_size, strides, widths, size)
    total = sum(window_entries(Xp, m, n, size, strides) for m in range(pool_size[0]) for n in range(pool_size[1]))
    return total / count                                             # out(i, j) = mean of the window


def avg_pool2d_backward(X: np.ndarray, dOut: np.ndarray, pool_size: Pair = (2, 2), strides: Pair | None = None,
                        padding: str = "valid") -> np.ndarray:
    """∂L/∂I: each ∂L/∂out(i, j) spread evenly, ∂L/∂out(i, j) / count to every entry of its window."""
    X, Xp, strides, widths, size = _pool_setup(X, pool_size, strides, padding, 0.0)
    share = dOut / _inside_counts(X, pool_size, strides, widths, size)
    dXp = np.zeros_like(Xp)
    for m in range(pool_size[0]):
        for n in range(pool_size[1]):
            window_entries(dXp, m, n, size, strides)[...] += share   # ∂L/∂out(i, j) / count, evenly
    return crop(dXp, widths, X.shape[1:3])


# ---- a small CNN, backpropagated by hand ---------------------------------------------------------------

@dataclass
class Conv:
    """A convolution layer: kernel K (kh, kw, C, F), bias b (F,), then relu or nothing ('linear')."""
    K: np.ndarray
    b: np.ndarray
    strides: Pair = (1, 1)
    padding: str = "valid"
    activation: str = "relu"
    name: str = "conv"


@dataclass
class Pool:
    """A pooling layer: kind 'max' or 'avg'."""
    kind: str = "max"
    pool_size: Pair = (2, 2)
    strides: Pair | None = None
    padding: str = "valid"
    name: str = "pool"


@dataclass
class Flatten:
    """(N, H, W, C) → (N, H·W·C), channels-last order (Keras's)."""
    name: str = "flatten"


@dataclass
class Dense:
    """Z = A W + b, then relu, 'linear', or 'softmax' (the last layer, with the cross-entropy cost)."""
    W: np.ndarray
    b: np.ndarray
    activation: str = "relu"
    name: str = "dense"


def _phi(name: str, Z: np.ndarray) -> np.ndarray:
    if name == "relu":
        return np.maximum(Z, 0.0)                                   # φ(z) = max(0, z)
    if name == "softmax":
        e = np.exp(Z - Z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)                     # φ(z)_j = e^(z_j) / Σ_k e^(z_k)
    if name == "linear":
        return Z
    raise ValueError(f"nn.manual.CNN knows the activations relu, linear and softmax (last layer), got {name!r}")


def _phi_prime(name: str, Z: np.ndarray) -> np.ndarray:
    return (Z > 0).astype(Z.dtype) if name == "relu" else np.ones_like(Z)   # relu′: 1 if z > 0 else 0


class CNN:
    """Conv / Pool / Flatten / Dense layers with the cross-entropy cost J = −Σ Σ y log a, by hand, float64.

    The last layer is a Dense with softmax, so δ(out) = A(out) − Y (docs/backprop.md); every layer
    below passes the error down with its own backward formula.

    >>> rng = np.random.default_rng(0)
    >>> net = CNN([Conv(rng.normal(size=(3, 3, 1, 2)), np.zeros(2), padding="same", name="conv2d"),
    ...            Pool("max", name="max_pooling2d"), Flatten(),
    ...            Dense(rng.normal(size=(8, 3)), np.zeros(3), activation="softmax", name="dense")])
    >>> grads = net.backward(rng.normal(size=(5, 4, 4, 1)), np.eye(3)[[0, 1, 2, 0, 1]])
    >>> [(k, v.shape) for k, v in grads.items()]
    [('∂J/∂K(conv2d)', (3, 3, 1, 2)), ('∂J/∂b(conv2d)', (2,)), ('∂J/∂W(dense)', (8, 3)), ('∂J/∂b(dense)', (3,))]
    """

    def __init__(self, layers: Sequence[Conv | Pool | Flatten | Dense]):
        self.layers = list(layers)
        last = self.layers[-1] if self.layers else None
        if not isinstance(last, Dense) or last.activation != "softmax":
            raise ValueError("nn.manual.CNN: the last layer must be a Dense with softmax (cross-entropy cost, "
                             "δ(out) = A(out) − Y)")

    def forward(self, X) -> list[tuple[np.ndarray, np.ndarray]]:
        """[(input, net input Z or None)] per layer, then (the output A(out), None)."""
        A = np.asarray(X, dtype=np.float64)
        trace = []
        for layer in self.layers:
            Z = None
            if isinstance(layer, Conv):
                Z = conv2d(A, layer.K, layer.b, layer.strides, layer.padding)
                trace.append((A, Z))
                A = _phi(layer.activation, Z)
            elif isinstance(layer, Pool):
                trace.append((A, Z))
                pool = max_pool2d if layer.kind == "max" else avg_pool2d
                A = pool(A, layer.pool_size, layer.strides, layer.padding)
            elif isinstance(layer, Flatten):
                trace.append((A, Z))
                A = A.reshape(len(A), -1)                               # channels-last order
            else:
                Z = A @ layer.W + layer.b                               # Z = A W + b
                trace.append((A, Z))
                A = _phi(layer.activation, Z)
        trace.append((A, None))
        return trace

    def cost(self, X, Y) -> float:
        """J = −Σ_i Σ_j y log a, a sum over the samples (so no 1/n in the gradients)."""
        A_out = self.forward(X)[-1][0]
        return float(-np.sum(np.asarray(Y) * np.log(A_out)))

    def backward(self, X, Y) -> dict[str, np.ndarray]:
        """∂J/∂K, ∂J/∂b of each Conv and ∂J/∂W, ∂J/∂b of each Dense, by name, layers left to right."""
        trace = self.forward(X)
        delta = trace[-1][0] - np.asarray(Y, dtype=np.float64)          # δ(out) = A(out) − Y
        per_layer = []                                                  # found right to left
        for layer, (A_in, Z) in reversed(list(zip(self.layers, trace[:-1]))):
            if isinstance(layer, Dense):
                if layer.activation != "softmax":
                    delta = delta * _phi_prime(layer.activation, Z)     # δ = ∂J/∂A ⊙ φ′(Z)
                per_layer.append({f"∂J/∂W({layer.name})": A_in.T @ delta,   # Δ = Aᵀ δ
                                  f"∂J/∂b({layer.name})": delta.sum(axis=0)})
                delta = delta @ layer.W.T                               # ∂J/∂A(below) = δ Wᵀ
            elif isinstance(layer, Flatten):
                delta = delta.reshape(A_in.shape)                       # back to (N, H, W, C)
            elif isinstance(layer, Pool):
                back = max_pool2d_backward if layer.kind == "max" else avg_pool2d_backward
                delta = back(A_in, delta, layer.pool_size, layer.strides, layer.padding)
            else:
                delta = delta * _phi_prime(layer.activation, Z)         # through relu
                delta, dK, db = conv2d_backward(A_in, layer.K, delta, layer.strides, layer.padding)
                per_layer.append({f"∂J/∂K({layer.name})": dK, f"∂J/∂b({layer.name})": db})
        return {name: g for grads in reversed(per_layer) for name, g in grads.items()}   # left to right

    # ---- the bridge to nn.Sequential --------------------------------------------------------------------
    @classmethod
    def from_model(cls, model) -> CNN:
        """The same network as an nn.Sequential of Conv2D, MaxPooling2D / AveragePooling2D, Flatten and
        Dense layers (built, relu or linear inside, softmax last), its weights copied as float64."""
        from nn.layers import AveragePooling2D, Conv2D, MaxPooling2D, Dense as DenseLayer, Flatten as FlattenLayer  # bridge
        layers = []
        for layer in getattr(model, "layers", []):
            weights = [np.array(p.data, dtype=np.float64) for p in (getattr(layer, "kernel", None),
                                                                     getattr(layer, "bias", None)) if p is not None]
            act = getattr(layer, "activation_name", None) or "linear"
            if isinstance(layer, Conv2D) and len(weights) == 2:
                layers.append(Conv(*weights, layer.strides, layer.padding, act, layer.name))
            elif isinstance(layer, (MaxPooling2D, AveragePooling2D)):
                kind = "max" if isinstance(layer, MaxPooling2D) else "avg"
                layers.append(Pool(kind, layer.pool_size, layer.strides, layer.padding, layer.name))
            elif isinstance(layer, FlattenLayer):
                layers.append(Flatten(layer.name))
            elif isinstance(layer, DenseLayer) and len(weights) == 2:
                layers.append(Dense(*weights, act, layer.name))
            else:
                raise ValueError(f"nn.manual.CNN.from_model: layer '{layer.name}' ({type(layer).__name__}) has no "
                                 "hand-written backprop here; use built Conv2D and Dense layers with a bias, "
                                 "MaxPooling2D, AveragePooling2D and Flatten")
        return cls(layers)


def compare_cnn(model, X, Y, verbose: bool = True) -> dict[str, float]:
    """The CNN's gradients by hand (`CNN.from_model`) beside the engine's (`backward`), both in float64.

    Both sides compute J = −Σ Σ y log a (a sum over samples): the engine as n × its
    categorical_crossentropy, the mean. Returns {gradient name: max |hand − autodiff| / max |autodiff|}
    and prints the table (unless verbose=False). The model's own weights are left as they were.

    >>> import nn                                                              # doctest: +SKIP
    >>> model = nn.Sequential([nn.Conv2D(2, 3, activation="relu", input_shape=(6, 6, 1)), nn.MaxPooling2D(),
    ...                        nn.Flatten(), nn.Dense(3, activation="softmax")])  # doctest: +SKIP
    >>> nn.manual.compare_cnn(model, np.random.rand(4, 6, 6, 1), np.eye(3)[[0, 1, 2, 0]])   # doctest: +SKIP
    """
    from tinygrad_edu import Tensor                  # the engine's side, imported when called (as manual.compare)
    from nn.losses import CategoricalCrossentropy
    net = CNN.from_model(model)
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    hand = net.backward(X, Y)
    params = [(layer, p) for layer in model.layers for p in ("kernel", "bias") if getattr(layer, p, None) is not None]
    saved = [(getattr(layer, p).data, getattr(layer, p).grad) for layer, p in params]
    try:
        for layer, p in params:
            getattr(layer, p).data, getattr(layer, p).grad = getattr(layer, p).data.astype(np.float64), None
        loss = CategoricalCrossentropy()
        fused = loss.fuses(model.layers[-1])
        out = model.pre_activation(Tensor(X)) if fused else model(Tensor(X))
        J = (loss.forward_logits(out, Y) if fused else loss.forward(out, Y)) * float(len(X))   # J = n × mean
        J.backward()
        auto = {}
        for layer, hand_layer in zip(model.layers, net.layers):       # one hand layer per model layer
            if isinstance(hand_layer, (Conv, Dense)):
                K = "K" if isinstance(hand_layer, Conv) else "W"
                auto[f"∂J/∂{K}({layer.name})"], auto[f"∂J/∂b({layer.name})"] = layer.kernel.grad, layer.bias.grad
    finally:
        for (layer, p), (data, grad) in zip(params, saved):
            getattr(layer, p).data, getattr(layer, p).grad = data, grad
    errors = {name: float(np.max(np.abs(hand[name] - auto[name])) / max(np.max(np.abs(auto[name])), 1e-300))
              for name in hand}
    if verbose:
        print(f"J = −Σ Σ y log a   by hand {net.cost(X, Y):.15g}   by autodiff {float(J.item()):.15g}")
        print(f"{'gradient':<28}{'shape':<18}{'max rel |hand − autodiff|':>26}")
        for name, err in errors.items():
            print(f"{name:<28}{str(hand[name].shape):<18}{err:>26.3e}")
    return errors
