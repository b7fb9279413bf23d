"""NumPy's functions, for Python floats: the `xp` that `Value` hands to the rules in `ops.py`.

The derivative rules are written once, against an array namespace `xp` with NumPy's names.
`Tensor` passes NumPy itself; `Value` passes this module, so that a `Value` holds a plain Python
float (fast, readable) while every number it computes is the number NumPy computes: the
transcendental functions go through NumPy's own routines, so a `Value` and a 0-d `Tensor` agree
to the last bit, and log(0), exp(1000) and sqrt(-1) give -inf, inf and nan with NumPy's warning
instead of a `math` domain error.
"""

import numpy as np


def _on_floats(ufunc):
    def f(*args: float) -> float:
        return float(ufunc(*args))
    f.__name__ = f.__qualname__ = ufunc.__name__
    f.__doc__ = f"np.{ufunc.__name__}, returning a Python float."
    return f


exp = _on_floats(np.exp)
log = _on_floats(np.log)
sqrt = _on_floats(np.sqrt)
tanh = _on_floats(np.tanh)
power = _on_floats(np.power)
sign = _on_floats(np.sign)
abs = _on_floats(np.abs)  # noqa: A001  (NumPy's name)


def divide(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:                 # x/0: ±inf or nan, with NumPy's warning
        return float(np.divide(np.float64(a), b))


def where(cond: bool, a: float, b: float) -> float:
    return a if cond else b


def maximum(a: float, b: float) -> float:
    # nan propagates, as in np.maximum
    return a if (a >= b or a != a) else float(b)
