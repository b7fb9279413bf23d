"""Writing the step pictures to files: one PNG per backward step, a GIF of them, the stepper page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .graph import _graphviz
from .page import stepper_html
from .steps import backward_frames


def draw_backward_steps(root, out_dir: str | Path, gif: bool = False, *, html: bool = False,
                        show_local_grads: bool = True, max_nodes: int = 500, collapse: str | None = None,
                        seconds_per_step: float = 1.2, max_frames: int = 60) -> list[Path]:
    """Write one PNG per backward step (`backward_frames`), with `gif=True` also
    `out_dir/backward.gif`, and with `html=True` also `out_dir/index.html`, the interactive page
    (`stepper_html`: the same steps, with forward mode beside them). Returns the PNG paths, in order.
    At most `max_frames` pictures each: more steps are refused, saying what to pass.

    >>> y.backward()
    >>> frames = draw_backward_steps(y, "out/steps", gif=True, html=True)
    >>> len(frames) == len(topological_order(y))
    True
    """
    _graphviz()   # fail before writing anything if graphviz is missing
    frames = backward_frames(root, show_local_grads=show_local_grads, max_nodes=max_nodes, collapse=collapse,
                             max_frames=max_frames)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    width = len(str(len(frames)))
    drawings = [(out / f"step_{k:0{width}d}.png", g) for k, g in enumerate(frames, start=1)]
    with ThreadPoolExecutor() as pool:     # each frame is its own `dot` process: run them side by side
        list(pool.map(lambda job: job[0].write_bytes(job[1].pipe(format="png")), drawings))
    paths = [path for path, _ in drawings]
    if gif:
        write_gif(paths, out / "backward.gif", seconds_per_step)
    if html:
        page = stepper_html(root, max_nodes=max_nodes, collapse=collapse, max_frames=max_frames)
        (out / "index.html").write_text(page, encoding="utf-8")
    return paths


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


