"""`make bench`, the part for more than one machine: answers/s through nginx (deploy/nginx/faqbot.conf)
with one and with three replicas sharing one index and a PostgreSQL question log, and what the
PostgreSQL log costs against SQLite for one server answering directly.

PostgreSQL and nginx come from Debian (`make bench` installs them as root) and are started in
temp dirs by tests/services.py, PostgreSQL with its default durability (fsync on). Every run asks
distinct questions at 16 (and 64) clients, numbered on from run to run, and refuses its figures if
a replica's answer cache was hit. Each run also says where the CPU went (replicas, nginx,
PostgreSQL, the load generator): on 2 cores, that is what limits it.

Run alone: .venv/bin/python bench/cluster.py [--seconds 10] (builds its own index first).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from run import PY, RESULTS, ROOT, cache_hits, free_port, load, start

REPLICA_COUNTS = (1, 3)
PROXY_CONCURRENCY = (16, 64)


def services() -> ModuleType:
    """tests/services.py (the same PostgreSQL and nginx the tests start), loaded by path."""
    spec = importlib.util.spec_from_file_location("faqbot_test_services", ROOT / "tests" / "services.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cpu_seconds(roots: list[int]) -> float:
    """CPU time (user + system) so far of these processes and all their descendants."""
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent, seconds)
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(proc.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    wanted, total = set(roots), 0.0
    for pid in sorted(stats):  # a parent's pid is (almost always) lower than its children's
        if pid in wanted or stats[pid][0] in wanted:
            wanted.add(pid)
            total += stats[pid][1]
    return total


def children_cpu() -> float:
    """CPU time of this process's children that have exited: the load generator's runs."""
    times = os.times()
    return times.children_user + times.children_system


class Fleet:
    """`count` faqbot replicas on free ports with one environment; stopped (SIGTERM) on exit."""

    def __init__(self, count: int, env: dict[str, str], logs: Path):
        self.ports = [free_port() for _ in range(count)]
        self.processes = []
        for n, port in enumerate(self.ports):
            command = [PY, "-m", "faqbot", "serve", "--port", str(port)]
            process, _ = start(command, env, f"http://127.0.0.1:{port}", logs / f"replica-{count}-{n}.log")
            self.processes.append(process)

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    def cache_hits(self) -> float:
        return sum(cache_hits(url) or 0.0 for url in self.urls)

    def rows_written(self) -> float:
        total = 0.0
        for url in self.urls:
            for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
                if line.startswith('faqbot_question_log_rows_written_total{table="questions"}'):
                    total += float(line.split()[-1])
        return total

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=60)


def measured(
    url: str, concurrency: int, seconds: float, first: int, fleet: Fleet, proxy: int | None, pg: int
) -> dict[str, Any]:
    """A load() run of distinct questions, with the cache checked on every replica and the CPU each part took."""

    def cpu() -> dict[str, float]:
        return {
            "replicas": cpu_seconds([p.pid for p in fleet.processes]),
            "nginx": cpu_seconds([proxy]) if proxy else 0.0,
            "postgresql": cpu_seconds([pg]),
            "load": children_cpu(),
        }

    hits = fleet.cache_hits()
    before = cpu()
    began = time.monotonic()
    result = load(url, concurrency, seconds, first=first)
    elapsed = time.monotonic() - began
    after = cpu()
    if fleet.cache_hits() != hits:
        raise SystemExit("a replica's answer cache was hit in a run of distinct questions: the figures are void")
    # In cores: 2.0 is all of this machine.
    result["cpu_cores"] = {k: round((after[k] - before[k]) / elapsed, 2) for k in after}
    return result


def run(env: dict[str, str], seconds: float, tmp: Path, first: int = 0) -> dict[str, Any]:
    svc = services()
    if svc.postgres_bin() is None or svc.nginx_bin() is None:
        return {"skipped": "PostgreSQL or nginx is not installed (make bench installs them as root)"}
    logs = tmp / "cluster-logs"
    logs.mkdir(exist_ok=True)
    number = first
    out: dict[str, Any] = {"log": [], "proxy": []}
    with svc.postgres(fast=False) as pg:
        postmaster = int((pg.data / "postmaster.pid").read_text().split()[0])
        # One server answering directly: the question log in SQLite, then in PostgreSQL, twice (the machine drifts).
        for n, backend in enumerate(("sqlite", "postgresql", "sqlite", "postgresql")):
            replica_env = {**env, "FAQBOT_STATE_DIR": str(tmp / f"state-log-{n}")}
            if backend == "postgresql":
                replica_env["FAQBOT_DATABASE_URL"] = pg.create_database(f"log_{n}")
            fleet = Fleet(1, replica_env, logs)
            try:
                number = load(fleet.urls[0], 4, 2, first=number)["next"]  # warm up
                result = measured(fleet.urls[0], 16, seconds, number, fleet, None, postmaster)
                number = result.pop("next")
                time.sleep(0.5)  # the writer's last batch
                result["rows_written"] = fleet.rows_written()
            finally:
                fleet.stop()
            out["log"].append({"backend": backend, **result})
        # Through nginx, one and three replicas, the log in PostgreSQL.
        for count in REPLICA_COUNTS:
            replica_env = {
                **env,
                "FAQBOT_STATE_DIR": str(tmp / f"state-proxy-{count}"),
                "FAQBOT_DATABASE_URL": pg.create_database(f"proxy_{count}"),
                "FAQBOT_TRUSTED_PROXIES": "127.0.0.1",
            }
            fleet = Fleet(count, replica_env, logs)
            try:
                with svc.nginx([u.removeprefix("http://") for u in fleet.urls], unlimited=["127.0.0.1"]) as proxy:
                    number = load(proxy.url, 4, 2, first=number)["next"]
                    for concurrency in PROXY_CONCURRENCY:
                        pid = proxy.process.pid
                        result = measured(proxy.url, concurrency, seconds, number, fleet, pid, postmaster)
                        number = result.pop("next")
                        out["proxy"].append({"replicas": count, **result})
            finally:
                fleet.stop()
    return out


def markdown(result: dict[str, Any]) -> str:
    if "skipped" in result:
        return f"cluster part skipped: {result['skipped']}\n"
    cpu = "replicas / nginx / PostgreSQL / load CPU (cores)"
    lines = [
        "| question log | clients | answers/s | p50 ms | p99 ms | errors | " + cpu + " |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result["log"]:
        c = r["cpu_cores"]
        lines.append(
            f"| {r['backend']} | {r['concurrency']} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} | "
            f"{c['replicas']} / {c['nginx']} / {c['postgresql']} / {c['load']} |"
        )
    lines += [
        "",
        "| through nginx | clients | answers/s | p50 ms | p99 ms | errors | " + cpu + " |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result["proxy"]:
        c = r["cpu_cores"]
        lines.append(
            f"| {r['replicas']} replica{'s' if r['replicas'] > 1 else ''} | {r['concurrency']} | {r['rps']} | "
            f"{r['p50_ms']} | {r['p99_ms']} | {r['errors']} | "
            f"{c['replicas']} / {c['nginx']} / {c['postgresql']} / {c['load']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from faqbot.index.build import build_index
    from faqbot.settings import Settings

    tmp = Path(tempfile.mkdtemp())
    data = tmp / "data"
    shutil.copytree(ROOT / "data" / "articles", data / "articles")
    shutil.copytree(ROOT / "data" / "faq", data / "faq")
    build_index(Settings(data_dir=data, index_dir=tmp / "indexes"))
    env = {
        **os.environ,
        "FAQBOT_DATA_DIR": str(data),
        "FAQBOT_INDEX_DIR": str(tmp / "indexes"),
        "FAQBOT_RATE_LIMIT": "off",
    }
    result = run(env, args.seconds, tmp)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cluster.json").write_text(json.dumps(result, indent=1))
    table = markdown(result)
    (RESULTS / "cluster.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
