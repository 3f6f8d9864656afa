"""The question log in SQLite: the embedded default, one file in the state directory.

WAL mode lets readers (the report) run while the writer writes; `synchronous=NORMAL` keeps what
was committed across a process kill and syncs at checkpoints. Migrations run under
`BEGIN IMMEDIATE`, so a server and `faqbot report` starting together apply each step once.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from faqbot.analytics.store import (
    FEEDBACK_COLUMNS,
    QUESTION_COLUMNS,
    FeedbackRow,
    LoggedFeedback,
    LoggedQuestion,
    QuestionRow,
    StoreUnavailable,
    feedback_json,
    migrations,
    questions_json,
)

# One statement a batch: the rows arrive as one JSON array of arrays (faqbot.analytics.store).
INSERT_QUESTIONS = (
    f"INSERT OR IGNORE INTO questions ({', '.join(QUESTION_COLUMNS)}) "
    f"SELECT {', '.join(f'value ->> {i}' for i in range(len(QUESTION_COLUMNS)))} FROM json_each(?)"
)
INSERT_FEEDBACK = (
    f"INSERT INTO feedback ({', '.join(FEEDBACK_COLUMNS)}) "
    f"SELECT {', '.join(f'value ->> {i}' for i in range(len(FEEDBACK_COLUMNS)))} FROM json_each(?)"
)
SCHEMA_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL)"
)


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), the file's schema up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    _use_wal(connection)
    connection.execute("PRAGMA synchronous=NORMAL")
    apply_migrations(connection)
    return connection


def _use_wal(connection: sqlite3.Connection, attempts: int = 100) -> None:
    """WAL mode (kept in the file). Two connections switching a new file at once get "locked" at
    once, without SQLite's busy wait: the loser tries again (and then finds it done)."""
    for attempt in range(attempts):
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def apply_migrations(connection: sqlite3.Connection) -> int:
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute(SCHEMA_TABLE)
        applied = {v for (v,) in connection.execute("SELECT version FROM schema_migrations")}
        known = migrations("sqlite")
        for migration in known:
            if migration.version not in applied:
                for statement in _statements(migration.sql):
                    connection.execute(statement)
                connection.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)", (migration.version, migration.name, time.time())
                )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return int(max([*applied, *(m.version for m in known)]))


def _statements(script: str) -> Iterator[str]:
    """The statements of a script, one at a time (executescript would commit the transaction)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                yield pending
            pending = ""
    if any(line.strip() and not line.strip().startswith("--") for line in pending.splitlines()):
        raise sqlite3.ProgrammingError(f"incomplete statement at the end of a migration: {pending.strip()[:60]}")


def _logged_question(row: Sequence[Any]) -> LoggedQuestion:
    values = list(row)
    values[QUESTION_COLUMNS.index("answered")] = bool(values[QUESTION_COLUMNS.index("answered")])  # SQLite: 0 or 1
    return LoggedQuestion(*values)


class SqliteStore:
    """The `LogStore` of one SQLite file. The writer's connection is kept; readers open their own."""

    def __init__(self, path: Path):
        self.path = path
        self._writer: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        return str(self.path)

    def migrate(self) -> int:
        with self._connection() as connection:
            return apply_migrations(connection)

    def exists(self) -> bool:
        if not self.path.exists():
            return False
        with closing(sqlite3.connect(self.path)) as connection:
            found = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'questions'")
            return found.fetchone() is not None

    def write(
        self, questions: Sequence[tuple[float, QuestionRow]], feedback: Sequence[tuple[float, FeedbackRow]]
    ) -> None:
        with self._lock:
            try:
                if self._writer is None:
                    self._writer = connect(self.path)
                connection = self._writer
                connection.execute("BEGIN")
                try:
                    if questions:
                        connection.execute(INSERT_QUESTIONS, (questions_json(questions),))
                    if feedback:
                        connection.execute(INSERT_FEEDBACK, (feedback_json(feedback),))
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:  # locked, disk full, unreadable: worth another try
                self._drop_writer()
                raise StoreUnavailable(f"{self.path}: {exc}") from exc

    def prune(self, before: float) -> None:
        with self._connection() as connection:
            connection.execute("BEGIN")
            connection.execute("DELETE FROM questions WHERE time < ?", (before,))
            connection.execute("DELETE FROM feedback WHERE time < ?", (before,))
            connection.execute("COMMIT")

    def read(self, since: float) -> tuple[list[LoggedQuestion], list[LoggedFeedback]]:
        with self._connection() as connection:
            questions = connection.execute(
                f"SELECT {', '.join(QUESTION_COLUMNS)} FROM questions WHERE time >= ? ORDER BY time, id", (since,)
            ).fetchall()
            feedback = connection.execute(
                f"SELECT {', '.join(FEEDBACK_COLUMNS)} FROM feedback WHERE time >= ? ORDER BY time, id", (since,)
            ).fetchall()
        return (
            [_logged_question(q) for q in questions],
            [LoggedFeedback(f[0], f[1], bool(f[2]), f[3]) for f in feedback],
        )

    def close(self) -> None:
        with self._lock:
            self._drop_writer()

    def _drop_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _connection(self) -> closing[sqlite3.Connection]:
        """A connection of its own, closed after the `with` (sqlite3's own `with` only commits)."""
        try:
            return closing(connect(self.path))
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"{self.path}: {exc}") from exc
