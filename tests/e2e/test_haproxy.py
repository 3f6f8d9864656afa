"""Replicas behind HAProxy (deploy/haproxy/faqbot.cfg), whose health checks ask each replica's
/readyz: a replica that is up but has no index yet gets no reader at all, a replica killed with
SIGKILL is taken out within seconds and costs no reader an answer, and a replica joins by itself
once its index is built. And the proxy's own answers: one rate limit for all replicas, the reader's
address passed on, bodies too large refused, no replica left, all in faqbot's error shape.

Figures to test-artifacts/haproxy.json.
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

import httpx
import pytest

from faqbot.embedding.embedder import Embedder
from faqbot.index.build import build_index
from faqbot.settings import Settings
from tests.conftest import REPO, SITE
from tests.services import HAProxy, Replica, haproxy, haproxy_bin, postgres, postgres_bin, require

CLIENTS = 8
QUESTIONS = ["What is green AI?", "Who can contribute?", "How do I bake bread?", "What are the challenges?"]
PROBE_ADDRESS = "127.0.0.2"  # a reader of its own (loopback is all of 127/8), not exempt from the limit
PROBES = 90
LIMIT = 60  # deploy/haproxy/faqbot.cfg: 60 a minute, as faqbot's default FAQBOT_RATE_LIMIT


@dataclass
class Result:
    status: int
    request_id: str
    answer_id: str | None
    body: dict[str, object]


def ask(http: httpx.Client, base: str, question: str, request_id: str) -> Result:
    try:
        response = http.post(f"{base}/api/ask", json={"question": question}, headers={"X-Request-ID": request_id})
        body = response.json()
        status = response.status_code
    except (httpx.HTTPError, ValueError):
        body, status = {}, 0
    return Result(status, request_id, body.get("answer_id") if status == 200 else None, body)


@pytest.mark.slow
@pytest.mark.model
def test_replicas_behind_haproxy_are_checked_on_readyz(tmp_path: Path, real_embedder: Embedder) -> None:
    require("HAProxy (Debian's haproxy package)", haproxy_bin())
    require("PostgreSQL (Debian's postgresql package)", postgres_bin())
    data = tmp_path / "data"
    shutil.copytree(SITE / "articles", data / "articles")
    shutil.copytree(SITE / "faq", data / "faq")
    settings = Settings(data_dir=data, index_dir=tmp_path / "indexes", state_dir=tmp_path / "state")
    build_index(settings, embedder_factory=lambda m: real_embedder)
    late_index = tmp_path / "late-indexes"  # replica3's: empty until the middle of the test
    logs = tmp_path / "logs"
    logs.mkdir()

    (REPO / "test-artifacts").mkdir(exist_ok=True)
    with postgres() as pg:
        env = {
            **os.environ,
            "FAQBOT_DATA_DIR": str(data),
            "FAQBOT_INDEX_DIR": str(settings.index_dir),
            "FAQBOT_STATE_DIR": str(settings.state_dir),
            "FAQBOT_DATABASE_URL": pg.create_database("faqbot"),
            "FAQBOT_RATE_LIMIT": "off",  # enforced once, at the proxy
            "FAQBOT_TRUSTED_PROXIES": "127.0.0.1",
            "FAQBOT_RELOAD_INTERVAL": "1",
        }
        replicas = {
            "replica1": Replica(1, env, logs),
            "replica2": Replica(2, env, logs),
            "replica3": Replica(3, {**env, "FAQBOT_INDEX_DIR": str(late_index)}, logs),
        }
        try:
            for replica in replicas.values():
                replica.start()
            replicas["replica1"].wait_ready()
            replicas["replica2"].wait_ready()
            wait_up_without_index(replicas["replica3"])  # up, and saying 503 on /readyz: no index
            with haproxy({n: r.address for n, r in replicas.items()}, unlimited=["127.0.0.1"]) as proxy:
                proxy.wait_state("replica3", "DOWN")
                proxy.wait_state("replica1", "UP")
                proxy.wait_state("replica2", "UP")
                report = run(proxy, replicas, env, late_index)
                asked_replica3 = replicas["replica3"].metrics()
                report["proxy_answers"] = proxy_answers(proxy, replicas)
                served_by = proxy.served_by()
                shutil.copy(proxy.log, REPO / "test-artifacts" / "haproxy.log")
        finally:
            for replica in replicas.values():
                replica.stop()
        in_database = {row[0] for row in pg.execute("SELECT answer_id FROM questions", "faqbot")}
        probe_clients = pg.execute("SELECT DISTINCT client FROM questions WHERE question LIKE 'probe %'", "faqbot")
        clients = {row[0] for row in pg.execute("SELECT DISTINCT client FROM questions", "faqbot")}

    results: list[Result] = report.pop("results")
    probe: list[Result] = report.pop("probe")
    failures = [r for r in results if r.status != 200]
    by_server = {name: sum(served_by.get(r.request_id, ("?",))[0] == name for r in results) for name in replicas}
    replica3_refused = sum(
        v
        for (name, labels), v in asked_replica3.items()
        if name == "faqbot_http_requests_total" and {("endpoint", "/api/ask"), ("status", "503")} <= set(labels)
    )
    allowed = [r for r in probe if r.status == 200]
    refused = [r for r in probe if r.status == 429]
    answered = [r for r in results + probe if r.answer_id]
    report.update(
        {
            "requests": len(results),
            "failures": len(failures),
            "answered_by": by_server,
            "requests_replica3_refused_before_it_had_an_index": replica3_refused,
            "answered_and_in_postgresql": sum(r.answer_id in in_database for r in answered),
            "answered": len(answered),
            "probe": {
                "sent": len(probe),
                "answered": len(allowed),
                "refused_429": len(refused),
                "replicas_that_answered": sorted({served_by.get(r.request_id, ("?",))[0] for r in allowed}),
            },
        }
    )
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    (REPO / "test-artifacts" / "haproxy.json").write_text(json.dumps(report, indent=1))

    log = (REPO / "test-artifacts" / "haproxy.log").read_text(errors="replace").splitlines()
    assert failures == [], (report, failures[:5], [line for line in log if failures[0].request_id in line])
    # Active checks: the replica without an index was never sent a reader (nginx's passive checks
    # would have tried it, had a 503, and gone on); once its index was built it took its share.
    assert replica3_refused == 0, report
    assert by_server["replica3"] > 0 and by_server["replica1"] > 0 and by_server["replica2"] > 0, report
    assert report["killed_replica_down_after_s"] < 5, report
    assert all(r.answer_id in in_database for r in answered), report
    # One limit for all replicas, in faqbot's error shape, with the time to wait.
    assert LIMIT <= len(allowed) <= LIMIT + 2 + report["probe_seconds"], report
    assert len(allowed) + len(refused) == PROBES, report
    assert len(report["probe"]["replicas_that_answered"]) >= 2, report
    assert refused[0].body["error"].startswith("too many requests"), refused[0].body
    # The replicas saw the reader's own address through the proxy (X-Forwarded-For), not HAProxy's.
    salt = (settings.state_dir / "client-salt").read_bytes()

    def client_of(address: str) -> str:
        return hashlib.sha256(salt + address.encode()).hexdigest()[:16]

    assert probe_clients == [(client_of(PROBE_ADDRESS),)], probe_clients
    assert client_of("10.9.9.9") not in clients and client_of("127.0.0.1") in clients
    answers = report["proxy_answers"]
    assert answers["too_large"] == [413, "the request body is larger than 16384 bytes", None], answers
    assert answers["metrics"][0] == 404 and answers["metrics_encoded"] == 404, answers
    assert report["probe_encoded_paths"] == [429, 429, 429, 429], report
    assert answers["forged_forwarded_for"] == 200, answers
    assert answers["no_replica_left"] == [503, "faqbot is not available: try again in a few seconds", "5"], answers


def wait_up_without_index(replica: Replica, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            status = httpx.get(f"{replica.url}/readyz", timeout=2).status_code
            assert status == 503, f"replica {replica.number} has an index already ({status})"
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, f"replica {replica.number} did not start:\n{replica.log_text()[-3000:]}"
            time.sleep(0.2)


def run(proxy: HAProxy, replicas: dict[str, Replica], env: dict[str, str], late_index: Path) -> dict[str, object]:
    """8 readers asking without pause while a replica is killed and restarted, and the late
    replica's index is built; a rate-limit probe from a reader of its own at the start."""
    results: list[Result] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int) -> None:
        with httpx.Client(timeout=60) as http:
            n = 0
            while not stop.is_set():
                question = QUESTIONS[n % len(QUESTIONS)] + f" #{number}-{n}"
                result = ask(http, proxy.url, question, f"load-{number}-{n}")
                with lock:
                    results.append(result)
                n += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        transport = httpx.HTTPTransport(local_address=PROBE_ADDRESS)
        with httpx.Client(timeout=60, transport=transport) as http, ThreadPoolExecutor(10) as pool:
            began = time.monotonic()
            probe = list(
                pool.map(lambda n: ask(http, proxy.url, f"probe {n} What is green AI?", f"probe-{n}"), range(PROBES))
            )
            probe_seconds = time.monotonic() - began
            # Past the limit, the same path spelt with %xx (which the replica decodes) is refused too.
            encoded = [
                http.post(f"{proxy.url}{path}", json={"question": "probe encoded"}).status_code
                for path in ("/api/%61sk", "/%61pi/ask", "/api%2Fask", "/api/%66eedback")
            ]

        victim = replicas["replica1"]
        victim.kill()  # without warning, mid-load
        down_after = proxy.wait_state("replica1", "DOWN")
        victim.start()
        victim.wait_ready()
        up_after = proxy.wait_state("replica1", "UP")

        build = [sys.executable, "-m", "faqbot", "build"]
        built = subprocess.run(
            build,
            env={**env, "FAQBOT_INDEX_DIR": str(late_index)},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert built.returncode == 0, built.stderr
        began = time.monotonic()
        proxy.wait_state("replica3", "UP")
        joined_after = time.monotonic() - began
        time.sleep(3)  # long enough for replica3 to take its share
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return {
        "clients": CLIENTS,
        "killed_replica_down_after_s": round(down_after, 2),
        "killed_replica_up_after_ready_s": round(up_after, 2),
        "late_replica_up_after_its_build_s": round(joined_after, 2),
        "probe_seconds": round(probe_seconds, 1),
        "probe_encoded_paths": encoded,
        "results": results,
        "probe": probe,
    }


def proxy_answers(proxy: HAProxy, replicas: dict[str, Replica]) -> dict[str, object]:
    """What HAProxy answers itself: a body too large, /metrics, a forged X-Forwarded-For (replaced,
    so it is not believed and changes nothing), and a request when no replica is left."""
    out: dict[str, object] = {}
    with httpx.Client(timeout=30) as http:
        big = http.post(f"{proxy.url}/api/ask", content=b"x" * 20_000, headers={"Content-Type": "application/json"})
        out["too_large"] = [big.status_code, big.json()["error"], big.headers.get("Retry-After")]
        metrics = http.get(f"{proxy.url}/metrics")
        out["metrics"] = [metrics.status_code, metrics.headers.get("content-type")]
        # The replica decodes %xx before routing: so must the proxy's rules.
        out["metrics_encoded"] = http.get(f"{proxy.url}/%6detrics").status_code
        forged = http.post(
            f"{proxy.url}/api/ask", json={"question": "What is green AI?"}, headers={"X-Forwarded-For": "10.9.9.9"}
        )
        out["forged_forwarded_for"] = forged.status_code
        for replica in replicas.values():
            replica.stop()
        gone = http.post(f"{proxy.url}/api/ask", json={"question": "What is green AI?"})
        out["no_replica_left"] = [gone.status_code, gone.json()["error"], gone.headers.get("Retry-After")]
    return out
