"""A bounded load test on loopback: 16 clients for 60 s, with a rebuild and reload in the middle.

Zero failed requests, every answer from exactly one index version, memory back near its start.
The figures go to test-artifacts/load.json. FAQBOT_LOAD_SECONDS shortens it for a quick local run.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from faqbot.embedding.embedder import Embedder
from faqbot.index.build import build_index
from faqbot.settings import Settings
from tests.conftest import REPO, SITE
from tests.support import faqbot_server

pytestmark = [pytest.mark.slow, pytest.mark.model]

CLIENTS = 16
SECONDS = float(os.environ.get("FAQBOT_LOAD_SECONDS", "60"))
TOKEN = "load-test-token"
QUESTIONS = ["What is green AI?", "Who can contribute?", "How do I bake bread?", "What are the challenges?"]
NEW_QUESTION = "Does faqbot survive a reload under load?"


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_sixteen_clients_for_a_minute_with_a_rebuild_in_the_middle(tmp_path: Path, real_embedder: Embedder) -> None:
    data = tmp_path / "data"
    shutil.copytree(SITE / "articles", data / "articles")
    shutil.copytree(SITE / "faq", data / "faq")
    settings = Settings(data_dir=data, index_dir=tmp_path / "indexes", state_dir=tmp_path / "state")
    old_version = build_index(settings, embedder_factory=lambda m: real_embedder).version
    env = {
        **os.environ,
        "FAQBOT_DATA_DIR": str(data),
        "FAQBOT_INDEX_DIR": str(settings.index_dir),
        "FAQBOT_STATE_DIR": str(settings.state_dir),
        "FAQBOT_RATE_LIMIT": "off",
        "FAQBOT_ADMIN_TOKEN": TOKEN,
        "FAQBOT_RELOAD_INTERVAL": "0",  # this test reloads on demand, through the admin endpoint
    }
    with faqbot_server(env, tmp_path / "server.log") as (server, base):
        with httpx.Client(timeout=30) as warm:
            for n in range(100):
                warm.post(f"{base}/api/ask", json={"question": f"{QUESTIONS[n % 4]} warm-up {n}"})
        rss_before = rss_kb(server.pid)

        results: list[tuple[int, float, str | None, bool]] = []  # status, ms, version, new entry in sources
        lock = threading.Lock()
        stop = threading.Event()

        def client(number: int) -> None:
            with httpx.Client(timeout=30) as http:
                n = 0
                while not stop.is_set():
                    question = (NEW_QUESTION if n % 5 == 0 else QUESTIONS[n % 4]) + f" #{number}-{n}"
                    started = time.perf_counter()
                    try:
                        response = http.post(f"{base}/api/ask", json={"question": question})
                        body = response.json() if response.status_code == 200 else {}
                        status = response.status_code
                    except httpx.HTTPError:
                        body, status = {}, 0
                    elapsed = (time.perf_counter() - started) * 1000
                    has_new = any(s["section"] == NEW_QUESTION for s in body.get("sources", []))
                    with lock:
                        results.append((status, elapsed, body.get("index_version"), has_new))
                    n += 1

        load_started = time.monotonic()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(SECONDS / 2)
        (data / "faq" / "load.csv").write_text(f"question,answer\n{NEW_QUESTION},Yes: it swaps indexes atomically.\n")
        rebuild = subprocess.run(
            [sys.executable, "-m", "faqbot", "build"], env=env, cwd=REPO, capture_output=True, text=True
        )
        assert rebuild.returncode == 0, rebuild.stderr
        reload = httpx.post(f"{base}/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60).json()
        assert reload["reloaded"] is True and reload["index_version"] != old_version
        new_version = reload["index_version"]
        # Run to the full length, and at least 5 s past the reload so the new index answers too.
        time.sleep(max(5.0, load_started + SECONDS - time.monotonic()))
        stop.set()
        for thread in threads:
            thread.join()
        duration = time.monotonic() - load_started
        time.sleep(2)
        rss_after = rss_kb(server.pid)

    failures = [r for r in results if r[0] != 200]
    latencies = sorted(r[1] for r in results)
    versions = {r[2] for r in results}
    report = {
        "clients": CLIENTS,
        "seconds": round(duration, 1),
        "requests": len(results),
        "failures": len(failures),
        "requests_per_second": round(len(results) / duration, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1),
        "versions": {v: sum(r[2] == v for r in results) for v in versions if v},
        "rss_mb_before": round(rss_before / 1024, 1),
        "rss_mb_after": round(rss_after / 1024, 1),
    }
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    (REPO / "test-artifacts" / "load.json").write_text(json.dumps(report, indent=1))
    assert failures == [], report
    assert versions == {old_version, new_version}, report
    # One version per answer: the old index never knows the new entry; the new one finds it.
    assert not any(has_new for _, _, version, has_new in results if version == old_version)
    assert any(has_new for _, _, version, has_new in results if version == new_version)
    assert rss_after <= rss_before * 1.25 + 20_000, report
