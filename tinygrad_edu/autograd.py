"""Recording operations and walking them backwards: the chain rule, for `Value` and `Tensor` alike.

A node (a `Value` or a `Tensor`) made by an op remembers the op (`node.op`, an entry of `ops.py`),
its inputs (`node.inputs`, a tuple, in argument order) and the op's settings (`node.attrs`); every
node also has a `serial`, its place in the order nodes were made. `backward()` orders the graph so
every node comes after its inputs (by `serial`: inputs are always made first), then walks that order
in reverse: each node's gradient is complete by the time it is visited, and each input receives
g · ∂out/∂input from the op's rule, added (`+`) to what it already has. A node used twice thus gets
the sum of both paths.

Gradients, by decision:
- leaves (nodes you made, not an op) *accumulate* across `backward()` calls, as in PyTorch;
  clear them with `zero_grad()`.
- intermediate nodes keep the gradient of the most recent `backward()` through them (PyTorch keeps
  them only after `retain_grad()`; a teaching engine shows them all, so graphs can be drawn with
  every gradient on them).
"""

import gc
import itertools
from types import MappingProxyType
from contextlib import ContextDecorator
from operator import attrgetter

import numpy as np

from .ops import one


class _Modes:
    grad_enabled = True     # False inside `no_grad()`: ops record nothing
    detect_anomaly = False  # True inside `detect_anomaly()`: raise at the first nan/inf
    counter = None          # an `OpCount` inside `count_ops()`: every rule evaluation is tallied
    group = None            # inside `group(name)`: the name every new node carries in `.group`


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
        return self.value

    def __exit__(self, *exc) -> None:
        setattr(_Modes, self.name, self.previous.pop())


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


def _describe(data) -> str:
    shape = np.shape(data)
    return f"shape {shape}" if shape else f"value {data!r}"


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


_data = attrgetter("data")


def apply(op, *inputs, **attrs):
    """Run a primitive forward on the inputs' data and record it on the output node.

    Forward mode rides along: when an input carries a tangent ṫ (`Dual`, `functional.jvp`), the
    output gets its tangent from the op's jvp rule here, while the value is computed.
    """
    cls = type(inputs[-1])
    xp, datas = cls.xp, list(map(_data, inputs))
    out = cls._from_op(op.forward(xp, *datas, **attrs))
    if _Modes.counter is not None:
        _Modes.counter.add("forward", op, out.data, datas)
    if _Modes.detect_anomaly:
        _check_finite("the output", op, out.data, inputs)
    needs_grad = carries_tangent = False
    for x in inputs:                  # a plain loop: this runs once per op, a million times in a chain
        needs_grad = needs_grad or x.requires_grad
        carries_tangent = carries_tangent or x.tangent is not None
    if needs_grad and _Modes.grad_enabled:
        out.requires_grad = True
        out.op, out.inputs, out.attrs = op, inputs, attrs or _NO_ATTRS
    if carries_tangent:
        ts = [x.tangent for x in inputs]
        out._set_tangent(op.jvp(xp, ts, out.data, *datas, **attrs))
        if _Modes.counter is not None:
            _Modes.counter.add("tangent", op, out.data, datas)
    return out


_NO_ATTRS = MappingProxyType({})   # the settings of every node made without any: shared, read-only

# Every node, leaf or op result, takes the next number when it is made: its `serial`. The count
# survives importlib.reload (Jupyter's autoreload), so nodes made before and after stay in order.
next_serial = globals().get("next_serial") or itertools.count().__next__
_serial = attrgetter("serial")


def topological_order(root, grad_only: bool = False) -> list:
    """Every node `root` depends on, each after all of its inputs (root last).

    An op's inputs exist before its result is made, so the order in which nodes were made is
    already a topological order (the "tape" of reverse mode): find the nodes `root` depends on,
    then sort them by `serial`. A loop with an explicit stack, so a graph a million nodes deep
    needs no recursion. With `grad_only`, the nodes that need no gradient (constants: they have
    no inputs either) are left out: the order `backward` walks.
    """
    found, stack = {root}, [root]          # nodes hash by identity
    while stack:
        for x in stack.pop().inputs:
            if x not in found and (x.requires_grad or not grad_only):
                found.add(x)
                stack.append(x)
    return sorted(found, key=_serial)


def backward(root, grad, create_graph: bool = False) -> None:
    """Send `grad` (∂L/∂root) back through the graph, leaving ∂L/∂node in every `node.grad`.

    With `create_graph`, the rules run on the nodes themselves (`graph_math` as their `xp`), so each
    gradient is a recorded Tensor that can be differentiated again, as in PyTorch.
    """
    if create_graph:
        from . import graph_math
        order = topological_order(root)
        _forget_intermediate_grads(order)
        with enable_grad():
            _walk(order, root, grad, graph_math)
        return
    # Sorting and walking make no reference cycles, so the cyclic garbage collector has nothing to
    # find in them; paused, it does not re-scan a big graph again and again while they allocate.
    # (It still scans a big graph while the forward pass builds it: README, "Performance".)
    collecting = gc.isenabled()
    gc.disable()
    try:
        order = topological_order(root, grad_only=True)
        scalar_graph = type(root.data) is float          # a Value graph: every op elementwise
        if scalar_graph and _Modes.counter is None and not _Modes.detect_anomaly:   # nothing to count or check
            _walk_scalars(order, root, grad)
        else:
            _forget_intermediate_grads(order)
            _walk(order, root, grad, None)
    finally:
        if collecting:
            gc.enable()


def _forget_intermediate_grads(order) -> None:
    for node in order:
        if node.inputs:                     # intermediate: holds only this call's gradient
            node.grad = None


def _walk(order, root, grad, graph_xp) -> None:
    checking = _Modes.counter is not None or _Modes.detect_anomaly
    root._accumulate(grad)
    for node in reversed(order):
        g = node.grad
        if g is None or not node.inputs:
            continue
        op, attrs = node.op, node.attrs
        if graph_xp is None:              # the rules compute on the nodes' data
            rule_xp, out, ins = type(node).xp, node.data, list(map(_data, node.inputs))
        else:                             # create_graph: the rules compute on the nodes, recording
            rule_xp, out, ins = graph_xp, node, node.inputs
        for i, x in enumerate(node.inputs):
            if not x.requires_grad:
                continue
            if op.variadic:
                gx = op.vjp[0](rule_xp, g, out, *ins, i=i, **attrs)
            elif attrs:
                gx = op.vjp[i](rule_xp, g, out, *ins, **attrs)
            else:                         # the common case, without unpacking an empty dict
                gx = op.vjp[i](rule_xp, g, out, *ins)
            if checking:
                if _Modes.counter is not None:
                    _Modes.counter.add("backward", op, node.data, [x.data for x in node.inputs])
                if _Modes.detect_anomaly:
                    _check_finite(f"the gradient for input {i}", op, getattr(gx, "data", gx), node.inputs)
            x._accumulate(gx, gx is g)     # passed through unchanged: shared with this node's grad


def _walk_scalars(order, root, grad: float) -> None:
    """`_walk` for a graph of Python floats (`Value`), where it runs a million times in a long chain.

    A pure speed-up of `_walk`, which it must agree with bit for bit (tests/test_value.py checks):
    every built-in scalar op is elementwise, so each input simply gets g · ∂out/∂input from the op's
    `partials` (no vjp wrapper, no shape to undo) added to its float `grad`.
    """
    for node in order:                          # intermediates start from 0 (leaves accumulate)
        if node.inputs or node.grad is None:
            node.grad = 0.0
    root.grad += grad
    xp = type(root).xp
    for node in reversed(order):
        inputs = node.inputs
        if not inputs:
            continue
        op, g, out, attrs = node.op, node.grad, node.data, node.attrs
        partials = op.partials
        if partials is None:                    # an op given by its vjp rules (one of your own Ops)
            xs = [x.data for x in inputs]
            for i, x in enumerate(inputs):
                if x.requires_grad:
                    x.grad += op.vjp[i](xp, g, out, *xs, **attrs)
        elif len(inputs) == 1:
            x, partial = inputs[0], partials[0]
            if not x.requires_grad:
                continue
            if partial is one:
                x.grad += g
            else:                               # (**attrs only when there are some: it costs a dict)
                x.grad += g * (partial(xp, out, x.data, **attrs) if attrs else partial(xp, out, x.data))
        elif len(inputs) == 2 and not attrs:   # (no two-input op has settings today)
            (a, b), (partial_a, partial_b) = inputs, partials
            if a.requires_grad:
                a.grad += g if partial_a is one else g * partial_a(xp, out, a.data, b.data)
            if b.requires_grad:
                b.grad += g if partial_b is one else g * partial_b(xp, out, a.data, b.data)
        else:                                   # where(cond, a, b), or settings to pass
            xs = [x.data for x in inputs]
            for x, partial in zip(inputs, partials):
                if x.requires_grad and partial is not None:     # (None: not differentiable, as cond)
                    x.grad += g * partial(xp, out, *xs, **attrs)
