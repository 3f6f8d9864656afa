"""The log's stores: migrations, what is written and read back, and what happens when the
database is away (rows wait, then are written; a full buffer drops, counts and logs)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from faqbot.analytics.backends import open_store
from faqbot.analytics.question_log import QuestionLog, QuestionRow
from faqbot.analytics.store import DB_NAME, migrations
from faqbot.server.metrics import Metrics
from tests.analytics.conftest import Backend
from tests.services import Postgres, free_port

# The schema every SQLite log had before versioned migrations (and a row written the old way).
LEGACY_SCHEMA = """
CREATE TABLE questions (id INTEGER PRIMARY KEY, time REAL NOT NULL, question TEXT NOT NULL,
    normalized TEXT NOT NULL, answered INTEGER NOT NULL, kind TEXT NOT NULL, confidence REAL NOT NULL,
    top_source TEXT, answer_id TEXT NOT NULL UNIQUE, latency_ms REAL NOT NULL, index_version TEXT NOT NULL,
    client TEXT NOT NULL);
CREATE INDEX questions_time ON questions(time);
CREATE TABLE feedback (id INTEGER PRIMARY KEY, time REAL NOT NULL, answer_id TEXT NOT NULL,
    helpful INTEGER NOT NULL, comment TEXT);
CREATE INDEX feedback_answer ON feedback(answer_id);
INSERT INTO questions VALUES (NULL, 1.5, 'old', 'old', 1, 'faq', 0.9, 'x', 'old-1', 2.0, 'v0', 'c');
INSERT INTO feedback VALUES (NULL, 1.6, 'old-1', 0, 'from before');
"""


def row(n: int, **fields: object) -> QuestionRow:
    values: dict[str, object] = {
        "question": f"q{n}",
        "normalized": f"q{n}",
        "answered": True,
        "kind": "faq",
        "confidence": 0.9,
        "top_source": "x",
        "answer_id": f"id-{n}",
        "latency_ms": 1.0,
        "index_version": "v1",
        "client": "client",
    }
    return QuestionRow(**{**values, **fields})  # type: ignore[arg-type]


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(metrics.render().decode())
        for s in f.samples
    }


def test_migrations_are_numbered_alike_for_both_backends() -> None:
    sqlite, postgresql = migrations("sqlite"), migrations("postgresql")
    assert [(m.version, m.name) for m in sqlite] == [(m.version, m.name) for m in postgresql]
    assert [m.name for m in sqlite][:2] == ["questions_and_feedback", "conversations"]


def test_a_log_from_before_migrations_is_migrated_not_broken(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        db.executescript(LEGACY_SCHEMA)
    log = QuestionLog(tmp_path)
    log.start()
    log.record_question(row(1, conversation_id="conv-a", turn=2))
    log.stop()
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        assert db.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall() == [(1,), (2,)]
        kept = db.execute("SELECT question, conversation_id, turn FROM questions ORDER BY id").fetchall()
    assert kept == [("old", None, None), ("q1", "conv-a", 2)]
    questions, feedback = log.store.read(0.0)
    assert [q.answer_id for q in questions] == ["old-1", "id-1"] and questions[0].answered is True
    assert feedback[0].comment == "from before" and feedback[0].helpful is False
    assert log.store.migrate() == 2  # again: nothing to do


def test_replicas_starting_together_apply_each_migration_once(backend: Backend) -> None:
    stores = [open_store(backend.state_dir, backend.url) for _ in range(4)]
    versions: list[int] = []
    threads = [threading.Thread(target=lambda s=s: versions.append(s.migrate())) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for store in stores:
        store.close()
    latest = len(migrations("sqlite"))
    assert versions == [latest] * 4
    assert backend.query("SELECT version FROM schema_migrations ORDER BY version") == [
        (v,) for v in range(1, latest + 1)
    ]


def test_every_field_comes_back_as_written(backend: Backend) -> None:
    log = QuestionLog(backend.state_dir, database_url=backend.url)
    log.start()
    log.record_question(row(1, conversation_id="conv-1", turn=3, top_source=None, answered=False, kind="none"))
    log.record_question(row(2, question="nul \x00 and 'quotes' \\ 🌱", confidence=0.123456789012345))
    log.record_question(row(2, question="the same answer id again: skipped"))
    log.record_feedback(answer_id="id-1", helpful=True, comment=None)
    log.record_feedback(answer_id="id-1", helpful=False, comment='a "comment"')
    log.stop()
    questions, feedback = log.store.read(0.0)
    log.store.close()
    assert [(q.answer_id, q.conversation_id, q.turn, q.answered, q.top_source) for q in questions] == [
        ("id-1", "conv-1", 3, False, None),
        ("id-2", None, None, True, "x"),
    ]
    # Neither keeps a NUL whole (PostgreSQL's text refuses it, SQLite's JSON cut the string there): U+FFFD.
    assert questions[1].question == "nul \ufffd and 'quotes' \\ 🌱"
    assert questions[1].confidence == 0.123456789012345 and questions[1].time > 1e9
    assert [(f.helpful, f.comment) for f in feedback] == [(True, None), (False, 'a "comment"')]


def test_rows_wait_while_the_database_is_away_and_are_written_when_it_is_back(
    postgres_server: Postgres, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = postgres_server.create_database("outage")
    log = QuestionLog(tmp_path, database_url=url)
    log.start()
    log.record_question(row(0))
    log.flush()
    postgres_server.stop()
    try:
        for n in range(1, 51):
            log.record_question(row(n))
        log.record_feedback(answer_id="id-1", helpful=False, comment="kept")
        deadline = time.monotonic() + 15
        while log.stats()["database_up"] and time.monotonic() < deadline:
            time.sleep(0.1)
        stats = log.stats()
        assert stats["waiting"] == 51 and stats["database_up"] is False and stats["write_failures"] >= 1
        assert "cannot write to" in caplog.text
    finally:
        postgres_server.start()
    log.flush(timeout=20)
    log.stop()
    assert postgres_server.execute("SELECT count(*) FROM questions", "outage") == [(51,)]
    assert postgres_server.execute("SELECT comment FROM feedback", "outage") == [("kept",)]
    stats = log.stats()
    assert stats["waiting"] == 0 and stats["database_up"] is True
    assert stats["lost"] == {"buffer_full": 0, "refused": 0, "shutdown": 0}
    assert "is back after" in caplog.text


def test_a_full_buffer_drops_rows_counts_them_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Nothing listens on this port: every write finds the database unreachable.
    log = QuestionLog(tmp_path, database_url=f"postgresql://nobody@127.0.0.1:{free_port()}/none", buffer_rows=100)
    metrics = Metrics()
    metrics.watch_question_log(log.stats)
    log.start()
    for n in range(130):
        log.record_question(row(n))
    log.record_feedback(answer_id="id-1", helpful=True, comment=None)
    seen = samples(metrics)
    assert seen[("faqbot_question_log_rows_lost_total", (("reason", "buffer_full"),))] == 31
    assert seen[("faqbot_question_log_rows_waiting", ())] == 100
    assert "rows dropped: 1," in caplog.text and "rows dropped: 30" not in caplog.text  # at once, then every 10 s
    log.stop()  # one last try; what could not be written stays in the journal for the next start
    seen = samples(metrics)
    assert seen[("faqbot_question_log_rows_lost_total", (("reason", "shutdown"),))] == 0
    assert seen[("faqbot_question_log_rows_written_total", (("table", "questions"),))] == 0
    assert seen[("faqbot_question_log_database_up", ())] == 0
    assert seen[("faqbot_question_log_write_failures_total", ())] >= 1
    assert "rows dropped: 30," in caplog.text and "100 rows not written" in caplog.text
    later = QuestionLog(tmp_path)  # the next start (here on SQLite) writes what the journal kept
    later.start()
    later.flush()
    later.stop()
    assert sqlite_rows(tmp_path) == 100


def sqlite_rows(state_dir: Path) -> int:
    import sqlite3

    with sqlite3.connect(state_dir / "faqbot.sqlite3") as db:
        return int(db.execute("SELECT count(*) FROM questions").fetchone()[0])


def test_a_process_killed_outright_loses_no_row(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from faqbot.analytics.question_log import QuestionLog\n"
        "from faqbot.analytics.store import QuestionRow\n"
        "log = QuestionLog(Path(sys.argv[1]))\n"
        "log.start()\n"
        "for n in range(50):\n"
        "    log.record_question(QuestionRow(f'q{n}', f'q{n}', True, 'faq', 0.9, 'x', f'id-{n}', 1.0, 'v', 'c'))\n"
        "os.kill(os.getpid(), signal.SIGKILL)  # before the writer's next turn\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path)], timeout=60)
    assert result.returncode == -9
    assert not (tmp_path / "faqbot.sqlite3").exists() or sqlite_rows(tmp_path) < 50
    log = QuestionLog(tmp_path)
    log.start()
    log.flush()
    log.stop()
    assert sqlite_rows(tmp_path) == 50 and not list((tmp_path / "journal").glob("*.jsonl"))


def test_a_row_the_database_refuses_costs_that_row_only(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    log = QuestionLog(tmp_path)
    log.store.migrate()
    log.start()
    with sqlite3.connect(tmp_path / DB_NAME) as db:  # a rule the code does not know: refuses one row
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON questions WHEN NEW.question = 'bad'"
            " BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    caplog.set_level(logging.ERROR)
    log.record_question(row(1))
    log.record_question(row(2, question="bad"))
    log.record_question(row(3))
    log.stop()
    assert [q.answer_id for q in log.store.read(0.0)[0]] == ["id-1", "id-3"]
    assert log.stats()["lost"]["refused"] == 1 and log.stats()["written"]["questions"] == 2
    assert "refused" in caplog.text


def test_the_report_sees_every_replicas_questions(tmp_path: Path, postgres_server: Postgres) -> None:
    url = postgres_server.create_database("replicas")
    replicas = [QuestionLog(tmp_path / f"replica-{n}", database_url=url) for n in range(3)]
    for n, replica in enumerate(replicas):
        replica.start()
        replica.record_question(row(n))
    for replica in replicas:
        replica.stop()
    reader = open_store(tmp_path / "elsewhere", url)
    assert sorted(q.answer_id for q in reader.read(0.0)[0]) == ["id-0", "id-1", "id-2"]
    reader.close()
