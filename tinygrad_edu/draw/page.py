"""The stepper: backward (and forward) step by step as one self-contained web page.

    stepper_html(root)      the page, a string: inline SVG frames drawn by Graphviz, inline script
                            and style, nothing fetched from anywhere (it opens from a USB stick)
    show_backward(root)     the same page inline in Jupyter (`_repr_html_`; no widget library)

The page has a frame after the forward pass, then one per backward step (`steps.backward_trace`,
the engine's own `backward_step`), a slider `#step`, buttons `#prev` `#next` `#play`, keys ← →
and space, a caption `#caption` in words and numbers, a table of every input's gradient so far
(partial sums marked), and a switch `#mode` to forward mode from any one input
(`steps.forward_trace`, the engine's own `apply` carrying tangents), with what each mode costs
(`count_ops`). `window.backwardSteps` holds the number of backward steps.
"""

from __future__ import annotations

import html
import json
import math
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .graph import _summary

# every text of the page's pictures is drawn this many points (graphviz's unit, the SVG's), and no
# picture is shown smaller than this many pixels a point: read on a projector, a label is at least
# 14 px; a picture too wide for the page at that scale gets a scroll bar rather than smaller text
TEXT_SIZE = 14
MIN_TEXT_PX = 14
from .steps import _bare, Walk, backward_trace, check_frames, forward_trace, mode_costs, step_drawings


def stepper_html(root, *, max_nodes: int = 60, collapse: str | None = None, title: str | None = None,
                 max_frames: int = 60) -> str:
    """The whole page for `root` (call `root.backward()` first), as one HTML string.

    Every frame is a picture of its own, so the page holds at most `max_frames` of them: the
    backward steps (more are refused, saying what to pass), then forward mode from as many inputs
    as there is room for, labelled inputs first (a forward sweep has as many frames as there are
    steps, and a network has an input per parameter); the page says which it left out.

    >>> y.backward()
    >>> Path("y.html").write_text(stepper_html(y))
    """
    w = Walk(root, collapse, max_nodes)
    back = backward_trace(root, walk=w)
    check_frames(len(back) + 1, max_frames, w)
    drawings = step_drawings(root, back, w, format="svg", max_nodes=max_nodes, start=True, titled=False,
                             text_size=TEXT_SIZE)
    frames = [("reverse", k, d) for k, d in enumerate(drawings)]
    modes = {"reverse": _reverse_mode(root, back, w)}
    labels = {"reverse": "reverse mode (backward): every input in one sweep"}
    sweep = len(w.steps([n for n in w.order if n.inputs])) + 1     # a forward sweep's frames: the seeds, then its steps
    inputs = sorted(w.inputs, key=lambda x: not x.label)           # labelled inputs (x1, ...) first
    drawn = inputs[:max(0, max_frames - len(frames)) // sweep]
    note = w.note
    if len(drawn) < len(inputs):
        note += (f"{'; ' if note else ''}forward mode drawn from {len(drawn)} of the {len(inputs):,} inputs "
                 f"({sweep} frames a sweep); stepper_html(..., max_frames={len(frames) + sweep * len(inputs)}) "
                 f"draws every sweep")
    for i, x in enumerate(drawn, start=1):
        fwd = forward_trace(root, x, walk=w)
        key = f"forward-{i}"
        modes[key] = _forward_mode(root, fwd, w, x)
        labels[key] = f"forward mode from {_bare(w.name(x))}: ∂node/∂{w.name(x)}"
        frames += [(key, k, d) for k, d in enumerate(step_drawings(
            root, fwd, w, format="svg", max_nodes=max_nodes, forward_from=x, titled=False, text_size=TEXT_SIZE))]
    with ThreadPoolExecutor() as pool:     # one `dot` process per frame, side by side
        svgs = list(pool.map(lambda f: f[2].pipe(format="svg", encoding="utf-8"), frames))
    costs = mode_costs(root, w)
    value = f"{w.root_name} = {_summary(root.data)}"
    headings = {m: title or f"Backward, step by step: {value}" if m == "reverse" else
                f"Forward mode from {_bare(w.name(x))}, step by step: {value}, ṫ = ∂node/∂{w.name(x)}"
                for m, x in zip(modes, [None] + drawn)}
    heading = headings["reverse"]
    data = {"modes": modes, "labels": labels, "order": list(modes), "costs": costs, "headings": headings,
            "root": w.root_name, "steps": len(back)}
    body = "\n".join(f'<div class="frame" data-mode="{m}" data-k="{k}" hidden>{_inline_svg(svg, f"{m}-{k}")}</div>'
                     for (m, k, _), svg in zip(frames, svgs))
    return _PAGE.format(title=html.escape(heading), note=html.escape(note), frames=body,
                        options="".join(f'<option value="{k}">{html.escape(v)}</option>' for k, v in labels.items()),
                        costs=html.escape(_costs_text(costs, w)), data=_json(data), style=_STYLE, script=_SCRIPT)


def _reverse_mode(root, steps, w) -> dict:
    """The reverse walk as the page's data: a caption and the table of every input's gradient, per frame."""
    rows = w.inputs
    start = (f"after the forward pass: every node holds its value, no gradient yet; backward starts from "
             f"∂{w.root_name}/∂{w.root_name} = {_summary(root.grad)} and walks the {len(steps)} nodes in reverse order")
    captions, cells = [start], [[_cell(None) for _ in rows]]
    arrived = {id(x): 0 for x in rows}
    for s in steps:
        captions.append(s.caption)
        for a in s.arrivals:
            if id(a.input) in arrived:
                arrived[id(a.input)] += 1
        row = []
        for x in rows:
            v = s.values.get(id(x))
            note = f"{arrived[id(x)]} of {w.uses[id(x)]} paths" if v is not None and v[1] == "partial" else ""
            row.append(_cell(None) if v is None else _cell(v[0], v[1], note))
        cells.append(row)
    return {"captions": captions, "rows": [_bare(w.name(x)) for x in rows], "cells": cells,
            "head": f"∂{w.root_name}/∂input, so far", "legend": _REVERSE_LEGEND}


def _forward_mode(root, steps, w, x) -> dict:
    shown = [n for n in w.order if n.inputs or n.requires_grad]
    cells = []
    for s in steps:
        cells.append([_cell(s.values[id(n)][0], "final") if id(n) in s.values else _cell(None) for n in shown])
    return {"captions": [s.caption for s in steps], "rows": [_bare(w.name(n)) for n in shown], "cells": cells,
            "legend": (f"Forward mode: {_bare(w.name(x))} carries ṫ = 1, the other inputs 0; each op's ṫ is computed "
                       f"by the engine's apply as the op runs. Red: the op of this step. The last ṫ is "
                       f"∂{w.root_name}/∂{_bare(w.name(x))}."),
            "head": f"ṫ = ∂node/∂{_bare(w.name(x))}", "out": len(shown) - 1 if shown and shown[-1] is root else None}


_REVERSE_LEGEND = ("orange: complete · pale, “…”: a partial sum, paths still to come · blank: nothing yet. "
                   "Red in the picture: the step's node and the edges it sends along, each edge carrying "
                   "upstream × local derivative = what arrives.")


def _cell(v, state: str = "none", note: str = "") -> list:
    """[text shown, the exact value (repr or JSON), state, note] of one table cell."""
    if v is None:
        return ["", "", "none", note]
    if np.ndim(v) == 0:
        exact = repr(float(np.asarray(v)))
    else:
        exact = json.dumps(np.asarray(v, dtype=float).tolist()) if np.size(v) <= 64 else ""
    return [_summary(v), exact, state, note]


def _costs_text(c: dict, w) -> str:
    n = c["inputs"]
    return (f"Reverse mode gives all {n} inputs' derivatives in one sweep: {c['reverse_rules']} backward rule "
            f"evaluations. Forward mode gives one input's derivative per sweep, so it needs {n} sweeps: "
            f"{n} × {c['forward_rules_per_sweep']} = {c['forward_rules']} tangent rule evaluations "
            f"(counted by count_ops). One output, many inputs: reverse wins; one input, many outputs: forward.")


def _inline_svg(svg: str, prefix: str) -> str:
    """Graphviz's SVG without its XML prologue and doctype, its ids made unique on the page, its
    fixed size replaced by the page's width, but never so narrow that its text (TEXT_SIZE points)
    is drawn smaller than MIN_TEXT_PX pixels."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\bid="', f'id="{prefix}-', svg)
    box = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) [\d.]+"', svg)
    least = f' style="min-width:{math.ceil(float(box.group(1)) * MIN_TEXT_PX / TEXT_SIZE)}px"' if box else ""
    return re.sub(r'(<svg[^>]*?)\swidth="[^"]*"\s+height="[^"]*"', rf"\1{least}", svg, count=1)


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


class BackwardPage:
    """The stepper page for one graph: shown inline by Jupyter (`_repr_html_`), or saved to a file."""

    def __init__(self, page: str):
        self.html = page

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        # an iframe of its own: the page's ids, style and keys do not mix with the notebook's
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width:100%;height:720px;'
                f'border:1px solid #ddd" title="backward, step by step"></iframe>')


def show_backward(root, **kwargs) -> BackwardPage:
    """The stepper for `root` (after `root.backward()`), displayed inline when it is a cell's result.

    >>> loss.backward()
    >>> show_backward(loss)          # in Jupyter: the page, with its slider and buttons
    """
    return BackwardPage(stepper_html(root, **kwargs))


_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 12px; color: #212121; }
h1 { font-size: 18px; margin: 0 0 6px; }
#controls { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
#controls button { font-size: 14px; padding: 3px 10px; }
#step { flex: 1; min-width: 160px; }
#counter { font-variant-numeric: tabular-nums; color: #616161; min-width: 90px; }
#caption { background: #fff8e1; border-left: 4px solid #d32f2f; padding: 6px 10px; margin: 6px 0;
           font-size: 15px; min-height: 2.6em; }
#frames { overflow-x: auto; border: 1px solid #e0e0e0; }
#frames svg { width: 100%; height: auto; display: block; }
#side { display: flex; gap: 24px; align-items: flex-start; font-size: 14px; margin-top: 8px; }
#side > table { flex: 0 0 auto; width: auto; min-width: 320px; }
#side > div { flex: 1; }
#table { border-collapse: collapse; }
#table th, #table td { border-bottom: 1px solid #eee; padding: 3px 6px; text-align: left; }
#table td.v { text-align: right; font-variant-numeric: tabular-nums; }
#table tr.final td.v { background: #ffcc80; font-weight: bold; }
#table tr.partial td.v { background: #fff3e0; font-style: italic; }
#table tr.none td.v { color: #bdbdbd; }
#table td.n { color: #757575; font-size: 11px; }
#note, #costs { color: #616161; font-size: 14px; margin: 4px 0; }
#legend { color: #757575; font-size: 14px; margin-top: 4px; }
"""

_SCRIPT = r"""
(function () {
  const data = JSON.parse(document.getElementById('data').textContent);
  const slider = document.getElementById('step'), caption = document.getElementById('caption');
  const mode = document.getElementById('mode'), play = document.getElementById('play');
  const table = document.getElementById('table'), counter = document.getElementById('counter');
  const legend = document.getElementById('legend'), heading = document.querySelector('h1');
  const frames = Array.from(document.querySelectorAll('.frame'));
  let current = 'reverse', k = 0, timer = null;
  window.backwardSteps = data.steps;

  function show() {
    const m = data.modes[current], last = m.captions.length - 1;
    k = Math.max(0, Math.min(k, last));
    slider.max = String(last);
    slider.value = String(k);
    frames.forEach(f => { f.hidden = !(f.dataset.mode === current && Number(f.dataset.k) === k); });
    caption.textContent = m.captions[k];
    legend.textContent = m.legend;
    heading.textContent = document.title = data.headings[current];
    counter.textContent = k === 0 ? (current === 'reverse' ? 'forward pass done' : 'seeds') : 'step ' + k + ' of ' + last;
    let rows = '<tr><th>' + (current === 'reverse' ? 'input' : 'node') + '</th><th>' + m.head + '</th><th></th></tr>';
    m.rows.forEach((name, i) => {
      const c = m.cells[k][i];
      const id = current === 'reverse' ? 'grad-' + i : (i === m.out ? 'tangent' : 'tangent-' + i);
      rows += '<tr class="' + c[2] + '"><td>' + esc(name) + '</td><td class="v" id="' + id + '" data-value="' +
              esc(c[1]) + '" data-state="' + c[2] + '">' + esc(c[0]) + (c[2] === 'partial' ? ' …' : '') +
              '</td><td class="n">' + esc(c[2] === 'partial' ? 'partial: ' + c[3] : '') + '</td></tr>';
    });
    table.innerHTML = rows;
  }
  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }
  function go(to) { k = to; show(); }
  function stop() { if (timer) { clearInterval(timer); timer = null; play.textContent = '▶ play'; } }
  document.getElementById('prev').addEventListener('click', () => { stop(); go(k - 1); });
  document.getElementById('next').addEventListener('click', () => { stop(); go(k + 1); });
  slider.addEventListener('input', () => { stop(); go(Number(slider.value)); });
  play.addEventListener('click', () => {
    if (timer) { stop(); return; }
    if (k >= data.modes[current].captions.length - 1) go(0);
    play.textContent = '❚❚ pause';
    timer = setInterval(() => {
      if (k >= data.modes[current].captions.length - 1) { stop(); return; }
      go(k + 1);
    }, 1200);
  });
  mode.addEventListener('change', () => { stop(); current = mode.value; go(0); });
  document.addEventListener('keydown', e => {
    if (e.target === mode) return;
    if (e.key === 'ArrowLeft') { stop(); go(k - 1); e.preventDefault(); }
    else if (e.key === 'ArrowRight') { stop(); go(k + 1); e.preventDefault(); }
    else if (e.key === ' ') { play.click(); e.preventDefault(); }
  });
  show();
})();
"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style></head>
<body>
<h1>{title}</h1>
<div id="note">{note}</div>
<div id="controls">
  <select id="mode" aria-label="mode">{options}</select>
  <button id="prev" title="previous step (←)">◀ back</button>
  <button id="play" title="play / pause (space)">▶ play</button>
  <button id="next" title="next step (→)">next ▶</button>
  <input type="range" id="step" min="0" max="0" value="0" aria-label="step">
  <span id="counter"></span>
</div>
<div id="caption"></div>
<div id="frames">{frames}</div>
<div id="side">
  <table id="table"></table>
  <div><div id="legend"></div><p id="costs">{costs}</p></div>
</div>
<script type="application/json" id="data">{data}</script>
<script>{script}</script>
</body></html>
"""
