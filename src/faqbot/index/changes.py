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


def changes(previous: dict[str, str], docs: list[Doc], kind: str) -> Changes:
    prefix = "faq:" if kind == "faq" else ""
    old = {p: h for p, h in previous.items() if p.startswith("faq:") == (kind == "faq")}
    new = {d.position: d.hash for d in docs if d.kind == kind}
    changes = Changes(
        added=sorted(p for p in new if p not in old),
        changed=sorted(p for p in new if p in old and old[p] != new[p]),
        removed=sorted(p for p in old if p not in new),
    )
    for names in (changes.added, changes.changed, changes.removed):
        names[:] = [n.removeprefix(prefix) for n in names]
    return changes
