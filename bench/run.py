"""`make bench`: faqbot against the usual implementation, measured the same way in one run.

Measures in-process answer latency, HTTP latency and throughput at concurrency 1/4/16/64 (load
from a separate process, every question distinct; repeated questions reported apart, as cache
hits), cold start, index build throughput, a no-change rebuild, and serving memory; then (bench/cluster.py)
answers/s through nginx with one and three replicas, and the PostgreSQL question log against
SQLite. Writes bench/results/latest.json, latest.md and latency.png. The machines here are noisy: the ratios
within one run are the figures that count.

Run: .venv/bin/python bench/run.py [--seconds 10] [--no-cluster]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from loadgen import QUESTIONS as QUESTION_LINES  # the same list wrk_ask.lua reads
from loadgen import vary

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CONCURRENCY = (1, 4, 16, 64)
PY = sys.executable
QUESTIONS = ROOT / "bench" / "questions.txt"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def start(command: list[str], env: dict[str, str], url: str, log: Path) -> tuple[subprocess.Popen[bytes], float]:
    began = time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    while True:
        if process.poll() is not None:
            raise SystemExit(f"{command} exited; see {log}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return process, round(time.monotonic() - began, 2)
        except httpx.TransportError:
            time.sleep(0.1)


def load(url: str, concurrency: int, seconds: float, first: int | None) -> dict[str, Any]:
    """One closed-loop run from its own process: wrk when installed (it barely uses the CPU the
    server needs), else bench/loadgen.py. Both ask the questions in bench/questions.txt, made
    distinct by request numbers from `first` on (see bench/wrk_ask.lua), or repeated when `first`
    is None. The distinct runs must not hit the answer cache: the server's own counter says so.
    The result's "next" is the first number a later run may use."""
    hits_before = cache_hits(url)
    wrk = shutil.which("wrk")
    clients = min(2, concurrency) if wrk else concurrency  # what numbers requests: wrk threads, or clients
    if wrk:
        args = [wrk, f"-t{clients}", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "30s"]
        args += ["-s", str(ROOT / "bench" / "wrk_ask.lua"), url, "--", str(QUESTIONS)]
        args += ["repeat"] if first is None else [str(first), str(clients)]
    else:
        args = [PY, str(ROOT / "bench" / "loadgen.py"), url, str(concurrency), str(seconds)]
        args += ["--repeat" if first is None else str(first)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = {"concurrency": concurrency, **json.loads(out.strip().splitlines()[-1])}
    if first is not None:
        # No client asks more than all the requests: its rounds through the questions are fewer.
        rounds = int(result["requests"]) // len(QUESTION_LINES) + 1
        result["next"] = first + rounds * clients
    if hits_before is not None:
        result["cache_hits"] = int((cache_hits(url) or 0) - hits_before)
        if first is not None and result["cache_hits"]:
            raise SystemExit(f"{result['cache_hits']} cache hits in a run of distinct questions: the figures are void")
    return result


def cache_hits(url: str) -> float | None:
    """The server's answer-cache hits so far (None for a server without faqbot's /metrics)."""
    try:
        text = httpx.get(f"{url}/metrics", timeout=10).text
    except httpx.HTTPError:
        return None
    for line in text.splitlines():
        if line.startswith("faqbot_answer_cache_hits_total "):
            return float(line.split()[1])
    return None


def measure_server(
    name: str, command: list[str], env: dict[str, str], port: int, seconds: float, tmp: Path
) -> dict[str, object]:
    url = f"http://127.0.0.1:{port}"
    process, cold = start(command, env, url, tmp / f"{name}.log")
    try:
        number: int = load(url, 4, 2, first=0)["next"]  # warm up
        runs = []
        for concurrency in CONCURRENCY:  # each run's questions new to the server
            runs.append(load(url, concurrency, seconds, first=number))
            number = runs[-1].pop("next")
        repeated = load(url, 16, seconds, first=None)
        memory = rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {"cold_start_s": cold, "runs": runs, "repeated_c16": repeated, "rss_mb": memory}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--scale", action="store_true", help="Also measure sites of 10k/100k/1M passages (an hour).")
    parser.add_argument("--scale-only", action="store_true", help="Only the --scale part.")
    parser.add_argument("--no-cluster", action="store_true", help="Skip the nginx, replicas and PostgreSQL part.")
    args = parser.parse_args()
    if args.scale_only:
        scale_part(args.seconds)
        return
    tmp = Path(tempfile.mkdtemp())
    data = tmp / "data"
    shutil.copytree(ROOT / "data" / "articles", data / "articles")
    shutil.copytree(ROOT / "data" / "faq", data / "faq")
    env = {
        **os.environ,
        "FAQBOT_DATA_DIR": str(data),
        "FAQBOT_INDEX_DIR": str(tmp / "indexes"),
        "FAQBOT_STATE_DIR": str(tmp / "state"),
        "FAQBOT_RATE_LIMIT": "off",
    }

    from faqbot.answering.engine import load_engine
    from faqbot.evaluation.questions import load_questions
    from faqbot.index.build import build_index
    from faqbot.server.reload import settle_memory
    from faqbot.settings import Settings

    settings = Settings(data_dir=data, index_dir=tmp / "indexes")
    began = time.perf_counter()
    first = build_index(settings)
    build_s = time.perf_counter() - began
    began = time.perf_counter()
    again = build_index(settings)
    rebuild_s = time.perf_counter() - began
    assert again.up_to_date

    engine = load_engine(settings)
    assert engine.answerer is not None
    settle_memory()  # as `faqbot serve` does once an index is loaded (its gc.freeze): measure what is served
    questions = [q.q for q in load_questions(ROOT / "data" / "eval" / "launch.yaml")]
    for n, q in enumerate(questions[:20]):
        engine.answerer.answer(vary(q, n))
    in_process = []
    hits = engine.answerer.cache_hits
    for n, q in enumerate(questions * 2, start=1):  # both rounds distinct (loadgen.vary): answered, not cached
        started = time.perf_counter()
        engine.answerer.answer(vary(q, n))
        in_process.append((time.perf_counter() - started) * 1000)
    assert engine.answerer.cache_hits == hits, "the in-process questions hit the answer cache"
    in_process.sort()
    follow_ups = conversation_ms(engine.answerer, questions)

    port = free_port()
    faqbot = measure_server("faqbot", [PY, "-m", "faqbot", "serve", "--port", str(port)], env, port, args.seconds, tmp)
    port = free_port()
    baseline = measure_server(
        "baseline", [PY, str(ROOT / "bench" / "baseline_app.py"), str(data), str(port)], env, port, args.seconds, tmp
    )

    result: dict[str, Any] = {
        "build": {
            "texts_embedded": first.embedded,
            "seconds": round(build_s, 2),
            "passages_per_s": round(first.counts["passages"] / build_s, 1),
            "no_change_rebuild_s": round(rebuild_s, 2),
        },
        "in_process_ms": {
            "p50": round(statistics.median(in_process), 2),
            "p99": round(in_process[int(len(in_process) * 0.99) - 1], 2),
            "follow_up_p50": round(statistics.median(follow_ups), 2),
            "follow_up_ratio": round(statistics.median(follow_ups) / statistics.median(in_process), 2),
        },
        "faqbot": faqbot,
        "baseline": baseline,
    }
    if not args.no_cluster:
        import cluster  # bench/cluster.py, beside this file

        result["cluster"] = cluster.run(env, args.seconds, tmp)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(result, indent=1))
    table = markdown(result)
    if "cluster" in result:
        import cluster

        table += "\n" + cluster.markdown(result["cluster"])
    (RESULTS / "latest.md").write_text(table)
    plot(result, RESULTS / "latency.png")
    print(table)
    if args.scale:
        scale_part(args.seconds)


def conversation_ms(answerer: Any, questions: list[str]) -> list[float]:
    """Each launch question, then a follow-up that leans on it, sent with the first turn as history:
    the follow-up's answer time in ms (distinct texts, so none comes from the answer cache)."""
    from faqbot.answering.conversation import Turn

    leaning = ["why does it matter?", "who benefits from it?", "how can it be done?", "what are the risks of that?"]
    times = []
    for n, question in enumerate(questions, start=1):
        first = answerer.answer(vary(question, 50_000 + n))
        history = [Turn(question, first.answer, first.sources[0].id if first.sources else None)]
        text = vary(leaning[n % len(leaning)], 60_000 + n)
        started = time.perf_counter()
        answerer.answer(text, history=history)
        times.append((time.perf_counter() - started) * 1000)
    return times


def scale_part(seconds: float = 10.0) -> None:
    """The indexes alone (bench/scale.py), then whole sites end to end (bench/scale_e2e.py)."""
    import scale  # bench/scale.py, beside this file
    import scale_e2e

    sizes = [10_000, 100_000, 1_000_000]
    scale.write(scale.run(sizes))
    rows = scale_e2e.run_sizes(sizes, seconds)
    scale_e2e.write(rows, "scale_e2e")


def markdown(result: dict[str, Any]) -> str:
    f, b = result["faqbot"], result["baseline"]
    header = ["concurrency", "faqbot p50 ms", "faqbot p99 ms", "faqbot req/s", "baseline p50 ms", "baseline p99 ms"]
    header += ["baseline req/s", "speed-up (req/s)", "errors"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for fr, br in zip(f["runs"], b["runs"], strict=True):
        ratio = fr["rps"] / br["rps"] if br["rps"] else float("nan")
        cells = [fr["concurrency"], fr["p50_ms"], fr["p99_ms"], fr["rps"], br["p50_ms"], br["p99_ms"], br["rps"]]
        cells += [f"{ratio:.2f}x", f"{fr['errors']} / {br['errors']}"]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    r = f["repeated_c16"]
    lines += [
        "",
        f"repeated questions at concurrency 16 (cache hits): faqbot {r['rps']} req/s, p50 {r['p50_ms']} ms",
        f"in-process answer: p50 {result['in_process_ms']['p50']} ms, p99 {result['in_process_ms']['p99']} ms",
        f"in-process follow-up with history: p50 {result['in_process_ms']['follow_up_p50']} ms"
        f" ({result['in_process_ms']['follow_up_ratio']}x a single question)",
        f"cold start to ready: faqbot {f['cold_start_s']} s, baseline {b['cold_start_s']} s",
        f"serving RSS: faqbot {f['rss_mb']} MB, baseline {b['rss_mb']} MB",
        f"build: {result['build']}",
    ]
    return "\n".join(lines) + "\n"


def plot(result: dict[str, object], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name in ("faqbot", "baseline"):
        runs = result[name]["runs"]  # type: ignore[index]
        ax.plot([r["concurrency"] for r in runs], [r["p50_ms"] for r in runs], marker="o", label=f"{name} p50")
        ax.plot([r["concurrency"] for r in runs], [r["p99_ms"] for r in runs], marker="x", ls="--", label=f"{name} p99")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("concurrent clients")
    ax.set_ylabel("latency (ms)")
    ax.legend()
    ax.set_title("POST /api/ask latency against concurrency")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
