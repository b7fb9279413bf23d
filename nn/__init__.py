"""nn: layers, losses, optimizers and a Keras-style training loop, built on the tinygrad_edu engine."""
