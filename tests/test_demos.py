"""Every script in demos/ runs to the end, in small sizes, and writes the pictures it says it wrote.

Each demo runs as a teacher would run it (`python demos/NAME.py`, in a subprocess, from another
folder) with TINYGRAD_EDU_QUICK=1 and MNIST pointed at the shared data. Checked: exit status 0;
every PNG named in its output exists, was written by this run (not left over from an earlier
one) and is a whole PNG; every PNG the run wrote into demos/out/ is a whole PNG; and nothing was
drawn into the working directory instead.
Demos are found by glob, so a new one is covered the day it lands; the ones the issue lists are
reported as skipped until they exist.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMOS = ROOT / "demos"
OUT = DEMOS / "out"
EXPECTED = ["micrograd_neuron", "line_fit", "xor", "moons", "forward_vs_reverse", "backprop_by_hand", "mnist_mlp"]
NAMES = sorted({p.stem for p in DEMOS.glob("*.py")} | set(EXPECTED))
WITH_ARGUMENTS = ["gan_mnist --dcgan"]        # a second mode of a demo, run the same way
SHARED_DATA = ROOT.parent / "shared" / "data"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# a path or file name ending in .png, as the demos print them: absolute, or relative to demos/out
PNG_NAME = re.compile(r"[\w./\\-]*[\w-]\.png\b")


def demo_env() -> dict[str, str]:
    env = dict(os.environ, TINYGRAD_EDU_QUICK="1", MPLBACKEND="Agg")
    if not env.get("TINYGRAD_EDU_DATA") and (SHARED_DATA / "mnist").is_dir():
        env["TINYGRAD_EDU_DATA"] = str(SHARED_DATA)
    return env


def assert_whole_png(path: Path) -> None:
    """The PNG signature, an IHDR with a non-empty image, the IEND trailer, and Pillow can decode it."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path} does not start with the PNG signature"
    assert data[12:16] == b"IHDR", f"{path}: no IHDR chunk first"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width >= 50 and height >= 50, f"{path}: a {width}×{height} image is too small to be a picture"
    assert data[-8:-4] == b"IEND", f"{path} is cut short (no IEND trailer)"
    from PIL import Image   # matplotlib's own dependency
    with Image.open(path) as image:
        image.load()         # decodes every pixel: a corrupt stream raises here


def named_pngs(output: str) -> list[Path]:
    """The PNG files a demo's output names, each resolved against demos/out unless absolute."""
    paths = []
    for name in dict.fromkeys(PNG_NAME.findall(output)):
        path = Path(name)
        paths.append(path if path.is_absolute() else OUT / path)
    return paths


@pytest.mark.parametrize("name", NAMES + WITH_ARGUMENTS)
def test_demo_runs_and_writes_its_pictures(name: str, tmp_path: Path) -> None:
    name, *arguments = name.split()
    script = DEMOS / f"{name}.py"
    if not script.exists():
        pytest.skip(f"demos/{name}.py does not exist yet")
    env = demo_env()
    if "load_mnist" in script.read_text() and not env.get("TINYGRAD_EDU_DATA"):
        pytest.skip(f"demos/{name}.py needs MNIST: set TINYGRAD_EDU_DATA or put shared/data/mnist beside the repo")
    started = time.time() - 1.0      # file systems store mtimes coarsely: allow a second of slack
    run = subprocess.run([sys.executable, str(script), *arguments], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, f"demos/{name}.py exited with {run.returncode}\n--- stdout\n{run.stdout[-3000:]}" \
                                f"\n--- stderr\n{run.stderr[-3000:]}"
    for path in named_pngs(run.stdout):
        assert path.exists(), f"demos/{name}.py says it wrote {path}, which does not exist"
        assert path.stat().st_mtime >= started, f"{path} was not written by this run of demos/{name}.py"
        assert_whole_png(path)
    fresh = [p for p in OUT.rglob("*.png") if p.stat().st_mtime >= started]
    for path in fresh:
        assert_whole_png(path)
    assert not list(tmp_path.rglob("*.png")), f"demos/{name}.py wrote pictures into the working directory, " \
                                              f"not demos/out/"


def test_the_line_fit_graph_has_a_title_and_draws_each_error_as_one_subtraction(monkeypatch, tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "demos"))
    import line_fit
    drawn = {}
    real = line_fit.draw_graph

    def spy(root, **kwargs):
        drawn["source"] = real(root, **kwargs).source
        return real(root, **kwargs)
    monkeypatch.setattr(line_fit, "draw_graph", spy)
    line_fit.draw_first_graph(tmp_path / "line_fit_graph.png")
    assert (tmp_path / "line_fit_graph.png").stat().st_size > 10_000
    assert "The MSE of the line y = m·x + b at m = -1, b = 5" in drawn["source"]
    assert drawn["source"].count('label="-"') == 2 and drawn["source"].count('label="*"') == 2   # m·x only: no "* -1.0"
