"""Derivatives as functions, with JAX's names and shapes: grad, value_and_grad, vjp, jvp, jacrev,
jacfwd, hessian. They compose, to any depth and in any order: grad(grad(f)), jacfwd(jacrev(f)),
jvp(grad(f), (x,), (v,)) (a Hessian-vector product).

Two ways through the same primitives:

- **reverse mode** (`vjp`, `grad`, `jacrev`) records the graph, then sends a cotangent u from the
  output back to the inputs: one pass gives uᵀJ, a whole row of the Jacobian per pass. m outputs
  need m passes; a scalar loss needs one, which is why networks are trained this way.
- **forward mode** (`jvp`, `jacfwd`) carries a tangent v from the inputs to the output while the
  values are computed: one pass gives J v, a whole column per pass. n inputs need n passes.

How they compose. Called at top level, a transformation returns NumPy arrays. Called while
another one runs (inside the function it differentiates), it returns engine values instead, made
of recorded ops the outer one can differentiate again:
- reverse mode inside runs the rules as recorded ops (`xp.recorded`, what create_graph does);
- forward mode inside is reverse mode twice: J v is the gradient with respect to u of vjp(u) · v,
  and vjp(u) = uᵀJ is linear in u (the "double-vjp trick"). Only the outermost forward mode
  carries tangents, so a node never needs two of them; inner ones are recorded, and the outer
  tangent rides through them.

`f` takes `Tensor`s and returns a `Tensor` (or, with has_aux, a pair (Tensor, aux)); arguments may
be Tensors, NumPy arrays, numbers, or nested dicts, lists and tuples of them (JAX's pytrees): a
gradient has the structure of its argument. Arrays are taken as `Tensor(x)` does: keep float64
arrays for checking to the last digit. A Jacobian has shape out.shape + in.shape.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .autograd import _mode, _Modes, enable_grad, gradients
from .tensor import Tensor, stack
from .xp import arrays, recorded


# ---- pytrees: nested dicts, lists and tuples, flattened to their leaves and rebuilt -------------

def tree_flatten(tree) -> tuple[list, Any]:
    """The leaves of a nested dict/list/tuple, in order, and its structure (for `tree_unflatten`)."""
    if isinstance(tree, dict):
        parts = [tree_flatten(v) for v in tree.values()]
        return [leaf for leaves, _ in parts for leaf in leaves], (dict, list(tree), [s for _, s in parts])
    if isinstance(tree, (list, tuple)) and not isinstance(tree, Tensor):
        parts = [tree_flatten(v) for v in tree]
        return [leaf for leaves, _ in parts for leaf in leaves], (type(tree), None, [s for _, s in parts])
    return [tree], None


def tree_unflatten(structure, leaves: Sequence):
    """The inverse of `tree_flatten`: `leaves` put back into `structure`."""
    return _build(structure, iter(leaves))


def _build(structure, leaves):
    # a module function, not a closure calling itself: that would be a reference cycle
    if structure is None:
        return next(leaves)
    kind, keys, children = structure
    built = [_build(child, leaves) for child in children]
    return dict(zip(keys, built)) if kind is dict else kind(built)


# ---- the arguments f is called with, and what comes back ----------------------------------------

def _level_input(x, differentiate: bool, what: str) -> Tensor:
    """One argument leaf as a Tensor for this transformation to differentiate with respect to.

    From an outer transformation (a Tensor that requires a gradient or carries a tangent), it is
    `x * 1`: a node of its own, so this level's backward can stop at it, whose graph still leads
    to x, so the outer level can differentiate through it. Otherwise a new leaf.
    """
    if _is_traced(x):
        node = x * 1
        if not node.requires_grad:
            node.requires_grad = differentiate     # a leaf at this level, carrying the outer tangent
        return node
    t = Tensor(x.data if isinstance(x, Tensor) else x)
    if differentiate and t.dtype.kind != "f":
        raise TypeError(f"{what}: argument of dtype {t.dtype} cannot be differentiated; pass floats")
    t.requires_grad = differentiate
    return t


def _constant_args(tree):
    """An argument not differentiated: Tensors as they are (an outer level may be differentiating
    them), arrays and numbers as Tensors."""
    leaves, structure = tree_flatten(tree)
    return tree_unflatten(structure, [x if isinstance(x, Tensor) else Tensor(x) for x in leaves])


def _output(out, what: str) -> Tensor:
    if isinstance(out, Tensor):
        return out
    if isinstance(out, (dict, list, tuple)):
        raise TypeError(f"{what}: f must return one Tensor, got {type(out).__name__}; "
                        f"return the quantity to differentiate (use has_aux=True for extra outputs)")
    return Tensor(np.asarray(out, dtype=float))   # f returned a constant: its derivative is zero


def _argnums(argnums, n: int, what: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for k in nums:
        if not -n <= k < n:
            raise ValueError(f"{what}: argnums {argnums} is out of range for {n} argument(s)")
    return tuple(k % n for k in nums)


def _result(x, nested: bool):
    """What a transformation hands back: a Tensor inside another transformation, else its array."""
    if nested:
        return x
    return x.data if isinstance(x, Tensor) else x


def _results(tree, nested: bool):
    leaves, structure = tree_flatten(tree)
    return tree_unflatten(structure, [_result(x, nested) for x in leaves])


class _Level:
    """One transformation's call: the arguments as this level's inputs, and f evaluated on them
    with the nesting depth one higher (so transformations inside know they are nested)."""

    def __init__(self, f: Callable, args: Sequence, nums: tuple[int, ...], what: str):
        self.nested = _Modes.transforms > 0
        self.structures, self.inputs, call_args = {}, [], list(args)
        for i, arg in enumerate(args):
            if i in nums:
                leaves, self.structures[i] = tree_flatten(arg)
                nodes = [_level_input(x, True, what) for x in leaves]
                self.inputs.append(nodes)
                call_args[i] = tree_unflatten(self.structures[i], nodes)
            else:
                call_args[i] = _constant_args(arg)
        self.f, self.call_args, self.what = f, call_args, what

    def __call__(self):
        # recording on even inside no_grad(): a transformation differentiates whatever the caller does
        with _mode("transforms", _Modes.transforms + 1), enable_grad():
            return self.f(*self.call_args)

    def cotangents(self, out: Tensor, seed) -> list:
        """∂(seed · out)/∂input for every input of this level, per argument (a list of lists):
        reverse mode, recorded when nested or when the seed is itself an engine value."""
        wrt = [x for nodes in self.inputs for x in nodes]
        record = self.nested or _is_traced(seed)
        if isinstance(seed, Tensor) and not record:
            seed = seed.data
        if not out.requires_grad:
            found = [None] * len(wrt)
        elif record:
            with enable_grad():
                found = gradients(out, wrt, seed if isinstance(seed, Tensor) else Tensor(seed), recorded)
        else:
            found = gradients(out, wrt, np.asarray(seed, dtype=out.dtype), arrays)
        grads = [self._zero_if_none(g, x, record) for g, x in zip(found, wrt)]
        per_arg, k = [], 0
        for nodes in self.inputs:
            per_arg.append(grads[k:k + len(nodes)])
            k += len(nodes)
        return per_arg

    @staticmethod
    def _zero_if_none(g, x: Tensor, record: bool):
        if g is None:
            g = np.zeros_like(x.data)
        if record and not isinstance(g, Tensor):
            return Tensor(g)
        return g

    def tree(self, i: int, leaves: Sequence):
        """Leaves shaped like argument i."""
        return tree_unflatten(self.structures[i], leaves)


def _split_aux(result, has_aux: bool, what: str):
    if not has_aux:
        return result, None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"{what}(has_aux=True): f must return a pair (output, aux), got {type(result).__name__}")
    return result


# ---- reverse mode -----------------------------------------------------------------------------

def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """The function computing (f(x), ∂f/∂x) for a scalar-valued f, as `jax.value_and_grad`.

    >>> value_and_grad(lambda x: (x ** 2).sum())(np.array([1.0, 2.0]))
    (array(5.), array([2., 4.]))

    With has_aux=True, f returns (value, aux) and the result is ((value, aux), gradient).
    """
    def value_and_gradient(*args):
        nums = _argnums(argnums, len(args), "grad")
        level = _Level(f, args, nums, "grad")
        out, aux = _split_aux(level(), has_aux, "grad")
        out = _output(out, "grad")
        if out.size != 1:
            raise ValueError(f"grad(f): f must return a scalar, but it returned shape {out.shape}; "
                             f"use jacrev or jacfwd for vector-valued functions")
        per_arg = level.cotangents(out, np.ones(out.shape))
        grads = tuple(_results(level.tree(i, g), level.nested) for i, g in zip(nums, per_arg))
        grads = grads[0] if isinstance(argnums, int) else grads
        value = _result(out, level.nested)
        return ((value, _results(aux, level.nested)), grads) if has_aux else (value, grads)
    return value_and_gradient


def grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """The function computing ∂f/∂x for a scalar-valued f (reverse mode), as `jax.grad`.

    >>> grad(lambda x: (x ** 2).sum())(np.array([1.0, 2.0]))      # 2x
    array([2., 4.])
    >>> grad(grad(lambda x: x.tanh()))(2.0)                        # transformations compose
    array(-0.13621869)

    With has_aux=True, f returns (value, aux) and the result is (gradient, aux).
    """
    both = value_and_grad(f, argnums, has_aux)

    def gradient(*args):
        value, grads = both(*args)
        return (grads, value[1]) if has_aux else grads
    return gradient


def vjp(f: Callable, *primals, has_aux: bool = False):
    """Reverse mode: (f(x), vjp_fn) with vjp_fn(u) = uᵀJ, one cotangent per primal, as `jax.vjp`
    (and (f(x), vjp_fn, aux) with has_aux=True).

    The graph is recorded once; each call of vjp_fn is one backward pass over it.

    >>> out, vjp_fn = vjp(lambda x: x * 3, np.array([1.0, 2.0]))
    >>> vjp_fn(np.array([1.0, 1.0]))
    (array([3., 3.]),)
    """
    nums = tuple(range(len(primals)))
    level = _Level(f, primals, nums, "vjp")
    out, aux = _split_aux(level(), has_aux, "vjp")
    out = _output(out, "vjp")

    def vjp_fn(cotangent) -> tuple:
        u = cotangent if isinstance(cotangent, Tensor) else np.asarray(cotangent)
        if u.shape != out.shape:
            raise ValueError(f"vjp_fn: cotangent has shape {u.shape} but f's output has shape {out.shape}; "
                             f"they must match")
        per_arg = level.cotangents(out, u)
        nested = level.nested or _is_traced(cotangent)
        return tuple(_results(level.tree(i, g), nested) for i, g in zip(nums, per_arg))

    result = (_result(out, level.nested), vjp_fn)
    return result + (_results(aux, level.nested),) if has_aux else result


def jacrev(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Jacobian by reverse mode: one backward pass per output entry (m passes).

    Shape out.shape + in.shape, as `jax.jacrev`; for a pytree argument, a Jacobian per leaf in
    the argument's structure. f may return a tuple, list or dict of Tensors: the result has that
    structure, with each output's Jacobian in its place (as JAX: outputs outside, arguments inside).
    """
    def jacobian(*args):
        nums = _argnums(argnums, len(args), "jacrev")
        level = _Level(f, args, nums, "jacrev")
        outs, structure = tree_flatten(level())
        return tree_unflatten(structure, [_jacobian_of(level, _output(out, "jacrev"), nums, argnums) for out in outs])
    return jacobian


def _jacobian_of(level: _Level, out: Tensor, nums: tuple[int, ...], argnums):
    """One output's Jacobian by rows, one backward pass per entry; one per argument in argnums."""
    rows = [level.cotangents(out, _one_hot(out.shape, k, out.dtype)) for k in range(out.size)]
    jacs = []
    for j, (i, nodes) in enumerate(zip(nums, level.inputs)):
        leaves = [_stack([row[j][n] for row in rows], 0, out.shape + x.shape, level.nested)
                  for n, x in enumerate(nodes)]
        jacs.append(_results(level.tree(i, leaves), level.nested))
    return jacs[0] if isinstance(argnums, int) else tuple(jacs)


# ---- forward mode -----------------------------------------------------------------------------

def jvp(f: Callable, primals: Sequence, tangents: Sequence) -> tuple:
    """Forward mode: (f(x), J·v), computed in one pass, as `jax.jvp` and `torch.func.jvp`.

    >>> out, dout = jvp(lambda x: (x * x).sum(), (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))
    >>> float(out), float(dout)      # Σx² = 5; its derivative along (1, 0) is 2·x₀ = 2
    (5.0, 2.0)
    """
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s); give one tangent per primal")
    nums = tuple(range(len(primals)))
    nested = _Modes.transforms > 0 or any(
        isinstance(x, Tensor) and x.requires_grad for tree in (*primals, *tangents) for x in tree_flatten(tree)[0])
    pairs = []
    for i, (p, t) in enumerate(zip(primals, tangents)):
        ps, ts = tree_flatten(p)[0], tree_flatten(t)[0]
        if len(ps) != len(ts):
            raise ValueError(f"jvp: tangent {i} has {len(ts)} leaves but its primal has {len(ps)}; give the same structure")
        for x, v in zip(ps, ts):
            shape, tshape = np.shape(x.data if isinstance(x, Tensor) else x), np.shape(v.data if isinstance(v, Tensor) else v)
            if shape != tshape:
                raise ValueError(f"jvp: tangent {i} has shape {tshape} but its primal has shape {shape}; they must match")
            pairs.append(v)
    if nested:
        return _jvp_by_reverse(f, primals, pairs)
    level = _Level(f, primals, nums, "jvp")
    for x, v in zip((x for nodes in level.inputs for x in nodes), pairs):
        x.requires_grad = False                  # forward mode records nothing: no graph, constant memory
        x.tangent = np.asarray(v.data if isinstance(v, Tensor) else v, dtype=x.dtype)
    out = _output(level(), "jvp")
    tangent = out.tangent if out.tangent is not None else np.zeros_like(out.data)
    return out.data, np.asarray(tangent)


def _jvp_by_reverse(f: Callable, primals: Sequence, tangents: list) -> tuple:
    """J v inside another transformation, by reverse mode twice: vjp(u) = uᵀJ is linear in u, so
    its gradient with respect to u along v is J v. Every step is recorded, so the result can be
    differentiated again (and an outer forward mode's tangent rides through)."""
    nums = tuple(range(len(primals)))
    level = _Level(f, primals, nums, "jvp")
    out = _output(level(), "jvp")
    u = Tensor(np.zeros_like(out.data), requires_grad=True)
    per_arg = level.cotangents(out, u)           # uᵀJ, recorded, linear in u
    vs = iter(tangents)
    dot = None
    for grads in per_arg:
        for g in grads:
            v = next(vs)
            term = (g * (v if isinstance(v, Tensor) else Tensor(np.asarray(v, dtype=out.dtype)))).sum()
            dot = term if dot is None else dot + term
    if dot is None or not dot.requires_grad:
        return out, Tensor(np.zeros_like(out.data))
    with enable_grad():
        (Jv,) = gradients(dot, [u], Tensor(np.ones((), dtype=out.dtype)), recorded)
    return out, Jv if Jv is not None else Tensor(np.zeros_like(out.data))


def jacfwd(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Jacobian by forward mode: one tangent pass per input entry (n passes).

    Shape out.shape + in.shape, as `jax.jacfwd`.
    """
    def jacobian(*args):
        nums = _argnums(argnums, len(args), "jacfwd")
        nested = _Modes.transforms > 0
        flat = {i: tree_flatten(args[i]) for i in nums}
        g = lambda *xs: f(*_replace(args, nums, xs))  # noqa: E731
        primals = [args[i] for i in nums]
        jacs = []
        for j, i in enumerate(nums):
            leaves, structure = flat[i]
            blocks = []
            for n, x in enumerate(leaves):
                xdata = np.asarray(x.data if isinstance(x, Tensor) else x)
                columns, out = [], None
                for k in range(xdata.size):
                    tangents = [_tangent_tree(flat[m], n if jj == j else None, k) for jj, m in enumerate(nums)]
                    out, column = jvp(g, primals, tangents)
                    columns.append(column)
                if out is None:           # an empty input: evaluate once for the output's shape
                    out = jvp(g, primals, [_tangent_tree(flat[m], None, 0) for m in nums])[0]
                out_shape = np.shape(out.data if isinstance(out, Tensor) else out)
                blocks.append(_stack(columns, -1, out_shape + xdata.shape, nested))
            jacs.append(_results(tree_unflatten(structure, blocks), nested))
        return jacs[0] if isinstance(argnums, int) else tuple(jacs)
    return jacobian


def hessian(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The matrix of second derivatives of f: jacfwd(jacrev(f)), forward mode over reverse mode,
    as `jax.hessian`. Shape x.shape + x.shape for a scalar f; for a vector-valued one, one Hessian
    per output entry, out.shape + x.shape + x.shape, as JAX.

    Each forward pass seeds a tangent eₖ on x; the gradient inside is computed as recorded ops
    (reverse mode, nested), the tangent rides through them, and the gradient's tangent is
    ∂(∇f)/∂x · eₖ: one column of H.

    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> hessian(lambda x: x @ (Tensor(A) @ x))(np.array([1.0, -1.0]))   # xᵀAx: H = A + Aᵀ
    array([[2., 2.],
           [2., 6.]])
    """
    return jacfwd(jacrev(f, argnums), argnums)


# ---- small helpers -----------------------------------------------------------------------------

def _is_traced(x) -> bool:
    """Whether x is an engine value another transformation is following (differentiating it)."""
    return isinstance(x, Tensor) and (x.requires_grad or x.tangent is not None)


def _tangent_tree(flat, leaf: int | None, k: int):
    """A tangent shaped like an argument: one-hot at entry k of its leaf number `leaf` (None: zeros)."""
    leaves, structure = flat
    ts = []
    for n, x in enumerate(leaves):
        xdata = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=float)
        ts.append(_one_hot(xdata.shape, k, xdata.dtype) if n == leaf else np.zeros_like(xdata))
    return tree_unflatten(structure, ts)


def _stack(parts: list, axis: int, shape: tuple, nested: bool):
    """A Jacobian from its rows (axis 0: one per output entry, each of the input's shape) or
    columns (axis -1: one per input entry, each of the output's shape), as one array of `shape`
    (a recorded Tensor when nested)."""
    if not parts:
        return Tensor(np.zeros(shape)) if nested else np.zeros(shape)
    if nested:
        flat = [(p if isinstance(p, Tensor) else Tensor(p)).reshape(-1) for p in parts]
        return stack(flat, axis=0 if axis == 0 else 1).reshape(shape)
    flat = [np.asarray(p.data if isinstance(p, Tensor) else p).reshape(-1) for p in parts]
    return np.stack(flat, axis=0 if axis == 0 else 1).reshape(shape)


def _one_hot(shape: tuple, k: int, dtype) -> np.ndarray:
    e = np.zeros(shape, dtype=dtype)
    e.flat[k] = 1
    return e


def _replace(args: Sequence, nums: tuple[int, ...], xs: Sequence) -> list:
    """args with the differentiated positions replaced by xs."""
    args = list(args)
    for i, x in zip(nums, xs):
        args[i] = x
    return args
