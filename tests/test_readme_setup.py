"""The README's first command works as root (no sudo) and with sudo; CI installs what it says."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRST = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)[0].strip()
APT = FIRST.split(" && ")[0]


def test_the_first_command_is_one_line_and_needs_no_sudo():
    assert "\n" not in FIRST
    assert APT == "$(command -v sudo) apt-get install -y graphviz"       # sudo for a user, nothing as root
    assert "curl" not in FIRST and "wget" not in FIRST


def test_ci_installs_with_the_same_prefix_and_packages():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "$(command -v sudo) apt-get install -y graphviz" in ci
    assert 'pip install -e ".[test]"' in ci and 'pip install -e ".[test]"' in FIRST


@pytest.mark.skipif(not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")
                         and shutil.which("dot")), reason="as root on Debian/Ubuntu with Graphviz already installed")
def test_the_apt_part_runs_as_root_without_sudo():
    sudo = shutil.which("sudo")
    if sudo and Path(sudo).parent == Path(shutil.which("apt-get")).parent:
        pytest.skip("sudo is installed beside apt-get: it cannot be hidden from PATH without hiding apt-get too")
    env = {**os.environ, "PATH": os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                                 if not (Path(p) / "sudo").exists())}      # as if sudo were absent
    result = subprocess.run(["bash", "-c", APT], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert "graphviz" in result.stdout
