"""The README's quality table is the evaluation notebook's last run, and the notebook's saved outputs
are clean: no local path, no warning, no DEBUG line, no progress bar (scripts/quality_table.py)."""

from __future__ import annotations

import json
import re

from scripts.quality_table import NOTEBOOK, README, notebook_table, readme_table

NOISE = re.compile(r"/work/|/home/|/tmp/|/root/|site-packages|Warning|DEBUG|Loading weights|\d+%\|")


def test_the_readme_table_is_the_notebooks_last_run() -> None:
    assert readme_table(README.read_text(encoding="utf-8")) == notebook_table()


def test_the_saved_outputs_are_what_a_reader_should_see() -> None:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert all(cell.get("outputs") for cell in code), "every code cell shows its result"
    texts = [
        "".join(output.get("text", [])) + "".join(output.get("data", {}).get("text/plain", []))
        for cell in code
        for output in cell["outputs"]
    ]
    assert [t for t in texts if NOISE.search(t)] == []
    assert not [o for cell in code for o in cell["outputs"] if o["output_type"] == "error"]
