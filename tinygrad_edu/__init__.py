"""tinygrad_edu: a reverse-mode autodiff engine small enough to read in an afternoon.

Read in this order (each file imports only the ones above it):

    ops.py          every primitive's forward computation and derivative, written once
    autograd.py     Node; apply (record an op); topological_order; backward_step and backward
                    (the chain rule); the modes no_grad, group, detect_anomaly
    xp.py           what the rules compute with: floats (Value), arrays (Tensor), recorded ops
    composed.py     the elementwise maths Value and Tensor share (exp, ..., relu, sin, ..., gelu), written once
    value.py        Value: one number in a graph (micrograd's node); Dual, its forward mode
    tensor.py       Tensor: a NumPy array in a graph, and concatenate/stack/where/maximum/minimum
    einsumfunc.py   einsum: its subscripts parsed, then composed of transpose, sum and matmul
    conv.py         conv2d, max_pool2d, avg_pool2d, pad: windows of an image, then ops it already
                    has; the checks of their arguments, which nn's layers use too
    functional.py   grad, value_and_grad, vjp, jvp, jacrev, jacfwd, hessian: both modes as
                    functions that compose (grad(grad(f)), jacfwd(jacrev(f)), ...)
    counting.py     count_ops: what each mode costs, in evaluations and multiply-adds
    diagnose.py     explain_mismatch: which mistake a wrong hand-derived gradient is
    check.py        gradcheck, gradgradcheck, numerical_grad, assert_grads_close
    draw/           draw_graph, draw_backward_steps, show_backward: pictures and the step-by-step
                    page (graphviz, imported lazily); the engine never imports it
"""

from . import ops
from .ops import Op, elementwise, linear, primitive
from .autograd import Node, apply, backward_step, detect_anomaly, enable_grad, group, is_grad_enabled, no_grad, topological_order
from .tensor import Tensor, concatenate, matmul, maximum, minimum, stack, sum_to, where
from .einsumfunc import einsum
from .value import Dual, Value
from .conv import avg_pool2d, conv2d, max_pool2d, pad
from .functional import grad, hessian, jacfwd, jacrev, jvp, tree_flatten, tree_unflatten, value_and_grad, vjp
from .counting import OpCount, count_ops
from .diagnose import explain_mismatch
from .check import GradcheckError, assert_grads_close, gradcheck, gradgradcheck, numerical_grad
from .draw import backward_frames, draw_backward_steps, draw_graph, show_backward

draw_dot = draw_graph   # micrograd's lecture calls it draw_dot

__all__ = [
    "Value", "Tensor", "conv2d", "max_pool2d", "avg_pool2d", "pad", "concatenate", "stack", "where", "maximum", "minimum", "einsum", "matmul", "sum_to",
    "no_grad", "enable_grad", "group", "is_grad_enabled", "detect_anomaly", "topological_order", "backward_step",
    "ops", "Op", "elementwise", "linear", "primitive", "apply", "Node",
    "Dual", "grad", "value_and_grad", "tree_flatten", "tree_unflatten", "hessian", "vjp", "jvp", "jacrev", "jacfwd", "count_ops", "OpCount",
    "gradcheck", "gradgradcheck", "explain_mismatch", "numerical_grad", "assert_grads_close", "GradcheckError",
    "draw_graph", "draw_backward_steps", "backward_frames", "show_backward", "draw_dot",
]
__version__ = "0.1.0"
