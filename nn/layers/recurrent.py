"""Recurrent layers, as Keras writes them: SimpleRNN, LSTM, GRU, and Bidirectional.

One loop over time (`RNN.forward`), written once; each kind is a small *cell* holding its weights
and one step's maths, the three side by side below (Keras's `keras/src/layers/rnn/` does the same):

    SimpleRNN   h_t = tanh(x_t W + h_{t−1} U + b)
    LSTM        i, f, c̃, o = σ(·), σ(·), tanh(·), σ(·) of x_t W + h_{t−1} U + b  (gates in that order)
                c_t = f ⊙ c_{t−1} + i ⊙ c̃,   h_t = o ⊙ tanh(c_t)
    GRU         z, r = σ(·), σ(·);  h̃ = tanh(x_t W_h + r ⊙ (h_{t−1} U_h + b_h));  h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h̃

W is `kernel` (features, k·units), U is `recurrent_kernel` (units, k·units), b is `bias`, with k
= 1, 4, 3 gates stacked side by side in Keras's order, so `ours.set_weights(keras_layer.get_weights())`
gives Keras's numbers. Inputs are (batch N, time steps T, features F).

>>> import numpy as np
>>> layer = SimpleRNN(8, input_shape=(5, 1))            # 5 time steps of 1 feature
>>> [w.shape for w in layer.get_weights()], layer(np.zeros((2, 5, 1))).shape
([(1, 8), (8, 8), (8,)], (2, 8))

Every step's nodes are made inside `group(f"{layer name} t={t}")`, so a graph drawing boxes each
time step; backward through them is backprop through time (BPTT), done by the engine's one walk.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from tinygrad_edu import Tensor, concatenate, group, stack

from .. import activations, initializers
from ..module import Layer, Module, Parameter, layer_from_config


# ---- the cells: one time step's maths each ----------------------------------------------------------

class Cell(Module):
    """What every cell shares: its weights [kernel, recurrent_kernel, bias] and their making.

    A cell computes one step: `step(xw_t, states) -> (h_t, new states)`, where xw_t = x_t W + b is
    the input's share of the step. It does not depend on h, so the loop computes it for every time
    step at once, one (N, T, F) @ (F, k·U) matmul (`project_inputs`) instead of T small ones:
    the same numbers, far fewer recorded ops.
    """

    gates = 1                                   # k: how many blocks of `units` columns the kernels have
    state_names: tuple[str, ...] = ("h",)       # the states carried from step to step

    def __init__(self, units: int, activation, use_bias: bool, kernel_initializer, recurrent_initializer,
                 bias_initializer, name: str):
        super().__init__(name)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.initializers = [initializers.get(kernel_initializer), initializers.get(recurrent_initializer),
                             initializers.get(bias_initializer)]

    def bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def build(self, features: int, layer_name: str) -> None:
        kernel_init, recurrent_init, bias_init = self.initializers
        k_units = self.gates * self.units
        self.kernel = Parameter(kernel_init((features, k_units)), label=f"{layer_name}.kernel")
        self.recurrent_kernel = Parameter(recurrent_init((self.units, k_units)), label=f"{layer_name}.recurrent_kernel")
        if self.use_bias:
            self.bias = Parameter(self.make_bias(bias_init), label=f"{layer_name}.bias")
        for p in self.parameters():
            p.group = layer_name

    def make_bias(self, bias_init: Callable) -> np.ndarray:
        return bias_init(self.bias_shape())

    def project_inputs(self, x: Tensor) -> Tensor:
        """x W + b for every time step at once: (N, T, F) -> (N, T, k·U)."""
        xw = x @ self.kernel
        return xw + self.bias if self.use_bias else xw

    def gate(self, z: Tensor, j: int) -> Tensor:
        """Block j of the k stacked blocks of columns: z[:, j·U:(j+1)·U]."""
        return z[:, j * self.units:(j + 1) * self.units]

    def step(self, xw_t: Tensor, states: list[Tensor]) -> tuple[Tensor, list[Tensor]]:
        raise NotImplementedError


class SimpleRNNCell(Cell):
    """Elman's step: h_t = activation(x_t W + h_{t−1} U + b)."""

    def step(self, xw_t: Tensor, states: list[Tensor]) -> tuple[Tensor, list[Tensor]]:
        (h_prev,) = states
        h = self.activation(xw_t + h_prev @ self.recurrent_kernel)      # xw_t already holds x_t W + b
        return h, [h]


class LSTMCell(Cell):
    """One LSTM step, gates i, f, c̃, o (Keras's order):

        z = x_t W + h_{t−1} U + b;  i = σ(z_i), f = σ(z_f), c̃ = tanh(z_c), o = σ(z_o)
        c_t = f ⊙ c_{t−1} + i ⊙ c̃;  h_t = o ⊙ tanh(c_t)

    Why it keeps a gradient alive: ∂c_t/∂c_{t−1} = f, a gate the network can hold near 1, where a
    SimpleRNN multiplies by Uᵀ and tanh′ ≤ 1 at every step.
    """

    gates = 4
    state_names = ("h", "c")

    def __init__(self, *args, recurrent_activation="sigmoid", unit_forget_bias: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias

    def make_bias(self, bias_init: Callable) -> np.ndarray:
        if not self.unit_forget_bias:
            return bias_init(self.bias_shape())
        U = self.units                 # forget gate's bias starts at 1: remember by default (Jozefowicz et al. 2015)
        return np.concatenate([bias_init((U,)), np.ones(U, dtype=np.float32), bias_init((2 * U,))])

    def step(self, xw_t: Tensor, states: list[Tensor]) -> tuple[Tensor, list[Tensor]]:
        h_prev, c_prev = states
        z = xw_t + h_prev @ self.recurrent_kernel
        s = self.recurrent_activation(z)                    # σ of all four blocks at once: one op, not three
        i = self.gate(s, 0)                                 # input gate: how much of c̃ to write
        f = self.gate(s, 1)                                 # forget gate: how much of c_{t−1} to keep
        c_tilde = self.activation(self.gate(z, 2))          # the candidate cell state (σ of block 2 unused)
        o = self.gate(s, 3)                                 # output gate: how much of the cell to show
        c = f * c_prev + i * c_tilde
        h = o * self.activation(c)
        return h, [h, c]


class GRUCell(Cell):
    """One GRU step, gates z, r, h̃ (Keras's order). With reset_after=True (Keras's default, cuDNN's):

        z = σ(x_t W_z + h_{t−1} U_z + b),  r = σ(x_t W_r + h_{t−1} U_r + b)
        h̃ = tanh(x_t W_h + b_x + r ⊙ (h_{t−1} U_h + b_h));  h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h̃

    The bias is (2, 3U): row 0 added to x W, row 1 to h U. With reset_after=False the reset gate
    acts before the matmul, h̃ = tanh(x_t W_h + (r ⊙ h_{t−1}) U_h + b), and the bias is (3U,).
    """

    gates = 3

    def __init__(self, *args, recurrent_activation="sigmoid", reset_after: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after

    def bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def project_inputs(self, x: Tensor) -> Tensor:
        if not (self.use_bias and self.reset_after):
            return super().project_inputs(x)
        return x @ self.kernel + self.bias[0]                 # the input bias, row 0

    def step(self, xw_t: Tensor, states: list[Tensor]) -> tuple[Tensor, list[Tensor]]:
        (h_prev,) = states
        U = self.units
        if self.reset_after:
            hu = h_prev @ self.recurrent_kernel                # all three blocks of h U in one matmul
            if self.use_bias:
                hu = hu + self.bias[1]                         # the recurrent bias, row 1
            z = self.recurrent_activation(self.gate(xw_t, 0) + self.gate(hu, 0))   # update gate
            r = self.recurrent_activation(self.gate(xw_t, 1) + self.gate(hu, 1))   # reset gate
            h_tilde = self.activation(self.gate(xw_t, 2) + r * self.gate(hu, 2))
        else:
            hu = h_prev @ self.recurrent_kernel[:, :2 * U]
            z = self.recurrent_activation(self.gate(xw_t, 0) + self.gate(hu, 0))
            r = self.recurrent_activation(self.gate(xw_t, 1) + self.gate(hu, 1))
            h_tilde = self.activation(self.gate(xw_t, 2) + (r * h_prev) @ self.recurrent_kernel[:, 2 * U:])
        h = z * h_prev + (1 - z) * h_tilde
        return h, [h]


# ---- the loop over time, written once ---------------------------------------------------------------------

class StateOutputs(list):
    """[output, *states], what a layer with return_state=True returns (a list, as Keras's).

    Used as if it were one tensor (`.shape`, `.data`), it says how to unpack it.
    """

    layer_description = ""

    def __getattr__(self, name: str):
        raise AttributeError(f"{self.layer_description} was made with return_state=True, so it returns a list of "
                             f"{len(self)} tensors, [output, {', '.join(self.state_names)}], not one tensor "
                             f"(asked for .{name}); unpack it: output, {', '.join(self.state_names)} = layer(x)")


class RNN(Layer):
    """The loop over time around a cell (Keras's `keras.layers.RNN(cell)`); SimpleRNN, LSTM and GRU
    are this loop around their cells.

        states = zeros;  for t = 0..T−1 (T−1..0 with go_backwards): h_t, states = cell.step(x_t, states)

    return_sequences=True returns every h_t, (N, T, U), in the order computed (so reversed in
    time with go_backwards, as Keras); otherwise the last one, (N, U). return_state=True returns
    [output, *final states] (h; h and c for an LSTM).
    """

    def __init__(self, cell: Cell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, input_shape: tuple | None = None, name: str | None = None):
        super().__init__(name)
        self.cell = cell
        self.units = cell.units
        self.return_sequences, self.return_state, self.go_backwards = return_sequences, return_state, go_backwards
        if input_shape is not None:
            self.build((None,) + tuple(input_shape))

    def _who(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def _check_shape(self, shape: tuple) -> None:
        if len(shape) != 3:
            fix = (f"reshape to (N, T, 1), X.reshape({shape[0] or -1}, {shape[1]}, 1), if each sample is a series of "
                   f"{shape[1]} single numbers" if len(shape) == 2 else "give it as (N, T, F)")
            raise ValueError(f"{self._who()} expects 3-D input (batch N, time steps T, features F), got shape "
                             f"{shape}: {fix}")
        if self.built and shape[-1] != self.input_shape[-1]:
            raise ValueError(f"{self._who()} was built for {self.input_shape[-1]} features per time step, got input "
                             f"of shape {shape} ({shape[-1]} features)")

    def build(self, input_shape: tuple) -> None:
        self._check_shape(tuple(input_shape))
        self.cell.build(input_shape[-1], self.name)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: tuple):
        N, T = input_shape[0], input_shape[1]
        out = (N, T, self.units) if self.return_sequences else (N, self.units)
        return [out] + [(N, self.units)] * len(self.cell.state_names) if self.return_state else out

    def forward(self, x: Tensor):
        self._check_shape(x.shape)
        N, T, _ = x.shape
        xw = self.cell.project_inputs(x)                    # x_t W + b for every t: one matmul, (N, T, k·U)
        states = [Tensor(np.zeros((N, self.units), dtype=xw.dtype)) for _ in self.cell.state_names]
        outputs = []
        for t in (range(T - 1, -1, -1) if self.go_backwards else range(T)):
            with group(f"{self.name} t={t}"):               # a picture draws each time step as one box
                h, states = self.cell.step(xw[:, t], states)
            outputs.append(h)
        out = stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        if not self.return_state:
            return out
        result = StateOutputs([out, *states])
        result.layer_description, result.state_names = self._who(), self.cell.state_names
        return result

    # ---- weights, config, printing ------------------------------------------------------------------
    def weight_layout(self) -> str:
        """Keras's layout, as set_weights wants it, with this layer's sizes."""
        k, U = self.cell.gates, self.units
        F = self.input_shape[-1] if self.built else "F"
        bias = f", bias {self.cell.bias_shape()}" if self.cell.use_bias else ""
        return f"[kernel ({F}, {k * U}), recurrent_kernel ({U}, {k * U}){bias}]"

    def set_weights(self, weights) -> None:
        try:
            super().set_weights(weights)
        except ValueError as e:
            hint = ""
            if self.built and len(weights) >= 1 and np.shape(weights[0]) == self.cell.kernel.shape[::-1]:
                hint = (" (these look like PyTorch's weight_ih (k·U, F): Keras's kernel is its transpose, "
                        "and torch keeps two biases; use ours.set_weights(keras_layer.get_weights()))")
            raise ValueError(f"{e}. {self._who()} takes Keras's layout {self.weight_layout()}{hint}") from None

    def get_config(self) -> dict:
        return {"return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "name": self.name,
                "input_shape": list(self.input_shape[1:]) if self.built else None}

    def extra_repr(self) -> str:
        flags = [f"{k}=True" for k in ("return_sequences", "return_state", "go_backwards") if getattr(self, k)]
        return ", ".join([str(self.units)] + flags)


def _cell_args(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer, name):
    if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units < 1:
        raise ValueError(f"units must be a positive integer, got {units!r}")
    for what, value in (("activation", activation), ("kernel_initializer", kernel_initializer),
                        ("recurrent_initializer", recurrent_initializer), ("bias_initializer", bias_initializer)):
        if not isinstance(value, str):
            raise ValueError(f"{what} must be a name (e.g. 'tanh', 'glorot_uniform') here, got {value!r}")
    return dict(units=units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                name=f"{name}_cell" if name else "cell")


class SimpleRNN(RNN):
    """A fully connected RNN, h_t = tanh(x_t W + h_{t−1} U + b) (Keras's SimpleRNN; Elman's network).

    >>> SimpleRNN(32, input_shape=(None, 1)).count_params()        # 1·32 + 32·32 + 32
    1088
    """

    def __init__(self, units: int, activation: str = "tanh", use_bias: bool = True,
                 kernel_initializer: str = "glorot_uniform", recurrent_initializer: str = "orthogonal",
                 bias_initializer: str = "zeros", return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, input_shape: tuple | None = None, name: str | None = None):
        config = dict(units=units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                      recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer)
        cell = SimpleRNNCell(**_cell_args(**config, name=name))
        super().__init__(cell, return_sequences, return_state, go_backwards, input_shape, name)
        self._config = config

    def get_config(self) -> dict:
        return {**self._config, **super().get_config()}


class LSTM(RNN):
    """Long short-term memory (Keras's LSTM): gates i, f, c, o; state h and cell c.

    >>> LSTM(32, input_shape=(None, 1)).count_params()             # 4 × (1·32 + 32·32 + 32)
    4352
    """

    def __init__(self, units: int, activation: str = "tanh", recurrent_activation: str = "sigmoid",
                 use_bias: bool = True, kernel_initializer: str = "glorot_uniform",
                 recurrent_initializer: str = "orthogonal", bias_initializer: str = "zeros",
                 unit_forget_bias: bool = True, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, input_shape: tuple | None = None, name: str | None = None):
        config = dict(units=units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                      recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer)
        extra = dict(recurrent_activation=recurrent_activation, unit_forget_bias=unit_forget_bias)
        cell = LSTMCell(**_cell_args(**config, name=name), **extra)
        super().__init__(cell, return_sequences, return_state, go_backwards, input_shape, name)
        self._config = {**config, **extra}

    def get_config(self) -> dict:
        return {**self._config, **super().get_config()}


class GRU(RNN):
    """Gated recurrent unit (Keras's GRU): gates z, r, h; reset_after=True, Keras's default, bias (2, 3U).

    >>> GRU(32, input_shape=(None, 1)).count_params()              # 3·32 + 3·32·32 + 2·3·32
    3360
    """

    def __init__(self, units: int, activation: str = "tanh", recurrent_activation: str = "sigmoid",
                 use_bias: bool = True, kernel_initializer: str = "glorot_uniform",
                 recurrent_initializer: str = "orthogonal", bias_initializer: str = "zeros",
                 reset_after: bool = True, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, input_shape: tuple | None = None, name: str | None = None):
        config = dict(units=units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                      recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer)
        extra = dict(recurrent_activation=recurrent_activation, reset_after=reset_after)
        cell = GRUCell(**_cell_args(**config, name=name), **extra)
        super().__init__(cell, return_sequences, return_state, go_backwards, input_shape, name)
        self._config = {**config, **extra}

    def get_config(self) -> dict:
        return {**self._config, **super().get_config()}


# ---- both directions ---------------------------------------------------------------------------------------

MERGE_MODES = ("concat", "sum", "mul", "ave")


class Bidirectional(Layer):
    """Run a recurrent layer forwards and a copy of it backwards in time, then merge (Keras's Bidirectional).

    >>> layer = Bidirectional(LSTM(8, return_sequences=True), input_shape=(5, 3))
    >>> layer(np.zeros((2, 5, 3))).shape, len(layer.get_weights())     # concat: 2 × 8 features per step
    ((2, 5, 16), 6)

    The backward copy reads x_T … x_1; with return_sequences its outputs are flipped back, so
    step t of the result holds what each direction knows at time t (the past, and the future).
    Weights: the forward layer's, then the backward one's, as Keras's get_weights.
    """

    def __init__(self, layer: RNN, merge_mode: str = "concat", input_shape: tuple | None = None,
                 name: str | None = None):
        if not isinstance(layer, RNN):
            raise TypeError(f"Bidirectional(layer): layer must be a SimpleRNN, LSTM or GRU, got "
                            f"{type(layer).__name__}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {MERGE_MODES}, got {merge_mode!r}")
        if layer.return_state:
            raise ValueError(f"Bidirectional: {layer._who()} has return_state=True, which is not supported here; "
                             f"drop it")
        super().__init__(name)
        config = {**layer.get_config(), "input_shape": None}
        self.forward_layer = type(layer).from_config({**config, "name": f"forward_{layer.name}"})
        self.backward_layer = type(layer).from_config({**config, "name": f"backward_{layer.name}",
                                                       "go_backwards": not layer.go_backwards})
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        if input_shape is None and layer.built:
            input_shape = layer.input_shape[1:]
        if input_shape is not None:
            self.build((None,) + tuple(input_shape))

    def build(self, input_shape: tuple) -> None:
        self.forward_layer.build(input_shape)
        self.backward_layer.build(input_shape)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        shape = self.forward_layer.compute_output_shape(input_shape)
        return shape[:-1] + (2 * shape[-1],) if self.merge_mode == "concat" else shape

    def forward(self, x: Tensor) -> Tensor:
        a, b = self.forward_layer(x), self.backward_layer(x)
        if self.return_sequences:
            b = b[:, ::-1]                                  # back into time order
        if self.merge_mode == "concat":
            return concatenate([a, b], axis=-1)
        if self.merge_mode == "sum":
            return a + b
        if self.merge_mode == "mul":
            return a * b
        return (a + b) * 0.5

    def get_config(self) -> dict:
        inner = self.forward_layer
        config = {**inner.get_config(), "name": inner.name[len("forward_"):], "input_shape": None}
        return {"layer": {"class_name": type(inner).__name__, "config": config}, "merge_mode": self.merge_mode,
                "name": self.name, "input_shape": list(self.input_shape[1:]) if self.built else None}

    @classmethod
    def from_config(cls, config: dict) -> Bidirectional:
        config = dict(config)
        return cls(layer_from_config(config.pop("layer")), **config)

    def extra_repr(self) -> str:
        return f"{type(self.forward_layer).__name__}({self.forward_layer.extra_repr()}), merge_mode={self.merge_mode!r}"
