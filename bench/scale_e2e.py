"""`make bench SCALE=1`, end to end: generated sites of 10k, 100k and 1M passages, built and served.

For each size, in a fresh directory: a site is generated (bench/scale_corpus.py), built with
`faqbot build` as a site owner would, with precomputed vectors injected (FAQBOT_EMBEDDER, see
bench/synthetic_embedder.py: embedding 1M passages with the model would take days here), then:
- in process, in a fresh process: loading the index, and every benchmark question answered by the
  real answerer with the real ONNX encoder (each made distinct, so none comes from the cache):
  p50/p99 of a whole answer, and of the answer after the encode (what grows with the corpus);
- over HTTP (`faqbot serve`, wrk with bench/wrk_ask.lua): p50 at 1 client, answers/s and p99 at 16;
- build time and its peak memory (the build process's, from the kernel), serving RSS after the load,
  the index's size on disk.
Writes bench/results/scale_e2e.json, .md and .png (cost against corpus size).

Run: .venv/bin/python bench/scale_e2e.py [--sizes 10000 100000 1000000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import importlib
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

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PY = sys.executable
EMBEDDER = "synthetic_embedder:SyntheticEmbedder"
RECALL_QUESTIONS = 200


def environment(work: Path, src: Path | None, real: bool = False) -> dict[str, str]:
    """The site's settings; `real`: the model embeds the documents (no FAQBOT_EMBEDDER)."""
    path = [str(BENCH)] + ([str(src)] if src else []) + [os.environ.get("PYTHONPATH", "")]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in path if p),
        "FAQBOT_DATA_DIR": str(work / "data"),
        "FAQBOT_INDEX_DIR": str(work / "indexes"),
        "FAQBOT_STATE_DIR": str(work / "state"),
        "FAQBOT_EMBEDDER": EMBEDDER,
        "FAQBOT_RATE_LIMIT": "off",
        # Real questions against synthetic document vectors never clear the real threshold: at 0 every
        # answer takes the whole way (the answering excerpt, follow-ups), the dearer one.
        "FAQBOT_THRESHOLD": "0",
    }
    if real:
        del env["FAQBOT_EMBEDDER"]
    return env


def build(env: dict[str, str], log: Path) -> dict[str, Any]:
    """`faqbot build`, its output passed on line by line (a log, not a terminal); its time and peak memory."""
    began = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(
            [PY, "-m", "faqbot", "build"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            out.write(line)
            print(f"  build | {line.rstrip()}", file=sys.stderr, flush=True)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"faqbot build failed; see {log}")
    return {"build_s": round(time.monotonic() - began, 1), "build_peak_mb": round(usage.ru_maxrss / 1024)}


def disk_mb(path: Path) -> float:
    return round(sum(p.stat().st_blocks * 512 for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * share) - 1)], 2)


def answers_in_process(questions_file: str) -> dict[str, Any]:
    """(In a fresh process.) Load the served index, then answer every question twice, each distinct."""
    from loadgen import vary

    from faqbot.answering.engine import load_engine
    from faqbot.server.batching import leave_cores_to_encoders
    from faqbot.settings import Settings

    leave_cores_to_encoders()  # one BLAS and FAISS thread, as `faqbot serve` runs them
    questions = [q for q in Path(questions_file).read_text(encoding="utf-8").splitlines() if q]
    began = time.perf_counter()
    engine = load_engine(Settings())
    answerer = engine.answerer
    assert answerer is not None, engine.reason
    load_s = time.perf_counter() - began
    # As `faqbot serve` does once an index is loaded (gc.freeze), so that what is timed is what is
    # served (before 2026-11-30 this measurement did not).
    try:
        from faqbot.server.reload import settle_memory
    except ImportError:  # an older faqbot (--src), which froze nothing
        pass
    else:
        settle_memory()
    loaded_rss = rss_mb(os.getpid())
    for n, question in enumerate(questions[:20]):
        answerer.answer(vary(question, 30_000 + n))
    whole, after_encode, kinds = [], [], {"faq": 0, "passage": 0, "none": 0, "smalltalk": 0}
    for n, question in enumerate(questions * 2):
        text = vary(question, n)
        started = time.perf_counter()
        answer = answerer.answer(text)
        whole.append((time.perf_counter() - started) * 1000)
        kinds[answer.kind if answer.answered else "none"] += 1
        query = answerer.reader.read(vary(question, 20_000 + n))
        encoded = answerer.encode(query.matched)
        started = time.perf_counter()
        answerer.answer_from_encoding(query, encoded, 3)
        after_encode.append((time.perf_counter() - started) * 1000)
    return {
        **recall(answerer, questions[:RECALL_QUESTIONS]),
        "load_s": round(load_s, 1),
        "loaded_rss_mb": loaded_rss,
        "answer_p50_ms": round(statistics.median(whole), 2),
        "answer_p99_ms": percentile(whole, 0.99),
        "after_encode_p50_ms": round(statistics.median(after_encode), 2),
        "after_encode_p99_ms": percentile(after_encode, 0.99),
        "answers": len(whole),
        "kinds": kinds,
    }


def recall(answerer: Any, questions: list[str]) -> dict[str, Any]:
    """recall@10 of the approximate index's search (as served) against searching all of it.

    The questions are embedded by what embedded the documents (with FAQBOT_EMBEDDER, the synthetic
    embedder; else the model), as on a real site: a real model's question among synthetic vectors is
    near none of them, and the nearest of nothing in particular is what an IVF index is not built for.
    """
    import faiss

    from faqbot.index.vectors import search, tune

    index = answerer.index.vectors
    if not isinstance(index, faiss.IndexIVF | faiss.IndexRefine):
        return {"recall_at_10": 1.0}
    spec = os.environ.get("FAQBOT_EMBEDDER")  # module:name (read here too, to measure older faqbots)
    embedder = getattr(importlib.import_module(spec.split(":")[0]), spec.split(":")[1])("") if spec else None
    found = []
    for question in questions:
        encoded = embedder.encode([question])[0] if embedder else answerer.encode(question).vector
        vector = np.asarray(encoded, dtype=np.float32).reshape(1, -1)
        _, served = search(index, vector, 10)
        if isinstance(index, faiss.IndexRefine):  # every vector, exactly (as float16)
            _, exact = faiss.downcast_index(index.refine_index).search(vector, 10)
        else:
            index.nprobe = index.nlist
            _, exact = search(index, vector, 10)
            tune(index)  # as served
        found.append(len(set(served[0]) & set(exact[0])) / 10)
    return {"recall_at_10": round(statistics.mean(found), 3)}


def over_http(env: dict[str, str], questions: Path, seconds: float, work: Path) -> dict[str, Any]:
    import run  # bench/run.py: free_port, start

    port = run.free_port()
    url = f"http://127.0.0.1:{port}"
    process, cold = run.start([PY, "-m", "faqbot", "serve", "--port", str(port)], env, url, work / "serve.log")
    try:
        warm = wrk(url, questions, 4, 2, 900_000)
        one = wrk(url, questions, 1, seconds, 0)
        sixteen = wrk(url, questions, 16, seconds, 100_000)
        rss, peak = rss_mb(process.pid), rss_mb(process.pid, "VmHWM")
        anon, mapped = rss_mb(process.pid, "RssAnon"), rss_mb(process.pid, "RssFile")
    finally:
        process.terminate()
        process.wait(timeout=60)
    assert warm["errors"] == one["errors"] == sixteen["errors"] == 0, (one, sixteen)
    return {
        "cold_start_s": cold,
        "http_c1_p50_ms": one["p50_ms"],
        "http_c16_rps": sixteen["rps"],
        "http_c16_p50_ms": sixteen["p50_ms"],
        "http_c16_p99_ms": sixteen["p99_ms"],
        "serving_rss_mb": rss,
        "serving_peak_rss_mb": peak,
        "serving_anon_mb": anon,  # the process's own memory
        "serving_file_mb": mapped,  # pages of the memory-mapped index it has read (the kernel may drop them)
    }


def wrk(url: str, questions: Path, clients: int, seconds: float, first: int) -> dict[str, Any]:
    """One wrk run of distinct questions (bench/wrk_ask.lua); refused if any came from the answer cache."""
    import run

    hits = run.cache_hits(url)
    threads = min(2, clients)
    args = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "30s"]
    args += ["-s", str(BENCH / "wrk_ask.lua"), url, "--", str(questions), str(first), str(threads)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    if hits is not None and (run.cache_hits(url) or 0) - hits:
        raise SystemExit("a run of distinct questions hit the answer cache: the figures are void")
    return result


def measure(passages: int, seconds: float, src: Path | None, keep: Path | None, real: bool = False) -> dict[str, Any]:
    """One generated site of `passages` passages built and answered; `real`: embedded by the model."""
    import scale_corpus

    name = f"{passages}-real" if real else str(passages)
    work = keep / name if keep else Path(tempfile.mkdtemp(prefix=f"faqbot-scale-{name}-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = environment(work, src, real)
    try:
        began = time.monotonic()
        made = scale_corpus.generate(passages, work / "data", work / "questions.txt")
        row: dict[str, Any] = {"passages": made["passages"], "faq": made["faq"], "articles": made["articles"]}
        row["embedder"] = "model" if real else "synthetic"
        row["generate_s"] = round(time.monotonic() - began, 1)
        print(f"{passages}: generated {made} in {row['generate_s']} s", file=sys.stderr, flush=True)
        row.update(build(env, work / "build.log"))
        current = (work / "indexes" / "current").resolve()
        manifest = json.loads((current / "manifest.json").read_text())
        row.update(vectors=manifest["counts"]["vectors"], index_type=manifest["index_type"])
        row.update(rerank=bool(manifest.get("rerank", {}).get("on")), encoder=manifest["encoder"].get("precision"))
        row.update(index_mb=disk_mb(current), cache_mb=disk_mb(work / "indexes" / "cache"))
        row["embedded"] = _embedded(work / "build.log")
        child = [PY, __file__, "--child", str(work / "questions.txt")]
        out = subprocess.run(child, env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout
        row.update(json.loads(out.strip().splitlines()[-1]))
        row.update(over_http(env, work / "questions.txt", seconds, work))
        print(json.dumps(row), file=sys.stderr, flush=True)
        return row
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _embedded(log: Path) -> int:
    """Texts the build embedded, from its summary line ("embedded N texts, M from the cache")."""
    for line in log.read_text(encoding="utf-8").splitlines():
        if line.startswith("embedded "):
            return int(line.split()[1].replace(",", ""))
    return 0


def markdown(rows: list[dict[str, Any]]) -> str:
    head = [
        "passages (FAQ)",
        "vectors, index",
        "texts embedded (by)",
        "build",
        "build peak",
        "on disk",
        "load",
        "serving RSS (own + mapped)",
    ]
    head += [
        "answer p50 / p99 ms",
        "after the encode p50 / p99 ms",
        "HTTP 1 client p50 ms",
        "16 clients answers/s (p99 ms)",
    ]
    head += ["recall@10"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [f"{r['passages']:,} ({r['faq']:,})", f"{r['vectors']:,} {r['index_type']}"]
        cells += [f"{r.get('embedded', 0):,} ({r.get('embedder', 'synthetic')})"]
        cells += [_minutes(r["build_s"]), _gb(r["build_peak_mb"]), _gb(r["index_mb"]), f"{r['load_s']} s"]
        cells += [f"{_gb(r['serving_rss_mb'])} ({_gb(r['serving_anon_mb'])} + {_gb(r['serving_file_mb'])})"]
        cells += [
            f"{r['answer_p50_ms']} / {r['answer_p99_ms']}",
            f"{r['after_encode_p50_ms']} / {r['after_encode_p99_ms']}",
        ]
        cells += [r["http_c1_p50_ms"], f"{r['http_c16_rps']} ({r['http_c16_p99_ms']})", r["recall_at_10"]]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _gb(mb: float) -> str:
    return f"{mb / 1024:.2f} GB" if mb >= 1024 else f"{mb:.0f} MB"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["passages"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for key, label, style in (
        ("answer_p50_ms", "answer p50", "o-"),
        ("answer_p99_ms", "answer p99", "x--"),
        ("after_encode_p50_ms", "after the encode, p50", "s-"),
        ("http_c16_p99_ms", "HTTP p99 at 16 clients", "^:"),
    ):
        left.plot(sizes, [r[key] for r in rows], style, label=label)
    left.set(xscale="log", yscale="log", xlabel="passages", ylabel="ms", title="Time per answer")
    left.legend()
    for key, label, scale in (
        ("build_s", "build (min)", 1 / 60),
        ("build_peak_mb", "build peak (GB)", 1 / 1024),
        ("serving_rss_mb", "serving RSS (GB)", 1 / 1024),
        ("index_mb", "index on disk (GB)", 1 / 1024),
    ):
        right.plot(sizes, [r[key] * scale for r in rows], "o-", label=label)
    right.set(xscale="log", yscale="log", xlabel="passages", title="Build and memory")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def run_sizes(
    sizes: list[int], seconds: float, src: Path | None = None, keep: Path | None = None, real: bool = False
) -> list[dict[str, Any]]:
    return [measure(size, seconds, src, keep, real) for size in sizes]


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(answers_in_process(sys.argv[2])))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--src", type=Path, help="Another faqbot source tree to measure (its src/ directory).")
    parser.add_argument("--keep", type=Path, help="Build in DIR/<size> and keep it.")
    parser.add_argument("--name", default="scale_e2e", help="Results file name in bench/results.")
    parser.add_argument("--real", action="store_true", help="Embed with the model itself (slow: ~20k passages).")
    args = parser.parse_args()
    write(run_sizes(args.sizes, args.seconds, args.src, args.keep, args.real), args.name)


def write(rows: list[dict[str, Any]], name: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(rows, indent=1))
    table = markdown(rows)
    (RESULTS / f"{name}.md").write_text(table)
    plot(rows, RESULTS / f"{name}.png")
    print(table)


if __name__ == "__main__":
    main()
