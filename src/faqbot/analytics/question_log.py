"""The question log: every question asked through the API and every piece of feedback.

Writes happen off the request path: a request appends its row to an in-memory buffer, and one
writer thread takes all that has gathered every `FLUSH_SECONDS` and writes it in one transaction
(faqbot.analytics.store: SQLite, or PostgreSQL shared by replicas). Answering never waits for a
database. Every row is also in the journal on local disk (faqbot.analytics.journal) until it is
written, so a hard kill loses none: the next start writes what a dead process left.

When the database cannot be reached, answers go on: the rows wait in the buffer (at most
`buffer_rows`) and are written when it is back, the writer trying again less and less often.
Nothing is lost silently: rows refused for a full buffer, rows the database rejected, and rows
still unwritten when the process stops are counted (`stats()`, shown in /metrics) and logged.
The client is stored only as a salted hash, never as an address.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from faqbot.analytics.backends import database_url, open_store
from faqbot.analytics.clients import load_salt
from faqbot.analytics.journal import Journal
from faqbot.analytics.store import DB_NAME, FeedbackRow, LogStore, QuestionRow, StoreUnavailable
from faqbot.settings import DEFAULT_LOG_BUFFER_ROWS, Settings
from faqbot.workers import lower_priority

__all__ = ["DB_NAME", "QuestionLog", "QuestionRow"]

log = logging.getLogger("faqbot.analytics.question_log")
FLUSH_SECONDS = 0.2
MAX_RETRY_SECONDS = 5.0  # while the database is away, the writer tries at most this far apart
PRUNE_SECONDS = 3600.0
DROP_LOG_SECONDS = 10.0  # rows dropped for a full buffer are logged at most this often
WRITER_NICE = 10  # the log can wait: answering comes first (see faqbot.workers.lower_priority)

QUESTIONS, FEEDBACK = "questions", "feedback"
Item = tuple[float, QuestionRow | FeedbackRow]  # when it was recorded, and what


class QuestionLog:
    def __init__(
        self,
        state_dir: Path,
        *,
        database_url: str | None = None,
        enabled: bool = True,
        retention_days: int | None = None,
        buffer_rows: int = DEFAULT_LOG_BUFFER_ROWS,
    ):
        self.store: LogStore = open_store(state_dir, database_url)
        self.path: Path | None = None if database_url else state_dir / DB_NAME  # the SQLite file, if that
        self.enabled = enabled
        self.retention_days = retention_days
        self.buffer_rows = buffer_rows
        self._state_dir = state_dir
        self._salt = b""  # read (or made) on first use, so creating an app touches no files
        # Appended to by requests, emptied by the writer: deque's append and popleft are atomic.
        self._buffer: deque[Item] = deque()
        self._held = 0  # rows the writer took and has not written yet
        self._journal = Journal(state_dir)
        self._journal_lock = threading.Lock()  # a row goes to the journal and the buffer together
        self._segments: list[Path] = []  # journal segments whose rows are not all written yet
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # for the counters written from more than one thread
        self.written = {QUESTIONS: 0, FEEDBACK: 0}
        self.lost = {"buffer_full": 0, "refused": 0, "shutdown": 0}
        self.write_failures = 0
        self.database_up = True
        self._down_since = 0.0
        self._dropped_since_log = 0
        self._last_drop_log = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> QuestionLog:
        return cls(
            settings.state_dir,
            database_url=database_url(settings),
            enabled=settings.log_questions,
            retention_days=settings.retention_days,
            buffer_rows=settings.log_buffer_rows,
        )

    @property
    def running(self) -> bool:
        return self._thread is not None

    def client_hash(self, client: str) -> str:
        if not self._salt:
            self._salt = load_salt(self._state_dir)
        return hashlib.sha256(self._salt + client.encode()).hexdigest()[:16]

    def record_question(self, row: QuestionRow) -> None:
        if self.enabled:
            self._put((time.time(), row))

    def record_feedback(self, *, answer_id: str, helpful: bool, comment: str | None) -> None:
        if self.enabled:
            self._put((time.time(), FeedbackRow(answer_id, helpful, comment)))

    def _put(self, item: Item) -> None:
        # What the answer path does here: one line to the journal, and a bounded append.
        if len(self._buffer) + self._held < self.buffer_rows:
            with self._journal_lock:
                self._journal.append(item)
                self._buffer.append(item)
        else:
            self._drop(1, "buffer_full")

    def stats(self) -> dict[str, Any]:
        """What the log did so far, for /metrics."""
        return {
            "written": dict(self.written),
            "lost": dict(self.lost),
            "write_failures": self.write_failures,
            "waiting": len(self._buffer) + self._held,
            "database_up": self.database_up,
        }

    def start(self) -> None:
        if not self.enabled or self.running:
            return
        self._stopping.clear()
        for segment, items in self._journal.open():
            self._buffer.extend(items)  # what a dead process left: written first
            self._segments.append(segment)
            if items:
                log.warning("question log: %d rows a stopped process left in %s are written now", len(items), segment)
        self._thread = threading.Thread(target=self._run, name="question-log", daemon=True)
        self._thread.start()

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until everything recorded so far is written, or the timeout (for tests and the report)."""
        deadline = time.monotonic() + timeout
        while (self._buffer or self._held) and self.running and time.monotonic() < deadline:
            if self.database_up:  # an outage keeps its back-off
                self._wake.set()
            time.sleep(0.01)

    def stop(self) -> None:
        """Write what is buffered (one last try), then stop the writer; count what could not be written."""
        if self._thread is None:
            return
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=30)
        self._thread = None
        self._journal.close()
        self.store.close()

    def _run(self) -> None:
        # The writer wakes on a clock, not on each row: woken by every request, it would take the GIL
        # from the event loop once per answer.
        lower_priority(WRITER_NICE)
        pending: deque[Item] = deque()
        migrated = False
        last_prune = -PRUNE_SECONDS
        delay = FLUSH_SECONDS
        while True:
            self._wake.wait(delay)
            self._wake.clear()
            stopping = self._stopping.is_set()
            with self._journal_lock:
                taken = len(self._buffer)
                self._held = len(pending) + taken  # counted before they leave the buffer: flush() always sees them
                pending.extend(self._buffer.popleft() for _ in range(taken))
                segment = self._journal.rotate()
            if segment is not None:
                self._segments.append(segment)
            try:
                if not migrated:
                    self.store.migrate()
                    migrated = True
                if self.retention_days and time.monotonic() - last_prune > PRUNE_SECONDS:
                    self.store.prune(time.time() - self.retention_days * 86400)
                    last_prune = time.monotonic()
                if pending:
                    self._write(pending)
                self._journal.done(self._segments)  # everything taken so far is written
                self._segments = []
                self._back_up()
                delay = FLUSH_SECONDS
            except StoreUnavailable as exc:
                self._went_down(str(exc), len(pending))
                delay = min(delay * 2, MAX_RETRY_SECONDS)
            except Exception:  # a migration or a prune failed: a bug or a broken database, not an outage
                log.exception("question log: could not prepare %s", self.store.location)
                self._went_down("see the error above", len(pending))
                delay = MAX_RETRY_SECONDS
            if stopping:
                self._log_full_buffer()  # what the last DROP_LOG_SECONDS dropped
                if pending:  # kept in the journal: the next start on this state directory writes them
                    self._held = 0
                    log.error(
                        "question log: %d rows not written to %s at shutdown are kept in %s for the next start",
                        len(pending),
                        self.store.location,
                        self._journal.directory,
                    )
                return

    def _write(self, pending: deque[Item]) -> None:
        """Write `pending` and empty it; raises StoreUnavailable (the rows stay) when the database is away."""
        questions = [(t, r) for t, r in pending if isinstance(r, QuestionRow)]
        feedback = [(t, r) for t, r in pending if isinstance(r, FeedbackRow)]
        try:
            self.store.write(questions, feedback)
        except StoreUnavailable:
            raise
        except Exception:
            # The database refused the batch itself: write the rows one by one, so one bad row costs one row.
            log.exception(
                "question log: %s refused %d rows; writing them one by one", self.store.location, len(pending)
            )
            while pending:
                self._write_one(*pending[0])
                pending.popleft()
                self._held = len(pending)
        else:
            with self._lock:
                self.written[QUESTIONS] += len(questions)
                self.written[FEEDBACK] += len(feedback)
            pending.clear()
            self._held = 0

    def _write_one(self, at: float, row: QuestionRow | FeedbackRow) -> None:
        try:
            if isinstance(row, QuestionRow):
                self.store.write([(at, row)], [])
            else:
                self.store.write([], [(at, row)])
        except StoreUnavailable:
            raise
        except Exception as exc:
            log.error("question log: a row was refused and is dropped (%s): %r", exc, row)
            self._drop(1, "refused")
        else:
            with self._lock:
                self.written[QUESTIONS if isinstance(row, QuestionRow) else FEEDBACK] += 1

    def _went_down(self, reason: str, waiting: int) -> None:
        self.write_failures += 1
        if self.database_up:
            self.database_up = False
            self._down_since = time.monotonic()
            log.warning(
                "question log: cannot write to %s (%s); %d rows wait in memory (at most %d) until it is back",
                self.store.location,
                reason,
                waiting,
                self.buffer_rows,
            )

    def _back_up(self) -> None:
        if not self.database_up:
            self.database_up = True
            log.warning(
                "question log: %s is back after %.1f s; what waited is written",
                self.store.location,
                time.monotonic() - self._down_since,
            )

    def _drop(self, count: int, reason: str) -> None:
        """Count rows not kept; a full buffer is logged at once, then at most every DROP_LOG_SECONDS."""
        with self._lock:
            self.lost[reason] += count
            if reason != "buffer_full":
                return
            self._dropped_since_log += count
            if time.monotonic() - self._last_drop_log < DROP_LOG_SECONDS:
                return
        self._log_full_buffer()

    def _log_full_buffer(self) -> None:
        with self._lock:
            dropped, self._dropped_since_log, self._last_drop_log = self._dropped_since_log, 0, time.monotonic()
        if dropped:
            log.error(
                "question log: rows dropped: %d, as %s is unreachable and the buffer of %d rows is full",
                dropped,
                self.store.location,
                self.buffer_rows,
            )
