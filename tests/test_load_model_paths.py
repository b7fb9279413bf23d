"""load_model reads only a regular file: a link to /dev/zero, a FIFO or a directory is refused by name,
before a byte is read (a link to /dev/zero used to read until MemoryError, a FIFO to block forever)."""

import os
import subprocess
import sys

import pytest

REFUSE = """
import sys, nn
try:
    nn.load_model(sys.argv[1])
except ValueError as e:
    print(e)
"""


def refusal(path) -> str:
    # in a child with a deadline and a memory cap: before the fix each of these hangs or eats memory
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
    done = subprocess.run([sys.executable, "-c", limit + REFUSE, str(path)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    return done.stdout + done.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_load_model_refuses_a_link_to_a_device(tmp_path):
    link = tmp_path / "model.npz"
    link.symlink_to("/dev/zero")
    said = refusal(link)
    assert "is a character device, not a model file" in said and "symlink to '/dev/zero'" in said, said


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_load_model_refuses_a_fifo(tmp_path):
    fifo = tmp_path / "model.npz"
    os.mkfifo(fifo)
    assert "is a FIFO (named pipe), not a model file" in refusal(fifo)


def test_load_model_refuses_a_directory(tmp_path):
    import nn
    (tmp_path / "model.npz").mkdir()
    with pytest.raises(ValueError, match=r"model.npz' is a directory, not a model file; give the path of the .npz"):
        nn.load_model(tmp_path / "model.npz")
