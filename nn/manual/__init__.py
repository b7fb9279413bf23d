"""nn.manual: backprop by hand in the lecture's matrix notation, NumPy only, held against autodiff.

    mlp.py       MLP: the lecture's A(in), Z(h), δ(out), δ(h), Δ = Aᵀδ + λW; compare() and check() against autodiff
    cnn.py       convolution and pooling forward and backward as formulas; CNN; compare_cnn()
    rnn.py       backprop through time: Elman RNN and LSTM forward and BPTT; compare_rnn(), bptt_norms()
    check.py     the teacher's checker: which lecture mistake a student's δs and Δs are, in words (en / id)
    autodiff.py  the engine's side of compare(): the lecture's cost J through an nn model, then backward

mlp.py, cnn.py and rnn.py import NumPy only: a student can copy any of them out and run it alone (their
bridges to nn, `compare`, `check`, `from_model`, import nn when called). check.py and autodiff.py
are the engine's side and import it.

>>> import numpy as np, nn
>>> net = nn.manual.MLP((2, 3, 1), activation="sigmoid", cost="logistic", seed=0)
>>> sorted(net.backward(np.array([[0., 1.]]), np.array([[1.]])))
['Δ(h)', 'Δ(out)', 'δ(h)', 'δ(out)']
"""

# The checker's module is imported first, on purpose: its name, nn.manual.check, is also the name of
# the function `check` below. Importing the submodule binds the package attribute `check` to the
# module; binding the function afterwards leaves `nn.manual.check` the function users call.
from . import autodiff, check as _checker_module  # noqa: F401
from .cnn import (CNN, avg_pool2d, avg_pool2d_backward, compare_cnn, conv2d, conv2d_backward, max_pool2d,
                  max_pool2d_backward)
from .rnn import (RecurrentNet, bptt_norms, compare_rnn, lstm_backward, lstm_forward, rnn_backward,
                  rnn_forward)
from .mlp import (ACTIVATIONS, COSTS, LECTURE_MISTAKES, LOSS_NAMES, MLP, PAIRED_OUTPUT, PRIME_OF_ACTIVATION,
                  Comparison, LayerDiff, add_bias_column, backward_with_mistake, check, compare, cost_of,
                  layer_names, linear, linear_prime, relu, relu_prime, shape_symbols, sigmoid, sigmoid_prime,
                  softmax, tanh, tanh_prime, weights_by_name)

__all__ = ["MLP", "compare", "check", "backward_with_mistake", "LECTURE_MISTAKES", "CNN", "compare_cnn",
           "conv2d", "conv2d_backward", "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward",
           "RecurrentNet", "compare_rnn", "bptt_norms", "rnn_forward", "rnn_backward", "lstm_forward", "lstm_backward",
           "sigmoid", "sigmoid_prime", "tanh", "tanh_prime", "relu", "relu_prime", "linear", "linear_prime",
           "softmax", "add_bias_column", "cost_of", "layer_names", "shape_symbols", "weights_by_name",
           "Comparison", "LayerDiff", "ACTIVATIONS", "COSTS", "LOSS_NAMES", "PAIRED_OUTPUT", "PRIME_OF_ACTIVATION"]
