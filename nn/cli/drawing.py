"""Writing a graph picture to a file, or, without Graphviz's `dot` program, its DOT source.

`draw_graph` builds the DOT text in Python; only rendering it needs the `dot` program, which
`dot.render` runs on a deadline. A classroom machine without Graphviz still gets a file it can
render later, and one line saying so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from .dot import DOT_TIMEOUT, DotNotFound, render

# what `dot -T` can write and a reader expects from the file's suffix; .gv/.dot are the source itself
RENDERED = ("svg", "png", "pdf", "jpg", "jpeg", "gif")
SOURCE = ("gv", "dot")


def picture_format(path: Path) -> str:
    """The format a path's suffix asks for ('svg', 'png', ... or 'gv'); a ValueError for any other."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in RENDERED + SOURCE:
        raise ValueError(f"cannot tell the picture format from {str(path)!r}; end the name in "
                         f"{', '.join('.' + f for f in RENDERED + SOURCE)}")
    return fmt


def write_drawing(draw: Callable[[str], Any], path: Path, *, timeout: float = DOT_TIMEOUT,
                  advice: str = "") -> tuple[Path, str | None]:
    """Render the drawing `draw(format)` returns (a graphviz.Digraph) into `path`, in the format
    of its suffix. (A function rather than a drawing: `draw_graph` sets the resolution of a raster
    format when it builds the drawing, so each format is built for itself.)

    Returns (the file written, a note or None). Without `dot`, writes the DOT source to the same
    name with the suffix .gv and returns a note saying so and how to render it later. When `dot`
    takes longer than `timeout` seconds it is stopped: `dot.DotTimeout`, ending in `advice`.
    """
    fmt = picture_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    drawing = draw("svg" if fmt in SOURCE else fmt)
    if fmt in SOURCE:
        path.write_text(drawing.source, encoding="utf-8")
        return path, None
    try:
        render([(drawing.source, fmt, path)], timeout=timeout, advice=advice)
    except DotNotFound:
        source = path.with_suffix(".gv")
        source.write_text(drawing.source, encoding="utf-8")
        return source, (f"Graphviz's `dot` program was not found, so {path.name} was not drawn; wrote the DOT "
                        f"source {source} instead (install Graphviz, then: dot -T{fmt} {source} -o {path})")
    return path, None
