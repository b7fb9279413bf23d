"""Every MNIST entry point: the folder or its parent; without data, one line naming the right flag or argument."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import nn.datasets

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = shutil.which("tinygrad-edu", path=str(Path(sys.executable).parent)) or shutil.which("tinygrad-edu")
MNIST = Path(os.environ.get("TINYGRAD_EDU_DATA", ROOT.parent / "shared" / "data")) / "mnist"


def _offline(monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise OSError("no network here")
    monkeypatch.setattr("urllib.request.urlopen", refuse)
    monkeypatch.delenv("TINYGRAD_EDU_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_load_mnist_offline_says_both_ways_in_one_line(monkeypatch, tmp_path):
    _offline(monkeypatch, tmp_path)
    with pytest.raises(OSError) as caught:
        nn.datasets.load_mnist()
    message = str(caught.value)
    assert "\n" not in message and "load_mnist(path=folder)" in message and "TINYGRAD_EDU_DATA" in message
    assert "downloaded once" in message


@pytest.mark.parametrize("command", [["{script}", "train", "--dataset", "mnist"],
                                     ["{python}", str(ROOT / "demos" / "mnist_mlp.py")]])
def test_commands_offline_name_data_dir_in_one_line(tmp_path, command):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT),
           "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9", "no_proxy": ""}
    env.pop("TINYGRAD_EDU_DATA", None)
    argv = [a.format(script=SCRIPT, python=sys.executable) for a in command]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert result.returncode in (1, 2), result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "--data-dir DIR" in lines[0] and "TINYGRAD_EDU_DATA" in lines[0] and "load_mnist(path" not in lines[0]


@pytest.mark.skipif(not MNIST.is_dir(), reason="needs the MNIST subset")
def test_train_accepts_the_folder_above_mnist(tmp_path):
    result = subprocess.run([SCRIPT, "train", "--dataset", "mnist", "--data-dir", str(MNIST.parent), "--limit", "300",
                             "--epochs", "1", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "model.npz").exists()
