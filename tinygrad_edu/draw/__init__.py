"""Pictures of the computation graph: what every node holds, and how backward and forward mode walk it.

    graph.py    draw_graph(y): a graphviz.Digraph, each Value/Tensor a box (data, grad), each op a
                small oval between its inputs and its output; big graphs collapsed into groups.
                In two steps: picture(y, ...) decides what is drawn (boxes, arrows, labels: plain
                data), to_dot(picture) how (graphviz's colours and shapes)
    steps.py    backward_frames(y): one picture per backward step,
                replayed with the engine's own backward_step (and forward mode's, with its apply)
    page.py     stepper_html(y), show_backward(y): the steps as one self-contained web page, with a
                slider, buttons, a caption per step, a gradient table and a forward-mode switch
    files.py    draw_backward_steps(y, "out/"): the frames as PNG files, a GIF, the page

graphviz (and Pillow, for the GIF) are imported inside the functions, so `import tinygrad_edu`
costs NumPy and nothing heavier. The engine never imports this package.
"""

from ..autograd import Node
from .graph import INSTALL_DOT, draw_graph, jupyter_bundle
from .page import BackwardPage, show_backward, stepper_html
from .files import draw_backward_steps, write_gif
from .steps import backward_frames, backward_trace, forward_trace, mode_costs

__all__ = ["draw_graph", "backward_frames", "draw_backward_steps", "backward_trace", "forward_trace",
           "mode_costs", "stepper_html", "show_backward", "BackwardPage", "write_gif", "jupyter_bundle",
           "INSTALL_DOT"]

Node.jupyter_view = jupyter_bundle   # Jupyter shows a Value or Tensor as its graph (see Node)
