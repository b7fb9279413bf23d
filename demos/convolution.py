"""The handout's convolution example (seed 001, "Convolutional Layer"): image ∗ filter = feature map.

The handout's image I is 6×6, 30 in its three left columns and 0 in the right three; its filter K
is the vertical-edge detector [[1, 0, −1]] in three rows; it slides K from the top left to the
bottom right and writes

    (I ∗ K)(i, j) = Σ_m Σ_n I(m, n) K(i + m, j + n)

(read I(i + m, j + n) K(m, n): the window starting at (i, j), times the filter). Its feature map
prints 0 30 30 0 in every row. On the handout's own numbers the arithmetic gives 90: where the
filter straddles the edge, each of its 3 rows adds 30·1 + 30·0 + 0·(−1) = 30, so 3 × 30 = 90.
The printed map belongs to the classic drawing of this example, whose image holds 10s
(3 × 10 = 30). Both are shown here, side by side: the slip is a scale, the edge is the lesson.

Then the handout's pooling on the feature map: 2×2 max pooling and average pooling.
The numbers come from the engine (`tinygrad_edu.conv2d`) and from the formula written out by
hand (`nn.manual.conv2d`); the demo checks that they agree.

Run:  python demos/convolution.py
Prints the image, the filter, one window worked out, the feature maps and the pooled maps, and
writes demos/out/convolution.png (image ∗ filter = feature map, for the 30s and the 10s) and
demos/out/convolution_pooling.png. TINYGRAD_EDU_QUICK=1 changes nothing: it is instant.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from nn import manual
from nn.utils import pyplot

OUT = Path(__file__).resolve().parent / "out"

HANDOUT_PRINTED = np.array([[0, 30, 30, 0]] * 4)    # the feature map as the handout prints it
FILTER = np.array([[1, 0, -1],
                   [1, 0, -1],
                   [1, 0, -1]], dtype=float)         # the handout's K: a vertical-edge detector


def image(value: float) -> np.ndarray:
    """The handout's 6×6 image: `value` in the three left columns, 0 in the three right ones."""
    I = np.zeros((6, 6))
    I[:, :3] = value
    return I


def feature_map(I: np.ndarray) -> np.ndarray:
    """I ∗ K by the engine, checked against the formula by hand (channels-last: (1, 6, 6, 1) and (3, 3, 1, 1))."""
    x, k = I.reshape(1, 6, 6, 1), FILTER.reshape(3, 3, 1, 1)
    engine = tg.conv2d(x, k).data[0, :, :, 0]
    by_hand = manual.conv2d(x, k)[0, :, :, 0]
    assert np.array_equal(engine, by_hand), (engine, by_hand)
    return engine


def show(name: str, M: np.ndarray) -> None:
    print(f"{name}:")
    for row in M:
        print("   " + " ".join(f"{v:4g}" for v in row))


def draw_matrix(ax, M: np.ndarray, title: str, cmap: str, vmin: float, vmax: float, box=None, rows: int = 6) -> None:
    """M with its numbers, every cell the same size in every panel: a panel is `rows` cells high."""
    from matplotlib.patches import Rectangle
    ax.imshow(M, cmap=cmap, vmin=vmin, vmax=vmax)
    for (i, j), v in np.ndenumerate(M):
        ax.text(j, i, f"{v:g}".replace("-", "−"), ha="center", va="center", fontsize=11,
                color="white" if abs(v) > 0.6 * max(abs(vmin), abs(vmax)) and cmap != "RdBu_r" else "black")
    margin = (rows - M.shape[0]) / 2                 # centre a smaller matrix in a panel of `rows` cells
    ax.set_ylim(M.shape[0] - 0.5 + margin, -0.5 - margin)
    ax.set_xlim(-0.5, M.shape[1] - 0.5)
    ax.axis("off")
    ax.add_patch(Rectangle((-0.5, -0.5), M.shape[1], M.shape[0], fill=False, edgecolor="black", linewidth=1))
    ax.text((M.shape[1] - 1) / 2, -0.75, title, ha="center", va="bottom", fontsize=11)
    if box is not None:             # the window behind one output: a red square
        (i, j), size = box
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), size, size, fill=False, edgecolor="#d62728", linewidth=3))


def draw(rows, path: Path) -> None:
    plt = pyplot()
    fig, axes = plt.subplots(len(rows), 5, figsize=(11, 3.4 * len(rows)),
                             gridspec_kw={"width_ratios": [6, 0.8, 3, 0.8, 4]})
    for r, (I, F, caption, note) in enumerate(rows):
        top = float(I.max())
        draw_matrix(axes[r, 0], I, f"image I ({caption})", "gray_r", 0, 2.5 * top, box=((0, 1), 3))
        draw_matrix(axes[r, 2], FILTER, "filter K", "RdBu_r", -2, 2)
        draw_matrix(axes[r, 4], F, f"feature map I ∗ K\n{note}", "Oranges", 0, 1.6 * max(float(F.max()), 1),
                    box=((0, 1), 1))
        for c, sign in ((1, "∗"), (3, "=")):
            axes[r, c].axis("off")
            axes[r, c].text(0.5, 0.5, sign, ha="center", va="center", fontsize=30)
    fig.suptitle("Convolution: the filter slides over the image; each output is the sum of window × filter\n"
                 "(red: the window behind output (0, 1), 3 rows × (30·1 + 30·0 + 0·(−1)))", fontsize=12)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def draw_pooling(F: np.ndarray, pooled: dict, path: Path) -> None:
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6), gridspec_kw={"width_ratios": [4, 2, 2]})
    top = 1.6 * float(F.max())
    draw_matrix(axes[0], F, "feature map (4×4)", "Oranges", 0, top, box=((0, 0), 2), rows=4)
    for ax, (name, P) in zip(axes[1:], pooled.items()):
        draw_matrix(ax, P, f"{name} pooling 2×2", "Oranges", 0, top, box=((0, 0), 1), rows=4)
    fig.suptitle("Pooling: each 2×2 window (red) becomes one number: its maximum, or its mean", fontsize=12, y=1.02)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    I30, I10 = image(30.0), image(10.0)
    show("image I (the handout's: 30 in the left half)", I30)
    show("filter K (vertical edges)", FILTER)
    window = I30[0:3, 1:4]
    terms = " + ".join(f"{a:g}·{k:g}" if k >= 0 else f"{a:g}·({k:g})" for a, k in zip(window.ravel(), FILTER.ravel()))
    print(f"\noutput (0, 1): the window I[0:3, 1:4] times K, summed:\n   {terms} = {np.sum(window * FILTER):g}")
    F30, F10 = feature_map(I30), feature_map(I10)
    print()
    show("feature map I ∗ K, computed (3 rows × 30 = 90)", F30)
    show("feature map as the handout prints it", HANDOUT_PRINTED)
    show("the same image drawn with 10s, as in the classic example: its map is the handout's (3 × 10 = 30)", F10)
    print("\nThe edge between the 30s and the 0s lights up in the middle columns; flat regions give 0.")

    pooled = {"max": tg.max_pool2d(F30.reshape(1, 4, 4, 1)).data[0, :, :, 0],
              "average": tg.avg_pool2d(F30.reshape(1, 4, 4, 1)).data[0, :, :, 0]}
    assert np.array_equal(pooled["max"], manual.max_pool2d(F30.reshape(1, 4, 4, 1))[0, :, :, 0])
    assert np.array_equal(pooled["average"], manual.avg_pool2d(F30.reshape(1, 4, 4, 1))[0, :, :, 0])
    print()
    show("2×2 max pooling of the feature map", pooled["max"])
    show("2×2 average pooling of the feature map", pooled["average"])

    draw([(I30, F30, "the handout's 30s", "computed: 3 × 30 = 90 (the handout prints 30)"),
          (I10, F10, "the classic drawing's 10s", "3 × 10 = 30, the handout's printed map")],
         OUT / "convolution.png")
    draw_pooling(F30, pooled, OUT / "convolution_pooling.png")
    print(f"\nwrote {OUT}/convolution.png and convolution_pooling.png")


if __name__ == "__main__":
    main()
