"""A SQuAD 2.0 article as a site's article and an evaluation set, for the quality suite.

The article becomes one Markdown file (its paragraphs as they are, no headings: the article path
at its hardest); each answerable question becomes an in-scope question whose gold spans are its
answers. A right answer holds one of them. Unanswerable questions are left out: they are on the
article's subject, and the article does not say whether it answers them.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from faqbot.errors import DataError


def convert(source: Path, data_dir: Path, questions_file: Path, *, title: str | None = None) -> tuple[int, int]:
    """Write `data_dir/articles/<slug>.md` and `questions_file`; return (paragraphs, questions).

    `title` picks one article of the file (default: the first).
    """
    try:
        articles = json.loads(source.read_text(encoding="utf-8"))["data"]
        article = next(a for a in articles if title is None or a["title"] == title)
        paragraphs = [p["context"].strip() for p in article["paragraphs"]]
    except (OSError, ValueError, KeyError, TypeError, StopIteration) as exc:
        raise DataError(source, f"not a SQuAD 2.0 file with that article: {exc!r}") from None
    slug = article["title"].lower().replace(" ", "-")
    questions = []
    for paragraph in article["paragraphs"]:
        for qa in paragraph.get("qas", []):
            spans = list(dict.fromkeys(a["text"].strip() for a in qa.get("answers", []) if a["text"].strip()))
            if not qa.get("is_impossible") and spans:
                questions.append({"q": qa["question"].strip(), "spans": spans})
    (data_dir / "articles").mkdir(parents=True, exist_ok=True)
    front = yaml.safe_dump({"title": article["title"], "slug": slug}, allow_unicode=True)
    body = "\n\n".join(paragraphs)
    (data_dir / "articles" / f"{slug}.md").write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")
    questions_file.write_text(
        yaml.safe_dump({"in_scope": questions}, allow_unicode=True, width=1000, sort_keys=False), encoding="utf-8"
    )
    return len(paragraphs), len(questions)
