"""Pictures of the computation graph: what every node holds, and the order backward visits it.

    draw_graph(y)                      a graphviz.Digraph: each Value/Tensor a box (data, grad),
                                       each op a small oval between its inputs and its output
    draw_backward_steps(y, "out/")     one PNG per node backward visits (and a GIF); backward_frames
                                       gives the same pictures unrendered

graphviz (and Pillow, for the GIF) are imported inside the functions, so `import tinygrad_edu`
costs NumPy and nothing heavier. Every derivative shown on an edge comes from the op's rule in
`ops.py`, called with g = 1: the drawing knows no calculus of its own.
"""

from __future__ import annotations

import functools
import html
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

if TYPE_CHECKING:
    import graphviz

from .autograd import Node, backward_step, new_node, topological_order

INSTALL_DOT = ("install Graphviz: `sudo apt-get install graphviz` (Debian/Ubuntu), "
               "`brew install graphviz` (macOS) or `conda install graphviz` (conda); "
               "`pip install graphviz` is only the Python wrapper around it")

# colours: one meaning each, so a slide reads the same in every picture
_ROOT, _PARAM, _INNER = "#c8e6c9", "#bbdefb", "#eeeeee"         # header: output, leaf, op result
_GRAD, _OTHER = "#ffcc80", "#e1bee7"                            # grad row; any other `values=` row
_KEY, _EDGE, _LOCAL, _NOW = "#757575", "#9e9e9e", "#1565c0", "#d32f2f"
_FONT = "Helvetica"
_RASTER = {"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp"}


class _Hidden:
    """A value drawn in the background colour: it keeps its room, so every step frame lays out alike."""

    def __init__(self, value: Any):
        self.value = value


def draw_graph(root, *, format: str = "svg", rankdir: str = "LR", show_data: bool = True,
               show_grad: bool = True, show_local_grads: bool = False, show_order: bool = False,
               show_tangent: bool = False, max_nodes: int = 500, values: Mapping[str, Callable[[Any], Any]] | None = None,
               highlight: Any = None) -> graphviz.Digraph:
    """The graph `root` depends on, as a `graphviz.Digraph` (`.source` is the DOT text).

    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> y = (x * w).tanh(); y.label = "y"; y.backward()
    >>> g = draw_graph(y, show_local_grads=True)
    >>> "∂y/∂" in g.source                     # g.render("y") writes y.svg; in Jupyter, just `g`
    True

    show_local_grads   write ∂out/∂in on each edge (for a Tensor, ∂(Σ out)/∂in, summarised)
    show_order         number the nodes in the order backward visits them (#1 is `root`)
    show_tangent       a `tangent` row: forward mode's ṫ = ∂node/∂(seeded input), carried from the
                       inputs towards the output (seed `x.tangent` on a leaf before computing; use
                       show_grad=False for the forward picture alone)
    max_nodes          draw at most this many Values/Tensors (those nearest `root`); the rest
                       become one "… N more nodes" box
    values             extra rows under `data`, name -> function(node) giving a number, an array
                       or None (blank), e.g. {"tangent": tangents.get} for forward mode
    highlight          one node to outline in red (`draw_backward_steps` marks the current step)
    """
    _, Drawing = _graphviz()
    order = topological_order(root)
    number = {id(n): i for i, n in enumerate(order)}       # stable ids: same graph, same DOT
    visit = len(order)                                     # backward walks order reversed: root is #1
    kept = _nearest(root, max_nodes)
    rows = ([("data", lambda n: n.data)] if show_data else []) \
        + ([("grad", lambda n: n.grad)] if show_grad else []) \
        + ([("tangent", lambda n: n.tangent)] if show_tangent else []) + list((values or {}).items())

    g = Drawing(format=format, graph_attr={
        "rankdir": rankdir, "fontname": _FONT, "nodesep": "0.25", "ranksep": "0.4",
        "bgcolor": "white", **({"dpi": "150"} if format in _RASTER else {})},
        node_attr={"fontname": _FONT, "fontsize": "12"},
        edge_attr={"fontname": _FONT, "fontsize": "10", "color": _EDGE, "arrowsize": "0.7"})
    clusters: dict[Any, list] = {}                         # group -> [(name, attrs)], in order
    edges, cut = [], 0
    for node in sorted(kept.values(), key=lambda n: number[id(n)]):
        nid = f"n{number[id(node)]}"
        hot = {"color": _NOW, "penwidth": "3"} if node is highlight else {}
        order_no = visit - number[id(node)] if show_order else None
        if _is_constant(node):
            clusters.setdefault(node.group, []).append((nid, _constant_attrs(node, hot)))
            continue
        label = _node_label(node, rows, root, order_no)
        clusters.setdefault(node.group, []).append((nid, {
            "label": label, "shape": "box", "style": "rounded,filled", "fillcolor": "white",
            "margin": "0.04", "color": "#616161", "penwidth": "1.2", **hot}))
        if not node.inputs:
            continue
        op_attrs = {"label": _op_label(node), "tooltip": node.op.formula, "shape": "ellipse",
                    "style": "filled", "fillcolor": "#fafafa", "color": "#9e9e9e", "fontsize": "11",
                    "width": "0.3", "height": "0.3", "margin": "0.04,0.02"}
        clusters[node.group].append((f"{nid}op", op_attrs))
        edges.append((f"{nid}op", nid, {"color": _NOW, "penwidth": "2.2"} if hot else {}))
        locals_ = _local_grads(node) if show_local_grads else [None] * len(node.inputs)
        summed = isinstance(node.data, np.ndarray) and node.data.ndim   # a Tensor: ∂(Σ out)/∂in
        for x, d in zip(node.inputs, locals_):
            attrs = {"color": _NOW, "penwidth": "2.2"} if hot and x.requires_grad else {}
            if d is not None:
                out, inp = _short(node, "out"), _short(x, "in")
                text = f"∂Σ{out}/∂{inp}: {d}" if summed else f"∂{out}/∂{inp} = {d}"
                # decorate: a line from the label to its edge, so two labels near one op can't be mixed up
                attrs |= {"label": html.escape(text), "fontcolor": _LOCAL, "decorate": "true"}
            if id(x) in kept:
                edges.append((f"n{number[id(x)]}", f"{nid}op", attrs))
            else:
                edges.append(("more", f"{nid}op", attrs))
                cut += 1
    for group, nodes in clusters.items():
        _emit(g, group, nodes)
    if cut:
        g.node("more", f"… {len(order) - len(kept)} more nodes", shape="box", style="dashed,rounded",
               color=_KEY, fontcolor=_KEY, fontsize="14")
    for tail, head, attrs in edges:
        g.edge(tail, head, **attrs)
    return g


def backward_frames(root, *, show_local_grads: bool = True, max_nodes: int = 500) -> list[graphviz.Digraph]:
    """One picture per node that backward visits, in its order, not yet rendered (`draw_backward_steps`
    renders them; a program with its own renderer, such as the `graph` command, takes these).

    The frames replay the backward pass of `root` with the engine's own `backward_step`, one node
    per frame, in backward's order (reverse creation order; constants get no gradient but are shown
    too): the node being visited outlined in red with the edges its gradient flows back along, the
    gradients known so far filled in, the rest blank. A node's gradient is complete when it is
    visited, so frame k shows `node.grad` of the k nodes visited so far. The replay starts from
    root's gradient, so call `root.backward()` first; afterwards every gradient is as it was.
    """
    if root.grad is None or not np.any(root.grad):
        raise ValueError(f"draw_backward_steps(root, ...): root has no gradient yet (grad {root.grad!r}); "
                         f"call root.backward() first")
    walk = list(reversed(topological_order(root)))
    final = {id(n): n.grad for n in walk}            # as backward left them: restored at the end
    frames = []
    try:
        for n in walk:                               # the replay starts from nothing but root's gradient
            n.grad = None if n.inputs else n.no_grad_yet
        root.grad = final[id(root)]
        for k, current in enumerate(walk, start=1):
            if current.inputs and current.requires_grad:
                backward_step((current,), current.xp)   # the engine's own chain-rule step
            known = {id(n) for n in walk[:k]}
            # a gradient not known yet is painted out, its room kept (every frame lays out alike)
            grad = lambda n, known=known: n.grad if id(n) in known else _Hidden(final[id(n)])  # noqa: E731
            g = draw_graph(root, format="png", show_grad=False, values={"grad": grad}, show_order=True,
                           show_local_grads=show_local_grads, max_nodes=max_nodes, highlight=current)
            g.attr(label=html.escape(_caption(current, root, k, len(walk))), labelloc="t", labeljust="l",
                   fontsize="16")
            frames.append(g)
    finally:
        for n in walk:
            n.grad = final[id(n)]
    return frames


def draw_backward_steps(root, out_dir: str | Path, gif: bool = False, *,
                        show_local_grads: bool = True, max_nodes: int = 500,
                        seconds_per_step: float = 1.2) -> list[Path]:
    """Write one PNG per node that backward visits, in its order (`backward_frames`), and with
    `gif=True` also `out_dir/backward.gif`. Returns the PNG paths, in order.

    >>> y.backward()
    >>> frames = draw_backward_steps(y, "out/steps", gif=True)
    >>> len(frames) == len(topological_order(y))
    True
    """
    _graphviz()   # fail before writing anything if graphviz is missing
    frames = backward_frames(root, show_local_grads=show_local_grads, max_nodes=max_nodes)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    width = len(str(len(frames)))
    drawings = [(out / f"step_{k:0{width}d}.png", g) for k, g in enumerate(frames, start=1)]
    with ThreadPoolExecutor() as pool:     # each frame is its own `dot` process: run them side by side
        list(pool.map(lambda job: job[0].write_bytes(job[1].pipe(format="png")), drawings))
    paths = [path for path, _ in drawings]
    if gif:
        write_gif(paths, out / "backward.gif", seconds_per_step)
    return paths


def jupyter_bundle(node: Node, include=None, exclude=None) -> dict:
    """What `Value`/`Tensor._repr_mimebundle_` shows: the graph as SVG, or text without Graphviz."""
    text = {"text/plain": repr(node)}
    try:
        graphviz, _ = _graphviz()
    except ImportError:                     # no graphviz package: text, as any object
        return text
    try:
        # a notebook shows this for every Value/Tensor it echoes: keep it quick and readable
        svg = draw_graph(node, max_nodes=100).pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:     # no `dot` program: the same
        return text
    return {"image/svg+xml": svg, **text}


# ---- labels ------------------------------------------------------------------------------------

def _node_label(node, rows, root, order_no) -> str:
    head = _PARAM if not node.inputs else _ROOT if node is root else _INNER
    title = f"<B>{html.escape(node.label)}</B>" if node.label else ""
    if order_no is not None:
        title += f'  <FONT POINT-SIZE="10" COLOR="{_KEY}">#{order_no}</FONT>'
    cells = [f'<TR><TD COLSPAN="2" BGCOLOR="{head}">{title}</TD></TR>'] if title else []
    if isinstance(node.data, np.ndarray):
        cells.append(f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="10" COLOR="{_KEY}">'
                     f'{html.escape(f"{node.data.shape} {node.data.dtype}")}</FONT></TD></TR>')
    for name, get in rows:
        v = get(node)
        hidden = isinstance(v, _Hidden)
        text = "" if v is None else _summary(v.value if hidden else v, sep="\n")
        text = "<BR/>".join(html.escape(line) for line in text.split("\n"))
        bg = "white" if name == "data" else _GRAD if name == "grad" else _OTHER
        if text and name != "data":   # (graphviz rejects an empty <B></B>)
            text = f"<B>{text}</B>"
        if hidden:                    # unknown yet: keep the text's room (bold too), paint it out
            bg, text = "#f5f5f5", f'<FONT COLOR="#f5f5f5">{text}</FONT>'
        cells.append(f'<TR><TD ALIGN="LEFT" BGCOLOR="{bg}"><FONT POINT-SIZE="10" COLOR="{_KEY}">{name}</FONT></TD>'
                     f'<TD ALIGN="RIGHT" BGCOLOR="{bg}">{text}</TD></TR>')
    cells = cells or ['<TR><TD WIDTH="24"> </TD></TR>']   # nothing to show: an empty box, still valid
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">'
            + "".join(cells) + "</TABLE>>")


def _op_label(node) -> str:
    """The op's name, and under it its settings that change what it does (axis=1, slope=0.2)."""
    shown = [f"{k}={v!r}" for k, v in node.attrs.items()
             if v is not None and v is not False and len(repr(v)) <= 20]
    if not shown:
        return html.escape(node.op.name)
    return (f'<{html.escape(node.op.name)}<BR/><FONT POINT-SIZE="9" COLOR="{_KEY}">'
            f'{html.escape(" ".join(shown))}</FONT>>')


def _constant_attrs(node, hot) -> dict:
    """A number or array the graph uses but needs no gradient for: small, grey, dashed."""
    text = _summary(node.data)
    if isinstance(node.data, np.ndarray) and node.data.ndim:
        text = f"{node.data.shape} {text}"
    text = f"{node.label} = {text}" if node.label else text
    return {"label": text, "shape": "box", "style": "dashed,rounded", "color": _EDGE,
            "fontcolor": "#616161", "fontsize": "10", "height": "0.25", "margin": "0.06,0.02", **hot}


def _summary(v, sep: str = "  ") -> str:
    """A number to 4 significant digits; an array as its entries (up to 4) or its mean and range
    (3 digits, `sep` between the two)."""
    if hasattr(v, "inputs"):            # a gradient that is itself a node (backward(create_graph=True))
        v = v.data
    a = np.asarray(v)
    if a.dtype == bool:
        a = a.astype(np.int8)
    if a.ndim == 0:
        return _num(a.item())
    if a.size == 0:
        return "[]"
    if a.size <= 4:
        return "[" + ", ".join(_num(x, 3) for x in a.ravel().tolist()) + "]"
    return f"mean {_num(a.mean(), 3)}{sep}range [{_num(a.min(), 3)}, {_num(a.max(), 3)}]"


def _num(x, digits: int = 4) -> str:
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return str(int(x))
    s = f"{float(x) + 0.0:.{digits}g}"              # + 0.0 turns -0.0 into 0.0
    return s if any(c in s for c in ".einn") else s + ".0"   # "1.0", not "1": it is a float


def _short(node, fallback: str) -> str:
    """The node's label if it is short enough for an edge label, else `fallback`."""
    return _sym(node.label) if node.label and len(node.label) <= 16 else fallback


def _sym(name: str) -> str:
    """A label as a symbol in a formula: x1 stays x1, x1·w1 + b becomes (x1·w1 + b)."""
    return name if name.replace("_", "").isalnum() else f"({name})"


def _caption(node, root, k: int, total: int) -> str:
    name = _sym(node.label) if node.label else "out"
    loss = _sym(root.label) if root.label else "L"
    grad = _summary(node.grad) if node.grad is not None else "none"
    step = f"backward step {k}/{total}: "
    if _is_constant(node):
        return step + f"{node.label or _summary(node.data)} is a constant: it needs no gradient"
    if not node.inputs:
        return step + f"{name} is a leaf: ∂{loss}/∂{name} = {grad} is final"
    return step + (f"∂{loss}/∂{name} = {grad} is complete; each input of {node.op.name} "
                   f"gets {grad} × ∂{name}/∂input")


# ---- the graph ---------------------------------------------------------------------------------

def _is_constant(node) -> bool:
    return not node.inputs and not node.requires_grad


def _nearest(root, limit: int) -> dict:
    """Up to `limit` nodes, breadth first from root (id -> node): what a collapsed drawing keeps."""
    kept, queue = {id(root): root}, deque([root])
    while queue and len(kept) < limit:
        for x in queue.popleft().inputs:
            if id(x) not in kept and len(kept) < limit:
                kept[id(x)] = x
                queue.append(x)
    return kept


def _local_grads(node) -> list:
    """∂out/∂input for each input: what the engine's own `backward_step` sends each input from a
    gradient of 1 (ones for a Tensor) at the output. A number for a Value; for a Tensor,
    ∂(Σ out)/∂input in the input's shape. Computed on stand-ins, so the graph is left as it is."""
    stand_ins = []
    for x in node.inputs:
        s = new_node(node.kind, x.data)
        s.requires_grad = x.requires_grad
        stand_ins.append(s)
    out = new_node(node.kind, node.data)
    out.op, out.inputs, out.attrs = node.op, tuple(stand_ins), node.attrs
    out.grad = np.ones_like(node.data) if isinstance(node.data, np.ndarray) else 1.0
    with np.errstate(all="ignore"):                 # the picture shows inf/nan; no warnings
        backward_step((out,), node.xp)
    return [_summary(s.grad) if s.requires_grad and s.grad is not None else None for s in stand_ins]


def _emit(g, group, nodes) -> None:
    """Nodes of one group into a boxed cluster (ungrouped nodes straight into the graph)."""
    def add(target):
        for name, attrs in nodes:
            target.node(name, **attrs)
    if group is None:
        add(g)
        return
    with g.subgraph(name=f"cluster_{group}") as c:     # "cluster_" is what makes dot draw the box
        c.attr(label=str(group), style="rounded,dashed", color=_KEY, fontcolor=_KEY, fontsize="12")
        add(c)


# ---- graphviz and Pillow, imported only when a picture is asked for -------------------------

@functools.cache
def _graphviz():
    """(the graphviz module, a Digraph whose render/pipe say how to install a missing `dot`)."""
    try:
        import graphviz
    except ImportError as e:
        raise ImportError(f"drawing needs the graphviz package (pip install graphviz) and {INSTALL_DOT}") from e

    class DotNotFound(graphviz.ExecutableNotFound):
        """Graphviz's program is missing: names it and how to install it."""

        def __init__(self, program: str):
            RuntimeError.__init__(self, (
                f"Graphviz's `{program}` program was not found on PATH, so the graph cannot be "
                f"rendered; {INSTALL_DOT}. The DOT text needs no program: use `.source`."))

    class Drawing(graphviz.Digraph):
        """A graphviz.Digraph whose missing-program error says how to install Graphviz."""

        def pipe(self, *args, **kwargs):
            try:
                return super().pipe(*args, **kwargs)
            except graphviz.ExecutableNotFound as e:
                raise DotNotFound(kwargs.get("engine") or self.engine) from e

        def render(self, *args, **kwargs):
            try:
                return super().render(*args, **kwargs)
            except graphviz.ExecutableNotFound as e:
                raise DotNotFound(kwargs.get("engine") or self.engine) from e

    return graphviz, Drawing


def write_gif(frames: list[Path], path: Path, seconds: float = 1.2) -> Path:
    """The PNG frames as one looping GIF (Pillow), the last one held three times as long.

    One frame at a time is decoded onto a canvas of the largest frame's size (a longer caption
    widens a frame) and reduced to 64 colours with the last frame's palette, which holds every
    colour the others use (nothing known is only missing colours): memory grows by one small
    frame per step, and no colour flickers.
    """
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("the backward GIF needs Pillow: pip install pillow") from e
    sizes = []
    for frame in frames:
        with Image.open(frame) as image:            # opening reads the header only
            sizes.append(image.size)
    width, height = max(w for w, _ in sizes), max(h for _, h in sizes)

    def on_canvas(frame: Path):
        canvas = Image.new("RGB", (width, height), "white")
        with Image.open(frame) as image:
            canvas.paste(image.convert("RGB"), (0, 0))
        return canvas

    palette = on_canvas(frames[-1]).quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    images = [on_canvas(frame).quantize(palette=palette, dither=Image.Dither.NONE) for frame in frames]
    ms = int(seconds * 1000)
    images[0].save(path, save_all=True, append_images=images[1:], loop=0,
                   duration=[ms] * (len(images) - 1) + [3 * ms])
    return path


Node.jupyter_view = jupyter_bundle   # Jupyter shows a Value or Tensor as its graph (see Node)
