"""Backward step by step as pictures: one frame per node backward visits, then a GIF of them.

Each frame is a `draw_graph` picture of the whole graph: the node being visited outlined in red,
the gradients complete so far filled in, the others blank. The command renders the frames itself
through `dot.render`, so they share one deadline and a stopped run leaves no `dot` behind; the
frame count is capped before anything is drawn (`MAX_STEP_FRAMES`), since every node is a frame
and every frame a picture of every node.
"""

from __future__ import annotations

from pathlib import Path

from tinygrad_edu import draw
from tinygrad_edu.draw import backward_frames

from .dot import render

MAX_STEP_FRAMES = 20        # frames of at most 20 nodes: a few seconds of `dot`, a GIF of a few MB
STEPS_TIMEOUT = 60.0        # seconds for all the frames together
SECONDS_PER_FRAME = 1.2


def write_steps(root, folder: Path, *, show_local_grads: bool = True) -> list[Path]:
    """Draw step_1.png, step_2.png, ... into `folder` (root.backward() already run); returns them in order.
    The frames are the engine's own (`tinygrad_edu.draw.backward_frames`); only the rendering is ours."""
    frames = backward_frames(root, show_local_grads=show_local_grads)
    width = len(str(len(frames)))
    jobs = [(frame.source, "png", folder / f"step_{k:0{width}d}.png") for k, frame in enumerate(frames, start=1)]
    folder.mkdir(parents=True, exist_ok=True)
    return render(jobs, timeout=STEPS_TIMEOUT,
                  advice="draw fewer steps (a smaller formula), or leave out --steps")


def write_gif(frames: list[Path], path: Path) -> Path:
    """The frames as one looping GIF (the engine's writer: one frame in memory at a time)."""
    return draw.write_gif(frames, path, SECONDS_PER_FRAME)
