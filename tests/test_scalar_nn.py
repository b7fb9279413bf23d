"""`nn.scalar`: micrograd's Neuron / Layer / MLP on our `Value`, and micrograd's demo to the last digit."""

import gc
import random

import numpy as np
import pytest

from tinygrad_edu import Value
from nn.scalar import MLP, Layer, Neuron

# micrograd's demo.ipynb, printed output: the loss before training and after 100 steps of SGD
DEMO_INITIAL_LOSS = 0.8958441028683222
DEMO_STEP_99_LOSS = 0.010978370135492717


# ---- micrograd's classes, as micrograd prints and counts them ----------------------------------------

def test_repr_and_parameter_count_are_micrograds():
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    assert str(model) == ("MLP of [Layer of [" + ", ".join(["ReLUNeuron(2)"] * 16) + "], Layer of ["
                          + ", ".join(["ReLUNeuron(16)"] * 16) + "], Layer of [LinearNeuron(16)]]")
    # 16·(2+1) + 16·(16+1) + 1·(16+1)
    assert len(model.parameters()) == 48 + 272 + 17 == 337


def test_neuron_is_relu_of_w_dot_x_plus_b():
    random.seed(0)
    n = Neuron(3)
    w = [wi.data for wi in n.w]
    x = [0.5, -1.0, 2.0]
    assert n(x).data == max(0.0, 0.0 + w[0] * x[0] + w[1] * x[1] + w[2] * x[2])
    assert Neuron(3, nonlin=False).b.data == 0.0


def test_weights_are_random_uniform_in_micrograds_order():
    # micrograd: per neuron, nin draws of random.uniform(-1, 1) for w; b = 0; neurons, then layers, in order
    random.seed(42)
    model = MLP(3, [4, 2])
    random.seed(42)
    expected = []
    for nin, nout in ((3, 4), (4, 2)):
        for _ in range(nout):
            expected += [random.uniform(-1, 1) for _ in range(nin)] + [0.0]
    assert [p.data for p in model.parameters()] == expected


def test_a_layer_of_one_neuron_returns_the_value_itself():
    random.seed(0)
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    out = Layer(2, 3)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_zero_grad_clears_every_parameter():
    random.seed(0)
    model = MLP(2, [3, 1])
    model([Value(1.0), Value(-2.0)]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_gradient_of_a_neuron_matches_the_chain_rule():
    # relu(w1·x1 + w2·x2 + b) with the neuron active: ∂/∂wi = xi, ∂/∂b = 1
    n = Neuron(2)
    n.w[0].data, n.w[1].data = 0.5, 0.25
    n([Value(2.0), Value(4.0)]).backward()
    assert [n.w[0].grad, n.w[1].grad, n.b.grad] == [2.0, 4.0, 1.0]


def test_bad_arguments_name_the_argument_and_the_fix():
    with pytest.raises(ValueError, match=r"nin.*positive integer, got 0"):
        Neuron(0)
    with pytest.raises(ValueError, match=r"nout.*positive integer, got -1"):
        Layer(2, -1)
    with pytest.raises(ValueError, match=r"nouts must be a list of layer sizes, got 16.*MLP\(2, \[16, 16, 1\]\)"):
        MLP(2, 16)
    with pytest.raises(ValueError, match=r"ReLUNeuron\(2\) takes 2 inputs, got 3"):
        Neuron(2)([1.0, 2.0, 3.0])


def test_drawing_boxes_each_neuron():
    pytest.importorskip("graphviz")
    from tinygrad_edu import draw_graph
    random.seed(0)
    model = MLP(2, [2, 1])
    source = draw_graph(model([Value(1.0), Value(-1.0)])).source
    for name in ("layer 1 neuron 1", "layer 1 neuron 2", "layer 2 neuron 1"):
        assert f"cluster_{name}" in source


# ---- micrograd's demo.ipynb, only its imports changed --------------------------------------------------

def run_micrograd_demo(Value, MLP, steps):
    """The cells of micrograd's demo.ipynb that compute (the scatter plot and the decision-boundary
    picture are left out), with the optimisation loop's print collected into a list."""
    from sklearn.datasets import make_moons

    np.random.seed(1337)
    random.seed(1337)

    X, y = make_moons(n_samples=100, noise=0.1)
    y = y*2 - 1 # make y be -1 or 1

    model = MLP(2, [16, 16, 1]) # 2-layer neural network

    # loss function
    def loss(batch_size=None):

        # inline DataLoader :)
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[ri], y[ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]

        # forward the model to get scores
        scores = list(map(model, inputs))

        # svm "max-margin" loss
        losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum((p*p for p in model.parameters()))
        total_loss = data_loss + reg_loss

        # also get accuracy
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    total_loss, acc = loss()
    printed = [(None, total_loss.data, acc)]

    # optimization
    for k in range(steps):

        # forward
        total_loss, acc = loss()

        # backward
        model.zero_grad()
        total_loss.backward()

        # update (sgd)
        learning_rate = 1.0 - 0.9*k/100
        for p in model.parameters():
            p.data -= learning_rate * p.grad

        printed.append((k, total_loss.data, acc))
    return printed


def _without_collector(f, *args):
    # each step builds ~60,000 nodes; CPython's collector rescans them all as they are made (README,
    # "Performance"). Pausing it changes no number, and the test runs about 3x faster.
    gc.disable()
    try:
        return f(*args)
    finally:
        gc.enable()


@pytest.mark.slow
def test_micrograd_demo_prints_the_notebooks_numbers():
    pytest.importorskip("sklearn")
    printed = _without_collector(run_micrograd_demo, Value, MLP, 100)
    assert printed[0] == (None, DEMO_INITIAL_LOSS, 0.5)
    k, loss, acc = printed[-1]
    assert (k, loss, acc) == (99, DEMO_STEP_99_LOSS, 1.0)


def test_micrograd_demo_steps_equal_micrograds_own():
    pytest.importorskip("sklearn")
    micrograd_engine = pytest.importorskip("micrograd.engine")
    micrograd_nn = pytest.importorskip("micrograd.nn")
    ours = _without_collector(run_micrograd_demo, Value, MLP, 2)
    theirs = _without_collector(run_micrograd_demo, micrograd_engine.Value, micrograd_nn.MLP, 2)
    # the forward pass makes the same float operations in the same order: the same loss, bit for bit
    assert ours[0] == theirs[0] and ours[0][1] == DEMO_INITIAL_LOSS
    # backward adds each parameter's 100 per-sample contributions in the order of a topological sort;
    # micrograd's follows its `_prev` sets, whose order changes from run to run, so its own runs
    # differ in the last bit after the first update (1.7235905336972022 or ...202). Ours follows
    # creation order, the same every run (the step-99 test above holds it to the last digit).
    for (k, loss, acc), (k_mg, loss_mg, acc_mg) in zip(ours[1:], theirs[1:]):
        assert k == k_mg and acc == acc_mg
        assert loss == pytest.approx(loss_mg, rel=1e-13)
