"""Counting work: how many primitive evaluations and multiply-adds a computation costs.

This is what makes the forward-versus-reverse lesson visible. For f: ℝⁿ → ℝᵐ, the full Jacobian
costs n forward-mode passes (one tangent direction per input) or m reverse-mode passes (one
cotangent per output), whatever the machine is doing: counts, not seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .autograd import _mode


@dataclass
class OpCount:
    """Tallies inside `count_ops()`: rule evaluations per kind, and estimated multiply-adds."""

    forward: int = 0    # primitives computed (the primal values)
    backward: int = 0   # reverse rules (vjp) evaluated, one per input that needs a gradient
    tangent: int = 0    # forward-mode rules (jvp) evaluated
    madds: int = 0      # multiply-adds, all kinds together

    @property
    def evaluations(self) -> int:
        return self.forward + self.backward + self.tangent

    def add(self, kind: str, op, out, inputs) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        self.madds += _multiply_adds(op, out, inputs)


def _multiply_adds(op, out, inputs) -> int:
    """A matrix product costs (entries of the result) × (inner dimension); anything else about one
    operation per entry of its largest operand."""
    if op.name == "@":
        return int(np.size(out)) * int(np.shape(inputs[0])[-1])
    return max(int(np.size(x)) for x in (out, *inputs))


def count_ops():
    """Count the work done inside the block.

    >>> with count_ops() as c:
    ...     loss = (W @ x).sum(); loss.backward()
    >>> c.forward, c.backward, c.madds
    """
    return _mode("counter", OpCount())
