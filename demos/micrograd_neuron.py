"""micrograd's neuron, o = tanh(x1·w1 + x2·w2 + b): its gradients, and backward step by step.

    python demos/micrograd_neuron.py

Prints each gradient and writes to demos/out/: neuron.svg and neuron.png (data and gradients),
neuron_local.svg and neuron_local.png (each edge's local derivative ∂out/∂in, and the order
backward visits the nodes), neuron_steps/step_NN.png (one frame per node backward visits) and
neuron_steps/backward.gif, and neuron_forward.png (forward mode: the tangent ∂node/∂x1 carried
from x1 towards o, the same number reverse mode leaves in x1.grad). Needs Graphviz's `dot` program (apt-get install graphviz,
brew install graphviz or conda install graphviz).
"""

from __future__ import annotations

from pathlib import Path

from tinygrad_edu import Value, draw_backward_steps, draw_graph

OUT = Path(__file__).resolve().parent / "out"


def named(v: Value, label: str) -> Value:
    """Give a node the name it has on the slide."""
    v.label = label
    return v


def neuron(seed_tangent: str | None = None) -> tuple[Value, dict[str, Value]]:
    """The neuron of micrograd's lecture, every node labelled as there; returns (o, named nodes).
    With `seed_tangent`, that input carries tangent 1 (the others 0): forward mode along it."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")      # chosen so that n = 0.8814 and o = tanh(n) = 1/√2
    if seed_tangent:
        for leaf in (x1, x2, w1, w2, b):
            leaf.tangent = 1.0 if leaf.label == seed_tangent else 0.0
    x1w1 = named(x1 * w1, "x1·w1")
    x2w2 = named(x2 * w2, "x2·w2")
    n = named(named(x1w1 + x2w2, "x1·w1 + x2·w2") + b, "n")
    o = named(n.tanh(), "o")
    return o, {"x1": x1, "w1": w1, "x2": x2, "w2": w2, "b": b, "n": n}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    o, nodes = neuron()
    o.backward()
    print(f"o = tanh(x1·w1 + x2·w2 + b) = {o.data:.4f}")
    for name, node in nodes.items():
        print(f"  ∂o/∂{name:2} = {node.grad:+.4f}")

    for fmt in ("svg", "png"):          # svg for the web and notebooks, png for slides
        draw_graph(o, format=fmt).render(OUT / "neuron", cleanup=True)
        local = draw_graph(o, format=fmt, show_local_grads=True, show_order=True)
        local.render(OUT / "neuron_local", cleanup=True)
    frames = draw_backward_steps(o, OUT / "neuron_steps", gif=True, html=True)   # html: the page to click through

    forward, _ = neuron(seed_tangent="x1")           # forward mode: one pass per input
    print(f"forward mode along x1: ∂o/∂x1 = o.tangent = {forward.tangent:+.4f} (reverse mode: {nodes['x1'].grad:+.4f})")
    draw_graph(forward, format="png", show_grad=False, show_tangent=True).render(OUT / "neuron_forward", cleanup=True)
    print(f"wrote {OUT}/neuron.svg, neuron.png, neuron_local.svg, neuron_local.png, "
          f"{len(frames)} step frames, neuron_steps/backward.gif, neuron_steps/index.html and neuron_forward.png")


if __name__ == "__main__":
    main()
