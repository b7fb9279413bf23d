"""The tutorial notebooks run top to bottom without an error, and are kept in git without outputs.

Each notebook is executed by nbclient in a fresh 'python3' kernel, from a temporary folder (so the
pictures it writes land there), with TINYGRAD_EDU_DATA pointing at the shared MNIST files. A cell
that raises fails the test with the cell's source and the error. The second test keeps the
committed files clean: outputs belong to whoever runs the notebook, not to the repository.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["tutorial.ipynb", "tutorial_id.ipynb"]
SHARED_DATA = ROOT.parent / "shared" / "data"
CELL_TIMEOUT = 120    # seconds per cell; the slowest (MNIST training) takes a few


def data_dir() -> str | None:
    """Where MNIST is: $TINYGRAD_EDU_DATA if set, else shared/data beside the repository, else None."""
    if os.environ.get("TINYGRAD_EDU_DATA"):
        return os.environ["TINYGRAD_EDU_DATA"]
    return str(SHARED_DATA) if (SHARED_DATA / "mnist").is_dir() else None


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_top_to_bottom(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = data_dir()
    if data is None:
        pytest.skip("the tutorial trains on MNIST: set TINYGRAD_EDU_DATA or put shared/data/mnist beside the repo")
    # the kernel inherits this process's environment: the data folder, and no display for matplotlib
    monkeypatch.setenv("TINYGRAD_EDU_DATA", data)
    monkeypatch.delenv("DISPLAY", raising=False)
    notebook = nbformat.read(ROOT / "demos" / name, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as e:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(e))     # the kernel's traceback comes coloured for a terminal
        pytest.fail(f"demos/{name}: a cell failed\n{plain}", pytrace=False)
    errors = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
              if output.output_type == "error"]
    assert not errors, f"demos/{name}: {errors[0].ename}: {errors[0].evalue}"
    pictures = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
                if output.output_type in ("display_data", "execute_result")
                and {"image/png", "image/svg+xml", "image/gif"} & set(output.get("data", {}))]
    # graphs (SVG), the backward GIF, and the curves, digits and confusion matrix (PNG)
    assert len(pictures) >= 7, f"demos/{name} showed only {len(pictures)} pictures"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_without_outputs(name: str) -> None:
    notebook = nbformat.read(ROOT / "demos" / name, as_version=4)
    nbformat.validate(notebook)
    dirty = [i for i, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, (f"demos/{name}: cells {dirty} hold outputs; clear them before committing "
                       f"(jupyter nbconvert --clear-output --inplace demos/{name})")
