"""Bad input gets an error that names the op, the shapes or the value received."""

import re

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, Value


def t(*shape):
    return Tensor(np.ones(shape), requires_grad=True)


def raises(exc, *fragments):
    """pytest.raises that also checks every fragment appears, verbatim, in the message."""
    return pytest.raises(exc, match="(?s)" + "".join(f"(?=.*{re.escape(f)})" for f in fragments))


# ---- matmul ---------------------------------------------------------------------------------------

def test_matmul_inner_dimensions():
    with raises(ValueError, "matmul: (3, 4) @ (5, 2): inner dimensions 4 and 5 differ"):
        t(3, 4) @ t(5, 2)
    with raises(ValueError, "matmul: (3,) @ (4,)", "inner dimensions 3 and 4"):
        t(3) @ t(4)
    with raises(ValueError, "matmul: (2, 3) @ (2,)", "inner dimensions 3 and 2"):
        t(2, 3) @ t(2)
    with raises(ValueError, "matmul: (4, 2) @ (3, 4)"):
        np.ones((4, 2)) @ t(3, 4)                           # an array on the left comes to Tensor too


def test_matmul_batch_dimensions_and_scalars():
    with raises(ValueError, "matmul: (2, 3, 4) @ (5, 4, 1)", "batch dimensions (2,) and (5,) do not broadcast"):
        t(2, 3, 4) @ t(5, 4, 1)
    with raises(ValueError, "matmul: () @ (3,)", "at least one dimension"):
        t() @ t(3)


# ---- broadcasting ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, f", [
    ("+", lambda a, b: a + b), ("-", lambda a, b: a - b), ("*", lambda a, b: a * b),
    ("/", lambda a, b: a / b), ("**", lambda a, b: a ** b), ("maximum", tg.maximum)])
def test_shapes_that_do_not_broadcast(name, f):
    with raises(ValueError, f"{name}: shapes (2, 3) and (4,) do not broadcast"):
        f(t(2, 3), t(4))
    with raises(ValueError, f"{name}: shapes (2,) and (2, 3) do not broadcast"):
        f(np.ones(2), t(2, 3))


def test_where_shapes_and_condition():
    with raises(ValueError, "where: shapes (2, 1) and (3,) and (4,) do not broadcast"):
        tg.where(np.ones((2, 1), dtype=bool), t(3), t(4))
    with raises(TypeError, "where(cond, a, b)", "boolean", "float64"):
        tg.where(np.ones(3), t(3), t(3))


# ---- data that is not an array of numbers -------------------------------------------------------

@pytest.mark.parametrize("data", ["abc", ["a", "b"], [1.0, "x"], None, {"a": 1.0}])
def test_non_numeric_data(data):
    with raises(TypeError, "Tensor(data)", "numeric"):
        Tensor(data)


def test_non_numeric_operands():
    with raises(TypeError, "cannot combine a Tensor with str", "'abc'"):
        t(2) + "abc"
    with raises(TypeError, "cannot combine a Tensor with list", "'x'"):
        ["x", "y"] * t(2)
    with raises(TypeError, "Value(data)", "str 'abc'"):
        Value("abc")
    with raises(TypeError, "Value arithmetic", "str"):
        Value(1.0) * "abc"
    with raises(TypeError, "Value arithmetic", "list"):
        [1.0] - Value(1.0)


def test_ragged_lists():
    with raises(ValueError, "Tensor(data)", "[[1.0, 2.0], [3.0]]"):
        Tensor([[1.0, 2.0], [3.0]])


def test_integer_data_cannot_require_grad():
    with raises(TypeError, "requires_grad", "int64", "floating-point"):
        Tensor([1, 2, 3], requires_grad=True)
    with raises(TypeError, "requires_grad", "bool"):
        Tensor(np.array([True]), requires_grad=True)
    assert Tensor([1, 2], requires_grad=True, dtype=np.float32).requires_grad   # the fix the message names


# ---- axes -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, f", [
    ("sum", lambda x: x.sum(2)), ("sum", lambda x: x.sum((0, -3))), ("mean", lambda x: x.mean(5)),
    ("max", lambda x: x.max(-3)), ("min", lambda x: x.min((0, 2))),
    ("softmax", lambda x: x.softmax(2)), ("log_softmax", lambda x: x.log_softmax(-3)),
    ("concatenate", lambda x: tg.concatenate([x, x], axis=2)),
    ("stack", lambda x: tg.stack([x, x], axis=4)),
    ("transpose", lambda x: x.transpose(0, 3)), ("transpose", lambda x: x.transpose(1, 1)),
    ("transpose", lambda x: x.transpose(0, 1, 2)),
    ("flatten", lambda x: x.flatten(2))])
def test_bad_axis(name, f):
    with raises(ValueError, f"{name}:", "(2, 3)"):
        f(t(2, 3))


def test_joining_tensors_of_different_shapes():
    with raises(ValueError, "concatenate: tensor 1 has shape (2, 4) but tensor 0 has shape (3, 3)"):
        tg.concatenate([t(3, 3), t(2, 4)])
    with raises(ValueError, "stack: tensor 2 has shape (3,) but tensor 0 has shape (2,)"):
        tg.stack([t(2), t(2), t(3)])


# ---- shapes, indices, items -----------------------------------------------------------------------

def test_bad_reshape():
    with raises(ValueError, "reshape: cannot reshape shape (2, 3) (6 elements) into (4, 2)"):
        t(2, 3).reshape(4, 2)
    with raises(ValueError, "reshape", "(2, 3)", "(-1, -1)"):
        t(2, 3).reshape((-1, -1))


@pytest.mark.parametrize("index, shown", [
    (5, "5"), ((0, 7), "(0, 7)"), ((0, 0, 0), "(0, 0, 0)"), (np.array([0, 3]), "array([0, 3])"),
    (np.array([True, False, True]), "array([ True, False,  True])")])
def test_bad_index(index, shown):
    with raises(IndexError, f"Tensor index {shown} on shape (2, 3)"):
        t(2, 3)[index]


def test_item_needs_one_element():
    with raises(ValueError, "item()", "shape (2, 3)"):
        t(2, 3).item()
    assert Tensor([[2.5]]).item() == 2.5


def test_clip_and_empty_reductions():
    with raises(ValueError, "clip(lo, hi)", "lo=1", "hi=0"):
        t(2).clip(1, 0)
    with raises(ValueError, "clip(lo, hi)", "at least one"):
        t(2).clip()
    with raises(ValueError, "max:", "empty", "(0,)"):
        Tensor(np.ones(0)).max()


def test_truth_value_of_a_tensor_with_many_elements():
    # comparisons are elementwise, so `if a == b:` on tensors must not quietly mean "always"
    with raises(ValueError, "bool()", "shape (2, 3)", "ambiguous"):
        bool(t(2, 3) == t(2, 3))
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    with raises(ValueError, "shape (2,)"):
        b in [a]                                            # noqa: B015
    assert bool(Tensor([[1.0]]) > 0) and not bool(Tensor(0.0))
