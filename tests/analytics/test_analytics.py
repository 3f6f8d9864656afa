"""The question log, feedback, the report and /metrics, on both backends (SQLite, PostgreSQL)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from typer.testing import CliRunner

from faqbot.analytics.question_log import QuestionLog, QuestionRow
from faqbot.analytics.report import build_report, cluster_unanswered, format_report, render_html
from faqbot.analytics.store import LoggedQuestion
from faqbot.answering.answerer import Answerer
from faqbot.cli import app as cli
from faqbot.embedding.embedder import Embedder
from faqbot.index.build import build_index
from faqbot.server.app import create_app
from faqbot.settings import PACKAGE_WEB, Settings
from tests.analytics.conftest import Backend
from tests.support import faqbot_server

Factory = Callable[[str], Embedder]
TOKEN = "analytics-admin-token"


@pytest.fixture
def settings(fake_settings: Settings, fake_factory: Factory, backend: Backend) -> Settings:
    build_index(fake_settings, embedder_factory=fake_factory)
    database = SecretStr(backend.url) if backend.url else None
    return fake_settings.model_copy(
        update={"state_dir": backend.state_dir, "admin_token": SecretStr(TOKEN), "database_url": database}
    )


@pytest.fixture
def client(settings: Settings, fake_factory: Factory) -> Iterator[TestClient]:
    with TestClient(create_app(settings, embedder_factory=fake_factory)) as c:
        yield c


def test_questions_and_feedback_are_logged_and_linked(client: TestClient, backend: Backend) -> None:
    # Rows are written as one JSON array a batch: quotes, backslashes and emoji must come back as sent.
    questions = ["What is  green AI?", "Who can contribute?", "zzz qqq", "Qu'est-ce que l'IA \"verte\" ? 🌱\\"]
    answers = [client.post("/api/ask", json={"question": q}).json() for q in questions]
    client.post("/api/feedback", json={"answer_id": answers[0]["answer_id"], "helpful": False, "comment": "vague"})
    client.app.state.question_log.flush()  # type: ignore[attr-defined]
    logged = backend.query(
        "SELECT question, normalized, answered, kind, confidence, top_source, answer_id, latency_ms,"
        " index_version, client FROM questions ORDER BY id",
    )
    assert [r[0] for r in logged] == questions
    assert logged[0][1] == "What is green AI?"
    for row, answer in zip(logged, answers, strict=True):
        assert row[2] == int(answer["answered"]) and row[3] == answer["kind"] and row[4] == answer["confidence"]
        top_source = answer["sources"][0]["id"] if answer["sources"] else None
        assert row[5] == top_source and row[6] == answer["answer_id"] and row[8] == answer["index_version"]
        assert isinstance(row[7], float) and row[7] > 0
        assert len(str(row[9])) == 16 and row[9] != "testclient"  # a salted hash, not the address
    linked = backend.query("SELECT q.question, f.helpful, f.comment FROM feedback f JOIN questions q USING (answer_id)")
    assert linked == [("What is  green AI?", 0, "vague")]


def test_logging_can_be_turned_off(settings: Settings, fake_factory: Factory, backend: Backend) -> None:
    off = settings.model_copy(update={"log_questions": False})
    with TestClient(create_app(off, embedder_factory=fake_factory)) as c:
        c.post("/api/ask", json={"question": "What is green AI?"})
        assert c.post("/api/feedback", json={"answer_id": "abc", "helpful": True}).json() == {"recorded": False}
    assert not backend.log_exists()


def row(n: int, answered: bool = True) -> QuestionRow:
    return QuestionRow(f"q{n}", f"q{n}", answered, "faq", 0.9, "x", f"id-{n}", 1.0, "v1", "client")


def test_concurrent_writers_lose_nothing_and_old_rows_are_pruned(backend: Backend) -> None:
    log = QuestionLog(backend.state_dir, database_url=backend.url, retention_days=30)
    log.start()
    threads = [
        threading.Thread(target=lambda k=k: [log.record_question(row(k * 100 + i)) for i in range(50)])
        for k in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.flush()
    log.stop()
    assert backend.query("SELECT count(*) FROM questions") == [(400,)]
    assert log.stats()["written"] == {"questions": 400, "feedback": 0}
    backend.query('UPDATE questions SET "time" = "time" - 40 * 86400 WHERE id <= 100')
    again = QuestionLog(backend.state_dir, database_url=backend.url, retention_days=30)
    again.start()  # prunes when its writer first reaches the database
    again.stop()
    assert backend.query("SELECT count(*) FROM questions") == [(300,)]


@pytest.mark.model
def test_questions_answered_before_a_hard_kill_are_kept(
    real_settings: Settings, tmp_path: Path, backend: Backend
) -> None:
    env = {
        **os.environ,
        **backend.env,
        "FAQBOT_INDEX_DIR": str(real_settings.index_dir),
        "FAQBOT_RATE_LIMIT": "off",
    }
    with faqbot_server(env, tmp_path / "server.log") as (server, base), httpx.Client() as http:
        for n in range(25):
            assert http.post(f"{base}/api/ask", json={"question": f"What is green AI? {n}"}).status_code == 200
        time.sleep(1.0)
        server.send_signal(signal.SIGKILL)
    assert backend.query("SELECT count(*) FROM questions") == [(25,)]


OFF_TOPIC_BATCH = [
    "How do I reset my password?",
    "I forgot my password, how can I reset it?",
    "password reset",
    "How can I change my account password?",
    "reset password link not working",
]
NEAR_MISS = [
    "Is open source AI good for the economy?",
    "economic benefits of open-source AI",
    "Does open source AI create economic growth?",
]


@pytest.mark.model
def test_the_report_groups_off_topic_questions_and_points_near_misses_at_their_entry(
    real_answerer: Answerer, backend: Backend
) -> None:
    log = QuestionLog(backend.state_dir, database_url=backend.url)
    log.start()
    questions = OFF_TOPIC_BATCH + NEAR_MISS + ["What is green AI?"] * 3
    for n, q in enumerate(questions):
        answered = q == "What is green AI?"
        top = "p-x" if answered else None
        log.record_question(
            QuestionRow(
                q, q, answered, "passage" if answered else "none", 0.9 if answered else 0.2, top, f"a{n}", 2.0, "v", "c"
            )
        )
    log.record_feedback(answer_id="a0", helpful=False, comment="not what I asked")
    log.flush()
    log.stop()
    report = build_report(log.store, real_answerer)
    log.store.close()
    assert report.totals["questions"] == len(questions) and report.totals["declined"] == len(
        OFF_TOPIC_BATCH + NEAR_MISS
    )
    password = [c for c in report.clusters if "password" in c.examples[0]]
    assert len(password) == 1 and password[0].size == len(OFF_TOPIC_BATCH)
    assert password[0].suggestion.action == "new-entry" and "question: " in password[0].suggestion.snippet
    economy = [c for c in report.clusters if any("econom" in e for e in c.examples)]
    assert len(economy) == 1 and economy[0].size == len(NEAR_MISS)
    assert economy[0].suggestion.action == "add-alternate" and economy[0].suggestion.faq_id == "economic-implications"
    assert "alternates:" in economy[0].suggestion.snippet
    assert (
        report.unhelpful[0]["comments"] == ["not what I asked"]
        and report.unhelpful[0]["question"] == OFF_TOPIC_BATCH[0]
    )
    html = render_html(report, PACKAGE_WEB / "templates")
    assert "What readers asked" in html and "<svg" in html and "<script" not in html
    # Answered from a source the index no longer has (the site changed since): named as gone, not blank.
    assert report.top_sources == [{"kind": "gone", "ref": "p-x", "label": "p-x (no longer in the index)", "count": 3}]
    assert "    3  p-x (no longer in the index)" in format_report(report)


def test_metrics_are_prometheus_text(client: TestClient) -> None:
    for q in ("What is green AI?", "zzz", "What is  green AI?"):  # the third is the first, cached
        client.post("/api/ask", json={"question": q})
    client.post("/api/ask", json={"question": ""})
    client.post("/api/feedback", json={"answer_id": "a", "helpful": True})
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}
    assert samples[("faqbot_http_requests_total", (("endpoint", "/api/ask"), ("status", "200")))] == 3
    assert samples[("faqbot_http_requests_total", (("endpoint", "/api/ask"), ("status", "422")))] == 1
    assert sum(v for (name, _), v in samples.items() if name == "faqbot_answers_total") == 3
    assert samples[("faqbot_answer_cache_hits_total", ())] == 1
    assert samples[("faqbot_answer_latency_seconds_count", ())] == 3
    assert samples[("faqbot_feedback_total", (("helpful", "true"),))] == 1
    version = client.get("/readyz").json()["index_version"]
    assert samples[("faqbot_index_info", (("model", "fake-model"), ("version", version)))] == 1
    assert samples[("faqbot_index_documents", (("kind", "faq"),))] == 5
    # The question log's own: all written, nothing waiting or lost.
    client.app.state.question_log.flush()  # type: ignore[attr-defined]
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(client.get("/metrics").text)
        for s in f.samples
    }
    assert samples[("faqbot_question_log_rows_written_total", (("table", "questions"),))] == 3
    assert samples[("faqbot_question_log_rows_written_total", (("table", "feedback"),))] == 1
    assert samples[("faqbot_question_log_rows_waiting", ())] == 0
    assert samples[("faqbot_question_log_database_up", ())] == 1
    assert samples[("faqbot_question_log_write_failures_total", ())] == 0
    for reason in ("buffer_full", "refused", "shutdown"):
        assert samples[("faqbot_question_log_rows_lost_total", (("reason", reason),))] == 0


def test_admin_report_needs_the_token_and_serves_json_and_html(client: TestClient) -> None:
    client.post("/api/ask", json={"question": "zzz qqq"})
    assert client.get("/admin/report").status_code == 401
    body = client.get("/admin/report", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert body["totals"]["questions"] == 1 and "clusters" in body
    page = client.get("/admin/report?format=html", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200 and "What readers asked" in page.text
    assert "script-src" not in page.headers["content-security-policy"]


def test_faqbot_report_cli(
    client: TestClient,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_factory: Factory,
    backend: Backend,
) -> None:
    client.post("/api/ask", json={"question": "zzz qqq"})
    client.app.state.question_log.flush()  # type: ignore[attr-defined]
    import faqbot.answering.engine

    original = faqbot.answering.engine.load_engine
    monkeypatch.setattr(faqbot.answering.engine, "load_engine", lambda s, *a, **k: original(s, fake_factory))
    env = {**backend.env, "FAQBOT_INDEX_DIR": str(settings.index_dir), "FAQBOT_MODEL": "fake-model"}
    page = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "--html", str(page)], env=env)
    assert result.exit_code == 0, result.output
    # The page instead of the text: one report per run, and a line saying where it went.
    assert result.output == f"wrote {page}\n" and page.read_text().startswith("<!doctype html>")
    text = CliRunner().invoke(cli, ["report"], env=env)
    assert "1 questions" in text.output and "(none)" in text.output  # empty parts say so
    if backend.server is not None:
        nowhere = {"FAQBOT_DATABASE_URL": backend.server.create_database(f"{backend.database}_empty")}
    else:
        nowhere = {"FAQBOT_STATE_DIR": str(tmp_path / "none")}
    missing = CliRunner().invoke(cli, ["report"], env={**env, **nowhere})
    assert missing.exit_code == 1 and "no question log" in missing.output, missing.output


def test_conversations_are_logged_by_turn_and_reported(
    client: TestClient, settings: Settings, fake_factory: Factory, backend: Backend
) -> None:
    first = client.post("/api/ask", json={"question": "What is green AI?", "conversation_id": "c-1"}).json()
    turn = {"question": "What is green AI?", "answer": first["answer"], "source_id": first["sources"][0]["id"]}
    suggested = "Who can contribute to open source AI projects?"  # not word for word an FAQ question
    faq = "Can anyone contribute to open source AI projects?"
    client.post("/api/ask", json={"question": faq, "conversation_id": "c-1", "history": [turn]})
    last = {"question": "zzz qqq xyzzy plugh", "conversation_id": "c-1", "history": [turn, {"question": faq}]}
    declined = client.post("/api/ask", json=last).json()
    client.post("/api/ask", json={"question": suggested})  # no conversation: not counted in one
    client.app.state.question_log.flush()  # type: ignore[attr-defined]
    rows = backend.query("SELECT conversation_id, turn FROM questions ORDER BY id")
    assert rows == [("c-1", 1), ("c-1", 2), ("c-1", 3), (None, None)]
    answerer = client.app.state.engine.answerer  # type: ignore[attr-defined]
    talks = build_report(client.app.state.question_log.store, answerer).conversations  # type: ignore[attr-defined]
    assert talks["conversations"] == 1 and talks["turns"] == 3
    assert talks["suggestions_taken"] == [{"question": faq, "count": 1}]
    if not declined["answered"]:
        assert talks["ended_in_decline"][0]["questions"][-1] == last["question"]


def test_a_declined_follow_up_is_no_faq_suggestion_on_its_own(client: TestClient) -> None:
    """ "tell me more?" in a conversation leans on the turns before it: the report's FAQ suggestions
    leave it out (the conversations that ended in a decline show it in context); asked first, it is one."""
    answerer = client.app.state.engine.answerer  # type: ignore[attr-defined]

    def row(question: str, turn: int | None) -> LoggedQuestion:
        return LoggedQuestion(0.0, question, question, False, "none", 0.1, None, "id", 1.0, "v", "c", "c-1", turn)

    rows = [row("what is the capital of peru?", 1), row("tell me more?", 2), row("tell me more?", 3)]
    examples = [text for cluster in cluster_unanswered(rows, answerer) for text in cluster.examples]
    assert examples == ["what is the capital of peru?"]
    alone = [text for c in cluster_unanswered([row("tell me more?", None)], answerer) for text in c.examples]
    assert alone == ["tell me more?"]
