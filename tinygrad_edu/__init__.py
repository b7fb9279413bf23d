"""tinygrad_edu: a reverse-mode autodiff engine small enough to read in an afternoon.

    ops.py          every primitive's forward computation and derivative, written once
    autograd.py     recording ops, the topological order, the backward walk, no_grad
    value.py        Value: one number in a graph (micrograd's node); Dual, its forward mode
    tensor.py       Tensor: a NumPy array in a graph, and concatenate/stack/where/maximum
    scalar_math.py  NumPy's functions on Python floats, so Value and Tensor compute alike
    functional.py   grad, vjp, jvp, jacrev, jacfwd: reverse and forward mode as functions
    counting.py     count_ops: what each mode costs, in evaluations and multiply-adds
    check.py        gradcheck, numerical_grad, assert_grads_close
"""

from . import ops
from .ops import Op
from .autograd import apply, detect_anomaly, enable_grad, is_grad_enabled, no_grad, topological_order
from .tensor import Tensor, concatenate, matmul, maximum, stack, sum_to, where
from .value import Dual, Value
from .functional import grad, jacfwd, jacrev, jvp, vjp
from .counting import OpCount, count_ops
from .check import GradcheckError, assert_grads_close, gradcheck, numerical_grad

__all__ = [
    "Value", "Tensor", "concatenate", "stack", "where", "maximum", "matmul", "sum_to",
    "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "topological_order", "ops", "Op", "apply",
    "Dual", "grad", "vjp", "jvp", "jacrev", "jacfwd", "count_ops", "OpCount",
    "gradcheck", "numerical_grad", "assert_grads_close", "GradcheckError",
]
__version__ = "0.1.0"
