"""draw_graph: the computation graph as a graphviz.Digraph, every node with its data and gradient.

Every derivative shown on an edge comes from the engine's own `backward_step`, called with a
gradient of 1: the drawing knows no calculus of its own. A big graph is drawn collapsed, each
`group` (a neuron, a layer, a loss) as one box with its inputs' and outputs' shapes.
"""

from __future__ import annotations

import functools
import html
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

if TYPE_CHECKING:
    import graphviz

from ..autograd import backward_step, new_node, topological_order

INSTALL_DOT = ("install Graphviz: `sudo apt-get install graphviz` (Debian/Ubuntu), "
               "`brew install graphviz` (macOS) or `conda install graphviz` (conda); "
               "`pip install graphviz` is only the Python wrapper around it")

# colours: one meaning each, so a slide reads the same in every picture
_ROOT, _PARAM, _INNER = "#c8e6c9", "#bbdefb", "#eeeeee"         # header: output, leaf, op result
_GRAD, _PARTIAL, _OTHER = "#ffcc80", "#fff3e0", "#e1bee7"       # grad row; a partial sum; other rows
_KEY, _EDGE, _LOCAL, _NOW = "#757575", "#9e9e9e", "#1565c0", "#d32f2f"
_BLANK = "#f5f5f5"                                              # a value not known yet, painted out
_FONT = "Helvetica"
_RASTER = {"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp"}
# 150 dpi, and at most 40 inches (6,000 pixels) a side: a big graph's bitmap would otherwise be tens
# of thousands of pixels tall (cairo refuses past 32,767) and take seconds a frame to paint, for
# more than any screen shows; graphviz scales a bigger drawing down to fit
_RASTER_SIZE = {"dpi": "150", "size": "40,40"}
COLLAPSES = ("neuron", "layer")


class _Hidden:
    """A value drawn in the background colour: it keeps its room, so every step frame lays out alike."""

    def __init__(self, value: Any):
        self.value = value


class _Partial:
    """A gradient still being summed (not every path has reported back): drawn pale and in italics."""

    def __init__(self, value: Any):
        self.value = value


@dataclass
class Box:
    """One box of the picture: a node (`kind` "node" or "constant"), the op that made it ("op"), or
    a collapsed group of nodes ("group", with its `members`)."""
    name: str                     # its id in the picture: n3, n3op, g0
    kind: str
    node: Any = None              # the node it shows (for an op: the node the op made)
    group: Any = None             # the `group(...)` it was made in: drawn inside that group's frame
    lit: bool = False             # highlighted (the node a step frame is at)
    number: int | None = None     # show_order: its place in backward's visit (#1 is the root)
    members: list = field(default_factory=list)
    line: str | None = None       # on a recurrent layer's state path: dot draws its steps in one row


@dataclass
class Edge:
    """An arrow from an input (or a group, or the "more" box) to the op box using it."""
    tail: str
    head: str
    lit: bool = False
    lines: list = field(default_factory=list)   # its label: (text, "local" | "shown" | "hidden")


@dataclass
class Picture:
    """What draw_graph draws, before any styling: the boxes, the arrows, the rows of every box."""
    root: Any
    rows: list                    # (name, get): the rows under each node's title, get(node) -> value
    boxes: list
    edges: list
    hidden: int = 0               # nodes beyond max_nodes, drawn as one "… N more nodes" box
    heading: list = field(default_factory=list)


def draw_graph(root, *, format: str = "svg", rankdir: str = "LR", show_data: bool = True,
               show_grad: bool = True, show_local_grads: bool = False, show_order: bool = False,
               show_tangent: bool = False, max_nodes: int = 500, collapse: str | None = None,
               values: Mapping[str, Callable[[Any], Any]] | None = None, highlight: Any = None,
               edge_notes: Mapping[tuple[int, int], tuple[str, bool]] | None = None,
               title: str | None = None, text_size: int | None = None) -> graphviz.Digraph:
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
    collapse           "neuron": each `group` (nodes made inside `tinygrad_edu.group(name)`: an nn
                       layer, a loss, a neuron of nn.scalar) drawn as one box with its inputs' and
                       outputs' shapes; "layer": nn.scalar's neurons "layer i neuron j" merged into
                       "layer i" too; None: every node, unless there are more than `max_nodes`, when
                       the graph collapses by itself (and says so in the picture)
    max_nodes          draw at most this many boxes (those nearest `root`); the rest become one
                       "… N more nodes" box
    values             extra rows under `data`, name -> function(node) giving a number, an array
                       or None (blank), e.g. {"tangent": tangents.get} for forward mode
    highlight          a node, or several, to outline in red with their edges (a step frame's)
    edge_notes         (id(node), input position) -> (text, shown): a second line on that edge's
                       label, red when shown, painted out (its room kept) when not
    title              a line of text above the picture
    text_size          every text this many points, and the columns packed tight: for a picture
                       scaled to fit a page (the stepper's), whose smallest text sets how small it
                       may be scaled; None: sizes 9 to 16, by importance
    format, rankdir    graphviz's output format and direction (LR: inputs on the left)

    Two steps: `picture(...)` decides what is drawn (boxes, arrows, labels: plain data), then
    `to_dot` draws it with graphviz.
    """
    rows = ([("data", lambda n: n.data)] if show_data else []) \
        + ([("grad", lambda n: n.grad)] if show_grad else []) \
        + ([("tangent", lambda n: n.tangent)] if show_tangent else []) + list((values or {}).items())
    what = picture(root, rows, show_local_grads=show_local_grads, show_order=show_order, max_nodes=max_nodes,
                   collapse=collapse, highlight=highlight, edge_notes=edge_notes, title=title)
    return to_dot(what, format=format, rankdir=rankdir, text_size=text_size)


def picture(root, rows, *, show_local_grads=False, show_order=False, max_nodes=500, collapse=None,
            highlight=None, edge_notes=None, title=None) -> Picture:
    """What draw_graph draws (its options, the same): every node near `root` as a box, or its group's
    box when collapsed; each op as a box of its own, with an arrow from each input."""
    order = topological_order(root)
    number = {id(n): i for i, n in enumerate(order)}       # stable ids: same graph, same DOT
    mode, note = _choose_collapse(order, collapse, max_nodes)
    item_of = collapsed_items(order, mode)
    kept = _nearest(root, item_of, max_nodes)
    hot = _hot_set(highlight)
    what = Picture(root, rows, [], [], heading=[t for t in (title, note) if t])
    groups: dict = {}                                      # a collapsed group's key -> its box
    names, lines = (_names(order, root) if show_local_grads else {}), _time_lines(order)   # lines: RNN steps in a row

    def source_of(x) -> str:                               # where an arrow from input x starts
        key = item_of.get(id(x), id(x))
        if key not in kept:
            return "more"
        if id(x) in item_of:
            return groups.setdefault(key, Box(f"g{len(groups)}", "group")).name
        return f"n{number[id(x)]}"

    for node in order:
        key = item_of.get(id(node))
        if key is not None:                                # inside a collapsed group: one box for all
            if key in kept:
                box = groups.setdefault(key, Box(f"g{len(groups)}", "group"))
                box.members.append(node)
                box.lit = box.lit or node in hot
                what.edges += [Edge(source_of(x), box.name, node in hot)
                               for x in node.inputs if item_of.get(id(x)) != key]
            continue
        if id(node) not in kept:
            continue
        nid, lit = f"n{number[id(node)]}", node in hot
        kind = "constant" if not node.inputs and not node.requires_grad else "node"
        what.boxes.append(Box(nid, kind, node, node.group, lit,
                              len(order) - number[id(node)] if show_order else None, line=lines.get(id(node))))
        if not node.inputs:
            continue
        what.boxes.append(Box(f"{nid}op", "op", node, node.group, line=lines.get(id(node))))
        what.edges.append(Edge(f"{nid}op", nid, lit))
        locals_ = _local_grads(node) if show_local_grads else [None] * len(node.inputs)
        summed = isinstance(node.data, np.ndarray) and node.data.ndim   # a Tensor: ∂(Σ out)/∂in
        for i, (x, d) in enumerate(zip(node.inputs, locals_)):
            edge = Edge(source_of(x), f"{nid}op", lit and x.requires_grad)
            if d is not None:
                out, inp = names[id(node)], names[id(x)]
                edge.lines.append((f"∂Σ{out}/∂{inp}: {d}" if summed else f"∂{out}/∂{inp} = {d}", "local"))
            if edge_notes and (id(node), i) in edge_notes:
                text, shown = edge_notes[id(node), i]
                edge.lines.append((text, "shown" if shown else "hidden"))
            what.edges.append(edge)
    for key, box in groups.items():
        box.group, box.node = key, None
        what.boxes.append(box)
    if any(edge.tail == "more" for edge in what.edges):
        what.hidden = len(order) - _count_nodes(order, item_of, kept)
    what.edges = _one_edge_per_pair_of_groups(what.edges)
    return what


def _one_edge_per_pair_of_groups(edges: list) -> list:
    """A collapsed group (or the "more" box) gets one arrow from each source, however many values cross."""
    seen, kept = set(), []
    for e in edges:
        if e.tail.startswith("g") or e.tail == "more" or e.head.startswith("g"):
            if (e.tail, e.head) in seen:
                continue
            seen.add((e.tail, e.head))
        kept.append(e)
    return kept


def to_dot(what: Picture, format: str = "svg", rankdir: str = "LR", text_size: int | None = None) -> graphviz.Digraph:
    """A Picture drawn with graphviz: the colours, shapes and fonts (one meaning each, see above).
    With `text_size`, every text that size and the columns packed tight (see draw_graph)."""
    _, Drawing = _graphviz()
    g = Drawing(format=format, graph_attr={
        "rankdir": rankdir, "fontname": _FONT, "nodesep": "0.25", "ranksep": "0.4" if text_size is None else "0.02",
        "bgcolor": "white", **(_RASTER_SIZE if format in _RASTER else {})},
        node_attr={"fontname": _FONT, "fontsize": "12"},
        edge_attr={"fontname": _FONT, "fontsize": "10", "color": _EDGE, "arrowsize": "0.7"})
    clusters: dict[Any, list] = {}                         # group -> [(name, attrs)], in order
    for box in what.boxes:
        if box.kind != "group":
            clusters.setdefault(box.group, []).append((box.name, _box_attrs(box, what)))
    for group, nodes in clusters.items():
        _emit(g, group, nodes)
    for box in what.boxes:
        if box.kind == "group":
            g.node(box.name, **_group_attrs(box.group, box.members, what.rows, what.root, box.lit))
    if what.hidden:
        g.node("more", f"… {what.hidden} more nodes", shape="box",
               style="dashed,rounded", color=_KEY, fontcolor=_KEY, fontsize="14")
    for e in what.edges:
        g.edge(e.tail, e.head, **_edge_attrs(e, stacked=text_size is not None))
    if what.heading:
        g.attr(label=html.escape("\n".join(what.heading)).replace("\n", "\\l") + "\\l", labelloc="t",
               labeljust="l", fontsize="16")
    if text_size is not None:              # one size for every text, whatever each part asked for
        g.body = [re.sub(r'(fontsize=|POINT-SIZE=)"?\d+"?', rf'\1"{text_size}"', line) for line in g.body]
        g.node_attr["fontsize"] = g.edge_attr["fontsize"] = str(text_size)
    return g


def _box_attrs(box: Box, what: Picture) -> dict:
    ring = {"color": _NOW, "penwidth": "3"} if box.lit else {}
    line = {"group": box.line} if box.line else {}         # dot keeps one group's nodes in a straight line
    if box.kind == "constant":
        return _constant_attrs(box.node, ring)
    if box.kind == "op":
        return {"label": _op_label(box.node), "tooltip": box.node.op.formula, "shape": "ellipse",
                "style": "filled", "fillcolor": "#fafafa", "color": "#9e9e9e", "fontsize": "11",
                "width": "0.3", "height": "0.3", "margin": "0.04,0.02", **line}
    return {"label": _node_label(box.node, what.rows, what.root, box.number), "shape": "box",
            "style": "rounded,filled", "fillcolor": "white", "margin": "0.04", "color": "#616161",
            "penwidth": "1.2", **ring, **line}


_LINE_COLOURS = {"local": (_LOCAL, False), "shown": (_NOW, True), "hidden": ("white", True)}   # hidden: bold
                                                                   # too, so it keeps the same room


def _edge_attrs(e: Edge, stacked: bool = False) -> dict:
    """An edge's colour and label; `stacked`: a local derivative written as a fraction, ∂n over ∂b,
    with its value under it (half as wide as ∂n/∂b = 1.0 on one line)."""
    attrs = {"color": _NOW, "penwidth": "2.2"} if e.lit else {}
    if stacked and e.lines:
        attrs |= {"label": _stacked_label(e.lines), "fontcolor": _LOCAL}
    elif len(e.lines) == 1 and e.lines[0][1] == "local":
        attrs |= {"label": html.escape(e.lines[0][0]), "fontcolor": _LOCAL}
    elif e.lines:
        attrs |= {"label": _edge_label([(text, *_LINE_COLOURS[style]) for text, style in e.lines]),
                  "fontcolor": _LOCAL}
    return attrs


def _stacked_label(lines) -> str:
    """An edge's lines one above the other, narrow: a local derivative ∂out/∂in = d as a fraction
    over its value, a chain-rule product g × d = s over its result."""
    rows = []
    for text, style in lines:
        colour, bold = _LINE_COLOURS[style]

        def cell(part: str, border: str = "") -> str:
            t = html.escape(part)
            return f'<TD{border}><FONT COLOR="{colour}">{f"<B>{t}</B>" if bold else t}</FONT></TD>'
        formula, _, value = text.partition(" = ")
        top, bar, bottom = formula.partition("/∂")
        if style == "local" and bar:            # the bar as wide as the longer of ∂out and ∂in
            over = cell(top, f' BORDER="1" SIDES="B" COLOR="{colour}"')
            rows.append('<TR><TD><TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
                        f'<TR>{over}</TR><TR>{cell("∂" + bottom)}</TR></TABLE></TD></TR>')
        else:
            rows.append(f"<TR>{cell(formula)}</TR>")
        if value:
            rows.append(f"<TR>{cell('= ' + value)}</TR>")
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


# ---- a recurrent layer's time steps, drawn in one row ----------------------------------------

_STEP = re.compile(r"(.+) t=\d+")     # the group of one time step: "simple_rnn t=3" (nn's recurrent layers)


def _time_lines(order) -> dict:
    """id(node) -> its layer's name, for the nodes of time steps (groups "name t=k") on the state's
    path: those the previous step's state reaches (at the first step: the initial state, a
    constant). dot keeps nodes with one `group` attribute in a straight line, so the steps come in
    one row, in time order; the other nodes of a step (x_t's slice) sit beside it."""
    line = {}
    for n in order:
        layer = _layer_of_step(n.group)
        if layer is None:
            continue
        for x in n.inputs:
            same_step = x.group == n.group
            if (same_step and id(x) in line) or (not same_step and _layer_of_step(x.group) == layer) \
                    or (not x.inputs and not x.requires_grad):
                line[id(n)] = layer
                break
    return line


def _layer_of_step(group) -> str | None:
    m = _STEP.fullmatch(group) if isinstance(group, str) else None
    return m.group(1) if m else None


# ---- collapsing: a group drawn as one box ----------------------------------------------------

def _choose_collapse(order, collapse, max_nodes) -> tuple[str | None, str]:
    """(the collapse mode to draw with, a note for the picture when it was chosen automatically)."""
    if collapse not in (None, *COLLAPSES):
        raise ValueError(f"draw_graph: collapse must be one of {COLLAPSES} or None, got {collapse!r}")
    if collapse is not None or len(order) <= max_nodes:
        return collapse, ""
    for mode in COLLAPSES:
        items = collapsed_items(order, mode)
        boxes = len(order) - len(items) + len(set(items.values()))
        if boxes <= max_nodes or mode == COLLAPSES[-1]:
            if not items:
                return None, ""                # no groups to collapse: the nearest nodes only
            what = "each box a neuron" if mode == "neuron" else "each box a layer"
            return mode, (f"collapsed: {len(order):,} nodes drawn as {min(boxes, max_nodes):,} boxes ({what}; "
                          f"draw_graph(..., collapse=None, max_nodes={len(order)}) draws every node)")
    return None, ""


def collapsed_items(order, mode: str | None) -> dict:
    """id(node) -> the name of the box it is drawn in, for the nodes a collapsed drawing hides
    (nodes not in the dict are drawn as themselves). A node made inside `group(name)` goes into
    that group's box; a leaf or constant all of whose users are in one box goes in with them (a
    neuron's weights), so the box's inputs are what flows in from elsewhere."""
    if mode is None:
        return {}
    item = {}
    for n in order:
        if n.group is not None:
            item[id(n)] = _box_name(n.group, mode)
    users: dict[int, set] = {}
    for n in order:
        for x in n.inputs:
            users.setdefault(id(x), set()).add(item.get(id(n)))
    for n in order:
        if not n.inputs and id(n) not in item:
            boxes = users.get(id(n), set())
            if len(boxes) == 1 and None not in boxes:
                item[id(n)] = next(iter(boxes))
    return item


def _box_name(group, mode: str) -> str:
    name = str(group)
    if mode == "layer":
        m = re.fullmatch(r"(.*?)\s*neuron\s*\d+", name)
        if m and m.group(1):
            return m.group(1)
    return name


def _nearest(root, item_of: dict, limit: int) -> dict:
    """Up to `limit` boxes, breadth first from root: id(node) of a node drawn as itself, or a
    group's name -> node or True. What a drawing too big for `max_nodes` keeps."""
    def key(n):
        return item_of.get(id(n), id(n))
    kept, queue = {key(root): root}, deque([root])
    seen = {id(root)}
    while queue and len(kept) < limit + 1:
        for x in queue.popleft().inputs:
            if id(x) in seen:
                continue
            seen.add(id(x))
            k = key(x)
            if k not in kept:
                if len(kept) >= limit:
                    continue
                kept[k] = x
            queue.append(x)
    return kept


def _count_nodes(order, item_of, kept) -> int:
    return sum(1 for n in order if item_of.get(id(n), id(n)) in kept)


def _group_attrs(key, members, rows, root, lit) -> dict:
    """One box for a whole group: its name, its size, the shapes flowing in and out, and the
    gradient (and any other row) of what it passes on."""
    inside = {id(n) for n in members}
    ins = [x for n in members for x in n.inputs if id(x) not in inside]
    ins = list({id(x): x for x in ins}.values())
    params = sum(1 for n in members if not n.inputs and n.requires_grad)
    outs = [n for n in members if n is root] or [n for n in members if n.inputs][-1:]
    head = _ROOT if any(n is root for n in members) else _INNER
    cells = [f'<TR><TD COLSPAN="2" BGCOLOR="{head}"><B>{html.escape(str(key))}</B></TD></TR>',
             f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="10" COLOR="{_KEY}">{len(members):,} nodes'
             f'{f", {params:,} parameters" if params else ""}</FONT></TD></TR>',
             f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="{_KEY}">in</FONT></TD>'
             f'<TD ALIGN="RIGHT">{html.escape(_shapes(ins))}</TD></TR>',
             f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="{_KEY}">out</FONT></TD>'
             f'<TD ALIGN="RIGHT">{html.escape(_shapes(outs))}</TD></TR>']
    if len(outs) == 1:
        cells += _value_rows(outs[0], [r for r in rows if r[0] != "data"])
    label = '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">' + "".join(cells) + "</TABLE>>"
    ring = {"color": _NOW, "penwidth": "3"} if lit else {}
    return {"label": label, "shape": "box", "style": "rounded,filled,bold", "fillcolor": "white",
            "margin": "0.04", "color": "#616161", "penwidth": "1.6", **ring}


def _shapes(nodes) -> str:
    """What a list of nodes holds, in a few words: '3 scalars', '(32, 10)', '(5, 4), 2 scalars'."""
    if not nodes:
        return "—"
    counts = Counter("scalar" if np.ndim(n.data) == 0 else str(np.shape(n.data)) for n in nodes)
    parts = []
    for shape, k in counts.most_common(3):
        if shape == "scalar":
            parts.append(f"{k} scalar{'s' if k > 1 else ''}")
        else:
            parts.append(shape if k == 1 else f"{k} × {shape}")
    more = len(counts) - 3
    return ", ".join(parts) + (f", {more} other shapes" if more > 0 else "")


def _hot_set(highlight) -> set:
    if highlight is None:
        return _Identity(())
    if isinstance(highlight, (list, tuple, set, frozenset)):
        return _Identity(highlight)
    return _Identity((highlight,))


class _Identity:
    """A set of nodes by identity (a Tensor's == is elementwise)."""

    def __init__(self, nodes):
        self.ids = {id(n) for n in nodes}

    def __contains__(self, node) -> bool:
        return id(node) in self.ids


def _edge_label(lines) -> str:
    """An edge's label, one line per (text, colour, bold): an HTML-like label, so each line has its colour."""
    parts = []
    for text, colour, bold in lines:
        t = html.escape(text)
        parts.append(f'<FONT COLOR="{colour}">{f"<B>{t}</B>" if bold else t}</FONT>')
    return "<" + "<BR/>".join(parts) + ">"


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
    cells += _value_rows(node, rows)
    cells = cells or ['<TR><TD WIDTH="24"> </TD></TR>']   # nothing to show: an empty box, still valid
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">'
            + "".join(cells) + "</TABLE>>")


def _value_rows(node, rows) -> list:
    """A row per (name, get): the name, then get(node) as text (a number, an array's summary);
    a `_Hidden` value keeps its room in the background colour, a `_Partial` one is pale and slanted."""
    cells = []
    for name, get in rows:
        v = get(node)
        hidden, partial = isinstance(v, _Hidden), isinstance(v, _Partial)
        text = "" if v is None else _summary(v.value if hidden or partial else v, sep="\n")
        text = "<BR/>".join(html.escape(line) for line in text.split("\n"))
        bg = "white" if name == "data" else _GRAD if name == "grad" else _OTHER
        if text and name != "data":   # (graphviz rejects an empty <B></B>)
            text = f"<B>{text}</B>"
        if hidden:                    # unknown yet: keep the text's room (bold too), paint it out
            bg, text = _BLANK, f'<FONT COLOR="{_BLANK}">{text}</FONT>'
        elif partial:                 # a sum still growing
            bg, text = _PARTIAL, f"<I>{text}</I>"
        cells.append(f'<TR><TD ALIGN="LEFT" BGCOLOR="{bg}"><FONT POINT-SIZE="10" COLOR="{_KEY}">{name}</FONT></TD>'
                     f'<TD ALIGN="RIGHT" BGCOLOR="{bg}">{text}</TD></TR>')
    return cells


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


_INFIX = {"+": " + ", "*": "·", "/": "/", "**": "^", "@": " @ ", "-": " - "}


def root_name(root) -> str:
    """What captions and edge labels call the output: its label when that is one word (o, loss),
    else f (the `graph` command labels its output with the formula, and prints ∂f/∂x)."""
    label = root.label or ""
    return label if label.replace("_", "").isalnum() else "f"


def _names(order, root=None) -> dict:
    """id(node) -> how a caption or an edge label names it: its label; a constant's number; an op
    on named inputs written out, x·w + b or tanh(n), while that stays short; else "node #k"
    (backward's number); `root` is `root_name(root)`. As a symbol in a formula (∂f/∂…), a name that
    is not one word is in parentheses."""
    plain, total = {}, len(order)
    for k, n in enumerate(order):
        if n.label:
            plain[id(n)] = n.label
        elif not n.inputs:
            plain[id(n)] = _summary(n.data) if np.ndim(n.data) == 0 else f"node #{total - k}"
        else:
            op = n.op.name
            if op in _INFIX and len(n.inputs) == 2:
                a, b = (_operand(plain[id(x)], op) for x in n.inputs)
                text = f"{a}{_INFIX[op]}{b}"
            else:
                text = f"{op}({', '.join(plain[id(x)] for x in n.inputs)})"
            plain[id(n)] = text if len(text) <= 18 else f"node #{total - k}"
    names = {k: _sym(v) for k, v in plain.items()}
    if root is not None:
        names[id(root)] = root_name(root)
    return names


def _operand(name: str, op: str) -> str:
    """A name inside a longer formula: x + b in parentheses when multiplied, -3.0 always."""
    if name.startswith("-") or (op not in "+-" and " " in name and not name.startswith("node #")):
        return f"({name})"
    return name


def _sym(name: str) -> str:
    """A name as a symbol in a formula: x1 and 2.0 stay as they are, x·w + b becomes (x·w + b)."""
    if name.startswith("node #") or name.replace("_", "").isalnum():
        return name
    try:
        return name if float(name) >= 0 else f"({name})"
    except ValueError:
        return f"({name})"


def _is_constant(node) -> bool:
    return not node.inputs and not node.requires_grad


def _local_grads(node) -> list:
    """∂out/∂input for each input, summarised: what the engine's own `backward_step` sends each
    input from a gradient of 1 (ones for a Tensor) at the output. A number for a Value; for a
    Tensor, ∂(Σ out)/∂input in the input's shape."""
    one = np.ones_like(node.data) if isinstance(node.data, np.ndarray) else 1.0
    return [None if d is None else _summary(d) for d in sent(node, one)]


def sent(node, g) -> list:
    """What the engine's `backward_step` sends each input of `node` when ∂L/∂node is `g` (None for
    an input needing no gradient): the chain rule's product, ∂L/∂node · ∂node/∂input. Computed on
    stand-ins, so the graph is left as it is."""
    stand_ins = []
    for x in node.inputs:
        s = new_node(node.kind, x.data)
        s.requires_grad = x.requires_grad
        s.grad = None
        stand_ins.append(s)
    out = new_node(node.kind, node.data)
    out.op, out.inputs, out.attrs = node.op, tuple(stand_ins), node.attrs
    out.grad = g
    with np.errstate(all="ignore"):                 # the picture shows inf/nan; no warnings
        backward_step((out,), node.xp)
    return [s.grad if s.requires_grad else None for s in stand_ins]


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


# ---- graphviz, imported only when a picture is asked for -------------------------

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


def jupyter_bundle(node, include=None, exclude=None) -> dict:
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
