"""Backprop by hand, in the lecture's matrix notation, NumPy only: `MLP`, and `compare` with autodiff.

The course (Chapter 2, "Multilayers ANN", B.3) trains a network with these lines, and `MLP`
computes exactly them, one line of code per line of the slide:

    A(in)  = [1, X]                          n × (1+m)   the bias column of ones
    Z(h)   = A(in) W(h)                      W(h) is (1+m) × h; its row 0 is the bias
    A(h)   = [1, φ(Z(h))]                    n × (1+h)
    Z(out) = A(h) W(out)                     W(out) is (1+h) × t
    A(out) = φ(Z(out))                       n × t
    δ(out) = A(out) − Y                      sigmoid + logistic cost, softmax + cross-entropy
    δ(out) = (A(out) − Y) ⊙ φ′(Z(out))       squared error ½ Σ (A(out) − Y)²
    δ(h)   = δ(out) W(out)ᵀ ⊙ φ′(Z(h))       W(out) without its bias row
    Δ(l)   = A(l−1)ᵀ δ(l) + λ W(l)           the bias row is not penalised (see `MLP.cost`)
    W(l)  := W(l) − η Δ(l)

With several hidden layers they are named h1, h2, ... (Δ(h1), Δ(h2), Δ(out)); with none, the
network is the line fit y = m·x + b of the "How a Neural Network Trains" notes.

The cost is the lecture's: a SUM over the n samples (not a mean), so that Δ = Aᵀδ holds without
a 1/n; the squared error carries a ½ so that δ(out) has no 2; and the L2 term is ½λ Σ w² over
every weight except the bias rows (the lecture's sum starts at i = 1, unit 0 being the bias):

    logistic        J = −Σ_i Σ_j [y log a + (1 − y) log(1 − a)] + ½λ Σ w²
    cross_entropy   J = −Σ_i Σ_j y log a                        + ½λ Σ w²     (a = softmax(z))
    squared_error   J = ½ Σ_i Σ_j (a − y)²                      + ½λ Σ w²

This file imports NumPy only, so a student can copy it out and run it alone (tests/test_manual.py runs
a copy with the engine made unimportable). `compare`, `check`, `MLP.from_model` and `MLP.to_model`
bridge to the engine and import `nn` when called (one way: `nn.manual.autodiff` never imports this file).

>>> import numpy as np
>>> net = MLP((2, 3, 1), activation="sigmoid", cost="logistic", seed=0)
>>> X, Y = np.array([[0., 1.], [1., 0.]]), np.array([[1.], [0.]])
>>> grads = net.backward(X, Y)
>>> list(grads)
['δ(out)', 'δ(h)', 'Δ(h)', 'Δ(out)']
>>> grads["Δ(h)"].shape, grads["Δ(out)"].shape
((3, 3), (4, 1))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

COSTS = ("logistic", "cross_entropy", "squared_error")

# The same costs under the names `Sequential.compile(loss=...)` takes (the `name` of nn's loss classes).
LOSS_NAMES: dict[str, str] = {
    "binary_crossentropy": "logistic",
    "categorical_crossentropy": "cross_entropy",
    "sparse_categorical_crossentropy": "cross_entropy",
    "cross_entropy": "cross_entropy",          # nn.CrossEntropyLoss (PyTorch's, always from logits)
    "mse": "squared_error",
    "mean_squared_error": "squared_error",
}

# The output activation each classification cost is paired with, so that δ(out) = A(out) − Y.
PAIRED_OUTPUT = {"logistic": "sigmoid", "cross_entropy": "softmax"}


# ---- φ and φ′, written out ---------------------------------------------------------------------------

def sigmoid(z: np.ndarray) -> np.ndarray:
    """φ(z) = 1 / (1 + e^(−z)).

    >>> sigmoid(np.array([0.0]))
    array([0.5])
    """
    with np.errstate(over="ignore"):          # e^(−z) = inf for z < −709 gives φ = 0, which is right
        return 1.0 / (1.0 + np.exp(-z))       # φ(z) = 1 / (1 + e^(−z))


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    """φ′(z) = φ(z)(1 − φ(z)), the slide's a(h) ⊙ (1 − a(h))."""
    a = sigmoid(z)
    return a * (1.0 - a)                      # φ′(z) = φ(z)(1 − φ(z))


def tanh(z: np.ndarray) -> np.ndarray:
    """φ(z) = (e^z − e^(−z)) / (e^z + e^(−z))."""
    return np.tanh(z)


def tanh_prime(z: np.ndarray) -> np.ndarray:
    """φ′(z) = 1 − tanh²(z)."""
    return 1.0 - np.tanh(z) ** 2              # φ′(z) = 1 − tanh²(z)


def relu(z: np.ndarray) -> np.ndarray:
    """φ(z) = max(0, z)."""
    return np.maximum(z, 0.0)                 # φ(z) = max(0, z)


def relu_prime(z: np.ndarray) -> np.ndarray:
    """φ′(z) = 1 if z > 0 else 0 (0 at z = 0, as the engine's rule)."""
    return (z > 0).astype(z.dtype)            # φ′(z) = 1 if z > 0 else 0


def linear(z: np.ndarray) -> np.ndarray:
    """φ(z) = z (the line fit's output)."""
    return z


def linear_prime(z: np.ndarray) -> np.ndarray:
    """φ′(z) = 1."""
    return np.ones_like(z)


def softmax(z: np.ndarray) -> np.ndarray:
    """φ(z)_j = e^(z_j) / Σ_k e^(z_k), row by row (max subtracted first: same value, no overflow)."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)   # φ(z)_j = e^(z_j) / Σ_k e^(z_k)


ACTIVATIONS: dict[str, tuple[Callable, Callable | None]] = {
    "sigmoid": (sigmoid, sigmoid_prime), "tanh": (tanh, tanh_prime), "relu": (relu, relu_prime),
    "linear": (linear, linear_prime),
    "softmax": (softmax, None),   # its φ′ is a matrix per sample: only used with cross-entropy, where δ = A − Y
}


def add_bias_column(X: np.ndarray) -> np.ndarray:
    """[1, X]: a column of ones in front, the bias unit a₀ = 1.

    >>> add_bias_column(np.array([[2.0, 3.0]]))
    array([[1., 2., 3.]])
    """
    return np.hstack([np.ones((X.shape[0], 1)), X])


def cost_of(loss) -> str:
    """The lecture's cost name for an `MLP` cost name, a `compile(loss=...)` string, or an nn Loss object.

    >>> cost_of("binary_crossentropy"), cost_of("mse"), cost_of("cross_entropy")
    ('logistic', 'squared_error', 'cross_entropy')
    """
    name = loss if isinstance(loss, str) else getattr(loss, "name", None)
    if name in COSTS:
        return name
    if name in LOSS_NAMES:
        return LOSS_NAMES[name]
    raise ValueError(f"nn.manual has no hand-derived backprop for the loss {loss!r}; it knows the costs "
                     f"{', '.join(COSTS)} and the compile names {', '.join(LOSS_NAMES)}")


def layer_names(hidden_layers: int) -> list[str]:
    """The lecture's layer names: ['out'], ['h', 'out'], or ['h1', 'h2', ..., 'out'].

    >>> layer_names(1), layer_names(2)
    (['h', 'out'], ['h1', 'h2', 'out'])
    """
    if hidden_layers == 1:
        return ["h", "out"]
    return [f"h{k}" for k in range(1, hidden_layers + 1)] + ["out"]


# ---- the network ---------------------------------------------------------------------------------------

class MLP:
    """A multilayer perceptron trained by the lecture's matrix backprop, NumPy only, float64.

    sizes        (m, h1, ..., t): inputs, the hidden widths (any number, also none), outputs
    activation   φ of the hidden layers: 'sigmoid', 'tanh', 'relu' (one name, or one per hidden layer)
    cost         'logistic' (sigmoid outputs), 'cross_entropy' (softmax outputs) or 'squared_error';
                 compile's names ('binary_crossentropy', 'categorical_crossentropy', 'mse') work too
    output       φ of the output layer for 'squared_error' (default 'linear'); the classification
                 costs fix it (sigmoid, softmax), so that δ(out) = A(out) − Y
    l2, eta      λ and η of the slides
    weights      W(h1), ..., W(out), each with its bias as row 0; default: N(0, 0.1²), bias rows 0

    >>> net = MLP((4, 5, 3), activation="tanh", cost="cross_entropy", l2=0.1, eta=0.01, seed=1)
    >>> [W.shape for W in net.W], net.names
    ([(5, 5), (6, 3)], ['h', 'out'])
    >>> X, y = np.random.default_rng(0).normal(size=(6, 4)), np.array([0, 1, 2, 0, 1, 2])
    >>> costs = net.fit(X, y, epochs=50)
    >>> costs[-1] < costs[0], net.predict(X).shape
    (True, (6,))
    """

    def __init__(self, sizes: Sequence[int], activation: str | Sequence[str] = "sigmoid", cost: str = "logistic",
                 output: str | None = None, l2: float = 0.0, eta: float = 0.1,
                 weights: Sequence[np.ndarray] | None = None, seed: int | None = None):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"MLP(sizes): give (m, hidden widths..., t), each at least 1, got {tuple(sizes)}")
        self.sizes = sizes
        self.cost_name = cost_of(cost)
        n_hidden = len(sizes) - 2
        self.activations = [activation] * n_hidden if isinstance(activation, str) else list(activation)
        if len(self.activations) != n_hidden:
            raise ValueError(f"MLP: {n_hidden} hidden layers but {len(self.activations)} activations "
                             f"{self.activations}")
        for a in self.activations:
            if a not in ACTIVATIONS or a == "softmax":
                raise ValueError(f"MLP: hidden activation {a!r} unknown; use 'sigmoid', 'tanh', 'relu' or 'linear'")
        paired = PAIRED_OUTPUT.get(self.cost_name)
        if paired is not None and output not in (None, paired):
            raise ValueError(f"MLP: the {self.cost_name} cost goes with {paired} outputs (that is what makes "
                             f"δ(out) = A(out) − Y), got output={output!r}")
        self.output = paired or output or "linear"
        if self.output not in ACTIVATIONS or (self.cost_name == "squared_error" and self.output == "softmax"):
            raise ValueError(f"MLP: output activation {self.output!r} is not supported with squared error; use "
                             f"'sigmoid', 'tanh', 'relu' or 'linear'")
        self.l2, self.eta = float(l2), float(eta)
        self.names = layer_names(n_hidden) if n_hidden else ["out"]
        if weights is None:
            rng = np.random.default_rng(seed)
            weights = []
            for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
                W = rng.normal(0.0, 0.1, (1 + fan_in, fan_out))   # small random weights break the symmetry
                W[0] = 0.0                                          # bias row starts at 0
                weights.append(W)
        self.W = [np.array(W, dtype=np.float64) for W in weights]
        for l, (W, fan_in, fan_out) in enumerate(zip(self.W, sizes[:-1], sizes[1:])):
            if W.shape != (1 + fan_in, fan_out):
                raise ValueError(f"MLP: W({self.names[l]}) must be (1+{fan_in}) × {fan_out} (bias row first), "
                                 f"got shape {W.shape}")
        if len(self.W) != len(sizes) - 1:
            raise ValueError(f"MLP: sizes {tuple(sizes)} need {len(sizes) - 1} weight matrices, got {len(self.W)}")

    def __repr__(self) -> str:
        return (f"MLP(sizes={tuple(self.sizes)}, activation={self.activations}, cost={self.cost_name!r}, "
                f"output={self.output!r}, l2={self.l2}, eta={self.eta})")

    # ---- forward propagation -------------------------------------------------------------------------
    def forward(self, X) -> dict[str, np.ndarray]:
        """A(in), Z(h), A(h), ..., Z(out), A(out) under the lecture's names (A(h) with its bias column).

        >>> f = MLP((2, 3, 1), seed=0).forward(np.zeros((5, 2)))
        >>> {k: v.shape for k, v in f.items()}
        {'A(in)': (5, 3), 'Z(h)': (5, 3), 'A(h)': (5, 4), 'Z(out)': (5, 1), 'A(out)': (5, 1)}
        """
        X = self._inputs(X)
        A = add_bias_column(X)                                      # A(in) = [1, X]
        f = {"A(in)": A}
        for l, (W, name) in enumerate(zip(self.W, self.names)):
            Z = A @ W                                               # Z(l) = A(l−1) W(l)
            if name == "out":
                A = ACTIVATIONS[self.output][0](Z)                  # A(out) = φ(Z(out))
            else:
                A = add_bias_column(ACTIVATIONS[self.activations[l]][0](Z))   # A(h) = [1, φ(Z(h))]
            f[f"Z({name})"], f[f"A({name})"] = Z, A
        return f

    # ---- backpropagation -----------------------------------------------------------------------------
    def backward(self, X, Y, forward: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """δ(out), δ(h)..., then Δ(h)..., Δ(out): the errors and the gradients ∂J/∂W(l), by name.

        >>> g = MLP((2, 2, 1), cost="squared_error", seed=0).backward(np.ones((3, 2)), np.zeros(3))
        >>> [(k, v.shape) for k, v in g.items()]
        [('δ(out)', (3, 1)), ('δ(h)', (3, 2)), ('Δ(h)', (3, 2)), ('Δ(out)', (3, 1))]
        """
        f = forward if forward is not None else self.forward(X)
        Y = self._targets(Y, len(f["A(in)"]))
        A_out, Z_out = f["A(out)"], f["Z(out)"]
        if self.cost_name == "squared_error":
            phi_prime = ACTIVATIONS[self.output][1]
            delta = (A_out - Y) * phi_prime(Z_out)                  # δ(out) = (A(out) − Y) ⊙ φ′(Z(out))
        else:
            delta = A_out - Y                                       # δ(out) = A(out) − Y
        deltas, Deltas = {"δ(out)": delta}, {}
        inputs = ["in"] + self.names[:-1]                           # layer l's input is layer l−1's A
        for l in reversed(range(len(self.W))):
            name, W, A_prev = self.names[l], self.W[l], f[f"A({inputs[l]})"]
            Deltas[f"Δ({name})"] = A_prev.T @ delta + self.l2 * self._penalised(W)   # Δ(l) = A(l−1)ᵀ δ(l) + λ W(l)
            if l > 0:
                phi_prime = ACTIVATIONS[self.activations[l - 1]][1]
                below = inputs[l]                                   # the hidden layer under W(l)
                # W[1:]: the bias unit a₀ = 1 is a constant, so W's bias row carries no error down
                delta = (delta @ W[1:].T) * phi_prime(f[f"Z({below})"])   # δ(h) = δ(out) W(out)ᵀ ⊙ φ′(Z(h))
                deltas[f"δ({below})"] = delta
        # δs were found right to left; the Δs are listed left to right, as the layers
        return {**deltas, **{f"Δ({name})": Deltas[f"Δ({name})"] for name in self.names}}

    def gradients(self, X, Y) -> list[np.ndarray]:
        """[Δ(h1), ..., Δ(out)], in the order of `self.W`.

        >>> [D.shape for D in MLP((2, 3, 1), seed=0).gradients(np.ones((4, 2)), np.ones(4))]
        [(3, 3), (4, 1)]
        """
        g = self.backward(X, Y)
        return [g[f"Δ({name})"] for name in self.names]

    def _penalised(self, W: np.ndarray) -> np.ndarray:
        """W with its bias row set to 0: the part of W the ½λ Σ w² term covers (the sum starts at i = 1)."""
        W_reg = W.copy()
        W_reg[0] = 0.0                                              # w₀ⱼ, the bias, is not penalised
        return W_reg

    # ---- the cost ------------------------------------------------------------------------------------
    def cost(self, X, Y) -> float:
        """J(W), the lecture's cost: a sum over samples and outputs, plus ½λ Σ w² (bias rows left out).

        >>> MLP((1, 1), cost="squared_error", weights=[np.array([[5.0], [-1.0]])]).cost([[1.0], [2.0]], [3.0, 5.0])
        2.5
        """
        f = self.forward(X)
        Y = self._targets(Y, len(f["A(in)"]))
        A, Z = f["A(out)"], f["Z(out)"]
        if self.cost_name == "logistic":
            # log a = log σ(z) = −log(1 + e^(−z)) and log(1 − a) = −log(1 + e^z), exact where σ(z) rounds to 1
            log_a, log_1_minus_a = -np.logaddexp(0.0, -Z), -np.logaddexp(0.0, Z)
            J = -np.sum(Y * log_a + (1 - Y) * log_1_minus_a)        # J = −Σ Σ [y log a + (1 − y) log(1 − a)]
        elif self.cost_name == "cross_entropy":
            log_a = Z - Z.max(axis=1, keepdims=True)
            log_a = log_a - np.log(np.exp(log_a).sum(axis=1, keepdims=True))   # log softmax(z), no overflow
            J = -np.sum(Y * log_a)                                  # J = −Σ Σ y log a
        else:
            J = 0.5 * np.sum((A - Y) ** 2)                          # J = ½ Σ Σ (a − y)²
        J += 0.5 * self.l2 * sum(np.sum(W[1:] ** 2) for W in self.W)   # + ½λ Σ w², bias rows left out
        return float(J)

    # ---- training ------------------------------------------------------------------------------------
    def step(self, Deltas: Sequence[np.ndarray], eta: float | None = None) -> None:
        """One gradient-descent update of every layer, W(l) := W(l) − η Δ(l)."""
        eta = self.eta if eta is None else float(eta)
        for W, Delta in zip(self.W, Deltas):
            W -= eta * Delta                                        # W(l) := W(l) − η Δ(l)

    def fit(self, X, Y, epochs: int = 100, eta: float | None = None) -> list[float]:
        """Full-batch gradient descent ("ulangi dari langkah 1"): the cost J before each of the epochs.

        >>> net = MLP((1, 1), cost="squared_error", weights=[np.array([[5.0], [-1.0]])])
        >>> net.fit([[1.0], [2.0]], [3.0, 5.0], epochs=1, eta=0.1), net.W[0].ravel().round(12).tolist()
        ([2.5], [5.1, -0.7])
        """
        costs = []
        for _ in range(epochs):
            costs.append(self.cost(X, Y))
            self.step(self.gradients(X, Y), eta)
        return costs

    def predict(self, X) -> np.ndarray:
        """The lecture's last step: class labels for the classification costs (argmax of A(out), or
        A(out) ≥ 0.5 with a single output), A(out) itself for squared error.

        >>> MLP((2, 3), cost="cross_entropy", seed=0).predict(np.zeros((2, 2))).shape
        (2,)
        """
        A_out = self.forward(X)["A(out)"]
        if self.cost_name == "squared_error":
            return A_out
        if A_out.shape[1] == 1:
            return (A_out[:, 0] >= 0.5).astype(np.int64)            # ŷ = 1 if φ(z) ≥ 0.5 else 0
        return A_out.argmax(axis=1)                                 # the one-hot position of the largest a

    # ---- data --------------------------------------------------------------------------------------
    def _inputs(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"MLP: X must be n × m = n × {self.sizes[0]} (one sample per row), got shape {X.shape}")
        return X

    def _targets(self, Y, n: int) -> np.ndarray:
        """Y as n × t floats: integer labels become one-hot rows (cross-entropy), a vector a column."""
        Y = np.asarray(Y)
        t = self.sizes[-1]
        if Y.ndim == 1 and t > 1 and Y.dtype.kind in "iu":
            if Y.min() < 0 or Y.max() >= t:
                raise ValueError(f"MLP: labels must be 0..{t - 1} for {t} outputs, got {Y.min()}..{Y.max()}")
            Y = np.eye(t)[Y]                                        # label k ↦ the one-hot row e_k
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim == 1 and t == 1:
            Y = Y[:, None]
        if Y.shape != (n, t):
            raise ValueError(f"MLP: Y must be n × t = {n} × {t} (or {n} labels), got shape {Y.shape}")
        return Y

    # ---- the bridge to nn.Sequential ------------------------------------------------------------------
    @classmethod
    def from_model(cls, model, cost=None, l2: float = 0.0, eta: float = 0.1) -> MLP:
        """The same network as an nn.Sequential of Dense layers: W(l) = [bias; kernel] of each layer.

        cost defaults to the loss the model was compiled with. A 'sigmoid'/'softmax' last layer goes
        with the logistic/cross-entropy cost; a linear last layer with a from_logits loss is read as
        the same network with the activation inside the loss. The weights become float64.

        >>> import nn
        >>> model = nn.Sequential([nn.Dense(3, activation="tanh", input_dim=2), nn.Dense(1, activation="sigmoid")])
        >>> net = MLP.from_model(model, cost="binary_crossentropy")
        >>> [W.shape for W in net.W], net.activations, net.output
        ([(3, 3), (4, 1)], ['tanh'], 'sigmoid')
        """
        from nn.manual.autodiff import dense_layers   # here, not at the top: the MLP itself needs only NumPy
        dense = dense_layers(model)
        loss = cost if cost is not None else getattr(model, "loss", None)
        if loss is None:
            raise ValueError("MLP.from_model: the model is not compiled; give cost= ('logistic', "
                             "'binary_crossentropy', 'mse', ...)")
        name = cost_of(loss)
        acts = [_activation_name(layer) for layer in dense]
        output = _output_activation(name, acts[-1], bool(getattr(loss, "from_logits", False)))
        weights = [np.vstack([layer.bias.data[None, :], layer.kernel.data]).astype(np.float64) for layer in dense]
        sizes = [dense[0].kernel.shape[0]] + [layer.units for layer in dense]
        return cls(sizes, activation=acts[:-1], cost=name, output=output if name == "squared_error" else None,
                   l2=l2, eta=eta, weights=weights)

    def to_model(self, compile: bool = True):
        """An nn.Sequential of Dense layers holding these weights (kernel = W[1:], bias = W[0]).

        The model stores float32 (Keras's floatx), so the weights are rounded to float32. With
        compile=True it is compiled with the matching loss ('binary_crossentropy',
        'categorical_crossentropy', 'mse') and plain SGD.

        >>> MLP((2, 3, 1), seed=0).to_model().loss.name
        'binary_crossentropy'
        """
        from nn.layers import Dense                # here, not at the top: the MLP itself needs only NumPy
        from nn.sequential import Sequential
        acts = self.activations + [self.output]
        layers = [Dense(W.shape[1], activation=a, input_dim=W.shape[0] - 1) for W, a in zip(self.W, acts)]
        model = Sequential(layers)
        model.set_weights([part for W in self.W for part in (W[1:], W[0])])   # parameters(): kernel, bias, ...
        if compile:
            loss = {"logistic": "binary_crossentropy", "cross_entropy": "categorical_crossentropy",
                    "squared_error": "mse"}[self.cost_name]
            model.compile(optimizer="sgd", loss=loss)
        return model


def _activation_name(layer) -> str:
    name = layer.activation_name or "linear"
    if name not in ACTIVATIONS:
        raise ValueError(f"nn.manual: layer '{layer.name}' has activation {name!r}; the hand backprop knows "
                         f"{', '.join(ACTIVATIONS)}")
    return name


def _output_activation(cost: str, last: str, from_logits: bool) -> str:
    """The MLP's output φ for the model's last activation under the given cost."""
    paired = PAIRED_OUTPUT.get(cost)
    if paired is None:
        if last == "softmax":
            raise ValueError("nn.manual: squared error on softmax outputs has no elementwise φ′; "
                             "use a sigmoid, tanh, relu or linear output")
        return last
    if last == paired and not from_logits:
        return paired
    if last == "linear" and from_logits:
        return paired                     # the loss applies the sigmoid/softmax itself
    raise ValueError(f"nn.manual: the {cost} cost needs a {paired} last layer (or a linear one with "
                     f"from_logits=True), got a {last!r} last layer" + (" with from_logits=True" if from_logits else ""))


# ---- hand vs autodiff ----------------------------------------------------------------------------------

@dataclass
class LayerDiff:
    """One row of `compare`'s table: the gradient's lecture name, shape, and hand-vs-autodiff difference."""
    name: str                    # 'Δ(h)', 'Δ(h1)', 'Δ(out)'
    shape: tuple[int, int]       # W's shape, (1 + inputs) × units
    shape_symbol: str            # '(1+m) × h', as the slides write it
    max_abs: float               # max |Δ_hand − Δ_autodiff|
    max_rel: float               # max_abs / max |Δ_autodiff| (relative to the gradient's size, not per entry)
    hand: np.ndarray = field(repr=False)
    autodiff: np.ndarray = field(repr=False)
    diagnosis: str = ""          # the mistake that explains a wrong hand gradient, in words ('' when right)

    @property
    def shape_text(self) -> str:
        return f"{self.shape[0]} × {self.shape[1]}"


@dataclass
class Comparison:
    """What `compare` found: one `LayerDiff` per layer, the cost J both ways, and the printed table."""
    rows: list[LayerDiff]
    cost: str                    # the lecture's cost name
    loss: str                    # the nn loss the autodiff side used
    scale: str                   # J = scale × loss (+ ½λ Σ w²), e.g. 'n·t' for binary_crossentropy
    l2: float
    J_hand: float
    J_autodiff: float

    @property
    def max_abs(self) -> float:
        return max(row.max_abs for row in self.rows)

    @property
    def max_rel(self) -> float:
        return max(row.max_rel for row in self.rows)

    def table(self) -> str:
        lines = [f"cost: {self.cost}  J(W) = {self.scale} × {self.loss} + ½λ Σ w² (bias rows not penalised), "
                 f"λ = {self.l2:g}",
                 f"J(W)  by hand {self.J_hand:.15g}   by autodiff {self.J_autodiff:.15g}",
                 f"{'gradient':<10}{'shape':<22}{'max |hand − autodiff|':>24}{'max rel':>12}"]
        for row in self.rows:
            shape = f"{row.shape_symbol} = {row.shape_text}"
            lines.append(f"{row.name:<10}{shape:<22}{row.max_abs:>24.3e}{row.max_rel:>12.3e}")
            if row.diagnosis:
                lines.append(f"  {row.diagnosis}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def shape_symbols(names: Sequence[str]) -> list[str]:
    """The slides' shape of each W(l): (1+m) × h, then (1+h) × t; h1, h2, ... with several hidden layers.

    >>> shape_symbols(["h1", "h2", "out"])
    ['(1+m) × h1', '(1+h1) × h2', '(1+h2) × t']
    """
    below = ["m"] + list(names[:-1])
    return [f"(1+{b}) × {'t' if n == 'out' else n}" for b, n in zip(below, names)]


def compare(model, X, Y, loss=None, l2: float = 0.0, verbose: bool = True, hand=None,
            lang: str | None = None) -> Comparison:
    """Backprop by hand (`MLP`) beside autodiff (the model's own forward pass + `backward`), in float64.

    Both sides compute the same cost, the lecture's J (a sum over samples, ½ in squared error,
    ½λ Σ w² without the bias rows); the autodiff side gets it from the nn loss as J = scale × loss
    (see `nn.manual_autodiff`). loss defaults to the model's compiled loss and takes compile's names.
    Prints the table (unless verbose=False) and returns the figures.

    hand: a student's backprop in place of `MLP`'s, called as `check` calls it (hand(X, Y, W, λ) gives
    the dict of δs and Δs). A hand Δ that disagrees gets a row `diagnosis`, printed under it: the
    lecture mistake that explains it (see `check`), in English or Bahasa Indonesia (lang='id').

    >>> import numpy as np, nn
    >>> model = nn.Sequential([nn.Dense(4, activation="relu", input_dim=3), nn.Dense(2, activation="softmax")])
    >>> model.compile(loss="categorical_crossentropy")
    >>> X, y = np.random.default_rng(0).normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    >>> result = compare(model, X, np.eye(2)[y], l2=0.1, verbose=False)
    >>> [row.name for row in result.rows], result.max_rel < 1e-12
    (['Δ(h)', 'Δ(out)'], True)
    """
    from nn.manual.autodiff import autodiff_deltas, cost_scale   # the engine's side, imported when called
    loss = loss if loss is not None else getattr(model, "loss", None)
    if loss is None:
        raise ValueError("compare: the model is not compiled; give loss= (the names compile takes, e.g. 'mse')")
    net = MLP.from_model(model, cost=loss, l2=l2)
    diagnoses = {}
    auto, J_auto, loss_name = autodiff_deltas(model, X, Y, loss=loss, l2=l2, weights=net.W)
    if hand is None:
        hand = net.gradients(X, Y)
    else:
        hand, diagnoses = _hand_diagnosed(hand, net, X, Y, auto, lang)
    rows = []
    for name, symbol, H, A in zip(net.names, shape_symbols(net.names), hand, auto):
        max_abs = float(np.max(np.abs(H - A))) if H.shape == A.shape else float("inf")
        rows.append(LayerDiff(f"Δ({name})", A.shape, symbol, max_abs, max_abs / max(float(np.max(np.abs(A))), 1e-300),
                              H, A, diagnoses.get(f"Δ({name})", "")))
    result = Comparison(rows, net.cost_name, loss_name, cost_scale(loss_name)[1], float(l2), net.cost(X, Y), J_auto)
    if verbose:
        print(result.table())
    return result


def _hand_diagnosed(hand, net: MLP, X, Y, auto: Sequence[np.ndarray], lang) -> tuple[list, dict[str, str]]:
    """A student's Δs (hand(X, Y, W, λ)) and, for each wrong one, the mistake that explains it."""
    X, Y, student = _student_answer(hand, net, X, Y)
    keys = [f"Δ({name})" for name in net.names]
    report = _judge(student, net, X, Y, dict(zip(keys, auto)), lang=lang)
    return ([np.asarray(student.get(key, np.full_like(A, np.nan)), dtype=np.float64) for key, A in zip(keys, auto)],
            {f.key: f.message for f in report.findings if not f.right})


# ---- the usual mistakes, each made on purpose ---------------------------------------------------------
# What a student's δs and Δs come out as under each classic slip of the lecture's backprop: the
# right backward above with one line changed. `check` names the one that matches a student's answer
# (nn/manual_check.py holds the matching and the messages; transposed, swapped and all-zero answers
# need no network and are recognised there).

LECTURE_MISTAKES = (
    "sign",               # δ(out) = Y − A(out)
    "no_l2",              # Δ(l) = A(l−1)ᵀ δ(l)                  (λW missing)
    "double_l2",          # Δ(l) = A(l−1)ᵀ δ(l) + 2λ W(l)
    "l2_on_bias",         # Δ(l) = A(l−1)ᵀ δ(l) + λ W(l), bias row penalised too
    "mean",               # δ(out) = (A(out) − Y) / n            (a mean where the lecture's J is a sum)
    "mean_with_l2",       # Δ(l) = (A(l−1)ᵀ δ(l) + λ W(l)) / n
    "output_phi_prime",   # φ′(Z(out)) in δ(out) where it cancels, or left out where it belongs
    "phi_not_prime",      # δ(h) = δ(out) W(out)ᵀ ⊙ φ(Z(h))      (φ instead of φ′)
    "no_phi_prime",       # δ(h) = δ(out) W(out)ᵀ                 (φ′ missing)
    "phi_prime_of_a",     # δ(h) = δ(out) W(out)ᵀ ⊙ φ′(A(h))      (φ′ of the activation, not of the net input)
    "bias_row_kept",      # δ(h) = δ(out) W(out)ᵀ ⊙ φ′, W(out) with its bias row: n × (1+h)
)

# φ′ written with the activation a = φ(z), as the slide writes a(h) ⊙ (1 − a(h)); its value at the bias
# unit a₀ = 1 is what a kept bias column gets multiplied by
PRIME_OF_ACTIVATION: dict[str, Callable] = {
    "sigmoid": lambda a: a * (1.0 - a), "tanh": lambda a: 1.0 - a ** 2,
    "relu": lambda a: (a > 0).astype(np.float64), "linear": np.ones_like,
}


def backward_with_mistake(net: MLP, X, Y, mistake: str) -> dict[str, np.ndarray]:
    """`net.backward(X, Y)` as a student who made `mistake` (one of LECTURE_MISTAKES) computes it.

    With 'bias_row_kept' the hidden δs and Δs get the extra column 0 of the bias unit, computed with
    φ′ written in a (`PRIME_OF_ACTIVATION`), as the slide's a(h) ⊙ (1 − a(h)) applied to all of A(h) gives it.

    >>> net = MLP((2, 3, 1), l2=0.1, seed=0)
    >>> X, Y = np.ones((4, 2)), np.zeros((4, 1))
    >>> right, wrong = net.backward(X, Y), backward_with_mistake(net, X, Y, "no_l2")
    >>> bool(np.allclose(wrong["Δ(out)"] + 0.1 * net._penalised(net.W[1]), right["Δ(out)"]))
    True
    """
    if mistake not in LECTURE_MISTAKES:
        raise ValueError(f"backward_with_mistake: unknown mistake {mistake!r}; the lecture's are {LECTURE_MISTAKES}")
    f = net.forward(X)
    Y = net._targets(Y, len(f["A(in)"]))
    n = len(Y)
    A_out, Z_out = f["A(out)"], f["Z(out)"]
    delta = A_out - Y
    if net.cost_name == "squared_error" and mistake != "output_phi_prime":
        delta = delta * ACTIVATIONS[net.output][1](Z_out)          # ⊙ φ′(Z(out)), left out by output_phi_prime
    elif net.cost_name != "squared_error" and mistake == "output_phi_prime":
        delta = delta * A_out * (1.0 - A_out)                       # σ′ multiplied in, where it cancels
    if mistake == "sign":
        delta = -delta                                              # Y − A(out)
    if mistake == "mean":
        delta = delta / n                                           # (A(out) − Y) / n
    deltas, Deltas = {"δ(out)": delta}, {}
    inputs = ["in"] + net.names[:-1]
    for l in reversed(range(len(net.W))):
        name, W, A_prev = net.names[l], net.W[l], f[f"A({inputs[l]})"]
        penalty = {"no_l2": 0.0, "double_l2": 2.0}.get(mistake, 1.0) * net.l2 * (
            W if mistake == "l2_on_bias" else net._penalised(W))
        Delta = A_prev.T @ delta + penalty
        Deltas[f"Δ({name})"] = Delta / n if mistake == "mean_with_l2" else Delta
        if l > 0:
            below, activation = inputs[l], net.activations[l - 1]
            phi, phi_prime = ACTIVATIONS[activation]
            Z = f[f"Z({below})"]
            derivative = {"phi_not_prime": phi(Z), "no_phi_prime": np.ones_like(Z),
                          "phi_prime_of_a": phi_prime(phi(Z))}.get(mistake, phi_prime(Z))
            kept = delta @ W[:1].T * PRIME_OF_ACTIVATION[activation](np.ones((n, 1)))   # the bias unit's column
            delta = (delta @ W[1:].T) * derivative
            deltas[f"δ({below})"] = np.hstack([kept, delta]) if mistake == "bias_row_kept" else delta
            if mistake == "bias_row_kept":
                Deltas[f"Δ({below})_kept"] = f[f"A({inputs[l - 1]})"].T @ kept   # its column 0 of Δ(below)
    out = {**deltas}
    for name in net.names:
        key = f"Δ({name})"
        kept_column = Deltas.pop(f"{key}_kept", None)
        out[key] = Deltas[key] if kept_column is None else np.hstack([kept_column, Deltas[key]])
    return out


# ---- the teacher's checker -----------------------------------------------------------------------------

def weights_by_name(net: MLP) -> dict[str, np.ndarray]:
    """{'W(h)': ..., 'W(out)': ...}: copies of the network's weights under the lecture's names."""
    return {f"W({name})": W.copy() for name, W in zip(net.names, net.W)}


def check(student_fn, model, X, Y, loss=None, l2: float | None = None, keys: Sequence[str] | None = None,
          lang: str | None = None, rtol: float = 1e-7, atol: float | None = None, verbose: bool = True):
    """A student's backprop against the lecture's, each wrong δ and Δ named by the mistake that explains it.

    student_fn(X, Y, W, λ) must return the student's δs and Δs as a dict under the lecture's names,
    the keys `MLP.backward` returns ('δ(out)', 'δ(h)', 'Δ(h)', 'Δ(out)'); it gets X (n × m), Y (n × t),
    W = {'W(h)': ..., 'W(out)': ...} (copies, bias row first) and λ. model: an `MLP`, or an
    nn.Sequential of Dense layers (as `compare` takes it; loss defaults to its compiled one).
    l2 defaults to the MLP's λ (0 for a Sequential). keys: the ones to judge (default all four).
    Prints the report (unless verbose=False) and returns it: `report.passed`, `report.mistakes`,
    `str(report)`, in English or Bahasa Indonesia (lang='id', or TINYGRAD_EDU_LANG=id).

    >>> net = MLP((3, 4, 2), activation="tanh", l2=0.1, seed=0)
    >>> X, Y = np.random.default_rng(0).normal(size=(5, 3)), np.eye(2)[[0, 1, 1, 0, 1]]
    >>> def forgot_l2(X, Y, W, lam):
    ...     return backward_with_mistake(net, X, Y, "no_l2")
    >>> report = check(forgot_l2, net, X, Y, verbose=False)
    >>> report.passed, report.mistakes
    (False, {'Δ(h)': 'no_l2', 'Δ(out)': 'no_l2'})
    >>> print(report["Δ(h)"].message)
    Δ(h): matches the right answer without the λW term: add λ·W(h)
    """
    net = model if isinstance(model, MLP) else MLP.from_model(model, cost=loss, l2=l2 or 0.0)
    if l2 is not None and float(l2) != net.l2:
        net = MLP(net.sizes, activation=net.activations, cost=net.cost_name, output=net.output, l2=l2,
                  weights=net.W)
    X, Y, student = _student_answer(student_fn, net, X, Y)
    report = _judge(student, net, X, Y, net.backward(X, Y), keys=keys, lang=lang, rtol=rtol, atol=atol)
    if verbose:
        print(report)
    return report


def _student_answer(student_fn, net: MLP, X, Y) -> tuple[np.ndarray, np.ndarray, dict]:
    """X, Y (n × t) and the student's dict, student_fn(X, Y, W, λ), on copies of the data and weights."""
    X = net._inputs(X)
    Y = net._targets(Y, len(X))
    student = student_fn(X.copy(), Y.copy(), weights_by_name(net), net.l2)
    if not isinstance(student, dict):
        raise TypeError(f"the student's function must return a dict {{'δ(out)': ..., 'Δ(h)': ..., ...}} under "
                        f"the lecture's names, got {type(student).__name__}")
    return X, Y, student


def _judge(student: dict, net: MLP, X, Y, right: dict, keys=None, lang=None, rtol: float = 1e-7, atol=None):
    """`nn.manual_check.diagnose` with every lecture mistake recomputed on this network and data."""
    from nn.manual.check import Network, diagnose   # here, not at the top: the MLP itself needs only NumPy
    variants = {mistake: backward_with_mistake(net, X, Y, mistake) for mistake in LECTURE_MISTAKES}
    return diagnose(student, right, variants, Network(net.names, net.activations, net.cost_name, len(X)),
                    keys=keys, rtol=rtol, atol=atol, lang=lang)
