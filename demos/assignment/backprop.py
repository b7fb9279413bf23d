"""Assignment: backpropagation by hand (Chapter 2, "Multilayers ANN", B.3).

Fill in the five functions marked TODO, in NumPy only. The network is the lecture's: one hidden
layer with activation φ ('sigmoid', 'tanh' or 'relu'), sigmoid outputs and the logistic cost

    J(W) = −Σᵢ Σⱼ [y log a(out) + (1 − y) log(1 − a(out))] + (λ/2) Σₗ Σ_{i=1} Σⱼ (w_{j,i}(l))²

a sum over the n samples (not a mean). Shapes, one row per sample, bias first:

    X      n × m        A(in) = [1, X]       n × (1+m)     W(h)    (1+m) × h   (row 0: the bias)
    Y      n × t        A(h)  = [1, φ(Z(h))] n × (1+h)     W(out)  (1+h) × t   (row 0: the bias)

`forward` is given. Check your work with the teacher's tests: `pytest -q test_backprop.py` (add -s to see
the report of every test); a wrong answer is named by the mistake that explains it.

Tugas: backpropagation secara manual. Isi kelima fungsi bertanda TODO (NumPy saja), lalu jalankan
`pytest -q test_backprop.py`; jawaban yang salah diberi nama kesalahannya (TINYGRAD_EDU_LANG=id).
"""

import numpy as np


# ---- given ------------------------------------------------------------------------------------------

def add_bias_column(X):
    """[1, X]: a column of ones in front, the bias unit a₀ = 1."""
    return np.hstack([np.ones((len(X), 1)), X])


def phi(Z, activation):
    """φ(z), elementwise: 'sigmoid', 'tanh' or 'relu'."""
    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-Z))
    if activation == "tanh":
        return np.tanh(Z)
    if activation == "relu":
        return np.maximum(Z, 0.0)
    raise ValueError(f"unknown activation {activation!r}")


def forward(X, W, activation="sigmoid"):
    """Forward propagation: {'A(in)', 'Z(h)', 'A(h)', 'Z(out)', 'A(out)'}; W = {'W(h)': ..., 'W(out)': ...}."""
    A_in = add_bias_column(X)
    Z_h = A_in @ W["W(h)"]
    A_h = add_bias_column(phi(Z_h, activation))
    Z_out = A_h @ W["W(out)"]
    return {"A(in)": A_in, "Z(h)": Z_h, "A(h)": A_h, "Z(out)": Z_out, "A(out)": phi(Z_out, "sigmoid")}


# ---- to fill in -------------------------------------------------------------------------------------

def phi_prime(A, activation):
    """φ′(z), the partial derivative of the activation φ, written with its value a = φ(z), as the slides
    write it for the sigmoid; A has no bias column. Same shape as A."""
    raise NotImplementedError("TODO: phi_prime")


def delta_out(A_out, Y):
    """δ(out) = ∂J/∂Z(out), the error matrix of the output layer (sigmoid outputs, logistic cost), n × t."""
    raise NotImplementedError("TODO: delta_out")


def delta_hidden(d_out, W_out, A_h, activation):
    """δ(h) = ∂J/∂Z(h), the error matrix of the hidden layer, n × h, from δ(out), W(out) and A(h) (with its
    bias column, as `forward` gives it). Use `phi_prime`."""
    raise NotImplementedError("TODO: delta_hidden")


def gradient(A_prev, delta, W, lam):
    """Δ(l) = ∂J/∂W(l) for the layer whose input is A_prev (A(in) or A(h)) and whose error is δ(l),
    with the L2 term of J(W) above. Same shape as W."""
    raise NotImplementedError("TODO: gradient")


def backward(X, Y, W, lam, activation="sigmoid"):
    """Backpropagation: forward, then δ(out), δ(h), Δ(h), Δ(out) with the functions above, returned as
    {'δ(out)': ..., 'δ(h)': ..., 'Δ(h)': ..., 'Δ(out)': ...}."""
    raise NotImplementedError("TODO: backward")
