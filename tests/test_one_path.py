"""One path through the engine: Value and Tensor are the same kind of node, built by the same
`apply` and walked by the same `backward_step`; a primitive without a rule says so by name."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Node, Tensor, Value, draw_backward_steps, jvp
from tinygrad_edu.autograd import backward_step


def test_value_and_tensor_have_the_same_fields():
    fields = {"data", "grad", "requires_grad", "label", "op", "inputs", "attrs", "group", "tangent", "serial"}
    assert set(Node.__slots__) == fields
    v, t = Value(2.0, label="v"), Tensor([2.0], requires_grad=True, label="t")
    for node in (v, t, v * v, t * t):
        assert all(hasattr(node, f) for f in fields)
    assert Value.__slots__ == () and Tensor.__slots__ == ()      # nothing of their own
    assert isinstance(v, Node) and isinstance(t, Node)


def test_the_same_constructor_order_and_grad_meaning():
    v, t = Value(1.0, False, "v"), Tensor([1.0], False, "t")
    assert (v.requires_grad, v.label, t.requires_grad, t.label) == (False, "v", False, "t")
    v, t = Value(3.0), Tensor(3.0, requires_grad=True)
    assert v.grad == Value.initial_grad == 0.0 and t.grad is Tensor.initial_grad is None   # before backward
    (v * v).backward(), (t * t).backward()
    v.zero_grad(), t.zero_grad()
    assert v.grad == 0.0 and t.grad is None                                          # after zero_grad


def test_an_op_on_a_subclass_gives_a_plain_node_of_its_kind():
    d = tg.Dual(2.0, 1.0)
    assert type(d * 3.0) is Value and (d * 3.0).tangent == 3.0
    assert type(Tensor([1.0]) * 2) is Tensor


def test_value_and_tensor_go_through_the_same_backward_step(monkeypatch):
    from tinygrad_edu import autograd
    seen = []
    real_step = autograd.backward_step
    monkeypatch.setattr(autograd, "backward_step", lambda nodes, xp: seen.append("step") or real_step(nodes, xp))
    x, w = Value(2.0), Tensor([2.0], requires_grad=True)
    for node in (x * x, (w * w).sum()):
        node.backward()
    assert seen == ["step", "step"]                        # one walk call per backward, both kinds
    assert x.grad == 4.0 and w.grad.tolist() == [4.0]


square_no_rules = tg.primitive("square", "x²", lambda xp, x: x * x)
cube_reverse_only = tg.primitive("cube", "x³", lambda xp, x: x ** 3, vjp=(lambda xp, g, out, x: 3 * x * x * g,))


@pytest.mark.parametrize("make", [lambda: Value(3.0), lambda: Tensor(3.0, requires_grad=True, dtype=np.float64)])
def test_a_missing_reverse_rule_names_the_primitive_and_the_mode(make):
    y = tg.apply(square_no_rules, make())
    with pytest.raises(NotImplementedError, match=r"'square' has no rule for reverse mode \(vjp\)"):
        y.backward()


def test_a_missing_forward_rule_names_the_primitive_and_the_mode():
    with pytest.raises(NotImplementedError, match=r"'cube' has no rule for forward mode \(jvp\)"):
        jvp(lambda x: tg.apply(cube_reverse_only, x), (np.array(2.0),), (np.array(1.0),))
    with pytest.raises(NotImplementedError, match=r"'square' has no rule for forward mode \(jvp\)"):
        tg.apply(square_no_rules, tg.Dual(2.0, 1.0))
    x = Value(2.0)
    tg.apply(cube_reverse_only, x).backward()              # the rule it has still works
    assert x.grad == 12.0


def test_the_rules_of_every_primitive_are_plain_tuples_and_functions():
    # (once a variadic op's rules were an iterator that never ended: list() of it filled the memory)
    table = [op for op in vars(tg.ops).values() if isinstance(op, tg.Op)]
    assert len(table) > 30
    for op in table + [square_no_rules, cube_reverse_only]:
        assert op.vjp is None or (type(op.vjp) is tuple and len(list(op.vjp)) <= 3), op
        assert op.partials is None or type(op.partials) is tuple, op
        assert op.jvp is None or callable(op.jvp), op
        assert op.each_input is None or callable(op.each_input), op
    assert square_no_rules.vjp is None and square_no_rules.jvp is None


def test_a_variadic_primitive_gives_each_input_its_rule_by_position():
    a, b = np.arange(2.0), np.arange(3.0)
    g = np.arange(5.0) * 10
    rule = tg.ops.concatenate.reverse_rule(1)
    assert rule(None, g, None, a, b, axis=0).tolist() == [20.0, 30.0, 40.0]
    with pytest.raises(NotImplementedError, match=r"'square' has no rule for reverse mode \(vjp\)"):
        square_no_rules.reverse_rule(0)


def test_draw_backward_steps_before_backward_refuses_with_a_clear_message(tmp_path):
    pytest.importorskip("graphviz")
    x = Value(2.0, label="x")
    y = (x * x).tanh()                                     # Value.grad is 0.0 before backward
    with pytest.raises(ValueError, match=r"call root.backward\(\) first"):
        draw_backward_steps(y, tmp_path)
    assert not list(tmp_path.iterdir())                   # nothing drawn


def test_draw_backward_steps_replays_backward_and_leaves_gradients_as_they_were(tmp_path, monkeypatch):
    graphviz = pytest.importorskip("graphviz")
    monkeypatch.setattr(graphviz.Digraph, "pipe", lambda self, *a, **k: b"")
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = (x * w + x).tanh()
    y.backward()
    y.backward()                                           # leaves hold twice one pass's gradient
    before = [(n.label, n.grad) for n in tg.topological_order(y)]
    draw_backward_steps(y, tmp_path)
    assert [(n.label, n.grad) for n in tg.topological_order(y)] == before


def test_backward_step_by_hand_is_the_lecture_s_underscore_backward():
    # micrograd's lecture: set o.grad = 1, then call each node's _backward in reverse order
    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.grad = 1.0
    for node in reversed(tg.topological_order(o)):
        node._backward()
    by_hand = [v.grad for v in (x1, x2, w1, w2, b)]
    for v in (x1, x2, w1, w2, b):
        v.zero_grad()
    o.backward()
    assert by_hand == [v.grad for v in (x1, x2, w1, w2, b)]
    assert o._prev == o.inputs and o._op == "tanh" and x1._op == ""


def test_composed_ops_need_no_rule_of_their_own():
    for name in ("neg", "min", "clip"):     # (sub has a row: a picture of y - t shows one "-" node)
        assert not hasattr(tg.ops, name)
    a, b = Value(5.0), Value(3.0)
    (a - b).backward()
    assert (a.grad, b.grad) == (1.0, -1.0)
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True, dtype=np.float64)
    (x.clip(-1.0, 2.0).sum() + x.min()).backward()
    assert x.grad.tolist() == [1.0, 1.0, 0.0]              # clip passes 1, 0; min adds 1 at -2 (clipped there)
    backward_step((), tg.value.Value.xp)                   # no nodes: nothing to do


def test_tensor_copies_the_callers_array_and_from_numpy_shares_it():
    X = np.ones((3, 2))
    W = Tensor(np.ones((2, 1)), requires_grad=True, dtype=np.float64)
    loss = (Tensor(X) @ W).sum() * 1.0 + (X @ W).sum()     # X as a tensor, and as an array constant
    X *= 10                                                 # the caller changes their array afterwards
    loss.backward()
    assert W.grad.tolist() == [[6.0], [6.0]]                # the gradient of the graph as it was built
    shared = Tensor.from_numpy(X)
    assert shared.data is X and not shared.requires_grad
    with pytest.raises(TypeError, match="needs a numeric NumPy array"):
        Tensor.from_numpy([1.0, 2.0])
