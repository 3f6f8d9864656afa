"""StackFAQ (Karan & Šnajder 2018) as a FAQ file and a query file, for `faqbot eval --dataset stackfaq`.

Each thread becomes a FAQ entry (its question and top answer); each usable paraphrase becomes a
query whose right entry is its own thread. The FAQ file then goes through the ordinary FAQ import.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from faqbot.errors import DataError


def convert(source: Path, faq_file: Path, queries_file: Path) -> tuple[int, int]:
    """Write `faq_file` (JSON) and `queries_file` (YAML); return (entries, queries)."""
    try:
        threads = json.loads(source.read_text(encoding="utf-8"))["root"]["qapair"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(source, f"not a StackFAQ file: {exc}") from None
    entries, queries = [], []
    for number, thread in enumerate(threads, start=1):
        entry_id = f"stackfaq-{number}"
        answers = [a for a in thread.get("answer") or [] if isinstance(a, str) and a.strip()]
        if not answers or not str(thread.get("question") or "").strip():
            continue
        entries.append({"id": entry_id, "question": thread["question"].strip(), "answer": answers[0].strip()})
        for paraphrase in thread.get("rephr") or []:
            if isinstance(paraphrase, str) and paraphrase.strip() and paraphrase.strip() != "*":
                queries.append({"q": paraphrase.strip(), "expect": entry_id})
    faq_file.parent.mkdir(parents=True, exist_ok=True)
    faq_file.write_text(json.dumps(entries, indent=1, ensure_ascii=False), encoding="utf-8")
    queries_file.write_text(yaml.safe_dump(queries, allow_unicode=True, width=1000), encoding="utf-8")
    return len(entries), len(queries)
