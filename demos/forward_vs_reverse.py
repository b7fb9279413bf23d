"""Forward mode against reverse mode: who pays what for a whole Jacobian.

For f: ℝⁿ → ℝᵐ (here a small network, f(x) = W₂ tanh(W₁ x)), forward mode builds the Jacobian one
column per pass (n passes: J·eₖ for each input direction) and reverse mode one row per pass
(m passes: eₖᵀ·J for each output). The work is counted, not timed, with `count_ops`, so the
picture is the same on any machine. A loss has m = 1: that is why networks train in reverse mode.

Run:  python demos/forward_vs_reverse.py      (writes demos/out/forward_vs_reverse.png)
"""

from pathlib import Path

import numpy as np

from tinygrad_edu import Tensor, count_ops, jacfwd, jacrev

SIZES = [1, 3, 10, 30, 100, 300, 1000]
HIDDEN = 16
OUT = Path(__file__).parent / "out"


def network(n: int, m: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    W1 = Tensor(rng.normal(size=(HIDDEN, n)) / np.sqrt(n))
    W2 = Tensor(rng.normal(size=(m, HIDDEN)) / np.sqrt(HIDDEN))
    return lambda x: W2 @ (W1 @ x).tanh()


def cost(mode, n: int, m: int) -> int:
    """Multiply-adds spent building the m × n Jacobian in one mode."""
    f, x = network(n, m), np.ones(n)
    with count_ops() as c:
        J = mode(f)(x)
    assert J.shape == (m, n)
    return c.madds


def sweep(fixed: int = 10) -> dict:
    """Costs with m fixed while n grows, and with n fixed while m grows."""
    return {
        "n": [(n, cost(jacfwd, n, fixed), cost(jacrev, n, fixed)) for n in SIZES],
        "m": [(m, cost(jacfwd, fixed, m), cost(jacrev, fixed, m)) for m in SIZES],
    }


def print_table(rows: list, varying: str, fixed: int) -> None:
    other = "m" if varying == "n" else "n"
    print(f"\n{varying} varies, {other} = {fixed}: multiply-adds for the whole Jacobian")
    print(f"{varying:>6} {'jacfwd':>12} {'jacrev':>12} {'fwd/rev':>9}")
    for size, fwd, rev in rows:
        print(f"{size:>6} {fwd:>12,} {rev:>12,} {fwd / rev:>9.2f}")


def plot(results: dict, fixed: int, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
    panels = [("n", f"inputs n (outputs m = {fixed})", "a loss-like f: many inputs, few outputs"),
              ("m", f"outputs m (inputs n = {fixed})", "a tall f: few inputs, many outputs")]
    for ax, (key, xlabel, title) in zip(axes, panels):
        sizes, fwd, rev = zip(*results[key])
        ax.loglog(sizes, fwd, "o-", color="tab:orange", lw=2, label="forward mode (jacfwd): one pass per input")
        ax.loglog(sizes, rev, "s-", color="tab:blue", lw=2, label="reverse mode (jacrev): one pass per output")
        ax.axvline(fixed, color="gray", ls=":", lw=1)
        ax.annotate("n = m", (fixed, min(min(fwd), min(rev))),
                    xytext=(4, 4), textcoords="offset points", color="gray")
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("multiply-adds (counted)")
    axes[0].legend(loc="upper left", fontsize=9)
    fig.suptitle(f"Cost of the full Jacobian of f(x) = W₂ tanh(W₁ x), hidden width {HIDDEN}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    fixed = 10
    results = sweep(fixed)
    print_table(results["n"], "n", fixed)
    print_table(results["m"], "m", fixed)
    path = OUT / "forward_vs_reverse.png"
    plot(results, fixed, path)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
