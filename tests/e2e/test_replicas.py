"""Three `faqbot serve` replicas behind nginx (deploy/nginx/faqbot.conf), sharing one index and one
PostgreSQL question log, under 16 clients for 60 s. In the middle: a replica killed with SIGKILL
and restarted, PostgreSQL stopped for a few seconds and started again, a rebuild that every
replica picks up by itself. And a client beyond the rate limit, whose requests all replicas share.

Zero failed answers; every answer a client got is in PostgreSQL afterwards, those the killed
replica had answered in its last moments included (its journal, faqbot.analytics.journal, is
written by the next process to start on the state directory: here, the restarted replica). The figures go to
test-artifacts/replicas.json; FAQBOT_REPLICAS_SECONDS shortens the run for a quick local try.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from faqbot.analytics.question_log import FLUSH_SECONDS
from faqbot.embedding.embedder import Embedder
from faqbot.index.build import build_index
from faqbot.settings import Settings
from tests.conftest import REPO, SITE
from tests.services import Postgres, Replica, nginx, nginx_bin, postgres, postgres_bin, require

CLIENTS = 16
REPLICAS = 3
SECONDS = float(os.environ.get("FAQBOT_REPLICAS_SECONDS", "60"))
QUESTIONS = ["What is green AI?", "Who can contribute?", "How do I bake bread?", "What are the challenges?"]
NEW_QUESTION = "Do replicas pick up a rebuild by themselves?"
PROBE_ADDRESS = "127.0.0.2"  # a reader of its own (loopback is all of 127/8), not exempt from the rate limit
PROBES = 90
BURST = 60  # deploy/nginx/faqbot.conf: burst=60, then 1 a second


@dataclass
class Result:
    status: int
    request_id: str
    answer_id: str | None
    version: str | None
    has_new: bool
    finished: float  # time.time()


def test_the_replica_unit_and_its_settings_are_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """deploy/systemd: the unit as systemd reads it, and the settings template as faqbot reads it."""
    settings_file = REPO / "deploy" / "systemd" / "faqbot.env"
    values = dict(
        line.split("=", 1) for line in settings_file.read_text().splitlines() if line and not line.startswith("#")
    )
    unknown = [k for k in values if k.removeprefix("FAQBOT_").lower() not in Settings.model_fields]
    assert unknown == []
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    read = Settings()
    assert read.rate_limit == "off" and read.trusted_proxies and read.database_url is not None
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package): the unit was not checked")
    unit = (REPO / "deploy" / "systemd" / "faqbot@.service").read_text()
    assert "ExecStart=/srv/faqbot/.venv/bin/faqbot serve\n" in unit
    here = unit.replace("/srv/faqbot/.venv/bin/faqbot", str(Path(sys.executable).parent / "faqbot"))
    here = here.replace("/etc/faqbot/faqbot.env", str(settings_file))
    (tmp_path / "faqbot@8000.service").write_text(here)
    checked = subprocess.run(
        [analyze, "verify", str(tmp_path / "faqbot@8000.service")], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr


@pytest.mark.slow
@pytest.mark.model
def test_three_replicas_behind_nginx_lose_no_answer(tmp_path: Path, real_embedder: Embedder) -> None:
    require("PostgreSQL (Debian's postgresql package)", postgres_bin())
    require("nginx (Debian's nginx package)", nginx_bin())
    data = tmp_path / "data"
    shutil.copytree(SITE / "articles", data / "articles")
    shutil.copytree(SITE / "faq", data / "faq")
    settings = Settings(data_dir=data, index_dir=tmp_path / "indexes", state_dir=tmp_path / "state")
    old_version = build_index(settings, embedder_factory=lambda m: real_embedder).version
    logs = tmp_path / "logs"
    logs.mkdir()

    with postgres() as pg:
        url = pg.create_database("faqbot")
        env = {
            **os.environ,
            "FAQBOT_DATA_DIR": str(data),
            "FAQBOT_INDEX_DIR": str(settings.index_dir),  # one index for all: `faqbot build` runs once
            "FAQBOT_STATE_DIR": str(settings.state_dir),  # here for the client salt they share
            "FAQBOT_DATABASE_URL": url,
            "FAQBOT_RATE_LIMIT": "off",  # enforced once, at the proxy
            "FAQBOT_TRUSTED_PROXIES": "127.0.0.1",
            "FAQBOT_RELOAD_INTERVAL": "2",
        }
        replicas = [Replica(n, env, logs) for n in range(REPLICAS)]
        try:
            for replica in replicas:
                replica.start()
            for replica in replicas:
                replica.wait_ready()
            with nginx([r.address for r in replicas], unlimited=["127.0.0.1"]) as proxy:
                report = run_load(proxy.url, replicas, pg, data, env, old_version)
                served_by = proxy.served_by()
            metrics = [r.metrics() for r in replicas]
        finally:
            for replica in replicas:
                replica.stop()
        in_database = {row[0] for row in pg.execute("SELECT answer_id FROM questions", "faqbot")}
        probe_hash = pg.execute("SELECT DISTINCT client FROM questions WHERE question LIKE 'probe %'", "faqbot")

    results: list[Result] = report.pop("results")
    probe: list[Result] = report.pop("probe")
    killed = report["killed"]
    answered = [r for r in results + probe if r.status == 200 and r.answer_id]
    missing = [r for r in answered if r.answer_id not in in_database]
    # A hard kill loses what the process held: rows of its last moments, not yet written.
    window = [
        r
        for r in answered
        if served_by.get(r.request_id) == killed["address"]
        and killed["at"] - 1.0 - FLUSH_SECONDS <= r.finished
        and r.finished <= killed["at"] + 0.5
    ]
    failures = [r for r in results if r.status != 200]
    versions = {r.version for r in results}
    allowed = [r for r in probe if r.status == 200]
    report.update(
        {
            "requests": len(results),
            "failures": len(failures),
            "answered": len(answered),
            "rows_in_postgresql": len(in_database),
            "answered_and_in_postgresql": len(answered) - len(missing),
            "missing_from_postgresql": len(missing),
            "answered_by_the_killed_replica_in_its_last_second": len(window),
            "versions": {v: sum(r.version == v for r in results) for v in versions if v},
            "probe": {
                "sent": len(probe),
                "answered": len(allowed),
                "refused_429": sum(r.status == 429 for r in probe),
                "replicas_that_answered": sorted({served_by.get(r.request_id, "?") for r in allowed}),
            },
            "log_write_failures": sum(m[("faqbot_question_log_write_failures_total", ())] for m in metrics),
            "log_rows_lost": sum(
                v for m in metrics for (name, _), v in m.items() if name == "faqbot_question_log_rows_lost_total"
            ),
        }
    )
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    (REPO / "test-artifacts" / "replicas.json").write_text(json.dumps(report, indent=1))

    assert failures == [], (report, failures[:5])
    new_version = report["new_version"]
    assert versions == {old_version, new_version}, report
    assert not any(r.has_new for r in results if r.version == old_version)
    assert any(r.has_new for r in results if r.version == new_version)
    # Every answer is in PostgreSQL, what the killed replica held when it died included.
    assert missing == [], report
    # The database's restart was felt, and waited out: nothing the surviving processes held was lost.
    assert report["log_write_failures"] >= 1 and report["log_rows_lost"] == 0, report
    # One limit for all replicas: a burst of 60 and one a second, not 60 per replica.
    assert BURST <= len(allowed) <= BURST + 2 + report["probe_seconds"], report
    assert len(report["probe"]["replicas_that_answered"]) >= 2, report
    assert all(r.status in (200, 429) for r in probe), report
    # The replicas saw the reader's own address through the proxy (X-Forwarded-For), not nginx's.
    salt = (settings.state_dir / "client-salt").read_bytes()
    assert probe_hash == [(hashlib.sha256(salt + PROBE_ADDRESS.encode()).hexdigest()[:16],)], probe_hash


def run_load(
    base: str, replicas: list[Replica], pg: Postgres, data: Path, env: dict[str, str], old_version: str
) -> dict[str, Any]:
    results: list[Result] = []
    lock = threading.Lock()
    stop = threading.Event()

    def ask(http: httpx.Client, question: str, request_id: str) -> Result:
        try:
            response = http.post(f"{base}/api/ask", json={"question": question}, headers={"X-Request-ID": request_id})
            body = response.json() if response.status_code == 200 else {}
            status = response.status_code
        except httpx.HTTPError:
            body, status = {}, 0
        has_new = any(s["section"] == NEW_QUESTION for s in body.get("sources", []))
        return Result(status, request_id, body.get("answer_id"), body.get("index_version"), has_new, time.time())

    def client(number: int) -> None:
        with httpx.Client(timeout=60) as http:
            n = 0
            while not stop.is_set():
                question = (NEW_QUESTION if n % 5 == 0 else QUESTIONS[n % 4]) + f" #{number}-{n}"
                result = ask(http, question, f"load-{number}-{n}")
                with lock:
                    results.append(result)
                n += 1

    def probe() -> tuple[list[Result], float]:
        """One reader (its own address) asking far faster than the limit, 10 requests at a time."""
        transport = httpx.HTTPTransport(local_address=PROBE_ADDRESS)
        with httpx.Client(timeout=60, transport=transport) as http, ThreadPoolExecutor(10) as pool:
            began = time.monotonic()
            done = list(pool.map(lambda n: ask(http, f"probe {n} What is green AI?", f"probe-{n}"), range(PROBES)))
            return done, time.monotonic() - began

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()

    def at(fraction: float) -> None:
        time.sleep(max(0.0, started + SECONDS * fraction - time.monotonic()))

    at(0.08)
    probed, probe_seconds = probe()

    at(0.2)  # a replica dies without warning, and is started again
    victim = replicas[1]
    killed_at = time.time()
    victim.kill()
    victim.start()
    victim.wait_ready()
    restarted_after = time.time() - killed_at

    at(0.3)  # the database goes away for a few seconds
    pg.stop()
    time.sleep(3)
    pg.start()

    at(0.4)  # new content: built once, picked up by every replica by itself
    (data / "faq" / "replicas.csv").write_text(f"question,answer\n{NEW_QUESTION},Yes: within the reload interval.\n")
    build = [sys.executable, "-m", "faqbot", "build"]
    rebuild = subprocess.run(build, env=env, cwd=REPO, capture_output=True, text=True, check=False, timeout=300)
    assert rebuild.returncode == 0, rebuild.stderr
    deadline = time.monotonic() + 30
    while True:
        serving = {r.version() for r in replicas}
        if len(serving) == 1 and old_version not in serving:
            break
        assert time.monotonic() < deadline, f"the replicas did not all pick up the rebuild: {serving}"
        time.sleep(0.2)
    new_version = serving.pop()
    all_new_at = time.monotonic()

    # Run to the full length, and at least 5 s past the reload, so the new index answers too.
    time.sleep(max(5.0, started + SECONDS - time.monotonic(), all_new_at + 5.0 - time.monotonic()))
    stop.set()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - started
    return {
        "clients": CLIENTS,
        "replicas": len(replicas),
        "seconds": round(duration, 1),
        "answers_per_second": round(sum(r.status == 200 for r in results) / duration, 1),
        "killed": {"address": victim.address, "at": killed_at, "ready_again_after_s": round(restarted_after, 1)},
        "new_version": new_version,
        "probe_seconds": round(probe_seconds, 1),
        "results": results,
        "probe": probed,
    }
