"""The backward walk itself: its seed, its depth, anomaly detection, and that graphs free themselves."""

import gc
import inspect
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, Value

# ---- the seed ∂L/∂out ---------------------------------------------------------------------------

def test_a_scalar_output_is_seeded_with_one():
    x = Value(3.0)
    y = x * x
    y.backward()
    assert (y.grad, x.grad) == (1.0, 6.0)
    for shape in [(), (1,), (1, 1)]:                        # any single number is a loss
        t = Tensor(np.full(shape, 3.0), requires_grad=True)
        out = t * t
        out.backward()
        assert out.grad.tolist() == np.ones(shape).tolist()
        assert t.grad.tolist() == np.full(shape, 6.0).tolist()


def test_a_non_scalar_output_needs_a_seed():
    t = Tensor(np.ones((2, 2)), requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        (t * 2).backward()
    assert "backward() without a gradient needs a scalar output; this output has shape (2, 2)" in str(e.value)
    assert t.grad is None                                   # nothing was half-done


def test_a_seed_of_the_output_shape_scales_the_gradients():
    t = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    seed = np.array([[1.0, 0.0], [0.5, -1.0]])
    (t * t).backward(seed)                                  # ∂L/∂t = seed · 2t
    assert t.grad.tolist() == (seed * 2 * t.data).tolist()
    t.zero_grad()
    (t * 3).backward(Tensor(seed))                          # a Tensor seed works too
    assert t.grad.tolist() == (3 * seed).tolist()


@pytest.mark.parametrize("seed_shape", [(2,), (2, 2, 1), (4,), ()])
def test_a_seed_of_the_wrong_shape_names_both_shapes(seed_shape):
    out = Tensor(np.ones((2, 2)), requires_grad=True) * 2
    with pytest.raises(ValueError) as e:
        out.backward(np.ones(seed_shape))
    assert f"grad has shape {seed_shape}" in str(e.value) and "output has shape (2, 2)" in str(e.value)


# ---- depth: an iterative sort, no recursion -------------------------------------------------------

def _with_small_recursion_limit(work, headroom=60):
    """Run work() with only `headroom` frames to spare: any recursion per node would fail at once."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + headroom)
    try:
        return work()
    finally:
        sys.setrecursionlimit(limit)


def test_backward_does_not_recurse_per_node():
    x = Value(1.0)
    y = x
    for _ in range(2_000):                                  # deeper than the default limit of 1,000
        y = y * 1.0 + 0.0
    _with_small_recursion_limit(y.backward)
    assert x.grad == 1.0
    t = Tensor(np.ones(3), requires_grad=True)
    z = t
    for _ in range(2_000):
        z = z * 1.0
    _with_small_recursion_limit(z.sum().backward)
    assert t.grad.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.slow
def test_a_million_node_value_chain():
    limit = sys.getrecursionlimit()
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):                              # y = (-1)^n x: n = 10⁶ negations
        y = -y
    assert y.data == 0.5
    y.backward()
    assert x.grad == 1.0
    assert sys.getrecursionlimit() == limit                 # the engine left it alone
    del y                                                   # freeing a million-deep chain must not crash
    assert x.grad == 1.0


@pytest.mark.slow
def test_a_long_tensor_chain():
    limit = sys.getrecursionlimit()
    t = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = t
    for _ in range(100_000):
        y = -y
    y.sum().backward()
    assert t.grad.tolist() == [1.0, 1.0]
    assert sys.getrecursionlimit() == limit
    del y


# ---- a node reached many times: its sum is added into in place, and nothing shared changes ------

def test_sums_added_in_place_leave_every_shared_gradient_right():
    # s's gradient is a sum (reached three times) that `+` then passes on unchanged to y and z;
    # both get more shares after that. Were the walk to add those into s's array, s would change.
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y, z = x * 1.0, x * 1.0
    w, v = y * 5.0, z * 7.0                                 # made before s: their shares come after s's
    s = y + z
    loss = (s * s).sum() + (s * 3.0).sum() + w.sum() + v.sum() + (y * y).sum()
    loss.backward()
    ds = 2 * 2 * np.array([1.0, 2.0, 3.0]) + 3              # ∂L/∂s = 2s + 3, s = 2x
    assert s.grad.tolist() == ds.tolist() and z.grad.tolist() == (ds + 7).tolist()
    assert y.grad.tolist() == (ds + 5 + 2 * np.array([1.0, 2.0, 3.0])).tolist()
    assert x.grad.tolist() == [28.0, 38.0, 48.0]
    loss.backward()                                         # a leaf accumulates across calls
    assert x.grad.tolist() == [56.0, 76.0, 96.0] and s.grad.tolist() == ds.tolist()


def test_slices_of_one_array_sum_their_gradients():
    xw = Tensor(np.arange(12.0).reshape(2, 3, 2), requires_grad=True)
    h = xw[:, 0]
    for t in range(1, 3):                                   # an RNN's loop: x W sliced at every step
        h = (h * xw[:, t]).tanh()
    h.sum().backward()
    X = xw.data
    h0 = X[:, 0]; h1 = np.tanh(h0 * X[:, 1]); d2 = 1 - np.tanh(h1 * X[:, 2]) ** 2
    d1 = d2 * X[:, 2] * (1 - h1 ** 2)
    expected = np.stack([d1 * X[:, 1], d1 * h0, d2 * h1], axis=1)
    assert np.allclose(xw.grad, expected, rtol=1e-12, atol=0)


# ---- detect_anomaly -------------------------------------------------------------------------------

def test_detect_anomaly_names_the_first_op_whose_output_is_not_finite():
    x = Tensor(np.array([1.0, 0.0, 2.0]), requires_grad=True)
    with np.errstate(all="ignore"):
        (x.log() * 2).sum()                                 # without the mode: -inf, no error
        with pytest.raises(FloatingPointError) as e, tg.detect_anomaly():
            (x.log() * 2).sum()                             # log(0) = -inf: log is named, not *
    msg = str(e.value)
    assert "'log'" in msg and "shape (3,)" in msg and "-inf" in msg and "(1,)" in msg
    assert "'*'" not in msg


def test_detect_anomaly_in_the_backward_pass():
    x = Tensor(np.array([0.0, 4.0]), requires_grad=True)
    with tg.detect_anomaly():
        y = x.sqrt().sum()                                  # √0 = 0 is fine going forward…
        with np.errstate(all="ignore"), pytest.raises(FloatingPointError) as e:
            y.backward()                                    # …but (√x)' = 1/(2√x) is inf at 0
    assert "gradient" in str(e.value) and "'sqrt'" in str(e.value)
    assert gc.isenabled()                                   # the walk pauses the collector; an error restores it


def test_detect_anomaly_on_values_and_restores_the_mode():
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError) as e, tg.detect_anomaly():
        Value(2.0) * Value(-1.0).log()
    assert "'log'" in str(e.value) and "value -1.0" in str(e.value)
    with np.errstate(all="ignore"):
        assert np.isnan(Value(-1.0).log().data)             # the mode ended with the block


# ---- memory: reference counting alone frees a graph ----------------------------------------------

def _engine_objects() -> int:
    return sum(type(o) in (Value, Tensor) for o in gc.get_objects())


def test_a_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    before = _engine_objects()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)                          # the collector keeps what it finds in gc.garbage
    try:
        x = Value(1.5)
        ys = [x]
        for _ in range(50):
            ys.append((ys[-1] * x).tanh() + ys[-1])
        ys[-1].backward()
        t = Tensor(np.ones((3, 2)), requires_grad=True)
        loss = (t @ Tensor(np.ones((2, 4))) + t.sum()).softmax().log().mean()
        loss.backward()
        built = _engine_objects() - before
        del x, ys, t, loss
        assert _engine_objects() == before, "reference counting left engine objects alive"
        gc.collect()
        leaked = [o for o in gc.garbage if type(o) in (Value, Tensor)]
        assert leaked == [], f"{len(leaked)} engine objects sat in reference cycles"
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert built > 150                                      # the graph really was there


def test_nodes_have_slots():
    assert not hasattr(Value(1.0), "__dict__") and not hasattr(Tensor(1.0), "__dict__")


def test_nodes_made_inside_a_group_carry_its_name():
    from tinygrad_edu import group
    x = Tensor(np.ones(3), requires_grad=True)
    with group("outer"):
        a = x * 2.0
        with group("inner"):
            b = a.exp()
        c = b.sum()
    d = c + 1.0
    assert (a.group, b.group, c.group, d.group) == ("outer", "inner", "outer", None)
    assert a.inputs[1].group == "outer"           # the constant 2.0 was made inside too
    assert x.group is None                        # a leaf made outside keeps none


def test_modes_nest_and_restore_when_one_object_is_entered_twice():
    from tinygrad_edu import is_grad_enabled, no_grad
    off = no_grad()
    with off:
        with off:                                   # the same object, nested
            assert not is_grad_enabled()
        assert not is_grad_enabled()                # the outer block is still in force
    assert is_grad_enabled()

    @no_grad()
    def depth(n: int) -> int:                       # a decorated function calling itself
        assert not is_grad_enabled()
        return depth(n - 1) + 1 if n else 0
    assert depth(3) == 3 and is_grad_enabled()


def test_a_value_graph_through_an_op_given_by_its_vjp():
    # your own Op, on the same footing as the built-in ones: the scalar walk uses its vjp rule
    square = tg.primitive("square", "x²", lambda xp, x: x * x,
                          vjp=(lambda xp, g, out, x: 2 * x * g,), jvp=lambda xp, ts, out, x: 2 * x * ts[0])
    x = Value(3.0)
    y = tg.apply(square, x) * x + 1.0            # x³ + 1: dy/dx = 3x² = 27
    y.backward()
    assert x.grad == 27.0


def test_sum_to_refuses_a_gradient_that_does_not_broadcast_to_the_shape():
    from tinygrad_edu.tensor import sum_to
    assert sum_to(np.ones((5, 4)), (4,)).shape == (4,)                  # a bias's gradient
    assert sum_to(np.ones((5, 3, 4)), (3, 1)).shape == (3, 1)
    for g_shape, shape in [((1, 3), (2, 3)), ((), (2, 3)), ((2, 5), (3,))]:
        with pytest.raises(ValueError):
            sum_to(np.ones(g_shape), shape)
