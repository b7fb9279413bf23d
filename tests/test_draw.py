"""Pictures of the graph: the DOT text says what the slide will show; `dot` renders it."""

import importlib.util
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu
from tinygrad_edu import Tensor, Value, draw_backward_steps, draw_graph, topological_order

graphviz = pytest.importorskip("graphviz")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
ROOT = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def neuron():
    """micrograd's neuron o = tanh(x1·w1 + x2·w2 + b), labelled as in its lecture, after backward."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1w1", "x2w2"
    s = x1w1 + x2w2
    s.label = "x1w1 + x2w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def ids_by_label(source: str) -> dict:
    """label -> DOT node id, for the boxes drawn with a bold label."""
    return {label: nid for nid, label in re.findall(r"^\s*(\w+) \[label=<.*?<B>(.*?)</B>", source, re.M)}


def row(source: str, nid: str, name: str) -> str:
    """The text in row `name` (data, grad, ...) of node `nid`."""
    line = next(l for l in source.splitlines() if l.strip().startswith(f"{nid} ["))
    cell = re.search(rf">{name}</FONT></TD><TD[^>]*>(.*?)</TD>", line).group(1)
    return re.sub(r"<[^>]*>", " ", cell.replace("<BR/>", "\n")).strip()


def grad_hidden(source: str, nid: str) -> bool:
    """Whether node `nid`'s grad is painted out (not known yet, in a step frame)."""
    line = next(l for l in source.splitlines() if l.strip().startswith(f"{nid} ["))
    return '<FONT COLOR="#f5f5f5">' in line.split(">grad<")[1]


def edges(source: str) -> set:
    return set(re.findall(r"^\s*(\w+) -> (\w+)", source, re.M))


# ---- the DOT text ------------------------------------------------------------------------------

def test_neuron_nodes_edges_and_labels():
    src = draw_graph(neuron()).source
    ids = ids_by_label(src)
    assert set(ids) == {"x1", "w1", "x2", "w2", "b", "x1w1", "x2w2", "x1w1 + x2w2", "n", "o"}
    assert row(src, ids["o"], "data") == "0.7071"
    expected = {"x1": "-1.5", "w1": "1.0", "x2": "0.5", "w2": "0.0", "b": "0.5", "n": "0.5", "o": "1.0"}
    assert {name: row(src, ids[name], "grad") for name in expected} == expected
    assert row(src, ids["x1"], "data") == "2.0" and row(src, ids["w1"], "data") == "-3.0"
    # each op is its own node between its inputs and its output
    op = {name: ids[name] + "op" for name in ("x1w1", "x2w2", "x1w1 + x2w2", "n", "o")}
    assert edges(src) == {
        (ids["x1"], op["x1w1"]), (ids["w1"], op["x1w1"]), (op["x1w1"], ids["x1w1"]),
        (ids["x2"], op["x2w2"]), (ids["w2"], op["x2w2"]), (op["x2w2"], ids["x2w2"]),
        (ids["x1w1"], op["x1w1 + x2w2"]), (ids["x2w2"], op["x1w1 + x2w2"]),
        (op["x1w1 + x2w2"], ids["x1w1 + x2w2"]),
        (ids["x1w1 + x2w2"], op["n"]), (ids["b"], op["n"]), (op["n"], ids["n"]),
        (ids["n"], op["o"]), (op["o"], ids["o"])}
    assert re.search(rf'{op["o"]} \[label=tanh .*tooltip="tanh x"', src)
    assert re.search(rf'{op["x1w1"]} \[label="\*"', src) and re.search(rf'{op["n"]} \[label="\+"', src)


def test_local_grads_come_from_the_rules():
    src = draw_graph(neuron(), show_local_grads=True).source
    for text in ("∂x1w1/∂x1 = -3.0", "∂x1w1/∂w1 = 2.0", "∂x2w2/∂w2 = 0.0", "∂x2w2/∂x2 = 1.0",
                 "∂n/∂b = 1.0", "∂o/∂n = 0.5"):       # tanh' = 1 - tanh² = 1 - 0.7071² = 0.5
        assert f'label="{text}"' in src, text
    assert "∂" not in draw_graph(neuron()).source   # only when asked


def test_order_numbers_follow_backward():
    o = neuron()
    src = draw_graph(o, show_order=True).source
    ids = ids_by_label(src)
    walk = list(reversed(topological_order(o)))
    for k, node in enumerate(walk, start=1):
        line = next(l for l in src.splitlines() if l.strip().startswith(f"{ids[node.label]} ["))
        assert f">#{k}</FONT>" in line, node.label
    assert walk[0] is o


def test_drawing_is_stable_run_to_run():
    assert draw_graph(neuron(), show_local_grads=True).source == draw_graph(neuron(), show_local_grads=True).source
    script = ("import runpy, sys; o, _ = runpy.run_path(sys.argv[1])['neuron'](); o.backward(); "
              "from tinygrad_edu import draw_graph; print(draw_graph(o, show_local_grads=True).source)")
    demo = str(ROOT / "demos" / "micrograd_neuron.py")
    runs = {subprocess.run([sys.executable, "-c", script, demo], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    assert len(runs) == 1


def test_constants_are_small_and_dashed():
    x = Value(3.0, label="x")
    y = 2 * x
    src = draw_graph(y).source
    assert re.search(r'\w+ \[label="?2\.0"? .*fontsize=10 .*style="dashed,rounded"', src)


def test_tensor_nodes_show_shape_dtype_and_summaries():
    W = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, dtype=np.float32, label="W")
    x = Tensor([1.0, -1.0, 2.0], label="x")
    y = (W @ x).tanh().sum()
    y.label = "y"
    y.backward()
    src = draw_graph(y, show_local_grads=True).source
    w_line = next(l for l in src.splitlines() if "<B>W</B>" in l)
    assert "(2, 3) float32" in w_line
    assert "mean 2.5<BR/>range [0.0, 5.0]" in w_line            # six entries: summarised
    assert re.fullmatch(r"mean \S+\nrange \[\S+, \S+\]", row(src, ids_by_label(src)["W"], "grad"))
    assert 'label="x = (3,) [1.0, -1.0, 2.0]"' in src           # the constant x, entries shown
    assert "∂Σ" in src and "/∂W: mean" in src                     # a tensor's local grad, summarised


def test_op_settings_show_under_the_op():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    src = draw_graph(x.sum(axis=1).leaky_relu(0.2).sum()).source
    assert "sum<BR/>" in src and "axis=(1,)" in src and "slope=0.2" in src


def test_steps_need_a_backward_first(tmp_path):
    with pytest.raises(ValueError, match="backward"):
        draw_backward_steps((Tensor([1.0], requires_grad=True) * 2).sum(), tmp_path)


def test_values_hook_adds_rows():
    x = Value(2.0, label="x")
    y = x * x
    src = draw_graph(y, values={"tangent": lambda n: 4.0 if n is y else None}).source
    assert ">tangent</FONT>" in src and "<B>4.0</B>" in src


def test_forward_mode_picture_shows_tangents_instead_of_gradients():
    # seed ṫ = 1 on x1 (0 elsewhere): each node's tangent is ∂node/∂x1, carried towards the output
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    for leaf in (x1, x2, w1, w2, b):
        leaf.tangent = 1.0 if leaf is x1 else 0.0
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    o = (x1w1 + x2 * w2 + b).tanh()
    o.label = "o"
    src = draw_graph(o, show_grad=False, show_tangent=True).source
    ids = ids_by_label(src)
    assert ">grad<" not in src
    assert row(src, ids["x1"], "tangent") == "1.0"
    assert row(src, ids["x1w1"], "tangent") == "-3.0"          # ∂(x1·w1)/∂x1 = w1
    assert row(src, ids["o"], "tangent") == "-1.5"             # = x1.grad in reverse mode


def test_groups_become_clusters():
    o = neuron()
    for node in topological_order(o):
        if node.label in ("x1", "w1", "x1w1"):
            node.group = "first input"
    src = draw_graph(o).source
    ids = ids_by_label(src)
    cluster = src[src.index('subgraph "cluster_first input"'):]
    cluster = cluster[:cluster.index("}")]
    assert 'label="first input"' in cluster
    for name in ("x1", "w1", "x1w1"):
        assert f"\t\t{ids[name]} [" in cluster
    assert f"\t\t{ids['x1w1']}op [" in cluster                  # an op sits with its output
    assert f"{ids['x2']} [" not in cluster


def test_collapses_past_max_nodes():
    src = draw_graph(neuron(), max_nodes=3).source
    assert "… 7 more nodes" in src
    assert len(ids_by_label(src)) == 3


def test_20000_nodes_draw_collapsed_within_seconds():
    x = Value(0.5, label="x")
    y = x
    for _ in range(10_000):
        y = (y * 0.999).tanh()           # 3 nodes per step: a constant, the product, the tanh
    y.backward()
    total = len(topological_order(y))
    assert total > 20_000
    start = time.perf_counter()
    g = draw_graph(y, show_local_grads=True, show_order=True)
    src = g.source
    assert time.perf_counter() - start < 3
    assert f"… {total - 500} more nodes" in src
    assert len(re.findall(r"^\s*\w+ \[", src, re.M)) <= 2 * 500 + 1   # 500 nodes, their ops, "more"
    if shutil.which("dot"):
        start = time.perf_counter()
        assert g.pipe(format="svg").startswith(b"<?xml")
        assert time.perf_counter() - start < 20


# ---- rendering ---------------------------------------------------------------------------------

@needs_dot
def test_png_output_is_a_png(tmp_path):
    assert draw_graph(neuron(), format="png").pipe().startswith(PNG_MAGIC)
    path = draw_graph(neuron(), format="png", show_local_grads=True).render(tmp_path / "neuron")
    assert Path(path).read_bytes().startswith(PNG_MAGIC)


@needs_dot
def test_one_step_frame_per_node_backward_visits(tmp_path):
    from PIL import Image
    o = neuron()
    frames = draw_backward_steps(o, tmp_path, gif=True)
    assert len(frames) == len(topological_order(o)) == 10
    assert [f.name for f in frames] == [f"step_{k:02d}.png" for k in range(1, 11)]
    assert all(f.read_bytes().startswith(PNG_MAGIC) for f in frames)
    with Image.open(tmp_path / "backward.gif") as gif:
        assert gif.n_frames == len(frames)
    sizes = [Image.open(f).size for f in frames]                  # grads hidden, not removed: same layout
    assert len({w for w, _ in sizes}) == 1                        # (the captions' glyphs move the height
    assert max(h for _, h in sizes) - min(h for _, h in sizes) <= 8   # by a pixel or two)


def test_step_frames_fill_in_grads_in_backward_order(tmp_path, monkeypatch):
    """What each frame draws (checked on the DOT text, so without `dot`)."""
    # each frame's "PNG" is its DOT text, read back from the frame's own file: `dot` runs in threads,
    # which finish in an order that differs between interpreters, but frame k is always step_k.png
    monkeypatch.setattr(graphviz.Digraph, "pipe", lambda self, *a, **k: self.source.encode())
    o = neuron()
    drawn = [path.read_text() for path in draw_backward_steps(o, tmp_path)]
    walk = list(reversed(topological_order(o)))
    for k, src in enumerate(drawn, start=1):
        ids = ids_by_label(src)
        shown = {n.label for n in walk if not grad_hidden(src, ids[n.label])}
        # the k nodes visited so far, and what their gradients have reached (shown as it arrives)
        reached = {x.label for n in walk[:k] for x in n.inputs if x.requires_grad}
        assert shown == {n.label for n in walk[:k]} | reached
        current = next(l for l in src.splitlines() if l.strip().startswith(f"{ids[walk[k - 1].label]} ["))
        assert 'color="#d32f2f"' in current
        assert f"step {k} of 10" in src


# ---- without Graphviz's `dot` --------------------------------------------------------------

def test_missing_dot_names_the_program_and_the_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))          # an empty directory: no `dot` anywhere
    g = draw_graph(neuron())
    assert "digraph" in g.source                       # the DOT text needs no program
    for attempt in (lambda: g.pipe(format="png"), lambda: g.render(tmp_path / "x")):
        with pytest.raises(graphviz.ExecutableNotFound) as err:
            attempt()
        message = str(err.value)
        for hint in ("`dot`", "apt-get install graphviz", "brew install graphviz", "conda install graphviz",
                     ".source"):
            assert hint in message
    with pytest.raises(graphviz.ExecutableNotFound):
        draw_backward_steps(neuron(), tmp_path / "steps")


def test_jupyter_shows_the_graph_or_text(monkeypatch, tmp_path):
    o = neuron()
    if shutil.which("dot"):
        bundle = o._repr_mimebundle_()
        assert bundle["image/svg+xml"].lstrip().startswith("<?xml") and bundle["text/plain"] == repr(o)
        t = Tensor([1.0, 2.0], requires_grad=True, label="t")
        assert "image/svg+xml" in (t * 2).sum()._repr_mimebundle_()
    monkeypatch.setenv("PATH", str(tmp_path))
    assert o._repr_mimebundle_() == {"text/plain": repr(o)}


def test_import_loads_no_drawing_library():
    code = ("import sys, tinygrad_edu; "
            "print(sorted(m for m in ('graphviz', 'matplotlib', 'PIL', 'IPython') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
    assert tinygrad_edu.draw_graph is draw_graph


@needs_dot
def test_demo_runs_in_seconds(tmp_path):
    spec = importlib.util.spec_from_file_location("micrograd_neuron", ROOT / "demos" / "micrograd_neuron.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    demo.OUT = tmp_path
    start = time.perf_counter()
    demo.main()
    assert time.perf_counter() - start < 20            # a few seconds; loose for a busy machine
    for name in ("neuron.svg", "neuron.png", "neuron_local.png", "neuron_steps/backward.gif"):
        assert (tmp_path / name).exists(), name


def test_what_is_drawn_is_plain_data_before_graphviz_styles_it():
    from tinygrad_edu.draw.graph import Picture, picture
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = (x * w).tanh()
    y.backward()
    what = picture(y, [("grad", lambda n: n.grad)], show_local_grads=True)
    assert isinstance(what, Picture)
    assert [b.kind for b in what.boxes] == ["node", "node", "node", "op", "node", "op"]
    into_mul = [e for e in what.edges if e.head == "n2op"]
    assert [(e.tail, e.lines[0][0]) for e in into_mul] == [("n0", "∂(x·w)/∂x = -3.0"), ("n1", "∂(x·w)/∂w = 2.0")]


def test_an_nn_model_collapses_by_itself_past_500_nodes_and_on_request():
    # issue 26, item 11: every nn model raised "bool(): the truth value of a tensor ... is ambiguous"
    import nn
    model = nn.Sequential([nn.Dense(3, activation="tanh") for _ in range(120)] + [nn.Dense(1)])
    loss = ((model(Tensor(np.random.default_rng(0).normal(size=(4, 3)))) - 1.0) ** 2).mean()
    loss.backward()
    total = len(topological_order(loss))
    assert total > 500
    src = draw_graph(loss).source                                  # max_nodes=500 by default
    assert f"collapsed: {total:,} nodes drawn as " in src
    assert len(re.findall(r"^\s*\w+ \[", src, re.M)) < 200
    for mode in ("layer", "neuron"):
        assert "<B>dense_" in draw_graph(loss, collapse=mode).source


def test_the_readmes_collapse_example_draws():
    from nn.scalar import MLP
    loss = (MLP(3, [4, 4, 1])([2.0, 3.0, -1.0]) - 1.0) ** 2
    loss.backward()
    src = draw_graph(loss, collapse="layer").source
    assert "<B>layer 1</B>" in src and "<B>layer 2</B>" in src


def test_a_collapsed_tensor_graph_with_groups_of_several_shapes_draws():
    # (a group box asked `root in members`, which compares Tensors elementwise: bool() refused)
    X = Tensor(np.ones((3, 2)), requires_grad=True)
    with tinygrad_edu.group("layer"):
        h = (X @ Tensor(np.ones((2, 4)), requires_grad=True)).relu()
    with tinygrad_edu.group("loss"):
        loss = h.sum(axis=1).mean()
    loss.backward()
    source = draw_graph(loss, collapse="neuron").source
    assert "<B>layer</B>" in source and "<B>loss</B>" in source and "g0 -> g1" in source


def test_a_subtraction_is_drawn_as_one_minus_node():
    # composed as a + (-1)·b it drew "* -1.0" then "+": a student wrote y - t
    y, t = Value(3.0, label="y"), Value(1.0, label="t")
    e = y - t
    e.backward()
    assert [n.op.name for n in topological_order(e) if n.op] == ["-"]
    assert (y.grad, t.grad) == (1.0, -1.0)
    src = draw_graph(e).source
    assert "label=\"*\"" not in src and "label=\"-\"" in src and "dashed" not in src   # no constant -1.0 box
    T = Tensor([[1.0, 2.0]], requires_grad=True)
    (T - Tensor([[0.5], [1.0]])).sum().backward()           # broadcast: summed back, negated for b
    np.testing.assert_array_equal(T.grad, [[2.0, 2.0]])


# ---- a recurrent layer, unrolled -------------------------------------------------------------------

def rnn_loss(kind: str = "SimpleRNN"):
    import nn
    model = nn.Sequential([getattr(nn, kind)(2, input_shape=(3, 1), name="rnn"), nn.Dense(1, name="out")])
    x, y = Tensor(np.array([[[0.5], [-1.0], [2.0]]])), Tensor(np.array([[1.0]]))
    loss = nn.losses.get("mse")(y, model(x))
    loss.backward()
    return loss


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_an_unrolled_rnn_boxes_each_step_in_one_row_and_draws_its_weights_once(kind):
    src = draw_graph(rnn_loss(kind)).source
    for t in range(3):
        assert f'subgraph "cluster_rnn t={t}"' in src and f'label="rnn t={t}"' in src
    assert src.count("<B>rnn.recurrent_kernel</B>") == 1 and src.count("<B>rnn.kernel</B>") == 1
    on_line = re.findall(r'^\t\t(n\d+(?:op)?) \[.*group=rnn\b', src, re.M)   # the state's path, one row
    for t in range(3):
        step = src[src.index(f'subgraph "cluster_rnn t={t}"'):]
        step = step[:step.index("}")]
        assert any(f"\t\t{name} [" in step for name in on_line)
    if kind == "SimpleRNN":                                         # x_t W's slice sits beside the row
        assert "getitem" in src and not re.search(r'label=getitem[^\n]*group=', src)


def test_draw_graph_collapsed_by_layer_on_an_rnn_model():
    src = draw_graph(rnn_loss(), collapse="layer").source
    for box in ("rnn", "rnn t=0", "rnn t=1", "rnn t=2", "out"):
        assert f"<B>{box}</B>" in src
    assert "group=" not in src                                      # only nodes drawn as themselves line up
