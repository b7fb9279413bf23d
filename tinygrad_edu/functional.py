"""Derivatives as functions, with JAX's names and shapes: grad, vjp, jvp, jacrev, jacfwd, hessian.

Two ways through the same primitives:

- **reverse mode** (`vjp`, `grad`, `jacrev`) records the graph, then sends a cotangent u from the
  output back to the inputs: one pass gives uᵀJ, a whole row of the Jacobian per pass. m outputs
  need m passes; a scalar loss needs one, which is why networks are trained this way.
- **forward mode** (`jvp`, `jacfwd`) carries a tangent v from the inputs to the output while the
  values are computed: one pass gives J v, a whole column per pass. n inputs need n passes.

`f` takes `Tensor`s and returns a `Tensor`; arguments may be Tensors, NumPy arrays or numbers
(converted as `Tensor(x)` does: keep float64 arrays for checking to the last digit). Results are
NumPy arrays; a Jacobian has shape out.shape + in.shape.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .autograd import no_grad
from .tensor import Tensor


def _leaf(x, requires_grad: bool, what: str) -> Tensor:
    t = Tensor(x.data if isinstance(x, Tensor) else x)
    if requires_grad and t.dtype.kind != "f":
        raise TypeError(f"{what}: argument of dtype {t.dtype} cannot be differentiated; pass floats")
    t.requires_grad = requires_grad
    return t


def _output(out, what: str) -> Tensor:
    if isinstance(out, Tensor):
        return out
    return Tensor(np.asarray(out, dtype=float))   # f returned a constant: its derivative is zero


def _argnums(argnums, n: int, what: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for k in nums:
        if not -n <= k < n:
            raise ValueError(f"{what}: argnums {argnums} is out of range for {n} argument(s)")
    return tuple(k % n for k in nums)


def jvp(f: Callable, primals: Sequence, tangents: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Forward mode: (f(x), J·v), computed in one pass, as `jax.jvp` and `torch.func.jvp`.

    >>> out, dout = jvp(lambda x: (x * x).sum(), (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))
    >>> float(out), float(dout)      # Σx² = 5; its derivative along (1, 0) is 2·x₀ = 2
    (5.0, 2.0)
    """
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s); give one tangent per primal")
    xs = [_leaf(p, False, "jvp") for p in primals]
    for i, (x, t) in enumerate(zip(xs, tangents)):
        t = np.asarray(t.data if isinstance(t, Tensor) else t, dtype=x.dtype)
        if t.shape != x.shape:
            raise ValueError(f"jvp: tangent {i} has shape {t.shape} but its primal has shape {x.shape}; they must match")
        x.tangent = t
    with no_grad():                       # forward mode needs no graph
        out = _output(f(*xs), "jvp")
    tangent = out.tangent if out.tangent is not None else np.zeros_like(out.data)
    return out.data, np.asarray(tangent)


def vjp(f: Callable, *primals) -> tuple[np.ndarray, Callable]:
    """Reverse mode: (f(x), vjp_fn) with vjp_fn(u) = uᵀJ, one cotangent per primal, as `jax.vjp`.

    The graph is recorded once; each call of vjp_fn is one backward pass over it.

    >>> out, vjp_fn = vjp(lambda x: x * 3, np.array([1.0, 2.0]))
    >>> vjp_fn(np.array([1.0, 1.0]))
    (array([3., 3.]),)
    """
    xs = [_leaf(p, True, "vjp") for p in primals]
    out = _output(f(*xs), "vjp")

    def vjp_fn(cotangent) -> tuple[np.ndarray, ...]:
        u = np.asarray(cotangent.data if isinstance(cotangent, Tensor) else cotangent)
        if u.shape != out.shape:
            raise ValueError(f"vjp_fn: cotangent has shape {u.shape} but f's output has shape {out.shape}; "
                             f"they must match")
        for x in xs:
            x.grad = None                 # each call is a fresh pass, not an accumulation
        if out.requires_grad:
            out.backward(u.astype(out.dtype))
        return tuple(np.zeros_like(x.data) if x.grad is None else x.grad for x in xs)

    return out.data, vjp_fn


def grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The function computing ∂f/∂x for a scalar-valued f (reverse mode), as `jax.grad`.

    >>> grad(lambda x: (x ** 2).sum())(np.array([1.0, 2.0]))      # 2x
    array([2., 4.])
    """
    def gradient(*args):
        nums = _argnums(argnums, len(args), "grad")
        xs = [_leaf(a, i in nums, "grad") for i, a in enumerate(args)]
        out = _output(f(*xs), "grad")
        if out.size != 1:
            raise ValueError(f"grad(f): f must return a scalar, but it returned shape {out.shape}; "
                             f"use jacrev or jacfwd for vector-valued functions")
        if out.requires_grad:
            out.backward()
        grads = tuple(np.zeros_like(xs[i].data) if xs[i].grad is None else xs[i].grad for i in nums)
        return grads[0] if isinstance(argnums, int) else grads
    return gradient


def jacrev(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Jacobian by reverse mode: one backward pass per output entry (m passes).

    Shape out.shape + in.shape, as `jax.jacrev`.
    """
    def jacobian(*args):
        nums = _argnums(argnums, len(args), "jacrev")
        out, vjp_fn = vjp(lambda *xs: f(*_replace(args, nums, xs)), *[args[i] for i in nums])
        rows = [vjp_fn(_one_hot(out.shape, k, out.dtype)) for k in range(out.size)]
        jacs = tuple(np.stack([r[j] for r in rows]).reshape(out.shape + np.shape(r0))
                     for j, r0 in enumerate(rows[0])) if rows else ()
        return jacs[0] if isinstance(argnums, int) else jacs
    return jacobian


def jacfwd(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Jacobian by forward mode: one tangent pass per input entry (n passes).

    Shape out.shape + in.shape, as `jax.jacfwd`.
    """
    def jacobian(*args):
        nums = _argnums(argnums, len(args), "jacfwd")
        primals = [_leaf(args[i], False, "jacfwd").data for i in nums]
        g = lambda *xs: f(*_replace(args, nums, xs))  # noqa: E731
        jacs = []
        for j, x in enumerate(primals):
            columns, out = [], None
            for k in range(x.size):
                tangents = [_one_hot(x.shape, k, x.dtype) if i == j else np.zeros_like(p)
                            for i, p in enumerate(primals)]
                out, column = jvp(g, primals, tangents)
                columns.append(column)
            if out is None:               # an empty input: evaluate once for the output's shape
                out = jvp(g, primals, [np.zeros_like(p) for p in primals])[0]
            jac = np.stack(columns, axis=-1) if columns else np.zeros(np.shape(out) + (0,))
            jacs.append(jac.reshape(np.shape(out) + x.shape))
        return jacs[0] if isinstance(argnums, int) else tuple(jacs)
    return jacobian


def hessian(f: Callable) -> Callable:
    """The matrix of second derivatives of a scalar f: forward mode over reverse mode, as `jax.hessian`.

    Each pass seeds a tangent eₖ on x, computes f and its gradient by `backward(create_graph=True)`
    (so the gradient is made of recorded ops, and the tangent rides through them too), and reads
    the tangent of the gradient: ∂(∇f)/∂x · eₖ, one column of H. Shape x.shape + x.shape.

    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> hessian(lambda x: x @ (Tensor(A) @ x))(np.array([1.0, -1.0]))   # xᵀAx: H = A + Aᵀ
    array([[2., 2.],
           [2., 6.]])
    """
    def second_derivatives(x):
        x0 = _leaf(x, True, "hessian")
        columns = []
        for k in range(x0.size):
            x = Tensor(x0.data, requires_grad=True)
            x.tangent = _one_hot(x0.shape, k, x0.dtype)
            out = _output(f(x), "hessian")
            if out.size != 1:
                raise ValueError(f"hessian(f): f must return a scalar, but it returned shape {out.shape}")
            if not out.requires_grad:
                return np.zeros(x0.shape + x0.shape, dtype=x0.dtype)
            out.backward(create_graph=True)
            gx = x.grad
            columns.append(np.zeros(x0.shape) if gx is None or gx.tangent is None else gx.tangent)
        return np.stack(columns, axis=-1).reshape(x0.shape + x0.shape)
    return second_derivatives


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
