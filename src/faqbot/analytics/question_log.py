"""The question log: every question asked through the API and every piece of feedback, in SQLite.

Writes happen off the request path: requests put rows on a queue, and one writer thread takes
all that has queued every `FLUSH_SECONDS` and commits it in one transaction, so answering never
waits for the disk and a hard kill loses at most the last fraction of a second. WAL mode lets
readers (the report) run while the writer writes. The client is stored only as a salted hash,
never as an address.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from faqbot.workers import QueueWorker

log = logging.getLogger("faqbot.analytics.question_log")
FLUSH_SECONDS = 0.2
WRITER_NICE = 10  # the log can wait: answering comes first (see faqbot.workers.lower_priority)
DB_NAME = "faqbot.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    question TEXT NOT NULL,
    normalized TEXT NOT NULL,
    answered INTEGER NOT NULL,
    kind TEXT NOT NULL,
    confidence REAL NOT NULL,
    top_source TEXT,
    answer_id TEXT NOT NULL UNIQUE,
    latency_ms REAL NOT NULL,
    index_version TEXT NOT NULL,
    client TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_time ON questions(time);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    answer_id TEXT NOT NULL,
    helpful INTEGER NOT NULL,
    comment TEXT
);
CREATE INDEX IF NOT EXISTS feedback_answer ON feedback(answer_id);
"""


# A batch of question rows, as one JSON array of arrays in the table's column order (after the id).
INSERT_QUESTIONS = (
    f"INSERT OR IGNORE INTO questions SELECT NULL, {', '.join(f'value ->> {i}' for i in range(11))} FROM json_each(?)"
)


@dataclass(frozen=True)
class QuestionRow:
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


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")  # durable across a process kill; fsync at checkpoints
    connection.executescript(SCHEMA)
    return connection


class QuestionLog(QueueWorker[tuple[str, tuple[object, ...]]]):
    def __init__(self, state_dir: Path, *, enabled: bool = True, retention_days: int | None = None):
        self.path = state_dir / DB_NAME
        self.enabled = enabled
        self.retention_days = retention_days
        self._state_dir = state_dir
        self._salt = b""  # read (or made) on first use, so creating an app touches no files
        self._wake = threading.Event()
        super().__init__()

    @staticmethod
    def _load_salt(state_dir: Path) -> bytes:
        salt_file = state_dir / "client-salt"
        state_dir.mkdir(parents=True, exist_ok=True)
        if not salt_file.exists():
            salt_file.write_bytes(secrets.token_bytes(32))
            salt_file.chmod(0o600)
        return salt_file.read_bytes()

    def client_hash(self, client: str) -> str:
        if not self._salt:
            self._salt = self._load_salt(self._state_dir)
        return hashlib.sha256(self._salt + client.encode()).hexdigest()[:16]

    def start(self) -> None:
        if not self.enabled or self.running:
            return
        connection = connect(self.path)
        self.prune(connection)
        connection.close()
        self._start_threads(self._write_loop, "question-log", nice=WRITER_NICE)

    def record_question(self, row: QuestionRow) -> None:
        if self.enabled:
            values = (
                time.time(),
                row.question,
                row.normalized,
                int(row.answered),
                row.kind,
                row.confidence,
                row.top_source,
                row.answer_id,
                row.latency_ms,
                row.index_version,
                row.client,
            )
            self._queue.put(("questions", values))

    def record_feedback(self, *, answer_id: str, helpful: bool, comment: str | None) -> None:
        if self.enabled:
            self._queue.put(("feedback", (time.time(), answer_id, int(helpful), comment)))

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until everything queued so far is committed (for tests and the report)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def prune(self, connection: sqlite3.Connection) -> None:
        if not self.retention_days:
            return
        cutoff = time.time() - self.retention_days * 86400
        with connection:
            connection.execute("DELETE FROM questions WHERE time < ?", (cutoff,))
            connection.execute("DELETE FROM feedback WHERE time < ?", (cutoff,))

    def stop(self) -> None:
        self._wake.set()  # the writer commits what is queued now, not at its next tick
        super().stop()
        self._wake.clear()

    def _write_loop(self) -> None:
        # The writer wakes on a clock, not on each row: woken by every request, it would take the GIL
        # from the event loop once per answer.
        connection = connect(self.path)
        last_prune = time.monotonic()
        running = True
        while running:
            self._wake.wait(FLUSH_SECONDS)
            batch: list[tuple[str, tuple[object, ...]]] = []
            taken = 0
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                taken += 1
                if item is None:
                    running = False
                    break
                batch.append(item)
            if batch:
                self._write(connection, batch)
            for _ in range(taken):
                self._queue.task_done()
            if time.monotonic() - last_prune > 3600:
                self.prune(connection)
                last_prune = time.monotonic()
        connection.close()

    @staticmethod
    def _write(connection: sqlite3.Connection, batch: list[tuple[str, tuple[object, ...]]]) -> None:
        questions = [values for table, values in batch if table == "questions"]
        feedback = [values for table, values in batch if table == "feedback"]
        try:
            with connection:
                # One statement for the batch: executemany would step SQLite once per row, giving up and
                # taking back the GIL each time, in contention with the event loop's thread.
                if questions:
                    connection.execute(INSERT_QUESTIONS, (json.dumps(questions),))
                if feedback:
                    connection.executemany("INSERT INTO feedback VALUES (NULL, ?, ?, ?, ?)", feedback)
        except sqlite3.Error:
            log.exception("could not write %d log rows", len(batch))
