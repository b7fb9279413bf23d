"""A GAN on a ring of 8 Gaussians, written as Keras tutorials write it (weeks 13-14, "GANs").

The generator G turns 2-D noise into points; the discriminator D says how likely a point is real.
Each step, in turn:
  1. D.train_on_batch(real and generated points, 1s and 0s): D learns to tell them apart;
  2. gan.train_on_batch(noise, 1s), gan = Sequential([G, D]) with D.trainable = False when gan was
     compiled: G learns to make points D calls real, and D stays as it is in this step.
(Keras 2's rule: the flag is read at compile, so D's own compile still trains D. See nn.Module.trainable.)

Run:  python demos/gan_2d.py [--steps 1500] [--seed 0]

Writes to demos/out/: gan_2d_frames.png (the points and D's opinion as training goes),
gan_2d.gif (the same, animated), gan_2d_losses.png (D's and G's losses), gan_2d_mode_collapse.png
(a healthy run beside one that collapsed: G trained 5 times per D step with a fast learning rate).
TINYGRAD_EDU_QUICK=1 trains 600 steps.
"""

from __future__ import annotations

import argparse
import os
import warnings
from pathlib import Path

import numpy as np

import nn
from nn import Dense, LeakyReLU, Sequential, plot_gan

OUT = Path(__file__).resolve().parent / "out"
QUICK = os.environ.get("TINYGRAD_EDU_QUICK") == "1"
MODES, RADIUS, SPREAD = 8, 2.0, 0.05


def ring(n: int, rng: np.random.Generator) -> np.ndarray:
    """n points from the real distribution: 8 small Gaussians evenly around a circle of radius 2."""
    angle = 2 * np.pi * rng.integers(0, MODES, n) / MODES
    centres = RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return (centres + SPREAD * rng.standard_normal((n, 2))).astype(np.float32)


def modes_covered(points: np.ndarray, share: float = 0.02) -> int:
    """How many of the 8 Gaussians receive at least `share` of the points (within 4 spreads of a centre)."""
    angle = 2 * np.pi * np.arange(MODES) / MODES
    centres = RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    distance = np.linalg.norm(points[:, None, :] - centres[None], axis=2)
    nearest = distance.argmin(axis=1)[distance.min(axis=1) < 4 * SPREAD]
    return int((np.bincount(nearest, minlength=MODES) > share * len(points)).sum())


def build(hidden: int = 32, lr: float = 4e-3, g_lr: float | None = None) -> tuple[Sequential, Sequential, Sequential]:
    """G, D and gan = Sequential([G, D]), compiled as the Keras recipe does."""
    G = Sequential([Dense(hidden, activation="relu", input_dim=2), Dense(hidden, activation="relu"), Dense(2)],
                   name="generator")
    D = Sequential([Dense(hidden, input_dim=2), LeakyReLU(alpha=0.2), Dense(hidden), LeakyReLU(alpha=0.2),
                    Dense(1, activation="sigmoid")], name="discriminator")
    D.compile(optimizer=nn.Adam(lr=lr, betas=(0.5, 0.999)), loss="binary_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # "already compiled": exactly the recipe's intent, see the docstring
        D.trainable = False
    gan = Sequential([G, D], name="gan")
    gan.compile(optimizer=nn.Adam(lr=g_lr or lr, betas=(0.5, 0.999)), loss="binary_crossentropy")
    return G, D, gan


def train(steps: int, seed: int = 0, batch: int = 128, g_steps: int = 1, g_lr: float | None = None,
          frames: int = 0) -> dict:
    """Train the 2-D GAN; returns G, D, the losses per step and `frames` pictures' worth of snapshots."""
    nn.manual_seed(seed)
    rng = np.random.default_rng(seed)
    G, D, gan = build(g_lr=g_lr)
    ones, zeros = np.ones((batch, 1), np.float32), np.zeros((batch, 1), np.float32)
    labels = np.concatenate([ones, zeros])
    shown = ring(500, rng)
    record = {"G": G, "D": D, "d_loss": [], "g_loss": [], "frames": []}
    snapshot_at = set(np.linspace(0, steps, frames).astype(int)) if frames else set()
    for step in range(steps + 1):
        if step in snapshot_at:
            record["frames"].append(plot_gan.frame(G, D, shown, step))
        if step == steps:
            break
        fake = G.predict(rng.standard_normal((batch, 2)).astype(np.float32))
        record["d_loss"].append(D.train_on_batch(np.concatenate([ring(batch, rng), fake]), labels))
        for _ in range(g_steps):
            record["g_loss"].append(gan.train_on_batch(rng.standard_normal((batch, 2)).astype(np.float32), ones))
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600 if QUICK else 1500, help="D+G steps")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)

    healthy = train(args.steps, args.seed, frames=8)
    G = healthy["G"]
    G.summary()
    z = np.random.default_rng(1).standard_normal((2000, 2)).astype(np.float32)
    print(f"healthy run: {modes_covered(G.predict(z))} of {MODES} modes covered after {args.steps} steps")
    plot_gan.frames_grid(healthy["frames"], OUT / "gan_2d_frames.png")
    plot_gan.animation(healthy["frames"], OUT / "gan_2d.gif")
    plot_gan.losses(healthy["d_loss"], healthy["g_loss"], OUT / "gan_2d_losses.png")

    collapsed = train(args.steps, args.seed, g_steps=5, g_lr=2e-2, frames=2)
    print(f"collapsing run (G 5 steps per D step, lr 0.02): "
          f"{modes_covered(collapsed['G'].predict(z))} of {MODES} modes covered")
    plot_gan.mode_collapse(healthy["frames"][-1], collapsed["frames"][-1], OUT / "gan_2d_mode_collapse.png")
    for name in ("gan_2d_frames.png", "gan_2d.gif", "gan_2d_losses.png", "gan_2d_mode_collapse.png"):
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
