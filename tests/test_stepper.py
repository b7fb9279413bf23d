"""The stepper page in a real browser (headless Chromium through playwright), and the chain rule
in the step frames: every number shown comes from the engine's own walk."""

import re
import time
import shutil
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, draw_backward_steps, draw_graph, jvp, show_backward, topological_order
from tinygrad_edu.draw import backward_frames, backward_trace, stepper_html
from tinygrad_edu.draw.graph import sent

graphviz = pytest.importorskip("graphviz")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                             shutil.which("google-chrome")) if p), None)


def formula():
    """f = tanh(x·w + x·x)·x: x reaches f along four paths, so its gradient is a sum of four."""
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    f = (x * w + x * x).tanh() * x
    f.backward()
    return f, x, w


def f_tensor(x, w):
    return (x * w + x * x).tanh() * x


# ---- the frames: contributions are the engine's products ---------------------------------------

def test_each_arrival_is_upstream_times_local():
    f, x, w = formula()
    steps = backward_trace(f)
    assert len(steps) == len(topological_order(f))
    for s in steps:
        for a in s.arrivals:
            # what backward_step sends from ∂f/∂node = 1, times ∂f/∂node, is what it sends from ∂f/∂node
            assert a.local == sent(a.node, 1.0)[a.index]
            assert a.sent == pytest.approx(a.upstream * a.local, rel=1e-15)
    last = {id(a.input): a.total for s in steps for a in s.arrivals}
    assert last[id(x)] == x.grad and last[id(w)] == w.grad
    # x's four paths (x·w, twice in x·x, the last ·x) arrive one by one, a running sum until the last
    arrivals = [a for s in steps for a in s.arrivals if a.input is x]
    assert len(arrivals) == 4 and arrivals[-1].total == x.grad
    assert [a.total for a in arrivals] == pytest.approx(np.cumsum([a.sent for a in arrivals]), rel=1e-15)
    states = [s.values[id(x)][1] for s in steps if id(x) in s.values]
    assert states[0] == "partial" and states[-1] == "final"
    assert x.grad == formula()[1].grad                     # the replay left every gradient as it was


def test_png_frames_carry_the_engine_products(tmp_path, monkeypatch):
    # each frame's "PNG" is its DOT text, read back from the frame's own file: `dot` runs in threads,
    # which finish in an order that differs between interpreters, but frame k is always step_k.png
    monkeypatch.setattr(graphviz.Digraph, "pipe", lambda self, *a, **k: self.source.encode())
    f, x, w = formula()
    drawn = [path.read_text() for path in draw_backward_steps(f, tmp_path)]
    steps = backward_trace(f)
    assert len(drawn) == len(steps)
    for src, s in zip(drawn, steps):
        shown = re.findall(r'<FONT COLOR="#d32f2f"><B>(.*?)</B></FONT>', src)   # the red edge labels
        expected = [f"{_n(a.upstream)} × {_p(_n(a.local))} = {_n(a.sent)}" for a in s.arrivals]
        assert sorted(shown) == sorted(expected)
        for a in s.arrivals:
            assert float(_n(a.sent)) == pytest.approx(float(_n(a.upstream)) * float(_n(a.local)), rel=2e-3)
        assert "decorate" not in src                                      # no underlines
        assert "∂f/∂" in src or "constant" in src or "leaf" in src        # the root is named f
        assert re.search(r"step \d+ of \d+", src)                         # 1-based


def _n(v):
    from tinygrad_edu.draw.graph import _summary
    return _summary(v)


def _p(text):
    return f"({text})" if text.startswith("-") else text


def test_titles_name_the_root_by_its_label_or_f():
    f, _, _ = formula()
    assert "∂f/∂f = 1.0" in backward_trace(f)[0].caption
    f.label = "loss"
    assert "∂loss/∂loss = 1.0" in backward_trace(f)[0].caption


# ---- collapsing big graphs ----------------------------------------------------------------------

def mlp_graph():
    import random

    from nn.scalar import MLP
    random.seed(0)
    model = MLP(2, [16, 16, 1])
    loss = sum(((model([Value(0.1 * i), Value(-0.2 * i)]) - 1.0) ** 2 for i in range(17)), Value(0.0))
    loss.backward()
    return loss


def test_collapsing_keeps_a_10000_node_mlp_under_the_budget():
    loss = mlp_graph()
    total = len(topological_order(loss))
    assert total > 10_000
    src = draw_graph(loss).source                                 # default max_nodes=500
    boxes = len(re.findall(r"^\s*\w+ \[", src, re.M))
    assert boxes <= 2 * 500 + 1
    assert "collapsed: " in src and f"{total:,} nodes" in src     # it says so in the picture
    for mode in ("neuron", "layer"):
        src = draw_graph(loss, collapse=mode).source
        assert "layer 1" in src
    layer = draw_graph(loss, collapse="layer", max_nodes=60).source
    assert 'label=<<TABLE' in layer and "parameters" in layer and "scalars" in layer   # shapes in, out


def test_the_stepper_steps_through_groups_when_collapsed():
    import random

    from nn.scalar import MLP
    random.seed(0)
    model = MLP(2, [3, 1])
    y = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    y.backward()
    steps = backward_trace(y, collapse="neuron")
    boxes = [s.box for s in steps if s.box]
    assert set(boxes) == {"layer 1 neuron 1", "layer 1 neuron 2", "layer 1 neuron 3", "layer 2 neuron 1"}
    assert len(steps) < len(topological_order(y))


# ---- the page in a browser --------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no Chromium on PATH (apt-get install -y chromium): the page is not driven in a browser")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright to drive the page")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@needs_dot
def test_the_page_steps_backward_and_forward(browser, tmp_path):
    f, x, w = formula()
    paths = draw_backward_steps(f, tmp_path, html=True)
    page_file = tmp_path / "index.html"
    assert len(paths) == len(topological_order(f)) and page_file.exists()
    page = browser.new_page()
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_file.as_uri())
    n = page.evaluate("window.backwardSteps")
    assert n == len(backward_trace(f))
    captions = [page.text_content("#caption")]
    for _ in range(n):
        page.click("#next")
        captions.append(page.text_content("#caption"))
    assert len(set(captions)) == n + 1                                   # one caption per step, and the start
    assert all(f"step {k} of {n}" in c for k, c in enumerate(captions[1:], start=1))
    page.click("#next")                                                  # past the end: stays at the end
    assert page.text_content("#caption") == captions[-1]
    assert float(page.get_attribute("#grad-0", "data-value")) == x.grad  # the table ends at the engine's
    assert float(page.get_attribute("#grad-1", "data-value")) == w.grad
    assert page.get_attribute("#grad-0", "data-state") == "final"
    page.keyboard.press("ArrowLeft")
    assert page.text_content("#caption") == captions[-2]
    page.fill("#step", "1")                                              # the slider
    page.dispatch_event("#step", "input")
    assert page.text_content("#caption") == captions[1]
    assert page.get_attribute("#grad-0", "data-state") in ("none", "partial")
    assert page.locator(".frame:not([hidden])").count() == 1
    for i, (name, seed) in enumerate((("x", (1.0, 0.0)), ("w", (0.0, 1.0))), start=1):
        page.select_option("#mode", f"forward-{i}")
        steps = int(page.get_attribute("#step", "max"))
        for _ in range(steps):
            page.keyboard.press("ArrowRight")
        _, tangent = jvp(lambda a, b: f_tensor(a, b), (np.float64(2.0), np.float64(-3.0)), seed)
        assert float(page.get_attribute("#tangent", "data-value")) == pytest.approx(float(tangent), rel=1e-12)
        assert float(page.get_attribute("#tangent", "data-value")) == pytest.approx((x, w)[i - 1].grad, rel=1e-12)
    text = page.text_content("body")
    assert "one sweep" in text and "2 sweeps" in text                    # the lesson, with count_ops' numbers
    assert errors == []
    assert [r for r in requests if not r.startswith("file:")] == [] and len(requests) == 1


def test_show_backward_is_the_page_in_an_iframe():
    f, _, _ = formula()
    shown = show_backward(f)
    html_ = shown._repr_html_()
    assert html_.startswith("<iframe srcdoc=") and "backwardSteps" in html_
    assert "http://" not in shown.html.replace("http://www.w3.org", "")   # nothing fetched
    assert "<script src" not in shown.html and "<link" not in shown.html


def test_tensor_graphs_step_too():
    W = Tensor(np.arange(6.0).reshape(2, 3) / 10, requires_grad=True, label="W")
    loss = (W @ Tensor([1.0, -1.0, 2.0])).tanh().sum()
    loss.backward()
    page = stepper_html(loss)
    assert "window.backwardSteps" in page and "mean" in page
    assert len(backward_frames(loss)) == len(topological_order(loss))


@needs_dot
def test_graph_command_writes_the_page(tmp_path, capsys):
    from nn.cli import main
    page = tmp_path / "page.html"
    assert main(["graph", "tanh(x*w + b)", "x=2", "w=-3", "b=6.88", "--out", str(tmp_path / "g.svg"),
                 "--html", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert "window.backwardSteps" in text and text.count('class="frame"') > 7
    assert "wrote " + str(page) in capsys.readouterr().out
    assert main(["graph", "x*w", "x=1", "w=2", "--out", str(tmp_path / "g.svg"), "--html", str(tmp_path / "p.txt")]) == 2
    assert "must end in .html" in capsys.readouterr().err


# ---- a big graph: within seconds, a page of a few MB (issue 26, item 9) -----------------------

def micrograd_mlp_on_one_sample():
    """micrograd's MLP(2, [16, 16, 1]) on one sample: about 1,000 nodes, 339 inputs (the parameters)."""
    import random

    from nn.scalar import MLP
    random.seed(0)
    loss = (MLP(2, [16, 16, 1])([Value(0.5, label="x1"), Value(-1.0, label="x2")]) - 1.0) ** 2
    loss.backward()
    return loss


@needs_dot
def test_the_stepper_on_a_1000_node_graph_takes_seconds_and_a_bounded_page(tmp_path):
    # a forward sweep per input was drawn: 339 × 36 frames, past 300 s and 4.6 GB
    loss = micrograd_mlp_on_one_sample()
    assert len(topological_order(loss)) > 900
    start = time.perf_counter()
    page = show_backward(loss).html
    assert time.perf_counter() - start < 20
    start = time.perf_counter()
    paths = draw_backward_steps(loss, tmp_path, html=True)
    assert time.perf_counter() - start < 20
    assert len(page) < 15_000_000 and (tmp_path / "index.html").stat().st_size < 15_000_000
    assert page.count('class="frame"') <= 60 and len(paths) <= 60
    assert "forward mode drawn from 0 of the 339 inputs" in page and "max_frames=" in page   # it says what to pass


def test_too_many_backward_steps_are_refused_with_what_to_pass():
    loss = micrograd_mlp_on_one_sample()
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"is more than max_frames=60: pass collapse='neuron' or collapse='layer'"):
        backward_frames(loss, collapse=None, max_nodes=5000)
    with pytest.raises(ValueError, match=r"max_frames=60"):
        stepper_html(loss, max_nodes=5000)
    assert time.perf_counter() - start < 10


@needs_dot
def test_a_small_graph_still_gets_forward_mode_from_every_input():
    x1, w1, x2, w2 = Value(2.0, label="x1"), Value(-3.0, label="w1"), Value(0.0, label="x2"), Value(1.0, label="w2")
    o = (x1 * w1 + x2 * w2).tanh()
    o.backward()
    page = stepper_html(o)
    assert all(f'data-mode="forward-{i}"' in page for i in range(1, 5)) and "forward mode drawn from" not in page


# ---- read on a projector (issue 26, item 17) ---------------------------------------------------

def demo_neuron():
    """demos/micrograd_neuron.py's neuron (the README's pictures): (o, its named nodes)."""
    import importlib.util
    path = Path(__file__).resolve().parent.parent / "demos" / "micrograd_neuron.py"
    spec = importlib.util.spec_from_file_location("micrograd_neuron", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.neuron()


def unlabelled_neuron():
    """x1·w1 + x2·w2 + b with no labels but the inputs': its sums have long names, as in `graph`."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    f = (x1 * w1 + x2 * w2 + Value(6.8813735870195432, label="b")).tanh()
    f.backward()
    return f


def test_edge_labels_name_the_nodes_never_out_or_in():
    # a name longer than 16 characters was written "out" (or "in"): ∂out/∂out on the slide
    src = draw_graph(unlabelled_neuron(), show_local_grads=True).source
    assert "∂out" not in src and "/∂in " not in src
    assert "∂f/∂(x1·w1 + x2·w2 + b) = 0.5" in src                     # the root is f, as in the captions
    assert "∂(x1·w1 + x2·w2 + b)/∂(x1·w1 + x2·w2) = 1.0" in src
    labelled = draw_graph(formula()[0], show_local_grads=True).source
    assert "∂f/∂(tanh(x·w + x·x)) = 2.0" in labelled and "∂f/∂x = -0.964" in labelled


@needs_dot
def test_graph_command_pages_name_the_root_f_on_edges(tmp_path):
    from nn.cli import main
    page = tmp_path / "page.html"
    assert main(["graph", "x1*w1 + x2*w2", "x1=2", "w1=-3", "x2=1", "w2=0.5", "--out", str(tmp_path / "g.svg"),
                 "--html", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert "∂out" not in text
    assert "∂f/∂(x1 * w1)" in text                                    # f, as the command prints ∂f/∂x1


def test_captions_keep_the_parentheses_of_a_formula():
    o, _ = demo_neuron()
    o.backward()
    captions = [s.caption for s in backward_trace(o)]
    assert any("0.5 × ∂(x1·w1 + x2·w2)/∂(x1·w1) = 0.5 × 1.0" in c for c in captions)
    assert any("x1·w1 gets 0.5" in c for c in captions)               # the subject of a sentence stays bare
    assert not any("/∂x1·w1 " in c for c in captions)


@needs_dot
def test_forward_mode_is_titled_as_forward_mode(browser):
    f, _, _ = formula()
    page = browser.new_page()
    page.set_content(stepper_html(f))
    assert page.text_content("h1").startswith("Backward")
    page.select_option("#mode", "forward-1")
    assert page.text_content("h1").startswith("Forward mode from x") and "Backward" not in page.title()
    page.select_option("#mode", "reverse")
    assert page.text_content("h1").startswith("Backward")


@needs_dot
def test_the_graph_fills_the_page_and_its_text_stays_14px_at_1280(browser):
    o, _ = demo_neuron()
    o.backward()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_content(stepper_html(o))
    for step in range(3):
        svg = page.locator(".frame:not([hidden]) svg")
        width = svg.evaluate("s => s.getBoundingClientRect().width")
        assert width >= 0.95 * (1280 - 2 * 12)                       # the page's width, less its margins
        sizes = svg.evaluate("""s => Array.from(s.querySelectorAll('text')).map(
            t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)""")
        assert sizes and min(sizes) >= 14, f"step {step}: text drawn at {min(sizes):.1f} px"
        page.click("#next")
    # and nothing runs off the page: the whole neuron is in view, no scroll bar (a wider graph gets one)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.evaluate("(f => f.scrollWidth <= f.clientWidth)(document.getElementById('frames'))")
