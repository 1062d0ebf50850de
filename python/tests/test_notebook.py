"""examples/notebook.ipynb runs headless from top to bottom (nbclient) and draws its figures."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from common import REPO

NOTEBOOK = REPO / "examples" / "notebook.ipynb"


def test_the_example_notebook_runs_and_draws_its_figures(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "outputs are not committed"
    # The kernel inherits the environment: the sweep's results go to the temporary directory.
    monkeypatch.setenv("HARNESS_EXAMPLE_OUT", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # Any cell's error fails the test (CellExecutionError, with the cell and the traceback).
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 4, f"{len(images)} figures"
    assert (tmp_path / "example-c_neg" / "summary.parquet").is_file()
