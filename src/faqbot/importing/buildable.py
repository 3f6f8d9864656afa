"""Whether the build would read a page's files: checked before they are written.

The import renders each page as files the build reads (faqbot.importing.files), escaping what
Markdown or YAML would reinterpret; what it cannot foresee in a page no test has seen would stop
`faqbot build` for the whole site, with the site owner left to mend a file they did not write. So
the files are read first as the build reads them (faqbot.content.corpus, on a scratch folder), and a
page they fail on is skipped with the build's own message instead: the data folder stays buildable.
About 10 ms a page of twenty sections on 2 cores, next to its fetch and extraction.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from faqbot.content.corpus import load_corpus
from faqbot.errors import DataError, DataErrors


def build_problem(texts: dict[str, str]) -> str | None:
    """Why the build would refuse these files (`articles/<slug>.md` and `faq/<slug>.yaml` by their path
    under the data folder, with their text): the first mistake as `file:line: message`; None when it
    reads them."""
    with tempfile.TemporaryDirectory(prefix="faqbot-import-") as scratch:
        root = Path(scratch)
        for folder in ("articles", "faq"):
            (root / folder).mkdir()
        for relative, text in texts.items():
            (root / relative).write_text(text, encoding="utf-8")
        try:
            load_corpus(root)
        except DataError as exc:
            first = exc.errors[0] if isinstance(exc, DataErrors) else exc
            return str(first).replace(f"{root}/", "")  # the names the files would have, not the scratch folder's
    return None
