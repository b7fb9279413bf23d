"""gan_step: one D+G step of the MNIST GANs of demos/gan_mnist.py, batch 64, Adam 2e-4 (β₁ = 0.5).

    dense  G: 100 → Dense(256) → LeakyReLU(0.2) → Dense(512) → LeakyReLU(0.2) → Dense(784, tanh)
           D: 784 → Dense(512) → LeakyReLU(0.2) → Dense(256) → LeakyReLU(0.2) → Dense(1, sigmoid)
    DCGAN  G: Dense(7·7·64) → BatchNormalization → LeakyReLU → Reshape → Conv2DTranspose(32, 4, /2)
              → BatchNormalization → LeakyReLU → UpSampling2D → Conv2D(1, 3, tanh)
           D: Conv2D(32, 3, /2) → LeakyReLU → Conv2D(64, 3, /2) → LeakyReLU → Flatten → Dense(1, sigmoid)

A step is what the demo does: G's images for one batch of noise (no gradient), D trained on 64 real
and 64 generated images, then G trained through D on a new batch of noise, D frozen. `nn` the Keras
recipe's way (D.train_on_batch, gan.train_on_batch with D.trainable = False), against PyTorch written
as its tutorials do (two optimizers, BCEWithLogits, D.requires_grad_(False) in G's step, same thread
count). The dense GAN starts from the same weights on both sides and must compute the same first D
and G losses; the DCGAN (its padding placed as each library places it) is timed only. Milliseconds per
step, the median of `repeat` runs of STEPS steps each.
"""

from __future__ import annotations

import warnings

import numpy as np

import nn
import tinygrad_edu
from common import Result, median_time, time_once, try_import

BATCH, NOISE, LR, BETAS = 64, 100, 2e-4, (0.5, 0.999)
G_SIZES, D_SIZES = [NOISE, 256, 512, 784], [784, 512, 256, 1]


def steps(quick: bool) -> int:
    return 2 if quick else 10


def dense_weights(seed: int = 0) -> tuple[list, list]:
    """G's and D's [kernel (in × out), bias, ...]: glorot-uniform kernels, zero biases."""
    rng = np.random.default_rng(seed)
    def layers(sizes):
        out = []
        for i, o in zip(sizes, sizes[1:]):
            out += [(rng.uniform(-1, 1, (i, o)) * np.sqrt(6 / (i + o))).astype(np.float32), np.zeros(o, np.float32)]
        return out
    return layers(G_SIZES), layers(D_SIZES)


def batches(seed: int = 1, count: int = 4) -> list:
    """(real images, noise for D's step, noise for G's step) per step, cycled: pixels in [-1, 1]."""
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-1, 1, (BATCH, 784)).astype(np.float32), rng.standard_normal((BATCH, NOISE)).astype(np.float32),
             rng.standard_normal((BATCH, NOISE)).astype(np.float32)) for _ in range(count)]


# ---- nn: the Keras recipe ----------------------------------------------------------------------------

def keras_dense(nn) -> tuple:
    G = nn.Sequential([nn.Dense(256, input_dim=NOISE), nn.LeakyReLU(alpha=0.2), nn.Dense(512), nn.LeakyReLU(alpha=0.2),
                       nn.Dense(784, activation="tanh")])
    D = nn.Sequential([nn.Dense(512, input_dim=784), nn.LeakyReLU(alpha=0.2), nn.Dense(256), nn.LeakyReLU(alpha=0.2),
                       nn.Dense(1, activation="sigmoid")])
    return G, D


def keras_dcgan(nn) -> tuple:
    G = nn.Sequential([nn.Dense(7 * 7 * 64, use_bias=False, input_dim=NOISE), nn.BatchNormalization(momentum=0.8),
                       nn.LeakyReLU(alpha=0.2), nn.Reshape((7, 7, 64)),
                       nn.Conv2DTranspose(32, (4, 4), strides=(2, 2), padding="same", use_bias=False),
                       nn.BatchNormalization(momentum=0.8), nn.LeakyReLU(alpha=0.2), nn.UpSampling2D(),
                       nn.Conv2D(1, (3, 3), padding="same", activation="tanh")])
    D = nn.Sequential([nn.Conv2D(32, (3, 3), strides=(2, 2), padding="same", input_shape=(28, 28, 1)),
                       nn.LeakyReLU(alpha=0.2), nn.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
                       nn.LeakyReLU(alpha=0.2), nn.Flatten(), nn.Dense(1, activation="sigmoid")])
    return G, D


def keras_recipe(nn, G, D):
    """Compile D; D.trainable = False; compile gan = Sequential([G, D]); returns step(real, z1, z2) -> (d, g)."""
    D.compile(optimizer=nn.Adam(lr=LR, betas=BETAS), loss="binary_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")           # "already compiled": the recipe's intent
        D.trainable = False
    gan = nn.Sequential([G, D])
    gan.compile(optimizer=nn.Adam(lr=LR, betas=BETAS), loss="binary_crossentropy")
    labels = np.concatenate([np.ones((BATCH, 1), np.float32), np.zeros((BATCH, 1), np.float32)])

    def step(real, z1, z2):
        fake = G.predict(z1)
        d_loss = D.train_on_batch(np.concatenate([real.reshape(fake.shape), fake]), labels)
        return d_loss, gan.train_on_batch(z2, labels[:BATCH])
    return step


# ---- torch, as its tutorials write it ---------------------------------------------------------------

def torch_dense(torch, g_weights=None, d_weights=None) -> tuple:
    tnn = torch.nn
    G = tnn.Sequential(tnn.Linear(NOISE, 256), tnn.LeakyReLU(0.2), tnn.Linear(256, 512), tnn.LeakyReLU(0.2),
                       tnn.Linear(512, 784), tnn.Tanh())
    D = tnn.Sequential(tnn.Linear(784, 512), tnn.LeakyReLU(0.2), tnn.Linear(512, 256), tnn.LeakyReLU(0.2),
                       tnn.Linear(256, 1))            # logits: BCEWithLogitsLoss holds the sigmoid
    for net, weights in ((G, g_weights), (D, d_weights)):
        if weights is not None:
            linears = [m for m in net if isinstance(m, tnn.Linear)]
            with torch.no_grad():
                for layer, W, b in zip(linears, weights[0::2], weights[1::2]):
                    layer.weight.copy_(torch.tensor(W.T))
                    layer.bias.copy_(torch.tensor(b))
    return G, D


def torch_dcgan(torch) -> tuple:
    tnn = torch.nn
    G = tnn.Sequential(tnn.Linear(NOISE, 7 * 7 * 64, bias=False), tnn.BatchNorm1d(7 * 7 * 64, eps=1e-3, momentum=0.2),
                       tnn.LeakyReLU(0.2), tnn.Unflatten(1, (64, 7, 7)),
                       tnn.ConvTranspose2d(64, 32, 4, stride=2, padding=1, bias=False),
                       tnn.BatchNorm2d(32, eps=1e-3, momentum=0.2), tnn.LeakyReLU(0.2), tnn.Upsample(scale_factor=2),
                       tnn.Conv2d(32, 1, 3, padding=1), tnn.Tanh())
    D = tnn.Sequential(tnn.Conv2d(1, 32, 3, stride=2, padding=1), tnn.LeakyReLU(0.2),
                       tnn.Conv2d(32, 64, 3, stride=2, padding=1), tnn.LeakyReLU(0.2), tnn.Flatten(),
                       tnn.Linear(64 * 7 * 7, 1))
    return G, D


def torch_loop(torch, G, D, image_shape=(784,)):
    """Two optimizers; D's step on G's images made without a graph (as .detach()); G's step with
    D.requires_grad_(False). Returns step(real, z1, z2) -> (d_loss, g_loss)."""
    d_opt = torch.optim.Adam(D.parameters(), lr=LR, betas=BETAS)
    g_opt = torch.optim.Adam(G.parameters(), lr=LR, betas=BETAS)
    bce = torch.nn.BCEWithLogitsLoss()
    labels = torch.cat([torch.ones(BATCH, 1), torch.zeros(BATCH, 1)])

    def step(real, z1, z2):
        with torch.no_grad():
            fake = G(torch.from_numpy(z1))
        d_opt.zero_grad()
        d_loss = bce(D(torch.cat([torch.from_numpy(real).reshape(BATCH, *image_shape), fake])), labels)
        d_loss.backward()
        d_opt.step()
        D.requires_grad_(False)
        g_opt.zero_grad()
        g_loss = bce(D(G(torch.from_numpy(z2))), labels[:BATCH])
        g_loss.backward()
        g_opt.step()
        D.requires_grad_(True)
        return d_loss.item(), g_loss.item()
    return step


# ---- timing ------------------------------------------------------------------------------------------

def many(step, data, count: int):
    """`count` steps over the cycled batches: the timed unit."""
    def run():
        for i in range(count):
            step(*data[i % len(data)])
    return run


def nn_steps(nn, quick: bool) -> dict:
    """The nn rows on this `nn` (ab.py also passes an older copy): name -> step(real, z1, z2)."""
    g_weights, d_weights = dense_weights()
    G, D = keras_dense(nn)
    G.set_weights(g_weights), D.set_weights(d_weights)
    rows = {"nn: dense, Keras recipe": keras_recipe(nn, G, D)}
    dcgan = keras_recipe(nn, *keras_dcgan(nn))
    rows["nn: DCGAN, Keras recipe"] = lambda real, z1, z2: dcgan(real.reshape(BATCH, 28, 28, 1), z1, z2)
    return rows


def timers(engine, nn, quick: bool) -> dict:
    """Each call times `steps(quick)` D+G steps and returns the seconds per step."""
    data, count = batches(), steps(quick)
    return {who: (lambda run=many(step, data, count): time_once(run) / count) for who, step in nn_steps(nn, quick).items()}


def run(quick: bool, repeat: int) -> list[Result]:
    data, count = batches(), steps(quick)
    torch = try_import("torch")
    ours = nn_steps(nn, quick)
    dense = Result(f"gan_step: dense MNIST GAN (100-256-512-784 / 784-512-256-1), batch {BATCH}, one D+G step",
                   "ms per step", "torch")
    dcgan = Result(f"gan_step: small DCGAN (demos/gan_mnist.py --dcgan), batch {BATCH}, one D+G step (report only)",
                   "ms per step", "torch")

    # the same work: the same first D and G losses from the same weights on the same batch
    d_ours, g_ours = nn_steps(nn, quick)["nn: dense, Keras recipe"](*data[0])
    if torch is not None:
        d_torch, g_torch = torch_loop(torch, *torch_dense(torch, *dense_weights()))(*data[0])
        assert abs(d_ours - d_torch) < 1e-5 and abs(g_ours - g_torch) < 1e-4, \
            f"first losses differ: nn D {d_ours}, G {g_ours}; torch D {d_torch}, G {g_torch}"

    ms = lambda step: 1e3 * median_time(many(step, data, count), repeat) / count   # noqa: E731
    dense.add("nn: dense, Keras recipe", ms(ours["nn: dense, Keras recipe"]), first_d_loss=d_ours, first_g_loss=g_ours)
    dcgan.add("nn: DCGAN, Keras recipe", ms(ours["nn: DCGAN, Keras recipe"]))
    if torch is None:
        for result in (dense, dcgan):
            result.skip("torch", "not installed (pip install torch==2.13.0)")
    else:
        torch.manual_seed(0)
        dense.add("torch", ms(torch_loop(torch, *torch_dense(torch, *dense_weights()))), first_d_loss=d_torch,
                  first_g_loss=g_torch)
        dcgan.add("torch", ms(torch_loop(torch, *torch_dcgan(torch), image_shape=(1, 28, 28))))
    return [dense, dcgan]
