"""Backprop through time (BPTT) by hand, NumPy only, float64: the lecture's Elman RNN and LSTM.

One row per sample, N samples, T time steps, F features, U hidden units, K outputs:

    x_t (N, F)     the input at step t = 1..T           W_xh (F, U)   Keras's kernel
    h_t (N, U)     the hidden state, h_0 = 0             W_hh (U, U)   Keras's recurrent_kernel
    a_t = x_t W_xh + h_{t−1} W_hh + b_h,  h_t = tanh(a_t)       (Elman; an LSTM has four gates, below)
    ŷ = h_T W_hy + b_y                     the Dense layer on the last state (many-to-one), or on every
                                           h_t with return_sequences (many-to-many)

The same W_hh is used at every step, so its gradient is a sum over time, one term per step:

    δh_T = ∂L/∂ŷ W_hyᵀ                               the output's share (at every t when many-to-many)
    δa_t = δh_t ⊙ tanh′(a_t) = δh_t ⊙ (1 − h_t²)
    δh_{t−1} = δa_t W_hhᵀ (+ the output's share at t − 1)      the error carried one step back
    ∂L/∂W_hh = Σ_t h_{t−1}ᵀ δa_t,   ∂L/∂W_xh = Σ_t x_tᵀ δa_t,   ∂L/∂b_h = Σ_t Σ_n δa_t

Each step back multiplies δh by W_hhᵀ and by tanh′ ≤ 1: over many steps ‖δh_t‖ shrinks
geometrically, the vanishing gradient (`bptt_norms`). An LSTM's cell state carries its error by
⊙ f, the forget gate, which the network can keep near 1.

This file imports NumPy only: copy it out and run it alone. Its bridges to nn (`RecurrentNet.from_model`,
`compare_rnn`, `bptt_norms`) import nn when called.

>>> rng = np.random.default_rng(0)
>>> X, W_xh, W_hh, b_h = rng.normal(size=(2, 5, 1)), rng.normal(size=(1, 3)), rng.normal(size=(3, 3)) * 0.5, np.zeros(3)
>>> H = rnn_forward(X, W_xh, W_hh, b_h)
>>> H.shape                                               # h_0 .. h_T
(2, 6, 3)
>>> dH_out = np.zeros((2, 5, 3)); dH_out[:, -1] = 1.0     # ∂L/∂h_T = 1: what reaches each step?
>>> grads = rnn_backward(X, H, W_hh, dH_out)
>>> sorted(grads)
['W_hh', 'W_xh', 'b_h', 'dH']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)); σ′(z) = σ(z)(1 − σ(z))."""
    return 1.0 / (1.0 + np.exp(-z))


# ---- Elman's RNN (Keras's SimpleRNN, tanh) ------------------------------------------------------------------

def rnn_forward(X: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b_h: np.ndarray) -> np.ndarray:
    """H (N, T + 1, U): h_0 = 0, then h_t = tanh(x_t W_xh + h_{t−1} W_hh + b_h) for t = 1..T."""
    N, T, _ = X.shape
    H = np.zeros((N, T + 1, W_hh.shape[0]))
    for t in range(1, T + 1):
        H[:, t] = np.tanh(X[:, t - 1] @ W_xh + H[:, t - 1] @ W_hh + b_h)     # h_t = tanh(x_t W_xh + h_{t−1} W_hh + b_h)
    return H


def rnn_backward(X: np.ndarray, H: np.ndarray, W_hh: np.ndarray, dH_out: np.ndarray) -> dict[str, np.ndarray]:
    """BPTT for Elman's RNN. dH_out (N, T, U) is the share of ∂L/∂h_t the output layer sends to each
    step (zero but the last for many-to-one). Returns ∂L/∂W_xh, ∂L/∂W_hh, ∂L/∂b_h and dH (N, T, U),
    the whole ∂L/∂h_t of every step: its output share plus what the later steps send back."""
    N, T, U = dH_out.shape
    dW_xh, dW_hh, db_h = np.zeros((X.shape[2], U)), np.zeros((U, U)), np.zeros(U)
    dH = np.zeros((N, T, U))
    carry = np.zeros((N, U))                                 # what step t + 1 sends back to h_t
    for t in range(T, 0, -1):                                # t = T, T−1, ..., 1
        dh = dH_out[:, t - 1] + carry                        # δh_t = output's share + next step's
        dH[:, t - 1] = dh
        da = dh * (1.0 - H[:, t] ** 2)                       # δa_t = δh_t ⊙ (1 − h_t²)
        dW_xh += X[:, t - 1].T @ da                          # ∂L/∂W_xh += x_tᵀ δa_t
        dW_hh += H[:, t - 1].T @ da                          # ∂L/∂W_hh += h_{t−1}ᵀ δa_t
        db_h += da.sum(axis=0)                               # ∂L/∂b_h += Σ_n δa_t
        carry = da @ W_hh.T                                  # δh_{t−1} gets δa_t W_hhᵀ
    return {"W_xh": dW_xh, "W_hh": dW_hh, "b_h": db_h, "dH": dH}


# ---- the LSTM (Keras's LSTM: gates i, f, c, o side by side in W_xh (F, 4U), W_hh (U, 4U), b_h (4U,)) ----------

def lstm_forward(X: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b_h: np.ndarray) -> dict[str, np.ndarray]:
    """Every step's gates and states: i, f, g (= c̃), o of shape (N, T, U) and H, C of shape (N, T + 1, U).

        z_t = x_t W_xh + h_{t−1} W_hh + b_h = [z_i | z_f | z_c | z_o]
        i = σ(z_i), f = σ(z_f), g = tanh(z_c), o = σ(z_o);  c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
    """
    N, T, _ = X.shape
    U = W_hh.shape[0]
    H, C = np.zeros((N, T + 1, U)), np.zeros((N, T + 1, U))
    gates = {k: np.zeros((N, T, U)) for k in "ifgo"}
    for t in range(1, T + 1):
        z = X[:, t - 1] @ W_xh + H[:, t - 1] @ W_hh + b_h                  # z_t = x_t W_xh + h_{t−1} W_hh + b_h
        i, f, g, o = sigmoid(z[:, :U]), sigmoid(z[:, U:2 * U]), np.tanh(z[:, 2 * U:3 * U]), sigmoid(z[:, 3 * U:])
        C[:, t] = f * C[:, t - 1] + i * g                                  # c_t = f ⊙ c_{t−1} + i ⊙ g
        H[:, t] = o * np.tanh(C[:, t])                                     # h_t = o ⊙ tanh(c_t)
        for k, v in zip("ifgo", (i, f, g, o)):
            gates[k][:, t - 1] = v
    return {"H": H, "C": C, **gates}


def lstm_backward(X: np.ndarray, fwd: dict[str, np.ndarray], W_hh: np.ndarray,
                  dH_out: np.ndarray) -> dict[str, np.ndarray]:
    """BPTT for the LSTM: two errors travel back, δh through W_hhᵀ and δc through ⊙ f."""
    N, T, U = dH_out.shape
    H, C = fwd["H"], fwd["C"]
    dW_xh, dW_hh, db_h = np.zeros((X.shape[2], 4 * U)), np.zeros((U, 4 * U)), np.zeros(4 * U)
    dH = np.zeros((N, T, U))
    carry_h, carry_c = np.zeros((N, U)), np.zeros((N, U))
    for t in range(T, 0, -1):
        i, f, g, o = (fwd[k][:, t - 1] for k in "ifgo")
        dh = dH_out[:, t - 1] + carry_h                         # δh_t = output's share + next step's
        dH[:, t - 1] = dh
        tanh_c = np.tanh(C[:, t])
        dc = dh * o * (1.0 - tanh_c ** 2) + carry_c             # δc_t = δh_t ⊙ o ⊙ tanh′(c_t) + δc_{t+1} ⊙ f_{t+1}
        dz = np.concatenate([dc * g * i * (1 - i),              # δz_i = δc ⊙ g ⊙ σ′
                             dc * C[:, t - 1] * f * (1 - f),    # δz_f = δc ⊙ c_{t−1} ⊙ σ′
                             dc * i * (1 - g ** 2),             # δz_c = δc ⊙ i ⊙ tanh′
                             dh * tanh_c * o * (1 - o)], axis=1)   # δz_o = δh ⊙ tanh(c_t) ⊙ σ′
        dW_xh += X[:, t - 1].T @ dz                             # ∂L/∂W_xh += x_tᵀ δz_t
        dW_hh += H[:, t - 1].T @ dz                             # ∂L/∂W_hh += h_{t−1}ᵀ δz_t
        db_h += dz.sum(axis=0)
        carry_h = dz @ W_hh.T                                   # δh_{t−1} gets δz_t W_hhᵀ
        carry_c = dc * f                                        # δc_{t−1} gets δc_t ⊙ f_t
    return {"W_xh": dW_xh, "W_hh": dW_hh, "b_h": db_h, "dH": dH}


# ---- the output layer and the loss (Keras's means) ------------------------------------------------------------

def output_delta(A: np.ndarray, Y: np.ndarray, loss: str) -> np.ndarray:
    """∂L/∂Z(out), Z the Dense layer's net input, for Keras's mean losses (L a mean, so 1/count appears):

        mse, linear output                  2 (Ŷ − Y) / (number of entries)
        binary_crossentropy, sigmoid        (A − Y) / (number of entries)
        categorical_crossentropy, softmax   (A − Y) / (number of samples, × steps if many-to-many)
    """
    if loss == "mse":
        return 2.0 * (A - Y) / Y.size                           # L = mean (ŷ − y)²
    if loss == "binary_crossentropy":
        return (A - Y) / Y.size
    if loss == "categorical_crossentropy":
        return (A - Y) / (Y.size // Y.shape[-1])
    raise ValueError(f"nn.manual.rnn knows the losses mse, binary_crossentropy and categorical_crossentropy, "
                     f"got {loss!r}")


OUTPUT_OF_LOSS = {"mse": "linear", "binary_crossentropy": "sigmoid", "categorical_crossentropy": "softmax"}


def output_activation(Z: np.ndarray, loss: str) -> np.ndarray:
    kind = OUTPUT_OF_LOSS[loss]
    if kind == "sigmoid":
        return sigmoid(Z)
    if kind == "softmax":
        e = np.exp(Z - Z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return Z


def loss_value(A: np.ndarray, Y: np.ndarray, loss: str) -> float:
    if loss == "mse":
        return float(np.mean((A - Y) ** 2))
    if loss == "binary_crossentropy":
        return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))
    return float(-np.sum(Y * np.log(A)) / (Y.size // Y.shape[-1]))


@dataclass
class RecurrentNet:
    """An Elman RNN ('rnn') or an LSTM ('lstm') with a Dense output on its last state, or on every state
    with return_sequences, trained on one of Keras's mean losses; forward and BPTT by hand, float64.

    >>> rng = np.random.default_rng(1)
    >>> net = RecurrentNet("rnn", rng.normal(size=(1, 4)), rng.normal(size=(4, 4)) * 0.3, np.zeros(4),
    ...                    rng.normal(size=(4, 1)), np.zeros(1))
    >>> X, Y = rng.normal(size=(3, 6, 1)), rng.normal(size=(3, 1))
    >>> sorted(net.backward(X, Y))
    ['∂L/∂W_hh', '∂L/∂W_hy', '∂L/∂W_xh', '∂L/∂b_h', '∂L/∂b_y']
    >>> net.dh_norms(X, Y).shape                         # ‖∂L/∂h_t‖ for t = 1..6
    (6,)
    """

    kind: str
    W_xh: np.ndarray
    W_hh: np.ndarray
    b_h: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray
    return_sequences: bool = False
    loss: str = "mse"
    names: tuple[str, str] = ("rnn", "dense")            # the layers' names, for the gradients' labels
    trace: dict = field(default_factory=dict, repr=False)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """A = the model's output: (N, K), or (N, T, K) with return_sequences."""
        X = np.asarray(X, dtype=np.float64)
        if self.kind == "rnn":
            self.trace = {"H": rnn_forward(X, self.W_xh, self.W_hh, self.b_h)}
        else:
            self.trace = lstm_forward(X, self.W_xh, self.W_hh, self.b_h)
        H = self.trace["H"]
        top = H[:, 1:] if self.return_sequences else H[:, -1]          # every h_t, or h_T
        return output_activation(top @ self.W_hy + self.b_y, self.loss)   # ŷ = h W_hy + b_y

    def cost(self, X: np.ndarray, Y: np.ndarray) -> float:
        return loss_value(self.forward(X), np.asarray(Y, dtype=np.float64), self.loss)

    def _backward(self, X: np.ndarray, Y: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
        A = self.forward(X)
        dZ = output_delta(A, Y, self.loss)                              # ∂L/∂Z(out)
        H = self.trace["H"]
        N, T = X.shape[:2]
        dH_out = np.zeros((N, T, self.W_hh.shape[0]))
        if self.return_sequences:
            dH_out[:] = dZ @ self.W_hy.T                                 # every step's output sends its share
            dW_hy, db_y = np.einsum("ntu,ntk->uk", H[:, 1:], dZ), dZ.sum(axis=(0, 1))
        else:
            dH_out[:, -1] = dZ @ self.W_hy.T                             # δh_T = ∂L/∂ŷ W_hyᵀ
            dW_hy, db_y = H[:, -1].T @ dZ, dZ.sum(axis=0)
        if self.kind == "rnn":
            grads = rnn_backward(X, H, self.W_hh, dH_out)
        else:
            grads = lstm_backward(X, self.trace, self.W_hh, dH_out)
        return grads, dW_hy, db_y

    def backward(self, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        """{gradient name: ∂L/∂weight}, the recurrent layer's then the Dense layer's."""
        grads, dW_hy, db_y = self._backward(X, Y)
        return {"∂L/∂W_xh": grads["W_xh"], "∂L/∂W_hh": grads["W_hh"], "∂L/∂b_h": grads["b_h"],
                "∂L/∂W_hy": dW_hy, "∂L/∂b_y": db_y}

    def dh_norms(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """‖∂L/∂h_t‖ for t = 1..T: the norm of the whole (N, U) gradient reaching each hidden state."""
        grads, _, _ = self._backward(X, Y)
        return np.sqrt((grads["dH"] ** 2).sum(axis=(0, 2)))

    # ---- the bridge to nn.Sequential -------------------------------------------------------------------------
    @classmethod
    def from_model(cls, model, loss: str | None = None) -> RecurrentNet:
        """The same network as an nn.Sequential([SimpleRNN (tanh) or LSTM, Dense]), weights copied as float64.
        The loss is the model's compiled one unless given."""
        from nn.activations import name_of                   # bridge: imported when called
        from nn.layers import LSTM, Dense, SimpleRNN
        from nn.losses import get as get_loss
        layers = list(getattr(model, "layers", []))
        ok = (len(layers) == 2 and isinstance(layers[0], (SimpleRNN, LSTM)) and isinstance(layers[1], Dense)
              and layers[0].built and layers[0].cell.use_bias and layers[1].use_bias)
        if not ok:
            raise ValueError("nn.manual.rnn: the hand BPTT covers Sequential([SimpleRNN or LSTM, Dense]), built, "
                             f"with biases; got {[type(layer).__name__ for layer in layers]}")
        rnn, dense = layers
        acts = [name_of(rnn.cell.activation), name_of(getattr(rnn.cell, "recurrent_activation", None))]
        if acts[0] != "tanh" or (isinstance(rnn, LSTM) and acts[1] != "sigmoid"):
            raise ValueError(f"nn.manual.rnn: {type(rnn).__name__} '{rnn.name}' uses {acts[0]!r}; the hand BPTT is "
                             f"written for tanh (and sigmoid gates)")
        if loss is None:
            if model.loss is None:
                raise ValueError("nn.manual.rnn: compile the model first (e.g. model.compile('adam', 'mse')) or "
                                 "pass loss='mse'")
            loss = model.loss.name
        loss = get_loss(loss).name
        want = OUTPUT_OF_LOSS.get(loss)
        if want is None or (dense.activation_name or "linear") != want:
            raise ValueError(f"nn.manual.rnn: the Dense output pairs a loss with its activation (mse: linear, "
                             f"binary_crossentropy: sigmoid, categorical_crossentropy: softmax); got {loss!r} "
                             f"with {dense.activation_name!r}")
        f64 = lambda p: np.array(p.data, dtype=np.float64)      # noqa: E731
        cell = rnn.cell
        return cls("rnn" if isinstance(rnn, SimpleRNN) else "lstm", f64(cell.kernel), f64(cell.recurrent_kernel),
                   f64(cell.bias), f64(dense.kernel), f64(dense.bias), rnn.return_sequences, loss,
                   (rnn.name, dense.name))


def _autodiff(model, X: np.ndarray, Y: np.ndarray, loss: str) -> tuple[dict[str, np.ndarray], float]:
    """The engine's side: L through the model in float64 (weights copied), then backward.
    Returns ({gradient name: grad}, L); the model is left as it was."""
    from tinygrad_edu import Tensor
    from nn.losses import get as get_loss
    rnn, dense = model.layers
    params = [rnn.cell.kernel, rnn.cell.recurrent_kernel, rnn.cell.bias, dense.kernel, dense.bias]
    saved = [(p.data, p.grad) for p in params]
    try:
        for p in params:
            p.data, p.grad = p.data.astype(np.float64), None
        loss_obj = get_loss(loss)
        out = model.pre_activation(Tensor(X))                           # the logits (= the output for mse)
        fused = loss_obj.fuses(dense)
        L = loss_obj.forward_logits(out, Y) if fused else loss_obj.forward(dense.activation(out), Y)
        L.backward()
        names = ["∂L/∂W_xh", "∂L/∂W_hh", "∂L/∂b_h", "∂L/∂W_hy", "∂L/∂b_y"]
        return dict(zip(names, [p.grad for p in params])), float(L.item())
    finally:
        for p, (data, grad) in zip(params, saved):
            p.data, p.grad = data, grad


def compare_rnn(model, X, Y, verbose: bool = True) -> dict[str, float]:
    """BPTT by hand (`RecurrentNet.from_model`) beside the engine's backward, both float64.

    For an nn.Sequential([SimpleRNN or LSTM, Dense]), compiled. Returns {gradient name: max |hand −
    autodiff| / max |autodiff|} and prints the table (unless verbose=False). The model is left as it was.

    >>> import nn                                                                   # doctest: +SKIP
    >>> model = nn.Sequential([nn.SimpleRNN(8, input_shape=(10, 1)), nn.Dense(1)]); model.compile("adam", "mse")  # doctest: +SKIP
    >>> nn.manual.compare_rnn(model, np.random.rand(4, 10, 1), np.random.rand(4, 1))  # doctest: +SKIP
    """
    net = RecurrentNet.from_model(model)
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    hand = net.backward(X, Y)
    auto, L = _autodiff(model, X, Y, net.loss)
    errors = {name: float(np.max(np.abs(hand[name] - auto[name])) / max(np.max(np.abs(auto[name])), 1e-300))
              for name in hand}
    if verbose:
        rnn, dense = net.names
        print(f"L ({net.loss})   by hand {net.cost(X, Y):.15g}   by autodiff {L:.15g}")
        print(f"{'gradient':<24}{'layer':<16}{'shape':<14}{'max rel |hand − autodiff|':>26}")
        for name, err in errors.items():
            layer = dense if name.endswith(("hy", "_y")) else rnn
            print(f"{name:<24}{layer:<16}{str(hand[name].shape):<14}{err:>26.3e}")
    return errors


def bptt_norms(model, X, Y) -> np.ndarray:
    """‖∂L/∂h_t‖ for t = 1..T (float64, T numbers), by hand: L the model's compiled loss (Keras's mean),
    the norm over the whole (N, units) gradient of h_t. The vanishing gradient is these numbers
    falling, step by step, as t goes back from T.

    >>> import nn                                                                   # doctest: +SKIP
    >>> model = nn.Sequential([nn.SimpleRNN(16, input_shape=(30, 1)), nn.Dense(1)]); model.compile("adam", "mse")  # doctest: +SKIP
    >>> nn.manual.bptt_norms(model, np.random.rand(8, 30, 1), np.random.rand(8, 1))   # doctest: +SKIP
    """
    return RecurrentNet.from_model(model).dh_norms(np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64))
