"""The graph and the chain rule, for `Value` and `Tensor` alike: recording ops and walking them back.

    Node                  what a Value and a Tensor both are: data, grad, the op that made it, its inputs
    apply(op, *inputs)    compute a primitive of ops.py and record it on the result: the graph grows
    topological_order     every node a result depends on, inputs first (the order they were made)
    backward_step(nodes)  the chain rule at each node: each input's grad += its share of node.grad
    backward(root)        backward_step at every node, from root back to the leaves

Gradients, by decision:
- leaves (nodes you made, not an op) *accumulate* across `backward()` calls, as in PyTorch;
  clear them with `zero_grad()`.
- intermediate nodes keep the gradient of the most recent `backward()` through them (PyTorch keeps
  them only after `retain_grad()`; a teaching engine shows them all, so graphs can be drawn with
  every gradient on them).

Speed lives here, inside the one path (a scalar graph is millions of tiny ops, so every line below
runs per op): no reference cycles (graphs are freed by reference counting), the collector paused
while backward allocates, plain loops instead of generators, one field per statement.
"""

from __future__ import annotations

import gc
import itertools
from contextlib import ContextDecorator
from types import MappingProxyType

import numpy as np

from .ops import one


class _Modes:
    grad_enabled = True     # False inside `no_grad()`: ops record nothing
    detect_anomaly = False  # True inside `detect_anomaly()`: raise at the first nan/inf
    counter = None          # an `OpCount` inside `count_ops()`: every rule evaluation is tallied
    group = None            # inside `group(name)`: the name every new node carries in `.group`
    watching = False        # counting or detecting anomalies: the one flag the hot path reads
    transforms = 0          # how many of functional.py's transformations are running (nesting depth)


class _mode(ContextDecorator):
    """Set one of `_Modes` for the duration of a `with` block (or a decorated function).

    A class rather than a @contextmanager generator: nn enters `group(...)` for every layer of
    every training step, and this costs a fraction of a generator's set-up.
    """

    def __init__(self, name: str, value):
        self.name, self.value, self.previous = name, value, []   # a stack: the same object may nest

    def __enter__(self):
        self.previous.append(getattr(_Modes, self.name))
        setattr(_Modes, self.name, self.value)
        _Modes.watching = _Modes.counter is not None or _Modes.detect_anomaly
        return self.value

    def __exit__(self, *exc) -> None:
        setattr(_Modes, self.name, self.previous.pop())
        _Modes.watching = _Modes.counter is not None or _Modes.detect_anomaly


def no_grad():
    """Compute without recording: outputs made inside have no op, no inputs, no gradient.

    >>> with no_grad():
    ...     y = x * 2          # y.requires_grad is False
    Also usable as a decorator, `@no_grad()`, as `torch.no_grad`.
    """
    return _mode("grad_enabled", False)


def enable_grad():
    """Record again inside a `no_grad()` block."""
    return _mode("grad_enabled", True)


def group(name: str | None):
    """Nodes made inside carry `group=name`; `draw_graph` boxes each group (a layer, a loss) together.

    >>> with group("hidden"):
    ...     h = (x @ W + b).relu()      # the @, + and relu nodes: h.group == "hidden"
    Nested groups: the innermost name wins.
    """
    return _mode("group", name)


def is_grad_enabled() -> bool:
    return _Modes.grad_enabled


def detect_anomaly():
    """Raise `FloatingPointError` at the first op whose output (or gradient) holds nan or inf."""
    return _mode("detect_anomaly", True)


# Every node, leaf or op result, takes the next number when it is made: its `serial`. The count
# survives importlib.reload (Jupyter's autoreload), so nodes made before and after stay in order.
next_serial = globals().get("next_serial") or itertools.count().__next__
NO_SETTINGS = MappingProxyType({})   # the settings of every node made without any: shared, read-only


class Node:
    """What `Value` and `Tensor` share: a piece of data in a computation graph.

        data           the number (a float) or the array
        grad           ∂L/∂node after `backward()`
        requires_grad  whether backward computes a gradient for it
        label          its name in pictures
        op, inputs     the primitive that made it (an entry of ops.py) and its operands, in order;
                       None and () for a leaf
        attrs          the op's settings (axis, shape, ...)
        group          the name of the `group(...)` it was made in (a layer, a loss), for pictures
        tangent        forward mode: ∂node/∂(seeded input), when one is being carried
        serial         its place in the order nodes were made (topological_order)
    """

    __slots__ = ("data", "grad", "requires_grad", "label", "op", "inputs", "attrs", "group", "tangent", "serial")
    xp = None             # the namespace the rules compute with for this kind of node (xp.py)
    xp_recorded = None    # the rules as recorded ops, for create_graph (Tensor's only)
    jupyter_view = None   # how Jupyter shows a node: draw.py sets it to the graph's picture when
                          # imported (the package imports it), so the core never imports drawing

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if Node in cls.__bases__:   # Value and Tensor are the kinds of node; an op on a subclass
            cls.kind = cls          # (Dual, nn's Parameter) gives a plain node of its kind

    def _constant(self, data) -> Node:
        """A node of this one's kind holding `data`, needing no gradient."""
        return new_node(self.kind, self.as_data(data))

    def zero_grad(self) -> None:
        self.grad = self.initial_grad

    # micrograd's names, for the lecture's habits
    @property
    def _prev(self) -> tuple:
        """The inputs (micrograd's `_prev`; here a tuple in argument order, not a set)."""
        return self.inputs

    @property
    def _op(self) -> str:
        """The op's symbol ('' for a leaf), as micrograd's `_op`."""
        return self.op.name if self.op is not None else ""

    def _backward(self) -> None:
        """Apply this node's local chain-rule step by hand, as the lecture does: each input's grad
        += its share of this node's grad (`backward_step`)."""
        backward_step((self,), self.xp)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        if Node.jupyter_view is None:
            return {"text/plain": repr(self)}
        return Node.jupyter_view(self, include, exclude)


def apply(op, *inputs: Node, **attrs) -> Node:
    """Run a primitive forward on the inputs' data and record it on the output node.

    Forward mode rides along: when an input carries a tangent ṫ (`Dual`, `functional.jvp`), the
    output gets its tangent from the op's jvp rule here, while the value is computed.
    """
    first = inputs[0]
    kind = first.kind
    xp = kind.xp
    # Most ops have one or two inputs and no settings: their data go to the op one by one, since a
    # list of them, or an empty **attrs, costs more than a scalar op's arithmetic (this runs per op).
    n = 0 if attrs else len(inputs)
    if n == 2:
        second = inputs[1]
        data = op.forward(xp, first.data, second.data)
        needs_grad = first.requires_grad or second.requires_grad
        carries_tangent = first.tangent is not None or second.tangent is not None
    elif n == 1:
        data = op.forward(xp, first.data)
        needs_grad, carries_tangent = first.requires_grad, first.tangent is not None
    else:
        data = op.forward(xp, *[x.data for x in inputs], **attrs)
        needs_grad = any(x.requires_grad for x in inputs)
        carries_tangent = any(x.tangent is not None for x in inputs)
    if type(data) is not kind.holds:
        data = kind.as_data(data)         # NumPy gives 0-d results as scalars: a Tensor holds an array
    out = new_node(kind, data)
    if needs_grad and _Modes.grad_enabled:    # record: the graph is these fields
        out.requires_grad = True
        out.op = op
        out.inputs = inputs
        if attrs:
            out.attrs = attrs
    if carries_tangent:
        if op.jvp is None:
            raise NotImplementedError(op.no_rule("forward mode (jvp)"))
        out.tangent = xp.fit_tangent(op.jvp(xp, [x.tangent for x in inputs], data,
                                            *[x.data for x in inputs], **attrs), data)
        if _Modes.watching:
            _watch("tangent", op, data, inputs, None, "")
    if _Modes.watching:
        _watch("forward", op, data, inputs, data, "the output")
    return out


def new_node(kind: type, data) -> Node:
    """A node of `kind` (Value or Tensor) holding `data`: no op, no gradient needed yet.
    One field per statement (no tuple built and unpacked): this runs for every op."""
    node = object.__new__(kind)
    node.data = data
    node.grad = kind.initial_grad
    node.requires_grad = False
    node.label = ""
    node.op = None
    node.inputs = ()
    node.attrs = NO_SETTINGS
    node.group = _Modes.group
    node.tangent = None
    node.serial = next_serial()
    return node


def topological_order(root: Node, grad_only: bool = False) -> list:
    """Every node `root` depends on, each after all of its inputs (root last).

    An op's inputs exist before its result is made, so the order in which nodes were made is
    already a topological order (the "tape" of reverse mode): find the nodes `root` depends on,
    then sort them by `serial`. A loop with an explicit stack, so a graph a million nodes deep
    needs no recursion. With `grad_only`, the nodes that need no gradient (constants: they have
    no inputs either) are left out: the order `backward` walks.
    """
    found, stack = {root.serial: root}, [root]    # serial -> node: sorting plain ints is quickest
    while stack:
        for x in stack.pop().inputs:
            if (x.requires_grad or not grad_only) and x.serial not in found:
                found[x.serial] = x
                stack.append(x)
    return [found[serial] for serial in sorted(found)]


# Speed, in backward_step (it runs for every node, a million times in a long chain): the loop over
# nodes is inside (no call per node), the data are unpacked by hand for one and two inputs, and an
# empty **attrs is not passed.
# A node reached many times (an RNN's x W, sliced at every time step) would get a new array for
# every share added to its sum. So a sum this call makes is remembered (`made`, by id) and later
# shares are added into it in place (`xp.add_into`; arrays only). A sum is forgotten when its node's
# turn comes: from then on it is passed on as g, may become another node's gradient too, and must
# not change. A gradient that arrived as it is, not summed here, may be shared already (a `+`
# passes g on to both inputs) and is never written to.
def backward_step(nodes, xp) -> None:
    """The chain rule at each node of `nodes`, in turn: every input that needs a gradient gets its
    share of node.grad, ∂L/∂input = ∂L/∂node · ∂node/∂input, summed back to the input's shape and
    added to what it already holds (a node used twice gets the sum of both paths).

    `backward` calls it once with every node, in reverse creation order; a picture of the steps
    (`draw_backward_steps`) or the lecture's `node._backward()` calls it with one node.

    An elementwise op gives ∂node/∂input itself (`op.partials`), so the product is written here;
    any other op's rule (`op.reverse_rule(i)`) returns the product directly.
    """
    records, sum_to, add, own, watching = xp.records, xp.sum_to, xp.add, xp.own, _Modes.watching
    add_into, made = xp.add_into, set()
    for node in nodes:
        inputs, g = node.inputs, node.grad
        if not inputs or g is None:       # a leaf (its gradient is complete), or nothing arrived
            continue
        if made:
            made.discard(id(g))           # complete: passed on from here, no longer added into
        op, attrs = node.op, node.attrs
        partials = op.partials
        if records:                       # create_graph: the rules compute on the nodes, recording
            out, ins = node, inputs
        elif len(inputs) == 2:
            out, ins = node.data, (inputs[0].data, inputs[1].data)
        elif len(inputs) == 1:
            out, ins = node.data, (inputs[0].data,)
        else:
            out, ins = node.data, [x.data for x in inputs]
        i = -1
        for x in inputs:
            i += 1                        # (a counter: enumerate's tuples cost more, per input)
            if not x.requires_grad:
                continue
            if partials is not None:      # elementwise: ∂L/∂x = g · ∂out/∂x
                partial = partials[i]     # (None: not differentiable, as where's condition)
                gx = (None if partial is None else g if partial is one
                      else g * (partial(xp, out, *ins, **attrs) if attrs else partial(xp, out, *ins)))
            else:
                rule = op.reverse_rule(i)
                gx = None if rule is None else rule(xp, g, out, *ins, **attrs) if attrs else rule(xp, g, out, *ins)
            if gx is None:
                continue
            if watching:
                _watch("backward", op, node.data, inputs, gx, f"the gradient for input {i}")
            if sum_to is not None:        # undo broadcasting (floats: a number's gradient is a number)
                try:
                    gx = sum_to(gx, x if records else x.data)
                except (ValueError, TypeError) as e:
                    raise type(e)(f"op '{op.name}' ({op.formula}): the gradient its reverse rule gives input {i} "
                                  f"does not fit that input: {e}") from None
            if x.grad is None:            # a leaf keeps its own copy: an optimizer may update it in place
                x.grad = gx if x.inputs else own(gx, g)
            elif add_into is not None and id(x.grad) in made:
                add_into(x.grad, gx)      # a sum made by this call, not passed on yet: add in place
            else:
                x.grad = add(x.grad, gx)
                if add_into is not None:
                    made.add(id(x.grad))


def backward(root: Node, grad, xp=None) -> None:
    """Send `grad` (∂L/∂root) back through the graph, leaving ∂L/∂node in every `node.grad`.

    `xp` is the root's own unless `Tensor.backward(create_graph=True)` passes `xp.recorded`, with
    which every gradient becomes a recorded Tensor (PyTorch's create_graph).
    """
    if not root.requires_grad:            # checked here, once, so a Value and a Tensor say the same
        kind = type(root).__name__
        raise RuntimeError(f"backward(): this {kind} does not require a gradient: nothing it was computed from "
                           f"has requires_grad=True (or it was computed under no_grad()), so there is nothing to "
                           f"differentiate")
    xp = xp or root.xp
    # Sorting and walking make no reference cycles, so the cyclic garbage collector has nothing to
    # find in them; paused, it does not re-scan a big graph again and again while they allocate.
    collecting = gc.isenabled()
    gc.disable()
    try:
        order = topological_order(root, grad_only=True)
        for node in order:
            if node.inputs:               # intermediate: holds only this call's gradient
                node.grad = None
        root.grad = grad if root.grad is None else xp.add(root.grad, grad)
        backward_step(reversed(order), xp)
        if xp.records:
            # An intermediate's recorded gradient refers to the node itself (tanh's rule uses its
            # output), a reference cycle the collector would have to find: intermediates keep the
            # numbers. A leaf keeps its recorded gradient, to differentiate again; that refers to
            # the leaf too, so set it to None when done (as PyTorch advises), or use `gradients`.
            for node in order:
                if node.inputs and node.grad is not None:
                    node.grad = node.grad.data
    finally:
        if collecting:
            gc.enable()


def gradients(root: Node, wrt, grad, xp) -> list:
    """∂L/∂w for each node w of `wrt` (None where root does not depend on it), given ∂L/∂root =
    `grad`: returned, not stored (torch.autograd.grad). The same walk as `backward`, stopping at
    the `wrt` nodes, and every node's `.grad` is left as it was, so the graphs of a gradient made
    with `xp.recorded` are referred to by nothing but the result: no reference cycle.
    """
    order = topological_order(root, grad_only=True)
    kept = [node.grad for node in order]
    stop = set(wrt)                       # nodes hash by identity
    try:
        for node in order:
            node.grad = None
        root.grad = grad
        backward_step([node for node in reversed(order) if node not in stop], xp)
        return [w.grad for w in wrt]
    finally:
        for node, g in zip(order, kept):
            node.grad = g


# ---- watching: count_ops and detect_anomaly --------------------------------------------------

def _watch(kind: str, op, out, inputs, checked, what: str) -> None:
    """Tally one rule evaluation (count_ops) and check what it computed (detect_anomaly)."""
    if _Modes.counter is not None:
        _Modes.counter.add(kind, op, getattr(out, "data", out), [x.data for x in inputs])
    if _Modes.detect_anomaly and what:
        _check_finite(what, op, getattr(checked, "data", checked), inputs)


def _check_finite(what: str, op, result, inputs) -> None:
    if np.all(np.isfinite(result)):
        return
    bad = np.argwhere(~np.isfinite(np.asarray(result)))[0]
    at = f" at index {tuple(int(i) for i in bad)}" if len(bad) else ""
    value = np.asarray(result)[tuple(bad)]
    ins = ", ".join(_describe(x.data) for x in inputs)
    raise FloatingPointError(
        f"detect_anomaly: {what} of op '{op.name}' ({op.formula}) holds {value}{at}; "
        f"its inputs: {ins}")


def _describe(data) -> str:
    shape = np.shape(data)
    return f"shape {shape}" if shape else f"value {data!r}"


# ---- torch.autograd.grad: gradients returned, not stored ---------------------------------------

def grad(outputs, inputs, grad_outputs=None, create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """∂(Σ grad_outputs · outputs)/∂input for each input, returned as a tuple (torch.autograd.grad).

    Unlike `backward()`, nothing is stored in any `.grad`. With `create_graph=True` the gradients
    are recorded Tensors, so a loss may contain a gradient and be differentiated again: WGAN-GP's
    penalty (‖∂D/∂x̂‖ - 1)², then backward through it to D's weights.

    >>> from tinygrad_edu import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> (g,) = grad((x ** 3).sum(), x, create_graph=True); g.data            # 3x²
    array([ 3., 12.])
    >>> grad(g.sum(), x)[0].data                                             # 6x
    array([ 6., 12.])

    outputs, inputs: a node or a sequence of them. grad_outputs: ∂L/∂output for each output
    (needed unless every output holds one number). An input the outputs do not depend on is an
    error, or None with `allow_unused=True`. Inputs may be intermediate nodes: the gradient stops
    there, as torch's does.
    """
    several = isinstance(outputs, (list, tuple))     # then grad_outputs is one seed per output, too
    outputs = list(outputs) if several else [outputs]
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    seeds = list(grad_outputs) if several and grad_outputs is not None else [grad_outputs] * len(outputs)
    if len(seeds) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(seeds)} grad_outputs; give one per output")
    for i, x in enumerate(inputs):
        if not getattr(x, "requires_grad", False):
            raise RuntimeError(f"grad: input {i} does not require a gradient; make it with requires_grad=True")
    kind = outputs[0].kind
    xp = kind.xp_recorded if create_graph else kind.xp
    if xp is None:
        raise RuntimeError(f"grad: create_graph=True needs Tensors; a {kind.__name__} has no recorded gradients")
    root, seed = outputs[0], _seed(outputs[0], seeds[0], 0)
    if len(outputs) > 1:                   # several outputs: one root Σ seed · output, whose own seed is 1
        with _mode("grad_enabled", _Modes.grad_enabled or create_graph):
            root = sum(((out * _seed(out, s, i)).sum() for i, (out, s) in enumerate(zip(outputs, seeds))),
                       start=0 * outputs[0].sum())
        seed = root.kind.as_data(np.ones(np.shape(root.data), dtype=root.data.dtype))
    if create_graph and not isinstance(seed, Node):
        seed = root._constant(seed)
    kept = [x.grad for x in inputs]
    for x in inputs:
        x.grad = None                      # an input the walk never reaches keeps None: unused
    try:
        with _mode("grad_enabled", _Modes.grad_enabled or create_graph):
            found = gradients(root, inputs, seed, xp)
    finally:
        for x, g in zip(inputs, kept):
            x.grad = g
    result = []
    for i, (x, g) in enumerate(zip(inputs, found)):
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} ({_describe(x.data)}) was not used to compute the outputs; "
                               f"pass allow_unused=True to get None for it")
        result.append(g if g is None or isinstance(g, Node) else new_node(kind, kind.as_data(g)))
    return tuple(result)


def _seed(out: Node, seed, i: int):
    """∂L/∂out for output i: given, or 1 for an output holding one number."""
    if seed is None:
        if np.size(out.data) != 1:
            raise RuntimeError(f"grad: output {i} has shape {np.shape(out.data)}; give grad_outputs (∂L/∂output, "
                               f"of that shape) unless the output holds one number")
        return out.kind.as_data(np.ones(np.shape(out.data), dtype=getattr(out.data, "dtype", float)))
    if isinstance(seed, Node):
        return seed
    seed = out.kind.as_data(np.asarray(seed, dtype=getattr(out.data, "dtype", float)))
    if np.shape(seed) != np.shape(out.data):
        raise ValueError(f"grad: grad_outputs[{i}] has shape {np.shape(seed)} but output {i} has shape "
                         f"{np.shape(out.data)}; they must be equal")
    return seed
