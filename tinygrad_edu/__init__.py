"""tinygrad_edu: a reverse-mode autodiff engine small enough to read in an afternoon.

    ops.py          every primitive's forward computation and derivative, written once
    autograd.py     recording ops, the topological order, the backward walk, no_grad
    value.py        Value: one number in a graph (micrograd's node)
    tensor.py       Tensor: a NumPy array in a graph, and concatenate/stack/where/maximum
    scalar_math.py  NumPy's functions on Python floats, so Value and Tensor compute alike
"""

from . import ops
from .autograd import detect_anomaly, enable_grad, is_grad_enabled, no_grad, topological_order
from .tensor import Tensor, concatenate, matmul, maximum, stack, sum_to, where
from .value import Value

__all__ = [
    "Value", "Tensor", "concatenate", "stack", "where", "maximum", "matmul", "sum_to",
    "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "topological_order", "ops",
]
__version__ = "0.1.0"
