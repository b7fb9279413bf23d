"""The reference solution of backprop.py (for the teacher: do not hand it out).

The given part (`forward`, `phi`, `add_bias_column`) is imported from the students' file, which is
handed out unchanged; the five functions are the lecture's (B.3), one formula each.
"""

import numpy as np

from backprop import forward


def phi_prime(A, activation):
    """φ′(z) written with a = φ(z)."""
    if activation == "sigmoid":
        return A * (1.0 - A)                       # a(1 − a)
    if activation == "tanh":
        return 1.0 - A ** 2                        # 1 − a²
    if activation == "relu":
        return (A > 0).astype(np.float64)          # 1 if z > 0 else 0
    raise ValueError(f"unknown activation {activation!r}")


def delta_out(A_out, Y):
    """δ(out) = a(out) − y: sigmoid's φ′ cancels against the logistic cost's derivative."""
    return A_out - Y


def delta_hidden(d_out, W_out, A_h, activation):
    """δ(h) = δ(out) W(out)ᵀ ⊙ φ′(z(h)), without W(out)'s bias row (the bias unit a₀ = 1 is a constant)."""
    return (d_out @ W_out[1:].T) * phi_prime(A_h[:, 1:], activation)


def gradient(A_prev, delta, W, lam):
    """Δ(l) = A(l−1)ᵀ δ(l) + λ W(l), the bias row not regularised (the L2 sum starts at i = 1)."""
    W_reg = W.copy()
    W_reg[0] = 0.0
    return A_prev.T @ delta + lam * W_reg


def backward(X, Y, W, lam, activation="sigmoid"):
    """δ(out), δ(h), Δ(h), Δ(out) under the lecture's names."""
    f = forward(X, W, activation)
    d_out = delta_out(f["A(out)"], Y)
    d_h = delta_hidden(d_out, W["W(out)"], f["A(h)"], activation)
    return {"δ(out)": d_out, "δ(h)": d_h,
            "Δ(h)": gradient(f["A(in)"], d_h, W["W(h)"], lam),
            "Δ(out)": gradient(f["A(h)"], d_out, W["W(out)"], lam)}
