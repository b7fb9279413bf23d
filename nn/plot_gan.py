"""Pictures of a GAN training: the generated points over the real ones with the discriminator's
opinion shaded behind, frame by frame (a PNG grid and an animated GIF); the two losses on one plot;
mode collapse beside a healthy run; a grid of generated digits per epoch. matplotlib, loaded lazily.

A frame is a dict: {"step": int, "fake": (n, 2) array, "real": (m, 2) array, "grid": (xs, ys, D(xy))},
as demos/gan_2d.py records them with `frame(G, D, real, step)`.

>>> import numpy as np, nn
>>> G = nn.Sequential([nn.Dense(2, input_dim=2)]); D = nn.Sequential([nn.Dense(1, activation="sigmoid", input_dim=2)])
>>> f = frame(G, D, np.zeros((5, 2), dtype=np.float32), step=0, n=50)
>>> f["fake"].shape, f["grid"][2].shape
((50, 2), (60, 60))
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from .utils import pyplot

LIMIT = 3.0          # the 2-D pictures show [-3, 3]²: the ring of radius 2 with room around it


def frame(G: Any, D: Any, real: np.ndarray, step: int, n: int = 1000, resolution: int = 60,
          seed: int = 0) -> dict:
    """What one frame shows, computed now: G's points for n fixed noise vectors, and D(x) on a grid."""
    z = np.random.default_rng(seed).standard_normal((n, G.input_shape[-1])).astype(np.float32)
    xs = np.linspace(-LIMIT, LIMIT, resolution, dtype=np.float32)
    xx, yy = np.meshgrid(xs, xs)
    p = D.predict(np.stack([xx.ravel(), yy.ravel()], 1)).reshape(resolution, resolution)
    return {"step": step, "fake": G.predict(z), "real": real, "grid": (xs, xs, p)}


def _draw(ax, f: dict, title: str | None = None) -> None:
    xs, ys, p = f["grid"]
    ax.contourf(xs, ys, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)   # red: D says "real"
    ax.scatter(*f["real"].T, s=4, c="black", alpha=0.4, label="real")
    ax.scatter(*f["fake"].T, s=4, c="orange", alpha=0.7, label="generated")
    ax.set_xlim(-LIMIT, LIMIT), ax.set_ylim(-LIMIT, LIMIT), ax.set_aspect("equal")
    ax.set_xticks([]), ax.set_yticks([])
    ax.set_title(title if title is not None else f"step {f['step']}", fontsize=9)


def frames_grid(frames: Sequence[dict], path: str | os.PathLike | None = None, ncols: int = 4) -> Any:
    """The frames side by side, training going left to right, top to bottom; saved to `path` if given."""
    plt = pyplot()
    nrows = -(-len(frames) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols, 2.6 * nrows + 0.4), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, f in zip(axes.ravel(), frames):
        ax.axis("on")
        _draw(ax, f)
    axes[0, 0].legend(loc="lower left", fontsize=7, markerscale=2)
    fig.suptitle("GAN on 8 Gaussians: generated (orange) over real (black); D(x) shaded (red = 'real')", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def animation(frames: Sequence[dict], path: str | os.PathLike, fps: int = 4) -> str:
    """The frames as an animated GIF at `path` (Pillow, matplotlib's own dependency)."""
    plt = pyplot()
    from matplotlib.animation import FuncAnimation, PillowWriter

    fig, ax = plt.subplots(figsize=(4, 4))

    def show(i: int):
        ax.clear()
        _draw(ax, frames[i])
        return []

    FuncAnimation(fig, show, frames=len(frames), blit=False).save(str(path), writer=PillowWriter(fps=fps))
    plt.close(fig)
    return str(path)


def losses(d_losses: Sequence[float], g_losses: Sequence[float], path: str | os.PathLike | None = None,
           smooth: int = 20) -> Any:
    """D's and G's losses per step on one plot (a running mean over `smooth` steps drawn on top).
    Neither goes to 0 in a healthy GAN: each is the other's opponent. Both near log 2 ≈ 0.69 (D's
    averaged over its real and generated points) means D can no longer tell them apart."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for values, name, color in ((d_losses, "discriminator", "tab:blue"), (g_losses, "generator", "tab:orange")):
        v = np.asarray(values, dtype=float)
        short = len(v) < smooth                          # too few steps to smooth: the raw line is the one named
        ax.plot(v, color=color, alpha=0.8 if short else 0.25, label=name if short else None)
        if not short:
            ax.plot(np.arange(smooth - 1, len(v)), np.convolve(v, np.ones(smooth) / smooth, "valid"), color=color,
                    label=f"{name} (mean of {smooth} steps)")
    ax.set_xlabel("step"), ax.set_ylabel("binary cross-entropy"), ax.legend()
    ax.set_title("GAN losses: two players, neither wins")
    fig.tight_layout()
    return _save(fig, path)


def mode_collapse(healthy: dict, collapsed: dict, path: str | os.PathLike | None = None) -> Any:
    """Two last frames side by side: a run that covers every mode, and one that collapsed (onto one or a few)."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(8, 4.2))
    _draw(axes[0], healthy, f"healthy: every mode (step {healthy['step']})")
    _draw(axes[1], collapsed, f"mode collapse: G puts its points in one place (step {collapsed['step']})")
    fig.tight_layout()
    return _save(fig, path)


def digits_per_epoch(images: Sequence[np.ndarray], path: str | os.PathLike | None = None, n: int = 10,
                     epochs: Sequence[int] | None = None) -> Any:
    """One row per epoch of n generated 28 × 28 digits (the same noise each epoch), pixels in [-1, 1] or [0, 1].
    `epochs` numbers the rows (default 1, 2, 3, ...), for when only some epochs are shown."""
    plt = pyplot()
    epochs = list(epochs) if epochs is not None else list(range(1, len(images) + 1))
    low = -1.0 if min(float(np.min(b)) for b in images) < 0 else 0.0    # tanh's range or a sigmoid's
    fig, axes = plt.subplots(len(images), n, figsize=(n * 0.8, len(images) * 0.85 + 0.4), squeeze=False)
    for row, batch in enumerate(images):
        for col in range(n):
            ax = axes[row, col]
            ax.imshow(np.asarray(batch[col]).reshape(28, 28), cmap="gray_r", vmin=low, vmax=1.0)
            ax.set_xticks([]), ax.set_yticks([])
        axes[row, 0].set_ylabel(f"epoch {epochs[row]}", rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle("generated digits, the same noise each epoch", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig: Any, path) -> Any:
    if path is not None:
        fig.savefig(path, dpi=100)
        pyplot().close(fig)
    return fig
