"""What a build changes: FAQ entries and passages added, changed and removed since the serving build.

A document is known by its position (`faq:<id>`, or `slug#anchor/window`), its content by a hash,
so an edited passage is "changed", not "removed" and "added".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from faqbot.content.documents import Doc
from faqbot.index.docs import DOCS_FILE


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed"


def previous_docs(build: Path | None) -> dict[str, str]:
    """position -> content hash of the documents in the serving build (empty if none or unreadable)."""
    if build is None:
        return {}
    try:
        if (build / DOCS_FILE).exists():
            with open(build / DOCS_FILE, encoding="utf-8") as lines:
                return {d["position"]: d["hash"] for d in map(json.loads, lines)}
        records = json.loads((build / "records.json").read_text(encoding="utf-8"))  # a build from before
        return {d["position"]: d["hash"] for d in records["docs"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


class ChangeTracker:
    """The changes of FAQ entries and passages, told one document at a time (`add`), in one read of
    them; `finish` gives them, names sorted."""

    def __init__(self, previous: dict[str, str]):
        self._left = dict(previous)  # the previous documents not met again: removed, at the end
        self._faq, self._passages = Changes(), Changes()

    def add(self, doc: Doc) -> None:
        changes = self._faq if doc.kind == "faq" else self._passages
        old = self._left.pop(doc.position, None)
        if old is None:
            changes.added.append(doc.position)
        elif old != doc.hash:
            changes.changed.append(doc.position)

    def finish(self) -> tuple[Changes, Changes]:
        for position in self._left:
            (self._faq if position.startswith("faq:") else self._passages).removed.append(position)
        for changes, prefix in ((self._faq, "faq:"), (self._passages, "")):
            for names in (changes.added, changes.changed, changes.removed):
                names[:] = sorted(n.removeprefix(prefix) for n in names)
        return self._faq, self._passages
