"""The `faqbot` command: build, ask, serve."""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from faqbot.cli import app
from faqbot.content.smalltalk import load_smalltalk
from faqbot.embedding.embedder import Embedder
from faqbot.index import build as build_module
from faqbot.settings import Settings
from tests.support import faqbot_server, free_port

runner = CliRunner()


@pytest.fixture
def env(fake_settings: Settings) -> dict[str, str]:
    return {
        "FAQBOT_DATA_DIR": str(fake_settings.data_dir),
        "FAQBOT_INDEX_DIR": str(fake_settings.index_dir),
        "FAQBOT_MODEL": "fake-model",
    }


@pytest.fixture
def fake_build(monkeypatch: pytest.MonkeyPatch, fake_factory: Callable[[str], Embedder]) -> None:
    original = build_module.build_index
    monkeypatch.setattr(
        build_module,
        "build_index",
        lambda settings, **kw: original(settings, **{**kw, "embedder_factory": fake_factory}),
    )


def test_build_check_validates_without_building(env: dict[str, str], fake_settings: Settings) -> None:
    result = runner.invoke(app, ["build", "--check"], env=env)
    assert result.exit_code == 0, result.output
    assert "data ok: 1 article, 5 FAQ entries, 7 passages" in result.output
    assert not fake_settings.index_dir.exists()


def test_build_summarises_and_a_rebuild_embeds_nothing(
    env: dict[str, str], fake_build: None, fake_settings: Settings
) -> None:
    first = runner.invoke(app, ["build"], env=env)
    assert first.exit_code == 0, first.output
    assert "FAQ entries: 5 added, 0 changed, 0 removed" in first.output
    assert "passages: 7 added, 0 changed, 0 removed" in first.output
    texts = 67 + len(load_smalltalk(fake_settings.data_dir).examples)  # keys and sentences, and small talk
    assert f"embedded {texts} texts, 0 from the cache" in first.output, first.output
    second = runner.invoke(app, ["build"], env=env)
    assert second.exit_code == 0 and "is up to date: nothing embedded" in second.output


def test_a_full_disk_or_an_index_directory_that_is_a_file_is_one_line(
    env: dict[str, str], fake_build: None, fake_settings: Settings, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "indexes-file"
    not_a_folder.write_text("")
    result = runner.invoke(app, ["build"], env={**env, "FAQBOT_INDEX_DIR": str(not_a_folder)})
    assert result.exit_code == 1 and "\nerror: the build stopped: " in result.output, result.output
    assert str(not_a_folder) in result.output and "Traceback" not in result.output


def test_a_bad_data_file_fails_the_build_with_file_and_line(env: dict[str, str], fake_settings: Settings) -> None:
    bad = fake_settings.data_dir / "faq" / "bad.yaml"
    bad.write_text("- question: Q?\n  answer: a\n- question: R?\n")
    for args in (["build"], ["build", "--check"]):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 1
        assert f"error: {bad}:3 (entry 2): missing 'answer'" in result.output
        assert "Traceback" not in result.output


def test_every_bad_data_file_is_named_by_one_build_and_nothing_is_built(
    env: dict[str, str], fake_settings: Settings
) -> None:
    """A site owner with three broken files learns of all three from one build, not one per build."""
    data = fake_settings.data_dir
    (data / "articles" / "a-draft.md").write_text("---\ntitle: Draft\n---\n\n## \n\nText.\n")
    (data / "articles" / "b-untitled.md").write_text("---\nslug: b\n---\n\nText.\n")
    (data / "faq" / "bad.yaml").write_text("- question: Q?\n  answer: a\n- question: R?\n")
    (data / "faq" / "shop.yaml").write_text("- question: Open on Sundays?\n  article: no-such-article\n  answer: No.\n")
    result = runner.invoke(app, ["build"], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "error: 3 mistakes in the data (fix each; nothing was built):" in result.output, result.output
    for mistake in (
        f"{data / 'articles' / 'a-draft.md'}:5: a heading has no text",
        f"{data / 'articles' / 'b-untitled.md'}:2: the front matter needs a 'title'",
        f"{data / 'faq' / 'bad.yaml'}:3 (entry 2): missing 'answer'",
    ):
        assert f"\n  {mistake}" in result.output, (mistake, result.output)
    assert "no-such-article" not in result.output  # between files: checked once every file reads
    assert not fake_settings.index_dir.exists()


def test_a_bad_setting_is_one_line(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["build"], env={**env, "FAQBOT_THRESHOLD": "2"})
    assert result.exit_code == 2 and "bad setting FAQBOT_THRESHOLD" in result.output
    # Found when read, not on the first request: a typo here made every request of a server a 500.
    proxies = runner.invoke(app, ["serve"], env={**env, "FAQBOT_TRUSTED_PROXIES": "10.0.0.1,localhost"})
    assert proxies.exit_code == 2 and "bad setting FAQBOT_TRUSTED_PROXIES" in proxies.output
    assert "'localhost' is not an IP address or network" in proxies.output
    state = runner.invoke(app, ["serve"], env={**env, "FAQBOT_STATE_DIR": "/etc/passwd"})
    assert state.exit_code == 2 and "bad setting FAQBOT_STATE_DIR: Value error, /etc/passwd is a file" in state.output
    for name, value in (("FAQBOT_ALLOWED_ORIGINS", "shop.example"), ("FAQBOT_CONTACT_URL", "java\tscript:alert(1)")):
        refused = runner.invoke(app, ["serve"], env={**env, name: value})
        assert refused.exit_code == 2 and f"bad setting {name}" in refused.output, refused.output


def test_serve_on_a_port_in_use_says_so_before_claiming_to_serve(env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--port", str(port)], env=env)
    assert result.exit_code == 3 and f"error: cannot serve on 127.0.0.1:{port}: Address already in use" in result.output
    assert "serving on" not in result.output and "Traceback" not in result.output


def test_ask_without_an_index_says_what_to_do(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["ask", "What is green AI?"], env=env)
    assert result.exit_code == 1 and "run 'faqbot build' first" in result.output


def test_serve_without_an_index_starts_and_says_it_is_not_ready(env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "faqbot", "serve", "--port", str(port)],
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                try:
                    health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            assert health.status_code == 200 and ready.status_code == 503 and "no index" in ready.json()["error"]
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert "not ready: no index" in log.read_text() and "Traceback" not in log.read_text()


@pytest.mark.model
def test_ask_prints_the_answer_and_json(real_settings: Settings) -> None:
    env = {"FAQBOT_INDEX_DIR": str(real_settings.index_dir)}
    text = runner.invoke(app, ["ask", "What is green AI?"], env=env)
    assert text.exit_code == 0, text.output
    assert "green AI" in text.output and "#the-role-of-sustainability-in-ai" in text.output
    as_json = runner.invoke(app, ["ask", "--json", "--top-k", "2", "What is green AI?"], env=env)
    body = json.loads(as_json.stdout[as_json.stdout.index("{") :])
    assert body["answered"] is True and len(body["sources"]) == 2
    # Several questions are one conversation: the follow-up is read about green AI, small talk is small talk.
    talk = runner.invoke(app, ["ask", "--json", "What is green AI?", "why does it matter?", "thanks"], env=env)
    first, follow_up, thanks = json.loads(talk.stdout[talk.stdout.index("[") :])
    assert follow_up["answered"] and follow_up["interpreted_as"] == (
        "why does it matter? (about: The Role of Sustainability in AI)"
    )
    assert follow_up["sources"][0]["id"] == first["sources"][0]["id"] and thanks["kind"] == "smalltalk"
    shown = runner.invoke(app, ["ask", "What is green AI?", "why does it matter?"], env=env).output
    assert "> why does it matter?\n(read as: why does it matter? (about: The Role of Sustainability in AI))" in shown


@pytest.mark.model
def test_serve_answers_over_http(real_settings: Settings, tmp_path: Path) -> None:
    env = {**os.environ, "FAQBOT_INDEX_DIR": str(real_settings.index_dir), "FAQBOT_STATE_DIR": str(tmp_path)}
    with faqbot_server(env, tmp_path / "server.log") as (_, base):
        body = httpx.post(f"{base}/api/ask", json={"question": "What is green AI?"}, timeout=30).json()
    assert body["answered"] and body["sources"][0]["url"].endswith("#the-role-of-sustainability-in-ai")


@pytest.mark.model
def test_a_local_client_cannot_dodge_the_rate_limit_with_x_forwarded_for(
    real_settings: Settings, tmp_path: Path
) -> None:
    # No trusted proxies: every request below is the same client, whatever address its header names.
    env = {
        **os.environ,
        "FAQBOT_INDEX_DIR": str(real_settings.index_dir),
        "FAQBOT_STATE_DIR": str(tmp_path),
        "FAQBOT_RATE_LIMIT": "2/minute",
    }
    with faqbot_server(env, tmp_path / "server.log") as (_, base):
        codes = [
            httpx.post(
                f"{base}/api/ask", json={"question": "What is green AI?"}, headers={"X-Forwarded-For": f"203.0.113.{n}"}
            ).status_code
            for n in range(3)
        ]
    assert codes == [200, 200, 429]


def test_help_shows_flags_as_flags_with_defaults_and_variables_and_there_is_a_version() -> None:
    from faqbot import __version__

    assert runner.invoke(app, ["--version"]).output.strip() == f"faqbot {__version__}"
    build = runner.invoke(app, ["build", "--help"]).output
    assert "<bool>" not in build and "--check" in build and "env FAQBOT_DATA_DIR; default data" in build
    serve = runner.invoke(app, ["serve", "--help"]).output
    assert "env FAQBOT_PORT; default 8000" in serve and "env FAQBOT_HOST; default 127.0.0.1" in serve
