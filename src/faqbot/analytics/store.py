"""Where the question log is kept: one interface, `LogStore`, and the rows that go through it.

Two backends implement it: faqbot.analytics.sqlite_store (embedded, the default) and
faqbot.analytics.postgres_store (shared by replicas); faqbot.analytics.backends picks one. The
writer (faqbot.analytics.question_log) and the report (faqbot.analytics.report) see only `LogStore`.

A store raises `StoreUnavailable` when the database cannot be reached (the writer keeps the rows
and tries again); any other error means the database refused the rows themselves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

from faqbot.errors import FaqbotError

DB_NAME = "faqbot.sqlite3"
# The columns a logged question is written with, in this order (the id is the database's).
QUESTION_COLUMNS = (
    "time",
    "question",
    "normalized",
    "answered",
    "kind",
    "confidence",
    "top_source",
    "answer_id",
    "latency_ms",
    "index_version",
    "client",
    "conversation_id",
    "turn",
)
FEEDBACK_COLUMNS = ("time", "answer_id", "helpful", "comment")


class StoreUnavailable(FaqbotError):
    """The database cannot be reached now (down, restarting, locked): try again later."""


@dataclass(frozen=True)
class QuestionRow:
    """One answered (or declined) question, as the answer path hands it to the log."""

    question: str
    normalized: str
    answered: bool
    kind: str
    confidence: float
    top_source: str | None
    answer_id: str
    latency_ms: float
    index_version: str
    client: str  # already hashed
    conversation_id: str | None = None
    turn: int | None = None


@dataclass(frozen=True)
class FeedbackRow:
    answer_id: str
    helpful: bool
    comment: str | None


@dataclass(frozen=True)
class LoggedQuestion:
    """A question as read back from the log (what the report works on)."""

    time: float
    question: str
    normalized: str
    answered: bool
    kind: str
    confidence: float
    top_source: str | None
    answer_id: str
    latency_ms: float
    index_version: str
    client: str
    conversation_id: str | None
    turn: int | None


@dataclass(frozen=True)
class LoggedFeedback:
    time: float
    answer_id: str
    helpful: bool
    comment: str | None


class LogStore(Protocol):
    """What the writer and the report need from a database; both backends implement it."""

    @property
    def location(self) -> str:
        """Where the log is, for messages (a path, or the URL without its password)."""

    def migrate(self) -> int:
        """Apply the migrations not yet applied; the schema version now."""

    def exists(self) -> bool:
        """Whether a question log has been written here (without creating one)."""

    def write(
        self, questions: Sequence[tuple[float, QuestionRow]], feedback: Sequence[tuple[float, FeedbackRow]]
    ) -> None:
        """Write both in one transaction; a question whose answer_id is already there is skipped."""

    def prune(self, before: float) -> None:
        """Delete what was logged before this time."""

    def read(self, since: float) -> tuple[list[LoggedQuestion], list[LoggedFeedback]]:
        """Questions (oldest first) and feedback logged since this time."""

    def close(self) -> None: ...


def questions_json(rows: Sequence[tuple[float, QuestionRow]]) -> str:
    """A batch of questions as one JSON array of arrays in QUESTION_COLUMNS order.

    Both backends insert a batch with one statement that reads this array: one round trip and
    one parse, instead of a step per row (each of which gives up the GIL and takes it back, in
    contention with the event loop's thread). NUL characters become U+FFFD: PostgreSQL's text
    cannot hold them, and SQLite's JSON functions cut a string at the first.
    """
    return json.dumps(
        [
            (
                t,
                _clean(r.question),
                _clean(r.normalized),
                r.answered,
                r.kind,
                r.confidence,
                r.top_source,
                r.answer_id,
                r.latency_ms,
                r.index_version,
                r.client,
                r.conversation_id,
                r.turn,
            )
            for t, r in rows
        ]
    )


def feedback_json(rows: Sequence[tuple[float, FeedbackRow]]) -> str:
    return json.dumps([(t, f.answer_id, f.helpful, _clean(f.comment)) for t, f in rows])


def _clean(value: str | None) -> str | None:
    return value.replace("\x00", "\ufffd") if value and "\x00" in value else value


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


_MIGRATION_FILE = re.compile(r"(\d{4})_(\w+)\.sql")


def migrations(backend: str) -> list[Migration]:
    """The numbered SQL files of `migrations/<backend>/`, in order (numbered 1, 2, ... without gaps)."""
    folder = resources.files("faqbot.analytics") / "migrations" / backend
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_FILE.fullmatch(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise FaqbotError(f"the {backend} migrations are not numbered 1..n: {[m.version for m in found]}")
    return found
