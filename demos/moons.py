"""Two moons: how many hidden neurons a curved boundary needs.

The handouts' design rule ("semakin banyak jumlah node memungkinkan mempelajari pola yang lebih
rumit": more hidden neurons can learn more intricate patterns) on scikit-learn's two interleaving
half circles with noise. Two networks, trained on 75 % of the points, judged on the other 25 %:

    small   Dense(2, tanh) → Dense(1, sigmoid)                     two neurons: a gently bent boundary
    mlp     Dense(16, relu) → Dense(16, relu) → Dense(1, sigmoid)  enough to follow both moons

Run:  python demos/moons.py

Prints each model's training and test accuracy, and writes to demos/out/: moons_small.png and
moons_mlp.png (decision boundaries over the test points) and moons_history.png (the MLP's loss and
accuracy per epoch, training against test). TINYGRAD_EDU_QUICK=1 trains for fewer epochs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import nn
from nn.preprocessing import train_test_split

OUT = Path(__file__).resolve().parent / "out"
QUICK = os.environ.get("TINYGRAD_EDU_QUICK") == "1"
EPOCHS = 60 if QUICK else 150

TITLES = {
    "small": "Dense(2, tanh) → Dense(1, sigmoid)",
    "mlp": "Dense(16, relu) → Dense(16, relu) → Dense(1, sigmoid)",
}


def build(kind: str) -> nn.Sequential:
    """One of the two networks of the module docstring, by name."""
    if kind == "small":
        layers = [nn.Dense(2, activation="tanh", input_dim=2)]
    else:
        layers = [nn.Dense(16, activation="relu", input_dim=2), nn.Dense(16, activation="relu")]
    model = nn.Sequential(layers + [nn.Dense(1, activation="sigmoid")], name=kind)
    # Adam at 0.02 rather than 0.001: 300 points, and the demo should finish in seconds
    model.compile(optimizer=nn.Adam(lr=0.02), loss="binary_crossentropy", metrics=["acc"])
    return model


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    X, y = nn.datasets.make_moons(400, noise=0.2, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    Y_train, Y_test = y_train.reshape(-1, 1), y_test.reshape(-1, 1)   # one sigmoid output: a column of 0/1
    print(f"two moons, noise 0.2: {len(X_train)} training and {len(X_test)} test points; "
          f"{EPOCHS} epochs of Adam (lr 0.02), batch 32\n")
    print(f"{'model':<7}{'params':>8}{'train acc':>11}{'test acc':>10}{'test loss':>11}{'time':>7}")
    written = []
    for kind, title in TITLES.items():
        nn.manual_seed(0)       # same initial weights and shuffles on every run
        model = build(kind)
        start = time.perf_counter()
        history = model.fit(X_train, Y_train, epochs=EPOCHS, batch_size=32, validation_data=(X_test, Y_test),
                            verbose=0)
        seconds = time.perf_counter() - start
        train_acc = model.evaluate(X_train, Y_train, verbose=0)[1]
        test_loss, test_acc = model.evaluate(X_test, Y_test, verbose=0)
        print(f"{kind:<7}{model.count_params():>8}{train_acc:>11.3f}{test_acc:>10.3f}{test_loss:>11.4f}"
              f"{seconds:>6.1f}s")
        path = OUT / f"moons_{kind}.png"
        nn.plot.decision_boundary(model, X_test, y_test, path, class_names=["upper moon (0)", "lower moon (1)"],
                                  title=f"Two moons, test points — {title}", resolution=120 if QUICK else 300)
        written.append(path)
        if kind == "mlp":
            path = OUT / "moons_history.png"
            # fit logs the held-out part as val_*; here it is the test set, so say so in the title
            nn.plot.history(history, path, title=f"Two moons — {title}\ntraining points (solid) against the "
                                                 f"{len(X_test)} held-out test points (dashed, logged as validation)")
            written.append(path)
            losses = history.history["val_loss"]
            best = min(range(len(losses)), key=losses.__getitem__)
            if best < len(losses) - 1:    # the handouts' overfitting slide, seen in this run's numbers
                print(f"        test loss lowest at epoch {best + 1} ({losses[best]:.4f}), {losses[-1]:.4f} at the "
                      f"end while the training loss kept falling: overfitting")
    print("\nwrote " + ", ".join(str(p) for p in written))


if __name__ == "__main__":
    main()
