"""Hardening: reloads, admin auth, size limits, rate limits, headers, logs, interrupted builds."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import signal
import subprocess
import sys
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from faqbot.embedding.embedder import Embedder
from faqbot.errors import IndexUnavailable
from faqbot.index.build import build_index
from faqbot.index.builds import current_build, swap_in
from faqbot.index.store import load_index
from faqbot.server.app import create_app
from faqbot.server.middleware import configure_logging
from faqbot.server.rate_limit import ClientAddress, RateLimiter
from faqbot.settings import Settings, parse_rate
from tests.conftest import REPO
from tests.support import faqbot_server

Factory = Callable[[str], Embedder]
TOKEN = "s3cret-admin-token-for-tests"
FAQ = "future-of-open-source-ai-models.yaml"


def add_entry(settings: Settings, n: int) -> None:
    (settings.data_dir / "faq" / "extra.csv").write_text(f"question,answer\nWhat is extra {n}?,Extra {n}.\n")


@pytest.fixture
def built(fake_settings: Settings, fake_factory: Factory) -> Settings:
    build_index(fake_settings, embedder_factory=fake_factory)
    return fake_settings.model_copy(update={"admin_token": SecretStr(TOKEN), "reload_interval": 0.1})


@pytest.fixture
def client(built: Settings, fake_factory: Factory) -> Iterator[TestClient]:
    with TestClient(create_app(built, embedder_factory=fake_factory)) as c:
        yield c


def version(client: TestClient) -> str:
    return str(client.get("/readyz").json()["index_version"])


def test_a_new_build_is_served_without_a_restart(client: TestClient, built: Settings, fake_factory: Factory) -> None:
    before = version(client)
    add_entry(built, 1)
    report = build_index(built, embedder_factory=fake_factory)
    deadline = time.monotonic() + 10
    while version(client) != report.version:
        assert time.monotonic() < deadline, "the watcher never picked up the new index"
        time.sleep(0.05)
    assert report.version != before
    body = client.post("/api/ask", json={"question": "What is extra 1?"}).json()
    assert body["index_version"] == report.version and body["sources"][0]["section"] == "What is extra 1?"


def test_the_loaded_index_is_kept_from_the_gc_and_a_replaced_one_is_freed(
    client: TestClient, built: Settings, fake_factory: Factory
) -> None:
    assert gc.get_freeze_count() > 0  # loading froze what it loaded: full collections skip it
    answerer = client.app.state.engine.answerer  # type: ignore[attr-defined]
    # Frozen objects are never freed by the cyclic collector: what a reload replaces must go by
    # reference counting, so nothing it holds may sit in a reference cycle.
    old = [weakref.ref(o) for o in (answerer, answerer.speller, answerer.index, answerer.index.lexical)]
    del answerer
    add_entry(built, 3)
    build_index(built, embedder_factory=fake_factory)
    assert client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}).json()["reloaded"] is True
    assert [ref() for ref in old] == [None, None, None, None]


def test_admin_reload_needs_the_token(client: TestClient, built: Settings, fake_factory: Factory) -> None:
    assert client.post("/admin/reload").status_code == 401
    assert client.post("/admin/reload").headers["www-authenticate"] == "Bearer"
    assert client.post("/admin/reload", headers={"Authorization": "Basic abc"}).status_code == 401
    wrong = client.post("/admin/reload", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and wrong.json()["error"] == "wrong admin token"
    add_entry(built, 2)
    report = build_index(built.model_copy(update={"reload_interval": 0}), embedder_factory=fake_factory)
    ok = client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.json() == {"reloaded": True, "index_version": report.version, "error": None}


def test_admin_is_off_without_a_token(fake_settings: Settings, fake_factory: Factory) -> None:
    build_index(fake_settings, embedder_factory=fake_factory)
    with TestClient(create_app(fake_settings, embedder_factory=fake_factory)) as c:
        response = c.post("/admin/reload", headers={"Authorization": "Bearer anything"})
        assert response.status_code == 404 and "FAQBOT_ADMIN_TOKEN" in response.json()["error"]


def test_a_damaged_new_index_keeps_the_old_one_serving(client: TestClient, built: Settings) -> None:
    before = version(client)
    serving = current_build(built.index_dir)
    assert serving is not None
    broken = built.index_dir / "builds" / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    swap_in(built.index_dir, broken)
    response = client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.json()["reloaded"] is False and "no readable manifest" in response.json()["error"]
    assert client.post("/api/ask", json={"question": "What is green AI?"}).json()["index_version"] == before
    ready = client.get("/readyz").json()
    assert ready["ready"] is True and "no readable manifest" in ready["last_reload_error"]
    # The README's way back: the link pointed at the build being served again. The watcher finds it
    # serving already, and the error no longer stands (it stayed, and alerts on it never resolved).
    swap_in(built.index_dir, serving)
    engine = client.app.state.engine
    after = asyncio.run(client.app.state.reloader.reload(engine))  # what the watcher does every interval
    assert after.answerer is engine.answerer and after.last_reload_error is None


def test_build_rebuilds_a_damaged_index_even_when_its_manifest_is_current(
    built: Settings, fake_factory: Factory
) -> None:
    build = current_build(built.index_dir)
    assert build is not None
    (build / "records.json").write_text("garbage")
    report = build_index(built, embedder_factory=fake_factory)
    assert not report.up_to_date
    assert load_index(built.index_dir).version == report.version


def test_a_sentences_file_cut_short_is_refused_and_rebuilt(built: Settings, fake_factory: Factory) -> None:
    """A valid array with fewer rows (or of another width) still maps: an answer from a passage past
    its end failed. It is refused as not matching, and the next build rebuilds."""
    build = current_build(built.index_dir)
    assert build is not None
    whole = np.load(build / "sentences.npy")
    for broken in (whole[: len(whole) // 2], whole[:, :8]):
        np.save(build / "sentences.npy", broken)
        with pytest.raises(IndexUnavailable, match="does not match its manifest"):
            load_index(built.index_dir)
    report = build_index(built, embedder_factory=fake_factory)
    assert not report.up_to_date and len(load_index(built.index_dir).sentence_vectors) == len(whole)


def test_bodies_over_the_limit_get_413_before_parsing(client: TestClient) -> None:
    big = json.dumps({"question": "x" * 20_000})
    response = client.post("/api/ask", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "larger than 16384 bytes" in response.json()["error"]

    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(40):
            yield b"y" * 1000
        yield b'"}'

    streamed = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


@pytest.mark.parametrize("question", ["\x00\x01\x02", "\u200b" * 0 + "\t\n\r ", "\x7f\x9f"])
def test_questions_of_control_characters_only_are_refused(client: TestClient, question: str) -> None:
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 422 and "must not be empty or blank" in response.json()["error"]


def test_questions_are_normalised(client: TestClient) -> None:
    a = client.post("/api/ask", json={"question": "What\x00 is   green\u00a0AI?"}).json()
    b = client.post("/api/ask", json={"question": "What is green AI?"}).json()
    assert (a["answer"], a["sources"]) == (b["answer"], b["sources"])


def test_rate_limit_gives_429_with_retry_after(built: Settings, fake_factory: Factory) -> None:
    settings = built.model_copy(update={"rate_limit": "3/minute"})
    with TestClient(create_app(settings, embedder_factory=fake_factory)) as c:
        codes = [c.post("/api/ask", json={"question": "What is green AI?"}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = c.post("/api/feedback", json={"answer_id": "a", "helpful": True})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert f"try again in {limited.headers['retry-after']} s" in limited.json()["error"]  # never "in 0 s"
        assert "too many requests" in limited.json()["error"]
        # Without a trusted proxy, a forged X-Forwarded-For does not buy a new bucket.
        forged = c.post("/api/ask", json={"question": "x"}, headers={"X-Forwarded-For": "203.0.113.9"})
        assert forged.status_code == 429
        assert c.get("/api/faq").status_code == 200  # reading is not limited


def test_token_bucket_and_client_address() -> None:
    limiter = RateLimiter(2, 60.0)
    assert [limiter.take("a", now=0.0), limiter.take("a", now=0.0)] == [0.0, 0.0]
    assert limiter.take("a", now=0.0) == pytest.approx(30.0)
    assert limiter.take("b", now=0.0) == 0.0
    assert limiter.take("a", now=30.0) == 0.0  # one token back after period/count
    assert parse_rate("off") is None and parse_rate("10/second") == (10, 1.0)
    with pytest.raises(ValueError, match="60/minute"):
        parse_rate("lots")
    clients = ClientAddress(["10.0.0.0/8"])
    assert clients.of("10.1.2.3", "198.51.100.7, 10.0.0.5") == "198.51.100.7"
    assert clients.of("192.0.2.1", "198.51.100.7") == "192.0.2.1"  # untrusted peer: header ignored
    assert ClientAddress([]).of("10.1.2.3", "198.51.100.7") == "10.1.2.3"


def test_every_response_has_security_headers_and_a_request_id(client: TestClient) -> None:
    for response in (client.get("/healthz"), client.post("/api/ask", json={"question": ""}), client.get("/nope")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "frame-ancestors" in response.headers["content-security-policy"]
        assert len(response.headers["x-request-id"]) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    assert client.get("/healthz", headers={"X-Request-ID": "bad id\n"}).headers["x-request-id"] != "bad id\n"


def test_json_logs_have_request_ids_and_no_secrets(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json")
    try:
        client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}", "X-Request-ID": "req-1"})
        client.post("/api/ask", json={"question": "What is green AI?"})
    finally:
        logging.getLogger("faqbot").handlers.clear()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["message"] == "request"]
    assert {r["path"] for r in requests} >= {"/admin/reload", "/api/ask"}
    assert any(r["request_id"] == "req-1" and r["status"] == 200 for r in requests)
    assert TOKEN not in json.dumps(lines)


SLOW_BUILD = """
import sys, time
from pathlib import Path
from faqbot.index.build import build_index
from faqbot.settings import Settings
from tests.fakes import HashingEmbedder

class Slow(HashingEmbedder):
    def encode(self, texts, *, progress=False):
        print("embedding", flush=True)
        time.sleep(float(sys.argv[3]))
        return super().encode(texts)

build_index(Settings(data_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2]), model="fake-model"),
            embedder_factory=lambda m: Slow(), force=True)
print("done", flush=True)
"""


def run_build(settings: Settings, pause: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SLOW_BUILD, str(settings.data_dir), str(settings.index_dir), str(pause)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("kill_after", [0.05, 0.3, 0.8, 1.5])
def test_a_killed_build_leaves_the_index_as_it_was(built: Settings, kill_after: float) -> None:
    before = current_build(built.index_dir)
    version_before = load_index(built.index_dir).version
    add_entry(built, 3)
    build = run_build(built, pause=1.0)
    time.sleep(kill_after)
    build.send_signal(signal.SIGKILL)
    build.wait(timeout=10)
    assert current_build(built.index_dir) == before
    assert load_index(built.index_dir).version == version_before
    # The next build cleans up after the dead one and succeeds.
    report = build_index(built, embedder_factory=lambda m: __import__("tests.fakes").fakes.HashingEmbedder())
    assert not report.up_to_date
    assert [p.name for p in (built.index_dir / "builds").iterdir() if p.name.startswith(".tmp")] == []


def test_a_second_build_process_is_refused_while_one_runs(built: Settings) -> None:
    add_entry(built, 4)  # something to embed, so the first build is busy
    first = run_build(built, pause=3.0)
    try:
        assert first.stdout is not None and first.stdout.readline().strip() == "embedding"
        env = {**os.environ, "FAQBOT_DATA_DIR": str(built.data_dir), "FAQBOT_INDEX_DIR": str(built.index_dir)}
        second = subprocess.run(
            [sys.executable, "-m", "faqbot", "build", "--force"],
            env={**env, "FAQBOT_MODEL": "fake-model"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1 and "another 'faqbot build' is running" in second.stderr
    finally:
        first.wait(timeout=30)
    assert load_index(built.index_dir).manifest.counts["faq"] == 6  # the first build finished cleanly


def test_serve_says_in_one_line_that_a_corrupt_index_leaves_it_not_ready(built: Settings, tmp_path: Path) -> None:
    build = current_build(built.index_dir)
    assert build is not None
    (build / "vectors.faiss").write_bytes(b"\x00" * 10)
    env = {**os.environ, "FAQBOT_INDEX_DIR": str(built.index_dir), "FAQBOT_MODEL": "fake-model"}
    with faqbot_server(env, tmp_path / "serve.log", ready=False) as (_, base):
        ready = httpx.get(f"{base}/readyz", timeout=5)
    log = (tmp_path / "serve.log").read_text()
    assert ready.status_code == 503 and "is damaged" in ready.json()["error"]
    assert "not ready:" in log and "is damaged" in log and "Traceback" not in log


def test_the_cache_never_serves_an_answer_from_an_older_index(
    client: TestClient, built: Settings, fake_factory: Factory
) -> None:
    question = {"question": "Can anyone contribute to open source AI projects?"}
    before = client.post("/api/ask", json=question).json()
    assert client.post("/api/ask", json=question).json()["answer"] == before["answer"]  # served from the cache
    faq = built.data_dir / "faq" / FAQ
    faq.write_text(
        faq.read_text().replace("Yes, developers, data scientists", "Yes: developers, researchers, data scientists")
    )
    build_index(built, embedder_factory=fake_factory)
    assert client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}).json()["reloaded"] is True
    after = client.post("/api/ask", json=question).json()
    assert after["index_version"] != before["index_version"]
    assert after["answer"].startswith("Yes: developers, researchers") and before["answer"].startswith("Yes, developers")
