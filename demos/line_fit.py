"""The course's first model, y = m·x + b, fitted to (1, 3) and (2, 5) by gradient descent, step by step.

The handout ("A simpler model", "Gradient descent") starts at m = −1, b = 5: the predictions are
ŷ = 4 and 3, the squared errors 1 and 4, MSE = 2.5, RMSE = 1.6. It then derives by hand

    MSE = ½ [(3 − (m + b))² + (5 − (2m + b))²]
    ∂MSE/∂m = 5m + 3b − 13 = −3        ∂MSE/∂b = 3m + 2b − 8 = −1        (at m = −1, b = 5)

and updates m := m − η ∂MSE/∂m, b := b − η ∂MSE/∂b with the learning rate (laju pembelajaran)
η = 0.1. Here each step builds the MSE from `Value`s, calls `backward()`, and prints the
gradients autodiff found beside the handout's formulas. (The slides that follow, with −7 and −3
and m := −1 + 7λ, use another course's data; on this data the first gradient is (−3, −1).)

Run:  python demos/line_fit.py

Prints the starting table and one row per step (MSE, RMSE, both gradients, the hand formulas),
and writes to demos/out/: line_fit.png (the lines found along the way, and the loss surface over
(m, b) with the path of descent), line_fit_learning_rates.png (MSE per step for the handout's
three learning rates, 0.005, 0.1 and 0.6) and line_fit_graph.png (the graph of the first MSE with
every node's gradient). TINYGRAD_EDU_QUICK=1 takes fewer steps and a coarser surface.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tinygrad_edu import Value, draw_graph

OUT = Path(__file__).resolve().parent / "out"
QUICK = os.environ.get("TINYGRAD_EDU_QUICK") == "1"

DATA = [(1.0, 3.0), (2.0, 5.0)]   # (x, y), the handout's table
START = (-1.0, 5.0)               # m, b: the handout's "random" start
ETA = 0.1                         # the learning rate of the handout's worked step
RATES = (0.005, 0.1, 0.6)         # the three the slides try: too small, about right, too large
STEPS = 60 if QUICK else 300
SHOWN = set(range(11)) | set(range(25, STEPS + 1, 25))   # table rows: every early step, then every 25th


def mse(m: Value, b: Value) -> Value:
    """MSE = (1/n) Σ (y − (m·x + b))², built from Values so backward() can find ∂MSE/∂m and ∂MSE/∂b."""
    squares = []
    for i, (x, y) in enumerate(DATA, start=1):
        y_hat = m * x + b
        y_hat.label = f"ŷ{i} = m·{x:g} + b"     # labels make the graph picture read like the handout
        error = y - y_hat
        error.label = f"y{i} − ŷ{i}"
        squares.append(error ** 2)
        squares[-1].label = f"(y{i} − ŷ{i})²"
    total = squares[0]
    for square in squares[1:]:      # no Value(0) to start from: it would be one more box in the picture
        total = total + square
    total.label = "Σ (y − ŷ)²"
    return total / len(DATA)


def mse_grid(M: np.ndarray, B: np.ndarray) -> np.ndarray:
    """The same MSE on a whole grid of (m, b) at once, with NumPy, for the contour picture."""
    return sum((y - (M * x + B)) ** 2 for x, y in DATA) / len(DATA)


def descend(eta: float, steps: int) -> list[tuple[float, float, float, float, float]]:
    """Gradient descent from START: one (m, b, MSE, ∂MSE/∂m, ∂MSE/∂b) per step, step 0 first."""
    m_now, b_now = START
    path = []
    for _ in range(steps + 1):
        # fresh leaves each step: gradients accumulate in a leaf, and a new step must start from zero
        m, b = Value(m_now, label="m"), Value(b_now, label="b")
        loss = mse(m, b)
        loss.backward()
        path.append((m.data, b.data, loss.data, m.grad, b.grad))
        if not np.isfinite(loss.data) or loss.data > 1e12:   # a too-large rate diverges: stop before overflow
            break
        m_now, b_now = m.data - eta * m.grad, b.data - eta * b.grad
    return path


def print_start() -> None:
    """The handout's first table: predictions and squared errors at m = −1, b = 5."""
    m, b = START
    print(f"y = m·x + b, starting at m = {m:g}, b = {b:g}")
    print(f"{'x':>4} {'y':>4} {'ŷ':>5} {'err²':>6}")
    for x, y in DATA:
        y_hat = m * x + b
        print(f"{x:>4g} {y:>4g} {y_hat:>5g} {(y - y_hat) ** 2:>6g}")
    loss = mse(Value(m), Value(b)).data
    print(f"MSE = {loss:g}   RMSE = {loss ** 0.5:.1f}\n")


def print_steps(path: list) -> None:
    print(f"gradient descent, η = {ETA}: autodiff's gradients beside the handout's formulas")
    print(f"{'step':>4} {'m':>9} {'b':>9} {'MSE':>11} {'RMSE':>9} {'∂MSE/∂m':>10} {'∂MSE/∂b':>10}"
          f" {'5m+3b−13':>10} {'3m+2b−8':>10}")
    for k, (m, b, loss, dm, db) in enumerate(path):
        if k in SHOWN or k == len(path) - 1:
            print(f"{k:>4} {m:>9.4f} {b:>9.4f} {loss:>11.6f} {loss ** 0.5:>9.5f} {dm:>10.5f} {db:>10.5f}"
                  f" {5 * m + 3 * b - 13:>10.5f} {3 * m + 2 * b - 8:>10.5f}")
    worst = max(max(abs(dm - (5 * m + 3 * b - 13)), abs(db - (3 * m + 2 * b - 8))) for m, b, _, dm, db in path)
    m, b = path[-1][:2]
    print(f"largest difference autodiff − hand formula over all steps: {worst:.1e}")
    print(f"after {len(path) - 1} steps: y = {m:.4f}·x + {b:.4f}  (the exact fit is y = 2x + 1)\n")


def plot_fit_and_surface(path: list, file: Path) -> None:
    """Left: the data and the line at a few steps. Right: MSE contours over (m, b) and the path taken."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 6.2), gridspec_kw={"width_ratios": [1, 1]})
    xs = np.linspace(0, 3, 50)
    picks = [k for k in (0, 1, 3, 10, 30, len(path) - 1) if k < len(path)]
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(picks)))
    for k, color in zip(picks, colors):
        m, b, loss = path[k][:3]
        left.plot(xs, m * xs + b, color=color, lw=2 if k == picks[-1] else 1.3,
                  label=f"step {k}: y = {m:.2f}x + {b:.2f}  (MSE {loss:.3g})")
    left.scatter(*zip(*DATA), s=70, color="black", zorder=5, label="data (1, 3), (2, 5)")
    left.set_xlabel("x")
    left.set_ylabel("y")
    left.set_title(f"The line after each step of gradient descent (η = {ETA})")
    left.legend(fontsize=8.5, loc="upper left")
    left.grid(alpha=0.3)

    n = 120 if QUICK else 300
    M, B = np.meshgrid(np.linspace(-2.0, 4.0, n), np.linspace(-1.5, 6.5, n))
    Z = mse_grid(M, B)
    levels = np.logspace(-2, 2, 17)
    filled = right.contourf(M, B, Z, levels=levels, norm=LogNorm(), cmap="Blues_r", extend="both")
    right.contour(M, B, Z, levels=levels, colors="white", linewidths=0.4)
    bar = fig.colorbar(filled, ax=right)
    bar.set_label("MSE (log scale)")
    ms, bs = [p[0] for p in path], [p[1] for p in path]
    right.plot(ms, bs, "-", color="tab:orange", lw=2, label=f"descent path, {len(path) - 1} steps")
    right.plot(ms[1:11], bs[1:11], "o", color="tab:orange", mec="black", mew=0.5, ms=4.5, label="steps 1 to 10")
    m0, b0, _, dm0, db0 = path[0]
    # the downhill direction −∇MSE, drawn at a readable length (the step itself is η times it: 0.3, 0.1)
    scale = 1.2 / np.hypot(dm0, db0)
    right.annotate("", xy=(m0 - scale * dm0, b0 - scale * db0), xytext=(m0, b0),
                   arrowprops=dict(arrowstyle="-|>", color="tab:red", lw=2, mutation_scale=18))
    right.plot([], [], color="tab:red", lw=2, label=f"−gradient at the start: ({-dm0:g}, {-db0:g})")
    right.plot(m0, b0, "s", color="tab:red", ms=8, label=f"start m = {m0:g}, b = {b0:g} (MSE {path[0][2]:g})")
    right.plot(2, 1, "*", color="gold", mec="black", ms=16, label="minimum m = 2, b = 1 (MSE 0)")
    right.set_xlabel("m (slope, bobot)")
    right.set_ylabel("b (intercept, bias)")
    right.set_title("Loss surface MSE(m, b) and the path of gradient descent")
    right.set_aspect("equal")   # equal units on both axes, so the gradient is seen at right angles to the contours
    right.legend(fontsize=8.5, loc="lower left", framealpha=0.9)
    fig.tight_layout()
    fig.savefig(file, dpi=110)
    plt.close(fig)


def plot_learning_rates(paths: dict[float, list], file: Path) -> None:
    """MSE per step for each learning rate: too small crawls, too large blows up."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    verdict = {0.005: "too small: crawls", 0.1: "the handout's: converges", 0.6: "too large: diverges"}
    for (eta, path), color in zip(paths.items(), ("tab:gray", "tab:blue", "tab:red")):
        losses = [p[2] for p in path]
        ax.semilogy(range(len(losses)), losses, "o-" if len(losses) < 30 else "-", ms=3, color=color, lw=1.8,
                    label=f"η = {eta}  ({verdict.get(eta, '')})")
    ax.set_xlabel("step")
    ax.set_ylabel("MSE (log scale)")
    ax.set_title("The learning rate (laju pembelajaran) decides how far each step goes")
    # the axis spans the losses drawn, a decade either side (a diverging run is cut at 1e6)
    finite = [v for path in paths.values() for v in (p[2] for p in path) if np.isfinite(v) and v > 0]
    ax.set_ylim(10 ** np.floor(np.log10(min(finite))), min(10 ** np.ceil(np.log10(max(finite))), 1e6))
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    fig.savefig(file, dpi=110)
    plt.close(fig)


def draw_first_graph(file: Path) -> None:
    """The graph of the first MSE, after backward: every node's value and gradient."""
    m, b = Value(START[0], label="m"), Value(START[1], label="b")
    loss = mse(m, b)
    loss.label = "MSE"
    loss.backward()
    title = (f"The MSE of the line y = m·x + b at m = {START[0]:g}, b = {START[1]:g}, on the handout's "
             f"{len(DATA)} points, after backward: each box's data and ∂MSE/∂(box)")
    draw_graph(loss, format="png", title=title).render(file.with_suffix(""), cleanup=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    print_start()
    paths = {eta: descend(eta, STEPS) for eta in RATES}
    print_steps(paths[ETA])
    for eta in RATES:
        last = paths[eta][-1]
        print(f"η = {eta:<5}: after {len(paths[eta]) - 1:>3} steps MSE = {last[2]:.3g}")
    written = [OUT / "line_fit.png", OUT / "line_fit_learning_rates.png", OUT / "line_fit_graph.png"]
    plot_fit_and_surface(paths[ETA], written[0])
    plot_learning_rates(paths, written[1])
    draw_first_graph(written[2])
    print("\nwrote " + ", ".join(str(p) for p in written))


if __name__ == "__main__":
    main()
