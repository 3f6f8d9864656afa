"""The evaluation notebook runs clean from scratch (it builds its own index in a temp dir)."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import BENCHMARKS, REPO

pytestmark = pytest.mark.model


def test_the_evaluation_notebook_executes_clean(tmp_path: Path) -> None:
    notebook = nbformat.read(REPO / "notebooks" / "evaluation.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    NotebookClient(notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    images = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    text = "".join(
        str(o.get("data", {}).get("text/markdown", "")) for c in notebook.cells for o in c.get("outputs", [])
    )
    assert "| answerer |" in text
    assert "| launch |" in text and "| bikeshop |" in text  # the suite's table
    assert "| follow_up |" in text  # the dialogue set's table
    if (BENCHMARKS / "stackfaq").is_dir():
        assert len(images) >= 9 and "| stackfaq |" in text  # the launch set's four plots, one per suite set
    else:  # a plain clone: the benchmark sets are skipped, with a note saying how to bring them in
        assert len(images) >= 7 and "make benchmarks" in text
