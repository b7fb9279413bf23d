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
    ("-" * 400 + "x", 801, "1"),                  # 400 levels of UnaryOp (an even number: f = x); -x is x·(-1): 2 nodes each
    ("-" * 1998 + "x", 3997, "1"),               # as deep as the 2,000-character cap allows
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


# ---- item 4: load_csv --------------------------------------------------------------------------

def _table(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _sorted_by_class_with_pandas_index(path: Path) -> Path:
    """What DataFrame.to_csv writes by default: an unnamed index column 0..n-1 first; sorted by class,
    so the index alone would give the answer away."""
    rows = [",size,colour,kind"]
    for i in range(40):
        rows.append(f"{i},{[5.0, 5.1][i % 2] + 0.01 * (i % 7)},{['red', 'green'][i % 3 == 0]},{'ab'[i >= 20]}")
    return _table(path, "\n".join(rows) + "\n")


def test_csv_duplicate_header_is_an_error_naming_the_column(tmp_path, capsys):
    from nn.datasets import load_csv

    path = _table(tmp_path / "twice.csv", "age,weight,age,label\n1,2,3,a\n4,5,6,b\n")
    with pytest.raises(ValueError, match=r"twice.csv: the header gives the column name 'age' to columns 1 and 3"):
        load_csv(path, "label")
    result = command("train", "--csv", str(path), "--target", "label", "--epochs", "1", cwd=tmp_path)
    one_line_error(result, "'age'", "columns 1 and 3")


def test_csv_pandas_index_is_left_out_with_a_note_and_droppable_by_name(tmp_path, capsys):
    from nn.datasets import load_csv

    path = _sorted_by_class_with_pandas_index(tmp_path / "hcv.csv")
    table = load_csv(path, "kind")
    assert table.feature_names == ["size", "colour_green", "colour_red"]
    assert "left out the unnamed first column, row numbers 0..39 (a saved pandas index)" in capsys.readouterr().out
    for name in ("", "index"):
        assert load_csv(path, "kind", drop=[name]).feature_names == ["size", "colour_green", "colour_red"]
        assert "pandas index" not in capsys.readouterr().out            # asked for: no note
    result = command("train", "--csv", str(path), "--target", "kind", "--drop", "", "--epochs", "1", "--verbose",
                     "0", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "csv: 40 samples, 3 features" in result.stdout
    plain = _table(tmp_path / "plain.csv", "a,b\n1,x\n2,y\n")
    with pytest.raises(ValueError, match="no unnamed column to drop"):
        load_csv(plain, "b", drop=[""])
    result = command("train", "--csv", str(plain), "--target", "b", "--drop", "", cwd=tmp_path)
    one_line_error(result, "no unnamed column to drop")                  # --drop "" is not ignored


def test_csv_labels_keep_their_exact_values(tmp_path):
    from nn.datasets import load_csv

    table = load_csv(_table(tmp_path / "big.csv", "x,y\n1,0\n2,1e20\n3,0\n4,1e20\n"), "y")
    assert table.class_names == ["0", "1e20"] and table.y.tolist() == [0, 1, 0, 1]      # not INT64_MIN
    table = load_csv(_table(tmp_path / "ids.csv", "x,y\n1,9223372036854775807\n2,-3\n3,2.0\n"), "y")
    assert table.class_names is None and table.y.tolist() == [9223372036854775807, -3, 2]
    table = load_csv(_table(tmp_path / "huge.csv", "x,y\n1,9223372036854775808\n2,10\n3,1e999999\n"), "y")
    assert table.class_names == ["10", "9223372036854775808", "1e999999"]
    result = command("train", "--csv", str(tmp_path / "big.csv"), "--target", "y", "--epochs", "1", "--verbose", "0",
                     "--test-split", "0.5", "--val-split", "0", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    import json
    assert json.loads((tmp_path / "out" / "preprocessing.json").read_text())["class_names"] == ["0", "1e20"]


def test_csv_inf_is_reported_as_infinite_not_missing(tmp_path):
    from nn.datasets import load_csv

    path = _table(tmp_path / "inf.csv", "x,z,y\n1,2,a\n2,inf,b\n3,4,a\n5,6,b\n")
    with pytest.raises(ValueError, match=r"inf.csv, line 3: column 'z' holds 'inf', an infinite number"):
        load_csv(path, "y")
    line = one_line_error(command("train", "--csv", str(path), "--target", "y", cwd=tmp_path), "infinite", "line 3")
    assert "missing" not in line.split("NA")[0] and "nan" not in line


def test_csv_delimiter_is_sniffed_and_can_be_given(tmp_path):
    from nn.datasets import load_csv

    path = _table(tmp_path / "semi.csv", "size;weight;kind\n" + "".join(
        f"{i % 5},{i % 3};{i};{'ab'[i % 2]}\n" for i in range(20)))            # decimal commas, as in Europe
    table = load_csv(path, "kind")
    assert table.X.shape[0] == 20 and table.feature_names[-1] == "weight"
    assert all(";" not in name for name in table.feature_names)         # split on ;, not on the decimal commas
    result = command("train", "--csv", str(path), "--target", "kind", "--delimiter", ";", "--epochs", "1",
                     "--verbose", "0", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    one_line_error(command("train", "--csv", str(path), "--target", "kind", "--delimiter", ",", cwd=tmp_path),
                   "line 2", "delimiter (',')", "--delimiter")


def test_csv_encoding_errors_name_the_file_and_the_line(tmp_path):
    from nn.datasets import load_csv

    path = _table(tmp_path / "excel.csv", "name,size,kind\nJosé,1,a\nRené,2,b\nZoë,3,a\nAnn,4,b\n", "cp1252")
    with pytest.raises(ValueError, match=r"excel.csv, line 2: the bytes b'\\xe9' are not utf-8 text"):
        load_csv(path, "kind")
    one_line_error(command("train", "--csv", str(path), "--target", "kind", cwd=tmp_path), "excel.csv, line 2",
                   "--encoding")
    result = command("train", "--csv", str(path), "--target", "kind", "--encoding", "cp1252", "--epochs", "1",
                     "--verbose", "0", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


# ---- item 9: train refuses before any work ----------------------------------------------------------

def _refused_before_training(result: subprocess.CompletedProcess, tmp_path: Path, *fragments: str) -> None:
    one_line_error(result, *fragments)
    assert "Epoch" not in result.stdout and "samples" not in result.stdout
    assert not (tmp_path / "tinygrad_edu_out").exists()


def test_target_without_csv_is_refused(tmp_path):
    start = time.perf_counter()
    result = command("train", "--target", "kind", cwd=tmp_path)
    _refused_before_training(result, tmp_path, "--target", "no --csv PATH")
    assert time.perf_counter() - start < 15


@pytest.mark.parametrize("where", ["read-only folder", "sysfs"])
def test_unwritable_out_is_refused_first(where, tmp_path):
    if where == "read-only folder":
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only folders")
        out = tmp_path / "locked"
        out.mkdir()
        out.chmod(0o555)
    else:
        out = Path("/sys/kernel")
        if not out.is_dir() or os.access(out, os.W_OK) and _can_write(out):
            pytest.skip("no unwritable sysfs folder here")
    start = time.perf_counter()
    # MNIST with no files: the --out check must come before the data is even looked for
    result = command("train", "--dataset", "mnist", "--data-dir", "nowhere", "--out", str(out), cwd=tmp_path)
    _refused_before_training(result, tmp_path, f"--out {out}: cannot write there")
    assert time.perf_counter() - start < 15


def _can_write(folder: Path) -> bool:
    try:
        (folder / ".probe").write_text("")
    except OSError:
        return False
    (folder / ".probe").unlink()
    return True


def test_a_network_too_large_for_memory_is_refused_with_its_size(tmp_path):
    import resource

    def cap_memory():          # had the command built the network, it would die here, not print its size
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", "import sys; from nn.cli import main; sys.exit(main())", "train",
                             "--hidden", "100000000"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=cap_memory)
    assert time.perf_counter() - start < 20
    one_line_error(result, "--hidden", "4-100000000-3 network has 800,000,003 parameters", "GB of memory")
    assert "Epoch" not in result.stdout


def _a_file(tmp: Path) -> Path:
    (tmp / "a.gz").write_bytes(b"")
    return tmp / "a.gz"


def _an_empty_folder(tmp: Path) -> Path:
    (tmp / "empty").mkdir()
    return tmp / "empty"


@pytest.mark.parametrize("make, fragment", [
    (lambda tmp: tmp / "nowhere", "--data-dir nowhere: no such folder"),
    (_a_file, "--data-dir a.gz is a file"),
    (_an_empty_folder, "--data-dir empty: load_mnist: train-images-idx3-ubyte.gz not found"),
])
def test_data_dir_problems_name_the_flag(make, fragment, tmp_path):
    folder = make(tmp_path)
    result = command("train", "--dataset", "mnist", "--data-dir", folder.name, "--out", "out", cwd=tmp_path)
    one_line_error(result, fragment)
    assert "Epoch" not in result.stdout


def test_data_dir_with_another_data_set_is_refused(tmp_path):
    _refused_before_training(command("train", "--data-dir", "x", cwd=tmp_path), tmp_path,
                             "--data-dir", "--dataset mnist")


def test_standard_scaler_names_an_infinite_value():
    import numpy as np
    from nn.preprocessing import StandardScaler

    X = np.array([[1.0, 2.0], [3.0, np.inf], [5.0, np.nan]])
    with pytest.raises(ValueError, match=r"X\[1, 1\] is inf, an infinite value"):
        StandardScaler().fit(X)
    assert StandardScaler().fit(X[[0, 2]]).mean_.tolist() == [3.0, 2.0]       # nan stays "missing"
