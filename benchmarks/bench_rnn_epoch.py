"""rnn_epoch: one epoch of the course's two recurrent networks, nn's compile/fit against PyTorch.

    sine:  SimpleRNN(16) → Dense(1) on 1,000 windows of 20 sine values, Adam 1e-2, batch 50, mse
    char:  Embedding(V, 16) → LSTM(64) → Dense(V, softmax) on the shipped Alice text, windows of 50
           characters, Adam 1e-2, batch 32, sparse categorical cross-entropy

Competitors from the same weights: nn's fit; torch.nn.RNN / torch.nn.LSTM (model.to_torch(), its
fused C++ loop over time); and torch running the same Python loop over time as nn's layer (one
torch op per step's matmul, add and activation), which shows what is the engine and what is the
loop. All must compute the same loss on the same first batch; then seconds per epoch (median).
`--quick` runs a few batches. `timers` gives ab.py the two nn rows (the char row on 20 batches, so
that an interleaved A/B stays short).
"""

from __future__ import annotations

import numpy as np

import nn
from common import Result, median_epoch_time, time_once, try_import


def sine_data(quick: bool):
    return nn.datasets.make_sine_windows(200 if quick else 1000, 20)


def char_data(quick: bool):
    text = nn.datasets.load_text()
    vocabulary = nn.datasets.char_vocabulary(text)
    X, Y = nn.datasets.windows(nn.datasets.text_to_ids(text, vocabulary), 50)
    return (X[:128], Y[:128], len(vocabulary)) if quick else (X, Y, len(vocabulary))


def sine_model(nn):
    nn.manual_seed(0)
    model = nn.Sequential([nn.SimpleRNN(16, input_shape=(20, 1)), nn.Dense(1)])
    model.compile(nn.Adam(1e-2), "mse")
    return model


def char_model(nn, V: int):
    nn.manual_seed(0)
    model = nn.Sequential([nn.Embedding(V, 16, input_shape=(50,)), nn.LSTM(64), nn.Dense(V, activation="softmax")])
    model.compile(nn.Adam(1e-2), "sparse_categorical_crossentropy")
    return model


def timers(engine, nn, quick: bool) -> dict:
    """The nn rows on `nn` (ab.py): each call times one epoch and returns the seconds."""
    (Xs, Ys), (Xc, Yc, V) = sine_data(quick), char_data(quick)
    Xc, Yc = Xc[:640], Yc[:640]
    sine, char = sine_model(nn), char_model(nn, V)
    return {"sine: SimpleRNN(16) fit, one epoch": lambda: time_once(lambda: sine.fit(Xs, Ys, epochs=1, batch_size=50, verbose=0)),
            "char: LSTM(64) fit, 20 batches of 32": lambda: time_once(lambda: char.fit(Xc, Yc, epochs=1, batch_size=32, verbose=0))}


def torch_epoch(torch, forward, params, X, Y, batch: int, loss_fn, lr: float) -> None:
    """One epoch of Adam over the batches in order (nn's fit shuffles: the same work)."""
    optimizer = torch.optim.Adam(params, lr=lr)
    for start in range(0, len(X), batch):
        optimizer.zero_grad()
        loss = loss_fn(forward(X[start:start + batch]), Y[start:start + batch])
        loss.backward()
        optimizer.step()


def python_loop_rnn(torch, rnn_module, dense):
    """The SimpleRNN as nn computes it, in torch ops: x W + b for every step at once, then per step
    h = tanh(xw_t + h U)."""
    W, U, b = rnn_module.weight_ih_l0, rnn_module.weight_hh_l0, rnn_module.bias_ih_l0

    def forward(x):
        xw = x @ W.T + b
        h = torch.zeros(x.shape[0], U.shape[0])
        for t in range(x.shape[1]):
            h = torch.tanh(xw[:, t] + h @ U.T)
        return dense(h)
    return forward


def python_loop_lstm(torch, embedding, lstm, dense):
    W, U, b = lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0

    def forward(ids):
        xw = embedding(ids) @ W.T + b
        n, units = ids.shape[0], U.shape[1]
        h, c = torch.zeros(n, units), torch.zeros(n, units)
        for t in range(ids.shape[1]):
            i, f, g, o = (xw[:, t] + h @ U.T).chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        return dense(h)
    return forward


def add_torch_rows(r: Result, torch, fused_name: str, fused, loop_net, loop, X, Y, batch: int, loss_fn,
                   epochs: int) -> dict[str, float]:
    """Time torch's fused module and the same Python loop; returns each one's loss on the first batch."""
    tX, tY = torch.from_numpy(X), torch.from_numpy(Y)
    first = {}
    for name, forward, net in ((fused_name, fused, fused), ("torch, the same Python loop", loop, loop_net)):
        first[name] = loss_fn(forward(tX[:batch]), tY[:batch]).item()
        params = [p for n, p in net.named_parameters() if "bias_hh" not in n]   # Keras's one bias, not torch's two
        t, _ = median_epoch_time(lambda: torch_epoch(torch, forward, params, tX, tY, batch, loss_fn, 1e-2),
                                 lambda: 0.0, epochs)
        r.add(name, t, first_loss=first[name])
    return first


def run(quick: bool, repeat: int) -> list[Result]:
    torch = try_import("torch")
    epochs = 1 if quick else max(1, repeat)
    results = []

    # ---- sine: SimpleRNN ---------------------------------------------------------------------------------
    X, Y = sine_data(quick)
    model = sine_model(nn)
    r = Result(f"rnn_epoch (sine): SimpleRNN(16), 20 steps, {len(X):,} windows, batch 50, Adam", "s per epoch",
               "torch.nn.RNN")
    if torch is None:
        r.skip("torch.nn.RNN", "not installed (pip install torch==2.13.0)")
    else:
        loop_net = model.to_torch()
        loop = python_loop_rnn(torch, loop_net[0].rnn, loop_net[1])
        first = add_torch_rows(r, torch, "torch.nn.RNN", model.to_torch(), loop_net, loop, X, Y, 50,
                               torch.nn.functional.mse_loss, epochs)
    first_nn = float(model.evaluate(X[:50], Y[:50], verbose=0))
    if torch is not None:
        assert abs(first_nn - first["torch.nn.RNN"]) < 1e-5, (first_nn, first)
    t, _ = median_epoch_time(lambda: model.fit(X, Y, epochs=1, batch_size=50, verbose=0), lambda: 0.0, epochs)
    r.add("nn: compile/fit", t, first_loss=first_nn)
    results.append(r)

    # ---- char: LSTM ----------------------------------------------------------------------------------------
    X, Y, V = char_data(quick)
    model = char_model(nn, V)
    r = Result(f"rnn_epoch (char): LSTM(64), 50 steps, {len(X):,} windows, batch 32, Adam", "s per epoch",
               "torch.nn.LSTM")
    if torch is None:
        r.skip("torch.nn.LSTM", "not installed (pip install torch==2.13.0)")
    else:
        loop_net = model.to_torch()
        loop = python_loop_lstm(torch, loop_net[0], loop_net[1].rnn, loop_net[2])
        fused = model.to_torch()[:-1]                        # logits: cross_entropy takes them (nn fuses the same)
        first = add_torch_rows(r, torch, "torch.nn.LSTM", fused, loop_net, loop, X, Y, 32,
                               torch.nn.functional.cross_entropy, epochs)
    first_nn = float(model.evaluate(X[:32], Y[:32], verbose=0))
    if torch is not None:
        assert abs(first_nn - first["torch.nn.LSTM"]) < 1e-4, (first_nn, first)
    t, _ = median_epoch_time(lambda: model.fit(X, Y, epochs=1, batch_size=32, verbose=0), lambda: 0.0, epochs)
    r.add("nn: compile/fit", t, first_loss=first_nn)
    results.append(r)
    return results
