"""What `faqbot build` did: counts, changes, what it embedded and chose (faqbot.index.build)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faqbot.embedding.query_encoder import describe_encoder
from faqbot.index.changes import Changes
from faqbot.index.tokens import describe_rerank
from faqbot.text import content_counts


@dataclass
class BuildReport:
    version: str
    up_to_date: bool
    counts: dict[str, int]
    faq: Changes
    passages: Changes
    embedded: int  # texts sent to the model
    reused: int  # texts found in the embedding cache
    directory: Path | None
    encoder: dict[str, Any] | None = None  # the query encoder chosen (None: nothing was built)
    rerank: dict[str, Any] | None = None  # token re-ranking on or off, and why (None: nothing was built)
    warnings: tuple[str, ...] = ()  # what the data's reading skipped or doubts (faqbot.content.corpus)
    embedder: str = ""  # FAQBOT_EMBEDDER, when it embedded the documents instead of the model

    def lines(self) -> list[str]:
        """What the build did, as `faqbot build` prints it."""
        counts = self.counts
        lines = [
            content_counts(counts["articles"], counts["faq"], counts["passages"]),
            f"FAQ entries: {self.faq.summary()}",
            f"passages: {self.passages.summary()}",
        ]
        if self.up_to_date:
            return [*lines, f"index {self.version} is up to date: nothing embedded"]
        return [
            *lines,
            f"embedded {self.embedded:,} texts, {self.reused:,} from the cache (FAQ questions and answers,"
            " passages and their sentences, small-talk examples)"
            + (f" (documents embedded by FAQBOT_EMBEDDER={self.embedder}, not the model)" if self.embedder else ""),
            f"query encoder: {describe_encoder(self.encoder or {})}",
            f"token re-ranking: {describe_rerank(self.rerank or {})}",
            f"index {self.version} written to {self.directory}: the current index (a running"
            " 'faqbot serve' answers from it within seconds)",
        ]
