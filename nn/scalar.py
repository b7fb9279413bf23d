"""micrograd's `Neuron`, `Layer` and `MLP`: a neural net made of scalar `Value`s, one node per multiply.

The same classes, arguments, initialisation and printed names as micrograd's `nn.py`, so the
lecture's code and micrograd's demo notebook run with only their imports changed:

    >>> import random
    >>> from tinygrad_edu import Value
    >>> from nn.scalar import MLP
    >>> random.seed(1337)
    >>> model = MLP(2, [16, 16, 1])            # 2 inputs, two hidden layers of 16 ReLU neurons, 1 linear output
    >>> len(model.parameters())
    337
    >>> score = model([Value(0.5), Value(-1.0)])   # one Value: a layer of one neuron returns it bare
    >>> model.zero_grad(); score.backward()

Initialisation is micrograd's: each weight is `random.uniform(-1, 1)` from Python's `random`,
drawn neuron by neuron, layer by layer; each bias starts at 0. So `random.seed(1337)` gives
micrograd's weights exactly, and the demo's losses to the last digit.

Each neuron's ops are made inside `group("layer i neuron j")`, so `draw_graph` of a network's
output draws every neuron in its own box. Entering a group costs about 0.5 µs, so 1.5 ms on the
demo's 3,300 neuron calls per step, against some 110 ms for the step itself: about 1.5%.

Unlike `nn.Module` (NumPy `Tensor`s, batched), nothing here is vectorised: a 2-16-16-1 network on
100 points makes some 60,000 nodes per step. That is the point: every multiply is visible.
"""

from __future__ import annotations

import numbers
import random

from tinygrad_edu import Value, group

__all__ = ["Module", "Neuron", "Layer", "MLP"]


class Module:
    """micrograd's base class: `parameters()` (the Values a step updates) and `zero_grad()`."""

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 before the next backward (gradients accumulate)."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []


def _check_count(value, what: str, example: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}; e.g. {example}")
    return int(value)


class Neuron(Module):
    """One neuron: relu(w·x + b), or w·x + b with nonlin=False.

    >>> random.seed(0)
    >>> n = Neuron(2)
    >>> n
    ReLUNeuron(2)
    >>> n([1.0, 2.0]).data == max(0.0, n.w[0].data * 1.0 + n.w[1].data * 2.0)
    True
    """

    def __init__(self, nin: int, nonlin: bool = True):
        nin = _check_count(nin, "Neuron(nin): nin, the number of inputs,", "Neuron(2)")
        self.w = [Value(random.uniform(-1, 1), label=f"w{i + 1}") for i in range(nin)]
        self.b = Value(0, label="b")
        self.nonlin = nonlin
        self.name = "neuron"   # the box it is drawn in; Layer and MLP give it its place, "layer 1 neuron 3"

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, name: str) -> None:
        self._name = name
        self._box = group(name)   # made once, entered at every call: a fresh one per call costs more

    def __call__(self, x) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} takes {len(self.w)} inputs, got {len(x)}: {list(x)!r}")
        with self._box:
            # b + w1·x1 + w2·x2 + ...: the same additions in the same order as micrograd, so the same float
            act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
            return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons reading the same `nin` inputs; keyword arguments go to each Neuron.

    Calling it gives a list of `nout` Values, or the Value itself when nout is 1: micrograd's
    habit, which its demo relies on (`score.data` for a one-output network).

    >>> random.seed(0)
    >>> Layer(3, 2, nonlin=False)
    Layer of [LinearNeuron(3), LinearNeuron(3)]
    """

    def __init__(self, nin: int, nout: int, **kwargs):
        nout = _check_count(nout, "Layer(nin, nout): nout, the number of neurons,", "Layer(2, 16)")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]
        for j, n in enumerate(self.neurons):
            n.name = f"neuron {j + 1}"

    def __call__(self, x) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes `nouts` after `nin` inputs: ReLU neurons, the last layer linear.

    >>> random.seed(0)
    >>> MLP(3, [2, 1])
    MLP of [Layer of [ReLUNeuron(3), ReLUNeuron(3)], Layer of [LinearNeuron(2)]]
    """

    def __init__(self, nin: int, nouts: list[int]):
        if isinstance(nouts, numbers.Integral) or not all(isinstance(n, numbers.Integral) for n in nouts) or not nouts:
            raise ValueError(f"MLP(nin, nouts): nouts must be a list of layer sizes, got {nouts!r}; "
                             "e.g. MLP(2, [16, 16, 1])")
        sz = [nin] + list(nouts)
        self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]
        for i, layer in enumerate(self.layers):
            for j, n in enumerate(layer.neurons):
                n.name = f"layer {i + 1} neuron {j + 1}"

    def __call__(self, x) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
