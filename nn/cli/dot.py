"""Graphviz's `dot` run by the command itself, on a budget: a deadline, and no `dot` left behind.

`graphviz.Digraph.pipe` waits for `dot` as long as it takes, and `dot`'s layout can take minutes
on a graph of a hundred nodes when one variable feeds them all (`x+x+...+x`: 80 terms, 70 s).
Here each `dot` runs in its own process group on the Digraph's `.source`, several side by side,
and every one still running is killed (with anything it started) when the deadline passes, on
Ctrl-C, or on any error, before the exception goes on. Each file is written under a temporary
name and renamed into place when complete, so a stopped run leaves no half-written picture.

>>> render([(draw_graph(y).source, "svg", Path("y.svg"))], timeout=20)   # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Sequence

DOT_TIMEOUT = 20.0      # seconds for one picture; a small graph takes well under one
POLL_SECONDS = 0.02


class DotNotFound(FileNotFoundError):
    """Graphviz's `dot` program is not on PATH."""


class DotTimeout(TimeoutError):
    """`dot` did not finish in time and was stopped; the message says what to do instead."""


def render(jobs: Sequence[tuple[str, str, Path]], *, timeout: float = DOT_TIMEOUT, advice: str = "",
           parallel: int | None = None) -> list[Path]:
    """Run `dot -T<format>` on each (DOT source, format, output path), up to `parallel` at once
    (default: the number of CPUs), all within `timeout` seconds; returns the paths written.

    Raises DotNotFound without `dot`, DotTimeout (ending in `advice`) past the deadline, and
    ValueError when `dot` rejects a source (with its first line of complaint).
    """
    program = shutil.which("dot")
    if program is None:
        raise DotNotFound("Graphviz's `dot` program was not found on PATH")
    parallel = max(1, parallel or os.cpu_count() or 1)
    deadline = time.monotonic() + timeout
    pending = list(enumerate(jobs))
    running: dict[int, subprocess.Popen] = {}
    with tempfile.TemporaryDirectory(prefix="tinygrad-edu-dot-") as scratch:
        try:
            while pending or running:
                while pending and len(running) < parallel:
                    i, (source, fmt, path) = pending.pop(0)
                    running[i] = _start(program, source, fmt, path, Path(scratch) / str(i))
                for i, process in list(running.items()):
                    if process.poll() is not None:
                        del running[i]
                        _finish(process, jobs[i], Path(scratch) / str(i))
                if time.monotonic() > deadline:
                    done = len(jobs) - len(pending) - len(running)
                    raise DotTimeout(f"Graphviz's dot did not finish within {timeout:g} s ({done} of {len(jobs)} "
                                     f"picture(s) drawn) and was stopped{'; ' + advice if advice else ''}")
                time.sleep(POLL_SECONDS)
        finally:                        # the deadline, Ctrl-C, an error: no dot outlives this call
            for process in running.values():
                _kill(process)
            for _, _, path in jobs:
                _part(path).unlink(missing_ok=True)
    return [path for _, _, path in jobs]


def _start(program: str, source: str, fmt: str, path: Path, scratch: Path) -> subprocess.Popen:
    """Start `dot` on a file (not a pipe: nothing to feed or drain while several run)."""
    scratch.mkdir()
    (scratch / "graph.gv").write_text(source, encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(scratch / "stderr", "wb") as errors:
        # its own session, so killing the group also kills anything dot starts (its plugins' helpers)
        return subprocess.Popen([program, f"-T{fmt}", "-o", str(_part(path)), str(scratch / "graph.gv")],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                                start_new_session=os.name == "posix")


def _finish(process: subprocess.Popen, job: tuple[str, str, Path], scratch: Path) -> None:
    """Rename a finished picture into place, or raise with what `dot` said."""
    _, fmt, path = job
    if process.returncode != 0:
        said = (scratch / "stderr").read_text(encoding="utf-8", errors="replace").strip().splitlines()
        raise ValueError(f"Graphviz's dot could not draw {path} as {fmt} (exit status {process.returncode}): "
                         f"{said[0] if said else 'no message'}")
    os.replace(_part(path), path)


def _kill(process: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):   # already gone
        pass
    process.wait()


def _part(path: Path) -> Path:
    """Where `dot` writes before the rename; same folder, so the rename stays on one filesystem."""
    return path.with_name(f".{path.name}.part")
