"""Backward (and forward) step by step: the engine's own walk replayed one step at a time.

    backward_trace(root)     one `Step` per node backward visits (per group, collapsed): what
                             arrived along each edge (∂L/∂node × ∂node/∂input = the share sent)
                             and every gradient so far, partial sums marked as such
    forward_trace(root, x)   forward mode from input x: one `Step` per op, each node's tangent
                             ṫ = ∂node/∂x as the engine's `apply` computes it
    mode_costs(root)         what one reverse sweep and one forward sweep per input cost (count_ops)
    backward_frames(root)    the backward steps as pictures (graphviz.Digraph), not yet rendered
    draw_backward_steps(root, "out/", gif=True, html=True)   ... rendered: PNGs, a GIF, a web page

Nothing here computes a derivative: the replay calls `backward_step` (reverse) and `apply`
(forward, which carries tangents when an input has one), and shows what they return.
"""

from __future__ import annotations

import html
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import graphviz

from ..autograd import apply, backward_step, gradients, new_node, topological_order
from ..counting import count_ops
from .graph import _choose_collapse, _graphviz, _Hidden, _names, _Partial, _summary, collapsed_items, draw_graph, sent


@dataclass
class Arrival:
    """One edge of one backward step: the chain rule on it."""

    node: Any       # the node passing its gradient back
    index: int      # which of its inputs
    input: Any
    upstream: Any   # ∂L/∂node
    local: Any      # ∂node/∂input: what backward_step sends from a gradient of 1
    sent: Any       # what backward_step sent: upstream × local (for an array, its vjp)
    total: Any      # the input's gradient once this arrived: the running sum
    paths: tuple    # (paths arrived so far, paths in all) into the input


@dataclass
class Step:
    """One step of a walk: the nodes visited (one, or a collapsed group's), in words and numbers."""

    nodes: list
    box: str | None                 # the group's name, when the graph is drawn collapsed
    caption: str
    arrivals: list = field(default_factory=list)
    values: dict = field(default_factory=dict)   # id(node) -> (value, "final" | "partial")


class Walk:
    """The names and boxes a replay needs: shared by the trace, its captions and its pictures."""

    def __init__(self, root, collapse: str | None = None, max_nodes: int = 500):
        self.root = root
        self.order = topological_order(root)
        self.mode, self.note = _choose_collapse(self.order, collapse, max_nodes)
        self.box_of = collapsed_items(self.order, self.mode)
        self.names = _names(self.order, root)
        self.root_name = self.names[id(root)]
        self.inputs = [n for n in self.order if not n.inputs and n.requires_grad]
        uses = Counter(id(x) for n in self.order if n.requires_grad for x in n.inputs if x.requires_grad)
        self.uses = uses

    def name(self, node) -> str:
        return self.names[id(node)]

    def steps(self, nodes):
        """`nodes` cut into steps: one node each, or, collapsed, everything up to the last node
        of a box (the moment the box is done)."""
        if not self.box_of:
            return [([n], None) for n in nodes]
        last = {}
        for k, n in enumerate(nodes):
            last[self.box_of.get(id(n), id(n))] = k
        out, run = [], []
        for k, n in enumerate(nodes):
            run.append(n)
            key = self.box_of.get(id(n), id(n))
            if last[key] == k:
                out.append((run, key if isinstance(key, str) else None))
                run = []
        return out


# ---- reverse mode --------------------------------------------------------------------------------

def backward_trace(root, *, collapse: str | None = None, max_nodes: int = 500, walk: Walk | None = None) -> list[Step]:
    """Replay `root`'s backward pass with the engine's own `backward_step`, one node at a time, in
    backward's order (reverse creation order; constants are visited too, and get no gradient), and
    record each step. The replay starts from root's gradient, so call `root.backward()` first;
    afterwards every gradient is as it was."""
    if root.grad is None or not np.any(root.grad):
        raise ValueError(f"draw_backward_steps(root, ...): root has no gradient yet (grad {root.grad!r}); "
                         f"call root.backward() first")
    w = walk or Walk(root, collapse, max_nodes)
    nodes = list(reversed(w.order))
    final = {id(n): n.grad for n in nodes}          # as backward left them: restored at the end
    arrived, visited, steps = Counter(), set(), []
    try:
        for n in nodes:                              # the replay starts from nothing but root's gradient
            n.grad = None if n.inputs else n.initial_grad
        root.grad = final[id(root)]
        reached = {id(root)}
        chunks = w.steps(nodes)
        for k, (chunk, box) in enumerate(chunks, start=1):
            arrivals = []
            for node in chunk:
                if node.inputs and node.requires_grad and node.grad is not None:
                    arrivals += _backward_one(node, arrived, w)
                visited.add(id(node))
            reached |= {id(a.input) for a in arrivals}
            # complete once visited, or once every path into it has reported back
            values = {id(n): (_copy(n.grad), "final" if id(n) in visited or arrived[id(n)] >= w.uses[id(n)]
                              else "partial") for n in nodes if id(n) in reached}
            caption = _backward_caption(chunk, box, arrivals, w, k, len(chunks))
            steps.append(Step(chunk, box, caption, arrivals, values))
    finally:
        for n in nodes:
            n.grad = final[id(n)]
    return steps


def _backward_one(node, arrived: Counter, w: Walk) -> list[Arrival]:
    """The engine's chain-rule step at one node, and what it sent along each edge."""
    g = _copy(node.grad)
    one = np.ones_like(node.data) if isinstance(node.data, np.ndarray) else 1.0
    locals_, shares = sent(node, one), sent(node, g)   # the same rule, from 1 and from ∂L/∂node
    before = {id(x): _copy(x.grad) for x in node.inputs}
    backward_step((node,), node.xp)                  # the engine's own step, on the real graph
    out = []
    for i, x in enumerate(node.inputs):
        if shares[i] is None:
            continue
        arrived[id(x)] += 1
        # the running sum edge by edge (x·x sends two shares in one step), added as the walk adds them
        held = before[id(x)]
        before[id(x)] = shares[i] if held is None else node.xp.add(held, shares[i])
        out.append(Arrival(node, i, x, g, locals_[i], shares[i], _copy(before[id(x)]),
                           (arrived[id(x)], w.uses[id(x)])))
    return out


def _backward_caption(chunk, box, arrivals, w: Walk, k: int, total: int) -> str:
    f = w.root_name
    step = f"step {k} of {total}: "
    if box is not None:
        outs = [a for a in arrivals if w.box_of.get(id(a.input)) != box]
        sent_to = ", ".join(dict.fromkeys(w.name(a.input) for a in outs)) or "nothing outside it"
        return step + (f"backward through {box} ({len(chunk)} nodes, each one backward_step); "
                       f"its gradients are complete and reach {_clip(sent_to, 80)}")
    node = chunk[0]
    name = w.name(node)
    if not node.inputs and not node.requires_grad:
        return step + f"{_bare(name)} is a constant: it needs no gradient"
    if not node.inputs:
        paths = w.uses[id(node)]
        summed = f", the sum of its {paths} paths" if paths > 1 else ""
        return step + f"{_bare(name)} is a leaf: ∂{f}/∂{name} = {_summary(node.grad)} is final{summed}"
    g = _summary(arrivals[0].upstream) if arrivals else _summary(node.grad)
    head = (f"∂{f}/∂{f} = {g} to start with" if node is w.root else f"∂{f}/∂{name} = {g} arrives")
    parts = []
    for a in arrivals:
        x = w.name(a.input)             # (x1·w1) in a formula, x1·w1 as the subject of a sentence
        if np.ndim(a.sent) == 0 and np.ndim(a.upstream) == 0:
            part = (f"{_bare(x)} gets {g} × ∂{name}/∂{x} = {g} × {_paren(_summary(a.local))} = {_summary(a.sent)}")
        else:
            part = f"{_bare(x)} gets ∂{f}/∂{name} pushed back through {node.op.name}: {_summary(a.sent)}"
        done, paths = a.paths
        if paths > 1:
            part += f" (so far {_summary(a.total)}, {done} of {paths} paths)"
        parts.append(part)
    return step + head + ("; " + "; ".join(parts) if parts else "")


# ---- forward mode --------------------------------------------------------------------------------

def forward_trace(root, wrt, *, walk: Walk | None = None) -> list[Step]:
    """Forward mode from the input `wrt`: seed ṫ = 1 on it (ones, for a Tensor) and 0 on the other
    inputs, then recompute every op in creation order with the engine's `apply`, which carries
    the tangent ṫ = ∂node/∂wrt along. Step 0 holds the seeds; one step per op (per group,
    collapsed); the last step's tangent at root is ∂root/∂wrt. The graph is not touched: the
    replay runs on stand-ins."""
    w = walk or Walk(root)
    twin, steps = {}, []
    ops = [n for n in w.order if n.inputs]
    for n in w.order:
        if not n.inputs:
            twin[id(n)] = s = new_node(n.kind, n.data)
            if n.requires_grad:
                s.tangent = _seed(n.data, 1.0 if n is wrt else 0.0)
    values = {id(n): (twin[id(n)].tangent, "final") for n in w.order if not n.inputs and n.requires_grad}
    chunks = w.steps(ops)
    steps.append(Step([], None, _seed_caption(w, wrt, len(chunks)), [], dict(values)))
    for k, (chunk, box) in enumerate(chunks, start=1):
        for n in chunk:
            with np.errstate(all="ignore"):
                twin[id(n)] = apply(n.op, *[twin[id(x)] for x in n.inputs], **n.attrs)   # the engine's tangent rule
            values[id(n)] = (_copy(twin[id(n)].tangent), "final")
        steps.append(Step(chunk, box, _forward_caption(chunk, box, twin, w, wrt, k, len(chunks)), [], dict(values)))
    return steps


def _seed(data, v: float):
    return np.full_like(data, v) if isinstance(data, np.ndarray) else v


def _seed_caption(w: Walk, wrt, total: int) -> str:
    x = w.name(wrt)
    others = [w.name(n) for n in w.inputs if n is not wrt]
    rest = f", ṫ = 0 on {_clip(', '.join(others), 60)}" if others else ""
    return (f"forward mode from {x}: seed ṫ{x} = 1{rest}; each of the {total} steps below gives one "
            f"node its tangent ṫ = ∂node/∂{x}")


def _forward_caption(chunk, box, twin, w: Walk, wrt, k: int, total: int) -> str:
    step = f"step {k} of {total}: "
    x = w.name(wrt)
    if box is not None:
        last = chunk[-1]
        return step + f"forward through {box} ({len(chunk)} ops): ṫ of its output = {_summary(twin[id(last)].tangent)}"
    node = chunk[0]
    name = w.name(node)
    t = twin[id(node)].tangent
    done = " = ∂{}/∂{}".format(name, x) if node is w.root else ""
    if np.ndim(node.data) == 0:
        one = np.ones_like(node.data) if isinstance(node.data, np.ndarray) else 1.0
        locals_ = sent(node, one)
        terms = [(w.name(i), d, twin[id(i)].tangent) for i, d in zip(node.inputs, locals_)
                 if d is not None and twin[id(i)].tangent is not None]
        if terms:
            symbols = " + ".join(f"∂{name}/∂{i}·ṫ{i}" for i, _, _ in terms)
            numbers = " + ".join(f"{_paren(_summary(d))} × {_paren(_summary(ti))}" for _, d, ti in terms)
            return step + f"ṫ{name} = {symbols} = {numbers} = {_summary(t)}{done}"
    return step + f"ṫ{name} = {'(none)' if t is None else _summary(t)}{done}"


def mode_costs(root, walk: Walk | None = None) -> dict:
    """What each mode pays for every input's derivative, counted by `count_ops`: one reverse sweep
    (the engine's backward walk, gradients left as they are) against one forward sweep per input.
    Every sweep seeds every input (1 on one, 0 on the others), so every sweep evaluates the same
    tangent rules: one is counted, and there are as many sweeps as inputs."""
    w = walk or Walk(root)
    one = np.ones_like(root.data) if isinstance(root.data, np.ndarray) else 1.0
    with count_ops() as c:
        gradients(root, w.inputs, one, root.xp)
    reverse = c.backward
    per_sweep = 0
    if w.inputs:
        with count_ops() as c:
            forward_trace(root, w.inputs[0], walk=w)
        per_sweep = c.tangent
    return {"inputs": len(w.inputs), "reverse_sweeps": 1, "reverse_rules": reverse,
            "forward_sweeps": len(w.inputs), "forward_rules": len(w.inputs) * per_sweep,
            "forward_rules_per_sweep": per_sweep}


def check_frames(frames: int, max_frames: int, w: Walk) -> None:
    """Refuse, saying what to pass, a replay of more than `max_frames` pictures: each is a `dot`
    run of its own (about 0.2 s for a graph of 30 boxes), so a thousand of them take minutes."""
    if frames > max_frames:
        per = "node" if w.mode is None else f"box ({w.mode})"
        fewer = "collapse='neuron' or collapse='layer'" if w.mode is None else "collapse='layer'"
        raise ValueError(f"{frames:,} backward steps to draw (one per {per}, {len(w.order):,} nodes) is more than "
                         f"max_frames={max_frames}: pass {fewer} for fewer, bigger steps, or max_frames={frames} "
                         f"to draw them all (about {frames // 10 + 1} s or more)")


# ---- pictures ------------------------------------------------------------------------------------

def step_drawings(root, steps: list[Step], w: Walk, *, format: str = "png", show_local_grads: bool = True,
                  max_nodes: int = 500, start: bool = False, forward_from=None,
                  titled: bool = True, text_size: int | None = None) -> list[graphviz.Digraph]:
    """One drawing per step (and, with `start`, one after the forward pass first): the step's nodes
    outlined in red with their edges, each edge it sends along carrying upstream × local = share,
    every gradient (tangent) known so far filled in, partial sums pale, the rest painted out."""
    finals = {id(n): n.grad for n in w.order}
    row = "grad" if forward_from is None else "tangent"
    notes, where = {}, {}
    for k, s in enumerate(steps):
        for a in s.arrivals:
            notes[id(a.node), a.index] = _arrival_text(a)
            where[id(a.node), a.index] = k
    last = steps[-1].values if steps else {}
    frames = ([None] if start else []) + list(range(len(steps)))
    start_caption = (f"after the forward pass: every node holds its value; backward starts from "
                     f"∂{w.root_name}/∂{w.root_name} = {_summary(finals[id(root)])}")
    titles = [_wrap(steps[k].caption if k is not None else start_caption) for k in frames]
    lines = max((t.count("\n") for t in titles), default=0)
    titles = [t + "\n" * (lines - t.count("\n") + 1) + _legend(row) for t in titles]   # every frame alike tall
    drawings = []
    for k, title in zip(frames, titles):
        s = steps[k] if k is not None else None
        values = s.values if s is not None else {}

        def get(n, values=values):
            v = values.get(id(n))
            if v is None:
                known = last.get(id(n), (finals.get(id(n)), "final"))[0]
                return None if known is None else _Hidden(known)
            return v[0] if v[1] == "final" else _Partial(v[0])
        edge_notes = {key: (text, where[key] == k) for key, text in notes.items()} if notes else None
        drawings.append(draw_graph(
            root, format=format, show_grad=False, values={row: get}, show_order=forward_from is None,
            show_local_grads=show_local_grads, max_nodes=max_nodes, collapse=w.mode,
            highlight=s.nodes if s is not None else None, edge_notes=edge_notes, title=title if titled else None,
            text_size=text_size))
    return drawings


def _legend(row: str) -> str:
    if row == "grad":
        return "orange: complete gradient · pale italic: a partial sum, paths still to come · grey: nothing yet"
    return "tangents ṫ = ∂node/∂input, computed by apply as each op runs · grey: not computed yet"


def _arrival_text(a: Arrival) -> str:
    if np.ndim(a.sent) == 0 and np.ndim(a.upstream) == 0:
        return f"{_summary(a.upstream)} × {_paren(_summary(a.local))} = {_summary(a.sent)}"
    return f"sends {_summary(a.sent)}"


def backward_frames(root, *, show_local_grads: bool = True, max_nodes: int = 500,
                    collapse: str | None = None, max_frames: int = 60) -> list[graphviz.Digraph]:
    """One picture per step of backward (per node it visits, or per group when collapsed), in its
    order, not yet rendered (`draw_backward_steps` renders them; a program with its own renderer,
    such as the `graph` command, takes these).

    The frames replay the backward pass of `root` with the engine's own `backward_step`
    (`backward_trace`): the node being visited outlined in red, with the edges its gradient flows
    back along, each carrying ∂L/∂node × ∂node/∂input = the share that arrives; each input's grad
    row shows the running sum as shares arrive (pale while partial), gradients not reached yet are
    painted out (their room kept, so every frame lays out alike). Call `root.backward()` first.
    More than `max_frames` steps are refused (`check_frames`), saying what to pass.
    """
    w = Walk(root, collapse, max_nodes)
    steps = backward_trace(root, walk=w)
    check_frames(len(steps), max_frames, w)
    return step_drawings(root, steps, w, show_local_grads=show_local_grads, max_nodes=max_nodes)


# ---- names and numbers in words ------------------------------------------------------------------

def _bare(name: str) -> str:
    """A name as the subject of a sentence: x·w, not (x·w)."""
    return name[1:-1] if name.startswith("(") and name.endswith(")") and not name[1:].startswith("-") else name


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _wrap(text: str, width: int = 100) -> str:
    """A caption on lines of about `width` characters, broken after '; '."""
    lines, line = [], ""
    for part in text.split("; "):
        piece = part if not line else "; " + part
        if line and len(line) + len(piece) > width:
            lines.append(line + ";")
            line = part
        else:
            line += piece
    return "\n".join(lines + [line])


def _copy(v):
    return v.copy() if isinstance(v, np.ndarray) else getattr(v, "data", v) if hasattr(v, "inputs") else v


# ---- the GIF -------------------------------------------------------------------------------------
