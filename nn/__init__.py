"""nn: layers, losses, optimizers and a Keras-style training loop, built on the tinygrad_edu engine.

    module.py        Module, Parameter, Layer: parameters found by assignment, lazy building
    layers/          every layer, one file a family (Keras's layers/, PyTorch's nn/modules/):
      core.py          Dense (Keras), Linear (PyTorch), Flatten, Reshape, Dropout
      activations.py   Activation, ReLU, Sigmoid, Tanh, Softmax, LeakyReLU, Gaussian
      convolutional.py Conv2D (Keras, channels-last), Conv2d (PyTorch, channels-first), their transposes
                       Conv2DTranspose and ConvTranspose2d, UpSampling2D
      normalization.py BatchNormalization (Keras); BatchNorm1d, BatchNorm2d (PyTorch)
      pooling.py       MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D; MaxPool2d, AvgPool2d
      recurrent.py     SimpleRNN, LSTM, GRU (one loop over time, a cell per kind), Bidirectional
      embedding.py     Embedding: integer token ids to learned vectors
    activations.py   relu sigmoid tanh softmax leaky_relu linear gaussian, as functions and by name
    initializers.py  glorot/xavier, he, orthogonal, zeros, ones, random_normal, random_uniform
    regularizers.py  l1, l2
    losses.py        Keras's losses by name, PyTorch's CrossEntropyLoss/MSELoss/BCEWithLogitsLoss
    optimizers.py    SGD, Adam, RMSprop, Adagrad, Adadelta (PyTorch's update formulas)
    schedules.py     StepLR, ExponentialLR, CosineAnnealingLR
    sequential.py    Sequential: the container (add, build, layers, weights, summary, save, to_torch)
    training.py      compile, fit, evaluate, predict: the training loop Sequential inherits
    threads.py       set_num_threads / get_num_threads: NumPy's BLAS threads while nn runs batches (1)
    callbacks.py     History, EarlyStopping, CSVLogger, LearningRateScheduler
    saving.py        save_model / load_model (.npz, no pickle)
    seed.py          manual_seed: one random stream for weights, dropout and shuffling
    datasets.py      load_iris (shipped), make_moons/circles/xor/spirals, load_mnist, load_csv
    preprocessing.py train_test_split, StandardScaler
    utils.py         to_categorical
    metrics.py       accuracy, confusion_matrix, classification_report, mean_squared/absolute_error;
                     scikit-learn's accuracy_score, precision_recall_fscore_support, ConfusionMatrixDisplay,
                     plot_confusion_matrix
    plot.py          history, confusion_matrix, decision_boundary, samples (matplotlib, loaded lazily)
    plot_gan.py      a GAN's pictures: frames of a 2-D GAN (grid, GIF), the two losses, mode collapse, digits per epoch
    manual/          backprop by hand, NumPy only, in the lecture's notation, held against autodiff:
      mlp.py           MLP (A(in), δ(out), δ(h), Δ = Aᵀδ + λW), compare(), check()
      cnn.py           convolution and pooling forward and backward, CNN, compare_cnn()
      check.py         the teacher's checker: which lecture mistake a student's answer is
      autodiff.py      compare()'s engine side: the lecture's cost J through the model and backward
    to_torch.py      model.to_torch(): the same network as a torch.nn.Sequential, for those who outgrow this
    estimators.py    MLPClassifier, MLPRegressor: scikit-learn's estimators, trained by Sequential.fit
    scalar.py        micrograd's Neuron, Layer, MLP over scalar Values (its lecture and demo run unchanged)
    cli/             the `tinygrad-edu` command: train, graph, check

>>> import nn
>>> model = nn.Sequential([nn.Dense(64, activation="relu", input_dim=784), nn.Dense(10, activation="softmax")])
>>> model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["acc"])
"""

from . import activations, callbacks, initializers, losses, optimizers, regularizers, schedules
from .callbacks import CSVLogger, EarlyStopping, History, LearningRateScheduler
from .layers import (GRU, LSTM, RNN, Activation, AveragePooling2D, AvgPool2d, BatchNorm1d, BatchNorm2d,
                     BatchNormalization, Bidirectional, Conv2d, Conv2D, Conv2DTranspose, ConvTranspose2d, Dense,
                     Dropout, Embedding, Flatten, Gaussian, GlobalAveragePooling2D, LeakyReLU, Linear, MaxPool2d,
                     MaxPooling2D, ReLU, Reshape, Sigmoid, SimpleRNN, Softmax, Tanh, UpSampling2D)
from .losses import (BCEWithLogitsLoss, BinaryCrossentropy, CategoricalCrossentropy, CrossEntropyLoss, Hinge,
                     KLDivergence, MeanAbsoluteError, MeanSquaredError, MeanSquaredLogarithmicError, MSELoss,
                     RootMeanSquaredError, SparseCategoricalCrossentropy, SquaredHinge)
from .module import Layer, Module, Parameter
from .optimizers import SGD, Adadelta, Adagrad, Adam, RMSprop
from .saving import load_model
from .seed import manual_seed
from .sequential import Sequential
from .threads import get_num_threads, set_num_threads
from . import datasets, metrics, plot, plot_gan, preprocessing, utils  # data, scores and pictures
from .utils import to_categorical
from . import manual  # the lecture's matrix backprop by hand, NumPy only, and compare() with autodiff
from . import scalar  # micrograd's Neuron / Layer / MLP over scalar Values
from .estimators import MLPClassifier, MLPRegressor  # scikit-learn's estimators on this engine


# ---- Keras layers that are not here: say so, and what to use instead ----------------------------------------
_NOT_HERE = {
    "ConvLSTM1D": "for sequences of images, apply Conv2D to each frame and feed the flattened frames to an LSTM",
    "ConvLSTM2D": "for sequences of images, apply Conv2D to each frame and feed the flattened frames to an LSTM",
    "ConvLSTM3D": "for sequences of images, apply Conv2D to each frame and feed the flattened frames to an LSTM",
    "TimeDistributed": "nn.Dense already acts on every time step of an (N, T, F) input, giving (N, T, units): use "
                       "Dense(units) directly after a layer with return_sequences=True",
    "CuDNNLSTM": "nn.LSTM computes the same step (Keras 3 merged CuDNNLSTM into LSTM)",
    "CuDNNGRU": "nn.GRU with reset_after=True (its default) computes the same step",
    "StackedRNNCells": "stack the layers instead: LSTM(32, return_sequences=True), then LSTM(32)",
    "Conv1D": "for sequences, use SimpleRNN / LSTM / GRU; or Conv2D on an input reshaped to (N, T, 1, F)",
    "Masking": "pad every sequence to one length with nn.preprocessing.pad_sequences; padding='pre' (the default) "
               "puts the real tokens last, next to the output",
    "Attention": "for attention, move to PyTorch (torch.nn.MultiheadAttention); model.to_torch() starts you there",
    "MultiHeadAttention": "for attention, move to PyTorch (torch.nn.MultiheadAttention); model.to_torch() starts "
                          "you there",
    "LayerNormalization": "nn normalizes over the batch only: nn.BatchNormalization (or BatchNorm1d/2d); for "
                          "inputs, nn.preprocessing.StandardScaler",
    "Input": "give the first layer input_shape=... (e.g. LSTM(32, input_shape=(T, F))), as older Keras code does",
}


class MissingLayerError(ImportError):
    """A Keras layer that nn does not have (an ImportError, so `from nn import ConvLSTM2D` shows this message)."""


def __getattr__(name: str):
    if name in _NOT_HERE:
        raise MissingLayerError(f"nn has no {name} (Keras's keras.layers.{name} is not part of this teaching "
                                f"engine): {_NOT_HERE[name]}")
    raise AttributeError(f"module 'nn' has no attribute {name!r}")
