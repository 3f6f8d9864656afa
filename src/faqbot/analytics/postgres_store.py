"""The question log in PostgreSQL, shared by every replica (`FAQBOT_DATABASE_URL`).

psycopg 3 with a small pool: one connection for the log writer, the others for reports. Each
connection is checked when taken from the pool, so one broken by a database restart is replaced
rather than failing a batch; connecting gives up after a few seconds and dead peers are noticed
by TCP timeouts, so the writer never hangs on a database that went away (it keeps the rows and
tries again: faqbot.analytics.question_log).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import args_row
from psycopg_pool import ConnectionPool

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

POOL_SIZE = 4
WAIT_SECONDS = 3.0  # for a connection, at most: then the batch waits for the next attempt
CONNECT_OPTIONS: dict[str, Any] = {
    "application_name": "faqbot",
    "connect_timeout": 3,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15_000,  # ms: a write nobody acknowledges fails instead of hanging
}
# Any constant shared by every replica: the advisory lock under which migrations are applied.
MIGRATION_LOCK = 0x66617162  # "faqb"
SCHEMA_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations"
    " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
)
# The errors that mean "not now": the server is down, restarting, shutting down, failing over.
UNAVAILABLE = (
    psycopg.OperationalError,  # also the pool's timeout
    psycopg.InterfaceError,
    errors.TransactionRollback,
    errors.ReadOnlySqlTransaction,
)


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _from_json(columns: Sequence[str], types: dict[str, str]) -> str:
    casts = (f"(v ->> {i})::{types[c]}" if c in types else f"v ->> {i}" for i, c in enumerate(columns))
    return f"SELECT {', '.join(casts)} FROM json_array_elements(%s::json) AS v"


INSERT_QUESTIONS = (
    f"INSERT INTO questions ({_quoted(QUESTION_COLUMNS)}) "
    + _from_json(
        QUESTION_COLUMNS,
        {"time": "float8", "answered": "boolean", "confidence": "float8", "latency_ms": "float8", "turn": "integer"},
    )
    + " ON CONFLICT (answer_id) DO NOTHING"
)
INSERT_FEEDBACK = f"INSERT INTO feedback ({_quoted(FEEDBACK_COLUMNS)}) " + _from_json(
    FEEDBACK_COLUMNS, {"time": "float8", "helpful": "boolean"}
)


def public_location(url: str) -> str:
    """The URL without its password, fit for logs and messages."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unreadable URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"


class PostgresStore:
    """The `LogStore` of one PostgreSQL database. The pool opens on first use."""

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE):
        self._url = url
        self._pool_size = pool_size
        self._pool: ConnectionPool | None = None

    @property
    def location(self) -> str:
        return public_location(self._url)

    def migrate(self) -> int:
        with self._connection() as connection:
            # Replicas that start together: the first applies the migrations, the others wait and find them done.
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            connection.execute(SCHEMA_TABLE)
            applied = {v for (v,) in connection.execute("SELECT version FROM schema_migrations")}
            known = migrations("postgresql")
            for migration in known:
                if migration.version not in applied:
                    connection.execute(migration.sql.encode())  # a script: no parameters, so several statements
                    connection.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (migration.version, migration.name),
                    )
            return int(max([*applied, *(m.version for m in known)]))

    def exists(self) -> bool:
        with self._connection() as connection:
            found = connection.execute("SELECT to_regclass('questions') IS NOT NULL").fetchone()
            return bool(found and found[0])

    def write(
        self, questions: Sequence[tuple[float, QuestionRow]], feedback: Sequence[tuple[float, FeedbackRow]]
    ) -> None:
        with self._connection() as connection:
            if questions:
                connection.execute(INSERT_QUESTIONS, (questions_json(questions),))
            if feedback:
                connection.execute(INSERT_FEEDBACK, (feedback_json(feedback),))

    def prune(self, before: float) -> None:
        with self._connection() as connection:
            connection.execute('DELETE FROM questions WHERE "time" < %s', (before,))
            connection.execute('DELETE FROM feedback WHERE "time" < %s', (before,))

    def read(self, since: float) -> tuple[list[LoggedQuestion], list[LoggedFeedback]]:
        self.migrate()  # an older schema is read as the current one
        with self._connection() as connection:
            with connection.cursor(row_factory=args_row(LoggedQuestion)) as cursor:
                cursor.execute(
                    f'SELECT {_quoted(QUESTION_COLUMNS)} FROM questions WHERE "time" >= %s ORDER BY "time", id',
                    (since,),
                )
                questions = cursor.fetchall()
            with connection.cursor(row_factory=args_row(LoggedFeedback)) as cursor:
                cursor.execute(
                    f'SELECT {_quoted(FEEDBACK_COLUMNS)} FROM feedback WHERE "time" >= %s ORDER BY "time", id',
                    (since,),
                )
                feedback = cursor.fetchall()
        return questions, feedback

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close(timeout=5)
            self._pool = None

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection from the pool, in a transaction committed at the end of the `with`."""
        try:
            if self._pool is None:
                self._pool = ConnectionPool(
                    self._url,
                    min_size=1,
                    max_size=self._pool_size,
                    kwargs=CONNECT_OPTIONS,
                    check=ConnectionPool.check_connection,
                    timeout=WAIT_SECONDS,
                    name="faqbot-log",
                    open=False,
                )
                self._pool.open(wait=False)
            with self._pool.connection() as connection:
                yield connection
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"{self.location}: {str(exc).strip() or type(exc).__name__}") from exc
