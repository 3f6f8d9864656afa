"""The build's one read of the site's documents: made from the corpus, written to disk, planned.

Each document is made (faqbot.content.documents), written to the build's directory
(faqbot.index.docs), and what the later steps need of it kept as arrays (faqbot.index.plan), in one
pass: the documents are never all in memory at once. The same pass hashes the corpus (part of the
index version) and compares each document with the serving build's (faqbot.index.changes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from faqbot.content.corpus import Corpus
from faqbot.content.documents import Doc, article_to_dict, faq_doc, passage_doc
from faqbot.content.passages import make_passages
from faqbot.index.changes import Changes, ChangeTracker
from faqbot.index.docs import DocTable, DocWriter
from faqbot.index.plan import Plan, PlanBuilder, StreamHash
from faqbot.index.progress import Progress
from faqbot.settings import Settings


def iter_docs(corpus: Corpus, settings: Settings) -> Iterator[Doc]:
    """The site's documents in index order: the FAQ entries, then each article's passages."""
    for entry in corpus.faq:
        yield faq_doc(entry, corpus)
    for article in corpus.articles:
        passages = make_passages(article, window=settings.window_sentences, stride=settings.window_stride)
        yield from (passage_doc(p) for p in passages)


def _articles_hash(fingerprint: StreamHash, corpus: Corpus) -> str:
    """The corpus's hash (in the manifest; part of the index version): `fingerprint`, which has its
    documents' hashes, with its articles' and small talk's added."""
    # Where the data directory lives is not content: moving it must not change the version.
    for article in corpus.articles:
        fingerprint.update(json.dumps({**article_to_dict(article), "path": ""}, sort_keys=True))
    fingerprint.update(json.dumps(corpus.smalltalk.to_dict(), sort_keys=True))
    return fingerprint.hexdigest(32)


@dataclass(frozen=True)
class Read:
    """The documents as the build read them: written to `directory`, planned, counted, compared."""

    docs: DocTable
    plan: Plan
    fingerprint: str
    counts: dict[str, int]
    faq: Changes
    passages: Changes


def read_docs(corpus: Corpus, settings: Settings, directory: Path, before: dict[str, str], say: Progress) -> Read:
    """Every document made from the corpus, written to `directory` one at a time (faqbot.index.docs),
    with what the build needs of each kept as arrays (faqbot.index.plan): the one read of them all."""
    plan, tracker, fingerprint = PlanBuilder(), ChangeTracker(before), StreamHash()
    counts = {"articles": len(corpus.articles), "faq": 0, "passages": 0}
    articles, last = 0, None
    with DocWriter(directory) as out, say.counter("reading articles", len(corpus.articles), "articles") as read:
        for doc in iter_docs(corpus, settings):
            out.add(doc)
            plan.add(doc)
            tracker.add(doc)
            fingerprint.update(doc.hash)
            counts["faq" if doc.kind == "faq" else "passages"] += 1
            if doc.kind == "passage" and doc.article != last:  # an article's passages come together
                read(1)
                articles, last = articles + 1, doc.article
        read(len(corpus.articles) - articles)
    faq, passages = tracker.finish()
    return Read(DocTable(directory), plan.finish(), _articles_hash(fingerprint, corpus), counts, faq, passages)
