"""nn.layers: every layer, one file a family, as Keras's `keras/layers/` and PyTorch's `torch/nn/modules/`.

    core.py           Dense (Keras), Linear (PyTorch), Flatten, Reshape, Dropout
    activations.py    Activation, ReLU, Sigmoid, Tanh, Softmax, LeakyReLU, Gaussian
    convolutional.py  Conv2D (Keras, channels-last), Conv2d (PyTorch, channels-first); their transposes
                      Conv2DTranspose, ConvTranspose2d; UpSampling2D
    normalization.py  BatchNormalization (Keras); BatchNorm1d, BatchNorm2d (PyTorch)
    pooling.py        MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D; MaxPool2d, AvgPool2d
    recurrent.py      SimpleRNN, LSTM, GRU (one loop over time, a cell per kind), Bidirectional; RNN(cell)
    embedding.py      Embedding: integer ids to learned vectors

Every layer is a `nn.module.Layer`: `build(input_shape)` makes its weights, `forward(x)` computes
with engine ops (so backward comes from the engine's rules), `get_config()` saves it.
"""

from .activations import Activation, Gaussian, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .convolutional import Conv2d, Conv2D, Conv2DTranspose, ConvTranspose2d, UpSampling2D
from .core import Dense, Dropout, Flatten, Linear, Reshape
from .embedding import Embedding
from .normalization import BatchNorm1d, BatchNorm2d, BatchNormalization
from .pooling import AveragePooling2D, AvgPool2d, GlobalAveragePooling2D, MaxPool2d, MaxPooling2D
from .recurrent import GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell

__all__ = ["Dense", "Linear", "Flatten", "Dropout", "Activation", "ReLU", "Sigmoid", "Tanh", "Softmax", "LeakyReLU",
           "Gaussian", "Conv2D", "Conv2d", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "MaxPool2d",
           "AvgPool2d", "Reshape", "Conv2DTranspose", "ConvTranspose2d", "UpSampling2D", "BatchNormalization",
           "BatchNorm1d", "BatchNorm2d", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "RNN", "SimpleRNNCell", "LSTMCell",
           "GRUCell", "Embedding"]
