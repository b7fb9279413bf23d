"""A GAN that draws MNIST digits, written as Keras tutorials write it (weeks 13-14, "GANs lanjutan").

The dense GAN of the classic Keras tutorial: the generator G turns 100 numbers of noise into a
28 × 28 image (Dense 256, 512, 784 with LeakyReLU(0.2), tanh at the end: pixels in [-1, 1]); the
discriminator D says how likely an image is real (Dense 512, 256, 1 with LeakyReLU(0.2) and a
sigmoid). `--dcgan` swaps in a small DCGAN: G is Dense → Reshape((7, 7, 64)) → Conv2DTranspose to
14 × 14 → UpSampling2D to 28 × 28 → Conv2D(1, tanh), with BatchNormalization and LeakyReLU between;
D is two strided Conv2D with LeakyReLU, then Dense(1, sigmoid).

Each step, in turn (the recipe of demos/gan_2d.py):
  1. D.train_on_batch(real images and G's images, 1s and 0s): D learns to tell them apart;
  2. gan.train_on_batch(noise, 1s), gan = Sequential([G, D]) compiled after D.trainable = False:
     G learns to make images D calls real, and D stays as it is in this step (Keras 2's rule).

Run:  python demos/gan_mnist.py [--dcgan] [--epochs 20] [--quick] [--data-dir DIR]

MNIST is read from --data-dir, else $TINYGRAD_EDU_DATA/mnist, else nn.datasets.load_mnist's cache.
One epoch is one pass over the training images in batches of 64. Prints one line per epoch (the
mean losses of D and G, D's accuracy on its last batch, the time); writes to demos/out/:
gan_mnist_digits.png (a row of 10 generated digits per epoch, the same noise
each epoch; 8 epochs evenly spread when there are more) and
gan_mnist_losses.png (the losses per step); with --dcgan, gan_dcgan_digits.png and gan_dcgan_losses.png.
By default the dense GAN trains 20 epochs (a few minutes: digits appear from about epoch 10), the
DCGAN 3 (each step about ten times slower; its strokes are clean after fewer steps). --quick runs about a minute: the dense GAN for 5
epochs, the DCGAN for 2 epochs of 6,000 images. TINYGRAD_EDU_QUICK=1 (the test suite's mode) trains
2 epochs of 3 batches.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import nn
from nn import (BatchNormalization, Conv2D, Conv2DTranspose, Dense, Flatten, LeakyReLU, Reshape, Sequential,
                UpSampling2D, plot_gan)
from nn.datasets import load_mnist

from mnist_mlp import OUT, QUICK, mnist_folder    # --data-dir and the quick switch, as the other MNIST demos

NOISE, BATCH = 100, 64


def dense_gan() -> tuple[Sequential, Sequential]:
    """The classic Keras tutorial's G (100-256-512-784) and D (784-512-256-1)."""
    generator = Sequential(name="generator")
    generator.add(Dense(256, input_dim=NOISE))
    generator.add(LeakyReLU(alpha=0.2))
    generator.add(Dense(512))
    generator.add(LeakyReLU(alpha=0.2))
    generator.add(Dense(784, activation='tanh'))

    discriminator = Sequential(name="discriminator")
    discriminator.add(Dense(512, input_dim=784))
    discriminator.add(LeakyReLU(alpha=0.2))
    discriminator.add(Dense(256))
    discriminator.add(LeakyReLU(alpha=0.2))
    discriminator.add(Dense(1, activation='sigmoid'))
    return generator, discriminator


def dcgan() -> tuple[Sequential, Sequential]:
    """A small DCGAN on 28 × 28 × 1 images: G enlarges a 7 × 7 × 64 image twice; D shrinks it twice."""
    generator = Sequential(name="generator")
    generator.add(Dense(7 * 7 * 64, use_bias=False, input_dim=NOISE))
    generator.add(BatchNormalization(momentum=0.8))
    generator.add(LeakyReLU(alpha=0.2))
    generator.add(Reshape((7, 7, 64)))
    generator.add(Conv2DTranspose(32, (4, 4), strides=(2, 2), padding='same', use_bias=False))   # 14 × 14 × 32
    generator.add(BatchNormalization(momentum=0.8))
    generator.add(LeakyReLU(alpha=0.2))
    generator.add(UpSampling2D())                                                                # 28 × 28 × 32
    generator.add(Conv2D(1, (3, 3), padding='same', activation='tanh'))                         # 28 × 28 × 1

    discriminator = Sequential(name="discriminator")
    discriminator.add(Conv2D(32, (3, 3), strides=(2, 2), padding='same', input_shape=(28, 28, 1)))  # 14 × 14
    discriminator.add(LeakyReLU(alpha=0.2))
    discriminator.add(Conv2D(64, (3, 3), strides=(2, 2), padding='same'))                           # 7 × 7
    discriminator.add(LeakyReLU(alpha=0.2))
    discriminator.add(Flatten())
    discriminator.add(Dense(1, activation='sigmoid'))
    return generator, discriminator


def build(convolutional: bool = False) -> tuple[Sequential, Sequential, Sequential]:
    """G, D and gan = Sequential([G, D]), compiled as the Keras recipe does (Adam 2e-4, β₁ = 0.5)."""
    generator, discriminator = dcgan() if convolutional else dense_gan()
    discriminator.compile(loss='binary_crossentropy', optimizer=nn.Adam(lr=0.0002, betas=(0.5, 0.999)),
                          metrics=['acc'])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # "already compiled": exactly the recipe's intent (see gan_2d.py)
        discriminator.trainable = False
    gan = Sequential([generator, discriminator], name="gan")
    gan.compile(loss='binary_crossentropy', optimizer=nn.Adam(lr=0.0002, betas=(0.5, 0.999)))
    return generator, discriminator, gan


def train(generator: Sequential, discriminator: Sequential, gan: Sequential, X_train: np.ndarray, epochs: int,
          steps_per_epoch: int | None = None, seed: int = 0, verbose: bool = True) -> dict:
    """Train the GAN built by `build` on images X_train (pixels in [-1, 1]); returns the losses per
    step and 10 generated digits after each epoch (from the same noise)."""
    rng = np.random.default_rng(seed)
    shown_noise = rng.normal(0, 1, size=(10, NOISE)).astype('float32')
    steps = steps_per_epoch or len(X_train) // BATCH
    y_real, y_fake = np.ones((BATCH, 1), 'float32'), np.zeros((BATCH, 1), 'float32')
    y_dis = np.concatenate([y_real, y_fake])
    record = {"d_loss": [], "g_loss": [], "digits": []}
    for epoch in range(epochs):
        start = time.perf_counter()
        for _ in range(steps):
            # 1. train the discriminator: real images labelled 1, generated images labelled 0
            noise = rng.normal(0, 1, size=(BATCH, NOISE)).astype('float32')
            image_batch = X_train[rng.integers(0, len(X_train), size=BATCH)]
            generated_images = generator.predict(noise, verbose=0)
            d_loss, d_acc = discriminator.train_on_batch(np.concatenate([image_batch, generated_images]), y_dis)
            # 2. train the generator through the frozen discriminator: its images labelled 1
            noise = rng.normal(0, 1, size=(BATCH, NOISE)).astype('float32')
            g_loss = gan.train_on_batch(noise, y_real)
            record["d_loss"].append(d_loss)
            record["g_loss"].append(g_loss)
        record["digits"].append(generator.predict(shown_noise, verbose=0))
        if verbose:
            print(f"epoch {epoch + 1}/{epochs}: D loss {np.mean(record['d_loss'][-steps:]):.3f}, "
                  f"G loss {np.mean(record['g_loss'][-steps:]):.3f}, D accuracy on its last batch {d_acc:.2f} "
                  f"({time.perf_counter() - start:.1f} s)", flush=True)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder with the MNIST IDX files (default: $TINYGRAD_EDU_DATA/mnist)")
    parser.add_argument("--dcgan", action="store_true", help="a small DCGAN instead of the dense GAN")
    parser.add_argument("--quick", action="store_true", help="about a minute: fewer epochs (and images, for the DCGAN)")
    parser.add_argument("--epochs", type=int, help="passes over the training images (default 20, DCGAN 3)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    try:
        (X_train, _), _ = load_mnist(mnist_folder(args.data_dir))
    except OSError as e:     # a wrong --data-dir, or no data and no internet: one line, not a traceback
        parser.exit(2, f"gan_mnist.py: {str(e).replace(nn.datasets.MNIST_PATH_HINT, '--data-dir DIR')}\n")
    if args.quick and args.dcgan:
        X_train = X_train[:6000]
    X_train = (X_train.astype('float32') - 127.5) / 127.5          # pixels in [-1, 1], as G's tanh makes them
    X_train = X_train.reshape(-1, 28, 28, 1) if args.dcgan else X_train.reshape(-1, 784)
    default = (2 if args.quick else 3) if args.dcgan else (5 if args.quick else 20)
    epochs = args.epochs or (2 if QUICK else default)
    steps = 3 if QUICK else None           # the test suite: a few batches show that every line runs
    print(f"{'DCGAN' if args.dcgan else 'dense GAN'} on {len(X_train):,} MNIST images, batches of {BATCH}, "
          f"{epochs} epochs of {steps or len(X_train) // BATCH} steps\n")

    nn.manual_seed(0)
    generator, discriminator, gan = build(args.dcgan)
    generator.summary()
    discriminator.summary()        # Trainable params: 0, as Keras says: frozen in gan; its own compile trains it
    record = train(generator, discriminator, gan, X_train, epochs, steps)
    name = "gan_dcgan" if args.dcgan else "gan_mnist"
    shown = np.unique(np.linspace(0, epochs - 1, min(epochs, 8)).round().astype(int))   # at most 8 rows
    plot_gan.digits_per_epoch([record["digits"][i] for i in shown], OUT / f"{name}_digits.png", epochs=shown + 1)
    plot_gan.losses(record["d_loss"], record["g_loss"], OUT / f"{name}_losses.png")
    print(f"\nwrote {OUT / f'{name}_digits.png'} and {OUT / f'{name}_losses.png'}")


if __name__ == "__main__":
    main()
