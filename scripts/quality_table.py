"""Copy the quality suite's table from the evaluation notebook's saved outputs into the README.

`make notebook-run` executes the notebook in place and then runs this, so the README's table and
the notebook's are one run's figures (tests/test_quality_table.py checks that they agree). The
table sits between the two QUALITY_TABLE markers in README.md, with the date of the run.

Run: .venv/bin/python scripts/quality_table.py [--check]   (--check: exit 1 if the README differs)
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "evaluation.ipynb"
README = ROOT / "README.md"
BEGIN = "<!-- quality-table: scripts/quality_table.py writes this from the notebook's last run -->"
END = "<!-- /quality-table -->"
HEADER = "| set | questions | measure |"


def notebook_table(notebook: Path = NOTEBOOK) -> str:
    """The suite's Markdown table as the notebook's last run displayed it."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        for output in cell.get("outputs", []):
            text = "".join(output.get("data", {}).get("text/markdown", []))
            if text.startswith(HEADER):
                return text.strip()
    raise SystemExit(f"{notebook}: no saved suite table; run `make notebook-run` first")


def readme_block(table: str, when: dt.date) -> str:
    return f"{BEGIN}\nMeasured {when.isoformat()} by the evaluation notebook (`make notebook-run`):\n\n{table}\n{END}"


def readme_table(readme: str) -> str:
    """The table now in the README (between the markers)."""
    found = re.search(re.escape(BEGIN) + r"\n.*?\n\n(.*?)\n" + re.escape(END), readme, re.DOTALL)
    if found is None:
        raise SystemExit(f"{README}: the quality-table markers are missing")
    return found.group(1).strip()


def main() -> None:
    readme, table = README.read_text(encoding="utf-8"), notebook_table()
    if "--check" in sys.argv[1:]:
        sys.exit(0 if readme_table(readme) == table else 1)
    start, end = readme.index(BEGIN), readme.index(END) + len(END)
    README.write_text(readme[:start] + readme_block(table, dt.date.today()) + readme[end:], encoding="utf-8")
    print(f"README.md: the quality table of {NOTEBOOK.name}'s last run")


if __name__ == "__main__":
    main()
