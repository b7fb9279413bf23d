"""Checking gradients, with failures that explain themselves.

- `numerical_grad(f, inputs)`: central differences in float64, (f(x + ε) - f(x - ε)) / 2ε,
  the independent witness every analytic gradient is held against.
- `gradcheck(f, inputs)`: both modes of the engine (reverse: jacrev, forward: jacfwd) against
  central differences; True, or a `GradcheckError` whose message is a table of the worst entries.
- `gradgradcheck(f, inputs)`: the same for second derivatives.
- `assert_grads_close(actual, expected)`: for your own tests comparing autodiff with a gradient
  derived by hand; on failure a report naming the parameter, its shape, the worst index and both
  values there.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from .autograd import no_grad
from .diagnose import explain_mismatch
from .functional import grad, jacfwd, jacrev
from .tensor import Tensor


class GradcheckError(AssertionError):
    """An analytic derivative disagrees with central differences."""


def _float64(inputs: Sequence, nondiff: set) -> list[np.ndarray]:
    """The inputs as float64 arrays to perturb; the non-differentiable ones exactly as given."""
    return [np.asarray(x.data if isinstance(x, Tensor) else x) if i in nondiff
            else np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64) for i, x in enumerate(inputs)]


def _nondiff(inputs: Sequence, nondiff_argnums) -> set:
    """Inputs left alone: those named, and every integer or boolean array (an index is not perturbed)."""
    named = {nondiff_argnums} if isinstance(nondiff_argnums, int) else set(nondiff_argnums)
    return named | {i for i, x in enumerate(inputs)
                    if np.asarray(x.data if isinstance(x, Tensor) else x).dtype.kind in "biu"}


def _outputs(out) -> list[np.ndarray]:
    """f's output(s) as float64 arrays: a tuple of outputs is checked output by output."""
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [np.array(o.data if isinstance(o, Tensor) else o, dtype=np.float64) for o in outs]


def _numerical_jacobians(f: Callable, xs: list[np.ndarray], eps: float, wrt: Sequence[int]) -> list[list[np.ndarray]]:
    """[output][input] Jacobians of shape out.shape + in.shape, by central differences."""
    def value(*arrays) -> list[np.ndarray]:
        with no_grad():
            return _outputs(f(*[Tensor(a) for a in arrays]))

    out_shapes = [o.shape for o in value(*xs)]
    jacobians = [[np.zeros(shape + xs[i].shape) for i in wrt] for shape in out_shapes]
    for n, i in enumerate(wrt):
        for k in np.ndindex(*xs[i].shape):
            plus, minus = list(xs), list(xs)
            plus[i], minus[i] = xs[i].copy(), xs[i].copy()
            plus[i][k] += eps
            minus[i][k] -= eps
            for o, (hi, lo) in enumerate(zip(value(*plus), value(*minus))):
                jacobians[o][n][(...,) + k] = (hi - lo) / (2 * eps)
    return jacobians


def numerical_grad(f: Callable, inputs: Sequence, eps: float = 1e-6) -> list[np.ndarray]:
    """∂f/∂input for each input by central differences in float64 (f must return a scalar).

    >>> numerical_grad(lambda x: (x ** 3).sum(), [np.array([1.0, 2.0])])   # 3x²
    [array([ 3., 12.])]
    """
    xs = _float64(inputs, set())
    (jacobians,) = _numerical_jacobians(f, xs, eps, range(len(xs)))
    if jacobians and jacobians[0].ndim != xs[0].ndim:
        shape = jacobians[0].shape[:jacobians[0].ndim - xs[0].ndim]
        if int(np.prod(shape)) != 1:
            raise ValueError(f"numerical_grad: f must return a scalar, got shape {shape}; "
                             f"gradcheck compares whole Jacobians of vector-valued f")
    return [j.reshape(x.shape) for j, x in zip(jacobians, xs)]


def _analytic_jacobians(f: Callable, xs: list, wrt: tuple, mode: str, n_outputs: int) -> list[list[np.ndarray]]:
    """[output][input] Jacobians by the engine, in one mode (reverse: jacrev, forward: jacfwd)."""
    jacobian = jacrev if mode == "reverse" else jacfwd
    result = []
    for o in range(n_outputs):
        def output_o(*args, o=o):
            out = f(*args)
            return out[o] if isinstance(out, (tuple, list)) else out
        result.append([np.asarray(j, dtype=np.float64) for j in jacobian(output_o, argnums=wrt)(*xs)])
    return result


def gradcheck(f: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              nondiff_argnums: int | Sequence[int] = ()) -> bool:
    """Check f's derivatives, in both modes, against central differences in float64.

    An entry passes when |analytic - numeric| ≤ atol + rtol·|numeric|, as in `torch.autograd.gradcheck`.
    Also checked, as PyTorch does: backward is reentrant (two runs give the same Jacobian, bit for
    bit), and a derivative that is nan or inf fails (the numeric one must then be too, and equal).
    f may take and return 0-d arrays, and return a tuple of outputs (each checked). Inputs named in
    `nondiff_argnums`, and integer or boolean arrays (indices, masks), are passed as given and not
    differentiated.

    >>> gradcheck(lambda x: x.tanh().sum(), [np.random.randn(3)])
    True
    """
    nondiff = _nondiff(inputs, nondiff_argnums)
    xs = _float64(inputs, nondiff)
    wrt = tuple(i for i in range(len(xs)) if i not in nondiff)
    if not wrt:
        return True
    numeric = _numerical_jacobians(f, xs, eps, wrt)
    failures = []
    for mode in ("reverse", "forward"):
        analytic = _analytic_jacobians(f, xs, wrt, mode, len(numeric))
        if mode == "reverse":
            again = _analytic_jacobians(f, xs, wrt, mode, len(numeric))
            for o, (first, second) in enumerate(zip(analytic, again)):
                for n, (a, b) in enumerate(zip(first, second)):
                    if not np.array_equal(a, b, equal_nan=True):
                        raise GradcheckError(f"backward is not reentrant: two runs give different Jacobians of "
                                             f"output {o} for input {wrt[n]} (max difference {np.nanmax(np.abs(a - b)):.3g})")
        for o, (outputs_a, outputs_n) in enumerate(zip(analytic, numeric)):
            for n, (a, num) in enumerate(zip(outputs_a, outputs_n)):
                a = a.reshape(num.shape)
                with np.errstate(invalid="ignore"):
                    err = np.abs(a - num)
                    bad = ~(err <= atol + rtol * np.abs(num)) | ~np.isfinite(a)   # nan or inf fails ...
                bad &= ~((a == num) & np.isinf(a))                   # ... unless numeric is the same infinity
                for k in zip(*np.nonzero(np.atleast_1d(bad))):
                    k = k if a.ndim else ()
                    failures.append((mode, o, wrt[n], tuple(int(j) for j in k), a[k], num[k], err[k],
                                     err[k] / max(abs(num[k]), 1e-300) if np.isfinite(err[k]) else np.inf))
    if failures:
        failures.sort(key=lambda row: -row[6] if np.isfinite(row[6]) else -np.inf)
        table = _table(failures, atol, rtol, len(numeric) > 1)
        raise GradcheckError(table + _diagnoses(f, xs, wrt, numeric, atol, rtol))
    return True


def _diagnoses(f, xs, wrt, numeric, atol: float, rtol: float) -> str:
    """For a scalar f, a line per input whose reverse-mode gradient fits a known mistake."""
    if len(numeric) != 1 or any(j.shape != xs[i].shape for i, j in zip(wrt, numeric[0])):
        return ""
    analytic = _analytic_jacobians(f, xs, wrt, "reverse", 1)[0]
    names = [f"input {i}" for i in wrt]
    expected = dict(zip(names, numeric[0]))
    lines = [explain_mismatch(a, n, name, expected, rtol, atol) for a, n, name in zip(analytic, numeric[0], names)]
    return "".join(f"\n→ {line}" for line in lines if line)


def gradgradcheck(f: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  nondiff_argnums: int | Sequence[int] = (), seed: int = 0) -> bool:
    """Check f's second derivatives: `gradcheck` of x ↦ uᵀJ(x), the vector-Jacobian product for a
    fixed random cotangent u, as `torch.autograd.gradgradcheck`. The transformations compose, so
    this differentiates the engine's own reverse mode, in both modes.

    >>> gradgradcheck(lambda x: (x ** 3).sum(), [np.random.randn(3)])
    True
    """
    nondiff = _nondiff(inputs, nondiff_argnums)
    xs = _float64(inputs, nondiff)
    with no_grad():
        outs = _outputs(f(*[Tensor(x) for x in xs]))
    rng = np.random.default_rng(seed)
    us = [rng.normal(size=o.shape) for o in outs]
    wrt = [i for i in range(len(xs)) if i not in nondiff]

    def first_derivatives(*args):
        def weighted(*diff):
            full = list(args)
            for i, d in zip(wrt, diff):
                full[i] = d
            out = f(*full)
            out = out if isinstance(out, (tuple, list)) else (out,)
            return sum((o * Tensor(u)).sum() for o, u in zip(out, us))   # uᵀ f: its gradient is uᵀJ
        return tuple(grad(weighted, argnums=tuple(range(len(wrt))))(*[args[i] for i in wrt]))

    return gradcheck(first_derivatives, xs, eps, atol, rtol, nondiff_argnums=tuple(nondiff))


def _table(failures: list, atol: float, rtol: float, several_outputs: bool, shown: int = 10) -> str:
    lines = [f"{len(failures)} Jacobian entr{'y' if len(failures) == 1 else 'ies'} differ from central differences "
             f"(allowed: atol={atol:g} + rtol={rtol:g}·|numeric|; nan or inf never passes); the worst:",
             f"{'mode':<8} {'input':>5}  {'J index':<14} {'analytic':>14} {'numeric':>14} {'abs err':>10} {'rel err':>10}"]
    for mode, o, i, k, a, n, e, r in failures[:shown]:
        where = f"{o}:{i}" if several_outputs else f"{i}"
        lines.append(f"{mode:<8} {where:>5}  {str(k):<14} {a:>14.6g} {n:>14.6g} {e:>10.3g} {r:>10.3g}")
    if len(failures) > shown:
        lines.append(f"... and {len(failures) - shown} more")
    if several_outputs:
        lines.append("(input column: output:input)")
    return "\n".join(lines)


# assert_grads_close's default (rtol, atol) by the lower precision of the two sides: float64's as
# before (exact to a few roundings), the others torch.testing.assert_close's defaults
TOLERANCES = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
              np.dtype(np.float64): (1e-7, 0.0)}


def assert_grads_close(actual, expected, names: Sequence[str] | None = None, rtol: float | None = None,
                       atol: float | None = None, allow_inf: bool = False, lang: str | None = None) -> None:
    """Assert that gradients agree, |actual - expected| ≤ atol + rtol·|expected| everywhere.
    A nan or inf on either side fails (with allow_inf=True, the same infinity on both passes).
    Under a failing entry, the mistake it looks like when one explains it all (`explain_mismatch`:
    transposed, scaled by the batch size, sign flipped, swapped, all zero, one row), in English or
    Bahasa Indonesia (`lang="id"` or TINYGRAD_EDU_LANG=id).

    `actual` and `expected` are matching dicts {name: array} or sequences of arrays (named by
    `names`, else by position). Tensors count as their `.grad`. The default tolerance follows the
    lower precision of each pair, as torch.testing.assert_close: float64 against float64 rtol=1e-7,
    atol=0; a float32 side (a model in float32 against a float64 derivation by hand) rtol=1.3e-6,
    atol=1e-5; float16 rtol=1e-3, atol=1e-5. A failure names the dtypes when they differ.

    >>> assert_grads_close({"W": W.grad}, {"W": A_in.T @ delta})
    """
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            raise AssertionError(f"assert_grads_close: names differ: actual has {sorted(actual)}, "
                                 f"expected has {sorted(expected)}")
        pairs = [(name, actual[name], expected[name]) for name in actual]
    else:
        actual, expected = list(actual), list(expected)
        if len(actual) != len(expected):
            raise AssertionError(f"assert_grads_close: {len(actual)} actual gradients but {len(expected)} expected")
        names = list(names) if names is not None else [f"#{i}" for i in range(len(actual))]
        pairs = list(zip(names, actual, expected))
    expected_by_name = {name: _grad_of(e) for name, _, e in pairs}
    reports = []
    for name, a, e in pairs:
        dtypes = (_dtype_of(a), _dtype_of(e))
        default_rtol, default_atol = TOLERANCES[min(dtypes, key=lambda d: d.itemsize)]
        pair_rtol = default_rtol if rtol is None else rtol
        pair_atol = default_atol if atol is None else atol
        report = _compare(name, a, e, pair_rtol, pair_atol, allow_inf)
        if report:
            if dtypes[0] != dtypes[1]:
                report += (f"\n    (actual is {dtypes[0]}, expected {dtypes[1]}: compared with rtol={pair_rtol:g}, "
                           f"atol={pair_atol:g})")
            why = explain_mismatch(_grad_of(a), _grad_of(e), name, expected_by_name, pair_rtol, pair_atol, lang)
            reports.append(report + (f"\n    → {why}" if why else ""))
    if reports:
        raise AssertionError("gradients differ:\n" + "\n".join(reports))


def _dtype_of(x) -> np.dtype:
    """The floating precision a gradient was computed in: float16/32/64 (integers and Python floats: float64)."""
    dtype = np.asarray(x.grad if isinstance(x, Tensor) else x).dtype
    return dtype if dtype in TOLERANCES else np.dtype(np.float64)


def _grad_of(x) -> np.ndarray:
    return np.asarray(x.grad if isinstance(x, Tensor) else x, dtype=np.float64)


def _compare(name: str, actual, expected, rtol: float, atol: float, allow_inf: bool) -> str | None:
    a = np.asarray(actual.grad if isinstance(actual, Tensor) else actual, dtype=np.float64)
    e = np.asarray(expected.grad if isinstance(expected, Tensor) else expected, dtype=np.float64)
    if a.shape != e.shape:
        return f"  {name}: actual has shape {a.shape}, expected {e.shape}"
    with np.errstate(invalid="ignore"):
        err = np.abs(a - e)
        bad = ~(err <= atol + rtol * np.abs(e)) | ~np.isfinite(a) | ~np.isfinite(e)   # nan or inf never passes ...
    if allow_inf:
        bad &= ~((a == e) & np.isinf(a))                 # ... unless both are the same infinity, when allowed
    if not bad.any():
        return None
    err = np.where(np.isnan(err), np.inf, err)
    k = np.unravel_index(np.argmax(np.where(bad, err, -1)), a.shape) if a.ndim else ()
    with np.errstate(invalid="ignore"):
        rel = err / np.maximum(np.abs(e), 1e-300)
    return (f"  {name} (shape {a.shape}): {int(bad.sum())} of {a.size} entries differ; "
            f"max abs err {err.max():.3g}, max rel err {rel.max():.3g}; "
            f"worst at index {tuple(int(i) for i in k)}: actual {a[k]:.17g}, expected {e[k]:.17g}")
