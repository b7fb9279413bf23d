"""`Tensor`: a NumPy array that remembers how it was computed. Same graph, same rules as `Value`."""

from __future__ import annotations

import numbers
from typing import Sequence

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from . import ops
from .autograd import NO_SETTINGS, Node, apply, backward, enable_grad, new_node, next_serial
from .composed import ElementwiseMath
from .xp import arrays, recorded, sum_to


class Tensor(Node, ElementwiseMath):
    """An n-dimensional array in a computation graph.

    >>> W = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> x = Tensor([1.0, -1.0])
    >>> loss = (W @ x).sigmoid().sum()
    >>> loss.backward()
    >>> W.grad
    array([[ 0.19661193, -0.19661193],
           [ 0.19661193, -0.19661193]], dtype=float32)

    The fields are `Node`'s, as on `Value`. dtype follows PyTorch: Python floats and lists of them
    become float32, NumPy arrays keep their dtype, integers stay integers (and cannot require a
    gradient). `data` is a copy of the array given (as torch.tensor; `Tensor.from_numpy` shares
    it). `grad` is None until `backward()` reaches this tensor, then an array of the tensor's shape
    and dtype; a leaf's grad accumulates across calls (`zero_grad()` sets it back to None).
    """

    __slots__ = ()
    xp = arrays              # the functions the rules in ops.py compute with (NumPy's)
    xp_recorded = recorded   # the same as recorded Tensor ops, for gradients that are graphs (create_graph)
    initial_grad = None      # `grad` before any backward and after zero_grad()
    holds, as_data = np.ndarray, staticmethod(np.asarray)   # what a Tensor holds, and how to make it
    __array_ufunc__ = None   # `ndarray * Tensor` must come to Tensor.__rmul__, not loop in NumPy

    def __init__(self, data, requires_grad: bool = False, label: str = "", *, dtype=None):
        self.data = _as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"Tensor(requires_grad=True) needs floating-point data, got dtype {self.data.dtype}; "
                f"pass floats (e.g. [1.0, 2.0]) or dtype=np.float32")
        self.grad = None
        self.requires_grad = requires_grad
        self.label = label
        self.op, self.inputs, self.attrs = None, (), NO_SETTINGS
        self.group = None
        self.serial = next_serial()   # its place in the order nodes are made (autograd.topological_order)
        self.tangent = None   # forward mode: an array of this tensor's shape (see functional.jvp)

    def backward(self, grad=None, create_graph: bool = False) -> None:
        """Fill `.grad` of every tensor this one depends on with ∂self/∂tensor (times `grad`).

        Without `grad`, the output must hold a single number (a loss); with it, `grad` is
        ∂L/∂self, of this tensor's shape. With `create_graph=True` the gradients are themselves
        recorded Tensors (`.grad` is a Tensor), so they can be differentiated again:

        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> (x ** 3).sum().backward(create_graph=True)     # x.grad = 3x², a Tensor
        >>> g = x.grad; x.zero_grad(); g.sum().backward()  # x.grad = 6x
        """
        if grad is None:
            if self.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a scalar output; this output has shape {self.shape}. "
                    f"Reduce it first (e.g. .sum()) or pass backward(grad) with an array of shape {self.shape}")
            grad = np.ones(self.shape, dtype=self.dtype)
        else:
            grad = _as_array(grad.data if isinstance(grad, Tensor) else grad, None)
            if grad.shape != self.shape:
                raise ValueError(f"backward(grad): grad has shape {grad.shape} but the output has shape {self.shape}; "
                                 f"they must be equal")
            grad = grad.astype(self.dtype, copy=True)    # the caller's array stays theirs
        if create_graph:                  # the rules run as recorded ops: every gradient is a graph
            with enable_grad():
                backward(self, Tensor(grad), recorded)
        else:
            backward(self, grad)

    # ---- what it is ----------------------------------------------------------------------------
    @property
    def shape(self) -> tuple: return self.data.shape
    @property
    def dtype(self) -> np.dtype: return self.data.dtype
    @property
    def ndim(self) -> int: return self.data.ndim
    @property
    def size(self) -> int: return self.data.size

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float:
        if self.size != 1:
            raise ValueError(f"item(): only a tensor with one element converts to a Python number; "
                             f"this one has shape {self.shape}")
        return self.data.item()

    def detach(self) -> Tensor:
        """The same data (shared, not copied), cut from the graph (no op, no gradient)."""
        return Tensor.from_numpy(self.data)

    @staticmethod
    def from_numpy(array: np.ndarray) -> Tensor:
        """A constant Tensor sharing `array`'s memory, no copy (as torch.from_numpy): quicker than
        `Tensor(array)`, which copies, for when the caller will not change the array while the
        graph is alive. nn's training loop uses it for the batches it cuts itself.

        >>> a = np.ones(3); t = Tensor.from_numpy(a); t.data is a
        True
        """
        if type(array) is not np.ndarray or array.dtype.kind not in "biuf":
            raise TypeError(f"Tensor.from_numpy(array): needs a numeric NumPy array, got "
                            f"{type(array).__name__} {_short(array)}; use Tensor(data) for anything else")
        return new_node(Tensor, array)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = "" if self.dtype == np.float32 else f", dtype={self.dtype}"
        extra += ", requires_grad=True" if self.requires_grad else ""
        extra += f", label={self.label!r}" if self.label else ""
        return f"Tensor({body}{extra})"

    # ---- elementwise arithmetic: numbers and arrays on either side -------------------------------
    def __add__(self, other): return _binary(ops.add, self, other)
    def __radd__(self, other): return _binary(ops.add, other, self)
    def __sub__(self, other): return _binary(ops.sub, self, other)
    def __rsub__(self, other): return _binary(ops.sub, other, self)
    def __mul__(self, other): return _binary(ops.mul, self, other)
    def __rmul__(self, other): return _binary(ops.mul, other, self)
    def __truediv__(self, other): return _binary(ops.div, self, other)
    def __rtruediv__(self, other): return _binary(ops.div, other, self)
    def __pow__(self, other): return _binary(ops.pow, self, other)
    def __rpow__(self, other): return _binary(ops.pow, other, self)
    def __neg__(self): return self * -1

    def __matmul__(self, other): return matmul(self, other)
    def __rmatmul__(self, other): return matmul(other, self)

    # comparisons give boolean tensors (no gradient), for masks and `where`
    def __lt__(self, other): return Tensor(self.data < _data(other))
    def __le__(self, other): return Tensor(self.data <= _data(other))
    def __gt__(self, other): return Tensor(self.data > _data(other))
    def __ge__(self, other): return Tensor(self.data >= _data(other))
    def __eq__(self, other): return Tensor(self.data == _data(other))
    def __ne__(self, other): return Tensor(self.data != _data(other))
    __hash__ = object.__hash__   # hashed by identity, as nodes of a graph

    def __bool__(self) -> bool:  # without this every Tensor is truthy: `if t == u:` would always pass
        if self.size != 1:
            raise ValueError(f"bool(): the truth value of a tensor of shape {self.shape} is ambiguous "
                             f"(comparisons are elementwise); reduce it first, e.g. (t > 0).data.all()")
        return bool(self.data)

    # ---- elementwise functions (exp, log, ..., relu, sin, ..., gelu: ElementwiseMath's) ------------
    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        """min(max(x, lo), hi); the gradient passes where lo ≤ x ≤ hi (a `where`: no rule of its own)."""
        if lo is None and hi is None:
            raise ValueError("clip(lo, hi): give at least one of lo and hi")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"clip(lo, hi): lo={lo} is greater than hi={hi}")
        inside = (self.data >= (-np.inf if lo is None else lo)) & (self.data <= (np.inf if hi is None else hi))
        return where(inside, self, np.clip(self.data, lo, hi))

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        """PyTorch's name for clip."""
        return self.clip(min, max)

    def softmax(self, axis: int = -1) -> Tensor:
        """eˣ / Σ eˣ along axis, computed from x - max(x) so logits of ±1000 are fine. A 0-d tensor
        is one logit, a vector of one entry (as torch's): its softmax is 1."""
        if self.ndim == 0:
            return self.reshape(1).softmax(axis).reshape(())
        return apply(ops.softmax, self, axis=self._axis("softmax", axis))

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x - log Σ eˣ along axis, stable for logits of ±1000 (0-d: log 1 = 0, as softmax)."""
        if self.ndim == 0:
            return self.reshape(1).log_softmax(axis).reshape(())
        return apply(ops.log_softmax, self, axis=self._axis("log_softmax", axis))

    # ---- reductions ------------------------------------------------------------------------------
    def sum(self, axis=None, keepdims: bool = False) -> Tensor:
        return apply(ops.sum, self, axis=self._axes("sum", axis), keepdims=keepdims)

    def mean(self, axis=None, keepdims: bool = False) -> Tensor:
        axes = self._axes("mean", axis)
        count = self.size if axes is None else int(np.prod([self.shape[a] for a in axes]))
        return self.sum(axes, keepdims) / count

    def max(self, axis=None, keepdims: bool = False) -> Tensor:
        return apply(ops.max, self, axis=self._axes("max", axis, nonempty=True), keepdims=keepdims)

    def min(self, axis=None, keepdims: bool = False) -> Tensor:
        """-max(-x): no rule of its own (ties share the gradient, as for max)."""
        axes = self._axes("min", axis, nonempty=True)
        return -(-self).max(axes, keepdims)

    def prod(self, axis=None, keepdims: bool = False) -> Tensor:
        """Π x, composed of pairwise products (log₂ n rounds of a · b): no division by x, so the
        gradient is right where entries are 0 (one zero: the product of the others; two: 0), and
        so is the second derivative."""
        axes = self._axes("prod", axis)
        axes = tuple(range(self.ndim)) if axes is None else axes
        kept = [a for a in range(self.ndim) if a not in axes]
        out_shape = tuple(1 if a in axes else n for a, n in enumerate(self.shape)) if keepdims else \
            tuple(self.shape[a] for a in kept)
        n = int(np.prod([self.shape[a] for a in axes]))
        x = self.permute(kept + list(axes)) if kept + list(axes) != list(range(self.ndim)) else self
        x = x.reshape(tuple(self.shape[a] for a in kept) + (n,))
        if n == 0:                                   # the empty product is 1
            return (x.sum(-1) * 0 + 1).reshape(out_shape)
        while n > 1:                                 # multiply neighbours: n → ⌈n/2⌉ entries
            pairs = x[..., 0:n - 1:2] * x[..., 1::2]
            x = pairs if n % 2 == 0 else concatenate([pairs, x[..., n - 1:]], axis=-1)
            n = x.shape[-1]
        return x.reshape(out_shape)

    def var(self, axis=None, keepdims: bool = False, *, ddof: int = 0) -> Tensor:
        """Σ (x - mean x)² / (n - ddof), as np.var (ddof=0; ddof=1 is torch's default, unbiased)."""
        axes = self._axes("var", axis)
        count = self.size if axes is None else int(np.prod([self.shape[a] for a in axes]))
        d = self - self.mean(axes, keepdims=True)
        return (d * d).sum(axes, keepdims) / (count - ddof)

    def std(self, axis=None, keepdims: bool = False, *, ddof: int = 0) -> Tensor:
        """√var, as np.std. Where the spread is 0 (all entries equal, one entry, a 0-d tensor) its
        gradient is 0, as torch's (√ of 0 would give 0 · ∞ = nan)."""
        return _root(self.var(axis, keepdims, ddof=ddof), 2)

    def norm(self, ord: float = 2, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A002
        """The vector norm (Σ |x|^ord)^(1/ord) of the entries (along axis), as torch.linalg.vector_norm:
        ord 2 by default (a matrix gets its Frobenius norm), 1, inf, or any ord > 0. Where the norm is 0
        its gradient is 0, as torch's (√ of 0 would give 0 · ∞ = nan)."""
        axes = self._axes("norm", axis)
        if ord == np.inf:
            return self.abs().max(axes, keepdims)
        if ord == 1:
            return self.abs().sum(axes, keepdims)
        if not ord > 0:
            raise ValueError(f"norm: ord must be positive (or inf), got {ord!r}")
        # divided by m = max |x|, held constant (a norm is homogeneous, ‖x‖ = m·‖x/m‖, so m's own
        # derivative cancels exactly): the squares of 1e-200 would underflow to 0, of 1e200 overflow
        m = np.abs(self.data).max(axis=axes, keepdims=True) if self.size else np.ones((1,) * self.ndim)
        m = np.where((m > 0) & np.isfinite(m), m, 1).astype(self.dtype)
        scaled = self / m
        total = (scaled * scaled if ord == 2 else scaled.abs() ** ord).sum(axes, keepdims)
        root = _root(total, ord)
        return root * (m if keepdims else m.reshape(root.shape))

    def logsumexp(self, axis=None, keepdims: bool = False) -> Tensor:
        """log Σ eˣ, computed as m + log Σ e^(x - m) with m = max x held constant (its derivative
        cancels exactly), so ±1000 are fine; the gradient is softmax x."""
        axes = self._axes("logsumexp", axis, nonempty=True)
        m = self.data.max(axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)           # all -inf (or an inf): shift by nothing
        lse = (self - m).exp().sum(axes, keepdims).log()
        return lse + (m if keepdims else m.reshape(lse.shape))

    def cumsum(self, axis: int) -> Tensor:
        """The running sum along axis, as np.cumsum (an axis is required: no flattening)."""
        return apply(ops.cumsum, self, axis=self._axis("cumsum", axis), reverse=False)

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """The index of the largest entry (of the flattened tensor, or along axis): an integer
        tensor, no gradient."""
        self._axes("argmax", axis, nonempty=True)
        return Tensor(np.argmax(self.data, axis=axis, keepdims=keepdims))

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """The index of the smallest entry: an integer tensor, no gradient."""
        self._axes("argmin", axis, nonempty=True)
        return Tensor(np.argmin(self.data, axis=axis, keepdims=keepdims))

    # ---- shapes ----------------------------------------------------------------------------------
    def reshape(self, *shape) -> Tensor:
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        try:
            return apply(ops.reshape, self, shape=shape)
        except (ValueError, TypeError):
            raise ValueError(f"reshape: cannot reshape shape {self.shape} ({self.size} elements) into {shape}") from None

    def flatten(self, start_dim: int = 0) -> Tensor:
        """Merge the axes from start_dim on into one (start_dim=1 keeps the batch axis)."""
        try:
            start = normalize_axis_index(start_dim, max(self.ndim, 1))
        except (np.exceptions.AxisError, TypeError):
            raise ValueError(f"flatten: start_dim {start_dim} is out of range for a tensor of shape {self.shape}") from None
        return self.reshape(self.shape[:start] + (-1,))

    def transpose(self, *axes) -> Tensor:
        """Permute the axes (reversed when none are given), as np.transpose."""
        axes = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        axes = axes or tuple(reversed(range(self.ndim)))
        if (any(not -self.ndim <= a < self.ndim for a in axes)           # 3 % 2 == 1 must not pass as axis 1
                or sorted(a % self.ndim if self.ndim else a for a in axes) != list(range(self.ndim))):
            raise ValueError(f"transpose: axes {axes} are not a permutation of the {self.ndim} axes of shape {self.shape}")
        return apply(ops.transpose, self, axes=tuple(a % self.ndim for a in axes))

    def permute(self, *dims) -> Tensor:
        """PyTorch's name for transpose with axes."""
        return self.transpose(*dims)

    def squeeze(self, axis=None) -> Tensor:
        """Drop axes of length 1 (all of them, or the ones given), as np.squeeze: a reshape."""
        if axis is None:
            axes = tuple(a for a, n in enumerate(self.shape) if n == 1)
        else:
            axes = self._axes("squeeze", axis)
            longer = [a for a in axes if self.shape[a] != 1]
            if longer:
                raise ValueError(f"squeeze: axis {longer[0]} of shape {self.shape} has length "
                                 f"{self.shape[longer[0]]}, not 1")
        return self.reshape(tuple(n for a, n in enumerate(self.shape) if a not in axes))

    def expand_dims(self, axis) -> Tensor:
        """Insert axes of length 1 at the given places of the result, as np.expand_dims: a reshape."""
        n_new = 1 if isinstance(axis, int) else len(axis)
        try:
            axes = normalize_axis_tuple(axis, self.ndim + n_new)
        except (np.exceptions.AxisError, TypeError, ValueError):
            raise ValueError(f"expand_dims: axis {axis} is out of range for a result of "
                             f"{self.ndim + n_new} dimensions (from shape {self.shape})") from None
        rest = iter(self.shape)
        return self.reshape(tuple(1 if a in axes else next(rest) for a in range(self.ndim + n_new)))

    def unsqueeze(self, dim: int) -> Tensor:
        """PyTorch's name for expand_dims."""
        return self.expand_dims(dim)

    @property
    def T(self) -> Tensor:
        """The axes reversed (a matrix transposed): always a permutation, so nothing to check."""
        return apply(ops.transpose, self, axes=tuple(range(self.ndim - 1, -1, -1)))

    def __getitem__(self, index) -> Tensor:
        """Slices, integers, integer arrays and boolean masks, as NumPy indexes.
        The gradient scatters back into the indexed places; repeated indices accumulate."""
        index = tuple(_data(i) for i in index) if isinstance(index, tuple) else _data(index)
        try:
            return apply(ops.getitem, self, index=index)
        except IndexError as e:
            raise IndexError(f"Tensor index {_short(index)} on shape {self.shape}: {e}") from None

    # ---- helpers that check arguments before NumPy sees them -------------------------------------
    def _axis(self, name: str, axis: int) -> int:
        try:
            return normalize_axis_index(axis, self.ndim)
        except (np.exceptions.AxisError, TypeError):
            raise ValueError(f"{name}: axis {axis} is out of range for a tensor of shape {self.shape}") from None

    def _axes(self, name: str, axis, nonempty: bool = False):
        """axis as a tuple of axes (None: all of them). With `nonempty` (max, min, ...), each axis
        reduced must have entries: the max of no numbers is undefined, but the max along an axis
        of 3 of a (0, 3) tensor is the empty (0,), as in NumPy."""
        try:
            axes = None if axis is None else normalize_axis_tuple(axis, self.ndim)
        except (np.exceptions.AxisError, TypeError):
            raise ValueError(f"{name}: axis {axis} is out of range for a tensor of shape {self.shape}") from None
        if nonempty and 0 in (self.shape if axes is None else [self.shape[a] for a in axes]):
            where = "the tensor" if axis is None else f"axis {axis} of the tensor"
            raise ValueError(f"{name}: {where} is empty (shape {self.shape}); {name} of no numbers is undefined")
        return axes


# ---- module functions ----------------------------------------------------------------------------

def matmul(a, b) -> Tensor:
    """a @ b for 1-D, 2-D and batched (broadcast) operands, as np.matmul."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        a, b = _tensors(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: {a.shape} @ {b.shape}: both operands need at least one dimension (use * for scalars)")
    k_a, k_b = a.shape[-1], b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ValueError(f"matmul: {a.shape} @ {b.shape}: inner dimensions {k_a} and {k_b} differ")
    try:
        return apply(ops.matmul, a, b)
    except ValueError:   # inner dimensions agree, so the batch dimensions did not broadcast
        raise ValueError(f"matmul: {a.shape} @ {b.shape}: batch dimensions {a.shape[:-2]} and {b.shape[:-2]} "
                         f"do not broadcast") from None


def concatenate(tensors: Sequence, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; the gradient is split back into the pieces."""
    tensors = _tensors(*tensors)
    first = tensors[0]
    axis = first._axis("concatenate", axis)
    for i, t in enumerate(tensors):
        if t.ndim != first.ndim or t.shape[:axis] + t.shape[axis + 1:] != first.shape[:axis] + first.shape[axis + 1:]:
            raise ValueError(f"concatenate: tensor {i} has shape {t.shape} but tensor 0 has shape {first.shape}; "
                             f"all dimensions except axis {axis} must match")
    return apply(ops.concatenate, *tensors, axis=axis)


def stack(tensors: Sequence, axis: int = 0) -> Tensor:
    """Join same-shape tensors along a new axis."""
    tensors = _tensors(*tensors)
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: tensor {i} has shape {t.shape} but tensor 0 has shape {tensors[0].shape}; "
                             f"stack needs equal shapes")
    try:
        axis = normalize_axis_index(axis, tensors[0].ndim + 1)
    except np.exceptions.AxisError:
        raise ValueError(f"stack: axis {axis} is out of range for stacking tensors of shape {tensors[0].shape}") from None
    return apply(ops.stack, *tensors, axis=axis)


def where(cond, a, b) -> Tensor:
    """a where cond holds, else b (broadcast together); cond gets no gradient."""
    cond = Tensor(_data(cond))
    if cond.dtype != bool:
        raise TypeError(f"where(cond, a, b): cond must be boolean, got dtype {cond.dtype}")
    a, b = _tensors(a, b)
    _broadcast_shape("where", cond, a, b)
    return apply(ops.where, cond, a, b)


def _root(total: Tensor, ord: float) -> Tensor:
    """total^(1/ord) for norm and std, whose gradient is 0 where total is 0, as torch's: the slope of
    the root is ∞ at 0, and g · ∞ · (∂total = 0) would be nan. There the root is taken of 1 instead
    and replaced by 0, so no gradient reaches it."""
    zero = total.data == 0
    if not zero.any():
        return total.sqrt() if ord == 2 else total ** (1 / ord)
    safe = where(zero, 1.0, total)
    return where(zero, 0.0, safe.sqrt() if ord == 2 else safe ** (1 / ord))


def maximum(a, b) -> Tensor:
    """Elementwise max(a, b); where a == b each gets half the gradient."""
    return _binary(ops.maximum, a, b)


def minimum(a, b) -> Tensor:
    """Elementwise min(a, b) = -max(-a, -b): no rule of its own (ties split, nan passes to both)."""
    a, b = _tensors(a, b)
    return -maximum(-a, -b)


# ---- turning arguments into tensors --------------------------------------------------------------

def _as_array(data, dtype) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.array(data, copy=True)           # the caller's array stays theirs: changing it later
                                                  # must not change this tensor or its gradient (torch.tensor)
    else:
        try:
            arr = np.asarray(data)
        except ValueError as e:   # ragged nested lists
            raise ValueError(f"Tensor(data): could not make an array of {_short(data)}: {e}") from None
        if dtype is None and arr.dtype == np.float64:
            arr = arr.astype(np.float32)          # PyTorch's default float
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Tensor(data): data must be numeric (bool, int or float), got dtype {arr.dtype} "
                        f"from {_short(data)}")
    return arr


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _tensors(*xs) -> list:
    """Tensors as they are; numbers and arrays as constant tensors."""
    out = [x if isinstance(x, Tensor) else None for x in xs]
    like = next((x for x in out if x is not None), None)
    return [x if x is not None else _constant(v, like) for x, v in zip(out, xs)]


def _constant(x, like: Tensor | None) -> Tensor:
    """A number or array operand as a constant tensor. A Python number takes the other operand's
    dtype (float32 stays float32: `t * 0.5` is not promoted), as in NumPy and PyTorch."""
    if type(x) is np.ndarray and x.dtype.kind in "biuf":    # the common cases, checked in one step
        return new_node(Tensor, x.copy())                   # a copy: the caller may change theirs later
    if (type(x) is float or type(x) is int) and like is not None and like.data.dtype.kind == "f":
        return new_node(Tensor, np.asarray(x, dtype=like.data.dtype))     # = np.result_type(like, x)
    if isinstance(x, numbers.Number) and not isinstance(x, np.generic) and like is not None:
        if not isinstance(x, numbers.Real):
            raise TypeError(f"expected a real number, got {type(x).__name__} {x!r}")
        return new_node(Tensor, np.asarray(x, dtype=np.result_type(like.data, x)))
    try:
        return Tensor(x)
    except (TypeError, ValueError) as e:
        raise TypeError(f"cannot combine a Tensor with {type(x).__name__} {_short(x)}: {e}") from None


def _broadcast_shape(name: str, *ts: Tensor) -> tuple:
    try:
        return np.broadcast_shapes(*(t.shape for t in ts))
    except ValueError:
        shapes = " and ".join(str(t.shape) for t in ts)
        raise ValueError(f"{name}: shapes {shapes} do not broadcast (each trailing dimension must be equal or 1)") from None


def _binary(op, a, b) -> Tensor:
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        a, b = _tensors(a, b)
    try:
        return apply(op, a, b)
    except ValueError:
        _broadcast_shape(op.name, a, b)   # the usual cause: name the shapes (checked only on failure: it is slow)
        raise


def _short(x) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."
