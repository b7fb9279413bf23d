"""Backward step by step as pictures: one frame per node backward visits, then a GIF of them.

Each frame is a `draw_graph` picture of the whole graph: the node being visited outlined in red,
the gradients complete so far filled in, the others blank. The command renders the frames itself
through `dot.render`, so they share one deadline and a stopped run leaves no `dot` behind; the
frame count is capped before anything is drawn (`MAX_STEP_FRAMES`), since every node is a frame
and every frame a picture of every node.
"""

from __future__ import annotations

import html
from pathlib import Path

from tinygrad_edu import draw_graph, topological_order

from .dot import render

MAX_STEP_FRAMES = 20        # frames of at most 20 nodes: a few seconds of `dot`, a GIF of a few MB
STEPS_TIMEOUT = 60.0        # seconds for all the frames together
SECONDS_PER_FRAME = 1.2


def write_steps(root, folder: Path, *, show_local_grads: bool = True) -> list[Path]:
    """Draw step_1.png, step_2.png, ... into `folder` (root.backward() already run); returns them in order."""
    walk = list(reversed(topological_order(root)))        # the order backward visits the nodes
    width = len(str(len(walk)))
    jobs = []
    for k, current in enumerate(walk, start=1):
        known = {id(node) for node in walk[:k]}
        frame = draw_graph(root, format="png", show_grad=False, show_order=True, show_local_grads=show_local_grads,
                           values={"grad": lambda node, known=known: node.grad if id(node) in known else None},
                           highlight=current)
        frame.attr(label=html.escape(_caption(current, k, len(walk))), labelloc="t", labeljust="l", fontsize="16")
        jobs.append((frame.source, "png", folder / f"step_{k:0{width}d}.png"))
    folder.mkdir(parents=True, exist_ok=True)
    return render(jobs, timeout=STEPS_TIMEOUT,
                  advice="draw fewer steps (a smaller formula), or leave out --steps")


def _caption(node, k: int, total: int) -> str:
    """What happens at step k, in one line."""
    step = f"backward step {k}/{total}: "
    name = node.label or "this node"
    if not node.inputs and not node.requires_grad:
        return step + f"{node.label or f'{node.data:g}'} is a constant: it needs no gradient"
    if not node.inputs:
        return step + f"{name} is a leaf: its gradient {node.grad:.4g} is final"
    return step + (f"the gradient of {name}, {node.grad:.4g}, is complete; {node.op.name} passes it on to "
                   f"its inputs, times each local derivative")


def write_gif(frames: list[Path], path: Path) -> Path:
    """The frames as one looping GIF (Pillow), the last one held three times as long.

    One frame at a time is decoded and reduced to 64 colours (one byte a pixel) with the last
    frame's palette, which holds every colour the others use: memory grows by one small frame
    per step, not by a full-colour image per step.
    """
    from PIL import Image   # only when a GIF is asked for

    sizes = []
    for frame in frames:
        with Image.open(frame) as image:            # opening reads the header only
            sizes.append(image.size)
    width, height = max(w for w, _ in sizes), max(h for _, h in sizes)

    def on_canvas(frame: Path) -> Image.Image:      # a longer caption widens a frame: one size for all
        canvas = Image.new("RGB", (width, height), "white")
        with Image.open(frame) as image:
            canvas.paste(image.convert("RGB"), (0, 0))
        return canvas

    palette = on_canvas(frames[-1]).quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    images = [on_canvas(frame).quantize(palette=palette, dither=Image.Dither.NONE) for frame in frames]
    ms = int(SECONDS_PER_FRAME * 1000)
    images[0].save(path, save_all=True, append_images=images[1:], loop=0,
                   duration=[ms] * (len(images) - 1) + [3 * ms])
    return path
