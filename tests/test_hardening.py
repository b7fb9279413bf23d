"""Hostile and careless inputs (issue 16): each is built inside the test, and each must end in a named
error or a right answer, in bounded time and memory, with nothing half-written and no process left.

The command-line cases run the real command in a subprocess, from this checkout.
"""

from __future__ import annotations

import gzip
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from nn.cli import dot as dot_runner

ROOT = Path(__file__).resolve().parents[1]
HAS_DOT = dot_runner.shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")


def command(*argv: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """`tinygrad-edu ARGV` from this checkout, in a subprocess."""
    return subprocess.run([sys.executable, "-c", "import sys; from nn.cli import main; sys.exit(main())", *argv],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "TINYGRAD_EDU_DEBUG": ""})


def one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """The single line on stderr of a refusal (exit 2), holding every fragment."""
    assert result.returncode == 2, (result.returncode, result.stdout[-500:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    return lines[0]


def dot_processes(marker: str) -> list[int]:
    """The pids of running `dot` processes whose command line holds `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if argv and argv[0].endswith(b"dot") and any(marker.encode() in a for a in argv):
            found.append(int(entry.name))
    return found


# ---- item 2: tinygrad-edu graph ------------------------------------------------------------------

@pytest.mark.parametrize("formula, nodes, gradient", [
    ("+".join(["x"] * 340), 340, "340"),          # 340 levels of BinOp: over Python's recursion limit in a recursive walk
    ("-" * 400 + "x", 401, "1"),                  # 400 levels of UnaryOp (an even number: f = x)
    ("-" * 1998 + "x", 1999, "1"),                # as deep as the 2,000-character cap allows
])
def test_graph_deep_formulas_are_computed_and_their_picture_refused(formula, nodes, gradient, tmp_path):
    start = time.perf_counter()
    result = command("graph", "--out", "g.gv", "--", formula, "x=1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"∂f/∂x = {gradient}\n" in result.stdout
    assert (tmp_path / "g.gv").read_text().startswith("digraph")            # the DOT source needs no layout
    result = command("graph", "--", formula, "x=1", cwd=tmp_path)
    one_line_error(result, f"the graph has {nodes} nodes", "limited to 50", "--out graph.gv")
    assert result.stdout == "" and not (tmp_path / "graph.svg").exists()     # refused before any output
    assert time.perf_counter() - start < 20


def test_graph_sum_that_took_dot_ten_minutes_is_refused_in_seconds(tmp_path):
    start = time.perf_counter()
    result = command("graph", "+".join(["x"] * 100), "x=1", "--out", "g.png", "--local-grads", cwd=tmp_path)
    one_line_error(result, "100 nodes", "50")
    assert time.perf_counter() - start < 10
    assert list(tmp_path.iterdir()) == []


def test_graph_steps_have_a_frame_budget(tmp_path):
    formula = "+".join(f"x{i}" for i in range(100))
    start = time.perf_counter()
    result = command("graph", formula, *(f"x{i}=1" for i in range(100)), "--out", "g.gv", "--steps", "steps",
                     cwd=tmp_path)
    one_line_error(result, "199 nodes", "--steps", "limited to 20")
    assert time.perf_counter() - start < 10
    assert not (tmp_path / "steps").exists() and not (tmp_path / "g.gv").exists()


@needs_dot
def test_graph_steps_within_the_budget_are_drawn_quickly(tmp_path):
    pytest.importorskip("PIL")
    start = time.perf_counter()
    result = command("graph", "tanh(x1*w1 + x2*w2 + x3*w3 + b)", "x1=1", "x2=2", "x3=3", "w1=1", "w2=-1", "w3=0.5",
                     "b=0", "--out", "g.svg", "--steps", "steps", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    frames = sorted((tmp_path / "steps").glob("step_*.png"))
    assert len(frames) == 14 and (tmp_path / "steps" / "backward.gif").stat().st_size > 10_000
    assert sum(f.stat().st_size for f in frames) < 20_000_000
    assert time.perf_counter() - start < 60


# dot needs minutes for this one (one variable feeding every node, with labels on every edge)
SLOW_DOT_FORMULA = "+".join(["x"] * 49)


@needs_dot
def test_dot_past_its_deadline_is_killed_and_nothing_half_written(tmp_path):
    from tinygrad_edu import draw_graph
    from nn.cli.expression import build

    root, _ = build(SLOW_DOT_FORMULA, {"x": 1.0})
    root.backward()
    source = draw_graph(root, format="png", show_local_grads=True).source
    start = time.perf_counter()
    with pytest.raises(dot_runner.DotTimeout, match=r"did not finish within 1 s .* was stopped; try less"):
        dot_runner.render([(source, "png", tmp_path / "slow.png")], timeout=1, advice="try less")
    assert time.perf_counter() - start < 5
    assert list(tmp_path.iterdir()) == []                          # no picture, no .part file
    assert dot_processes("tinygrad-edu-dot-") == []


@needs_dot
@pytest.mark.parametrize("signum, status, word", [(signal.SIGINT, 130, "interrupted"),
                                                  (signal.SIGTERM, 143, "terminated")])
def test_stopping_the_command_stops_dot_too(signum, status, word, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from nn.cli import main; sys.exit(main())", "graph", SLOW_DOT_FORMULA,
         "x=1", "--local-grads", "--out", "slow.png"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 30
        while not dot_processes(".slow.png.part"):                  # wait until dot is laying out
            assert time.monotonic() < deadline and process.poll() is None, "dot never started"
            time.sleep(0.05)
        process.send_signal(signum)
        _, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == status and err.strip() == f"tinygrad-edu: {word}"
    time.sleep(0.2)
    assert dot_processes(".slow.png.part") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# ---- item 3: the MNIST reader and download --------------------------------------------------------

def _gzip_bomb(path: Path, header: bytes, zeros: int) -> Path:
    """A gzip file of `header` then `zeros` zero bytes, compressed as it is written (about 1000:1)."""
    with gzip.open(path, "wb", compresslevel=9) as f:
        f.write(header)
        block = bytes(1 << 20)
        for _ in range(zeros >> 20):
            f.write(block)
    return path


def test_mnist_gzip_bomb_is_refused_with_bounded_memory(tmp_path):
    from nn.datasets import read_idx

    # the header announces 5 labels; 512 MB of zeros follow, in a file of half a megabyte
    bomb = _gzip_bomb(tmp_path / "train-labels-idx1-ubyte.gz", (0x801).to_bytes(4, "big") + (5).to_bytes(4, "big"),
                      512 << 20)
    assert bomb.stat().st_size < 1 << 20
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.gz: has trailing bytes: the header says "
                                             r"shape \(5,\) = 5 bytes"):
            read_idx(bomb, 0x801)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"peak {peak:,} bytes"
    assert time.perf_counter() - start < 5


def test_mnist_header_announcing_too_much_is_refused_before_reading(tmp_path):
    from nn.datasets import read_idx

    shape = b"".join(n.to_bytes(4, "big") for n in (2**31, 28, 28))
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress((0x803).to_bytes(4, "big") + shape + bytes(1000)))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"1,683,627,180,032 bytes of data, more than the 268,435,456 this reader "
                                             r"accepts") as info:
            read_idx(path, 0x803)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20 and "allow_pickle" not in str(info.value)


class _TricklingServer:
    """Serves a 100,000-byte body one byte every 50 ms (an hour and a half in all); each request
    stops when the client goes away or after 10 s, so nothing outlives the test."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                stop = time.monotonic() + 10
                try:
                    while time.monotonic() < stop:
                        self.wfile.write(b"\0")
                        self.wfile.flush()
                        time.sleep(0.05)
                except OSError:             # the client hung up: the download gave up, as it should
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_mnist_download_has_a_total_deadline(tmp_path, monkeypatch):
    from nn import datasets

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TINYGRAD_EDU_DATA", raising=False)
    monkeypatch.setattr(datasets, "MNIST_DOWNLOAD_SECONDS", 1.0)
    monkeypatch.setattr(datasets, "MNIST_READ_TIMEOUT", 1.0)     # each byte comes well within it
    server = _TricklingServer()
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", [server.url])
    start = time.perf_counter()
    try:
        with pytest.raises(OSError, match=r"could not download train-images-idx3-ubyte.gz(.|\n)*stopped after 1 s "
                                          r"with \d+ of 100,000 bytes received") as info:
            datasets.load_mnist()
    finally:
        server.close()
    assert time.perf_counter() - start < 5
    assert list((tmp_path / "cache" / "tinygrad_edu" / "mnist").iterdir()) == []    # no partial file
    assert "allow_pickle" not in str(info.value)
