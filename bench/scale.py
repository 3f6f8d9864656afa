"""`make bench-scale` (bench/run.py --scale): faqbot's indexes on synthetic corpora of 10k, 100k, 1M.

Vectors: unit vectors clustered around 2,000 random centres (384-d, the default model's size),
the shape of real text embeddings; uniform random vectors have no neighbourhoods at all, which
no real corpus looks like. Queries: 200 corpus vectors, slightly perturbed. For each index type
(faqbot.index.vectors) it reports build time, peak memory of the process that built it, bytes
per passage, single-query search p50/p99 on one thread, and recall@10 against exact search.
Lexical: generated text (Zipf-distributed words, 40 a passage) indexed with faqbot's BM25, saved
and memory-mapped back, at 100k and 1M. Each measurement runs in its own process, so peak memory
is its own.

Run: .venv/bin/python bench/scale.py [--sizes 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DIMENSION = 384
QUERIES = 200


def corpus(count: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((2000, DIMENSION)).astype(np.float32)
    vectors = np.empty((count, DIMENSION), dtype=np.float32)
    for start in range(0, count, 100_000):  # in slices: the noise for 1M at once is another 1.5 GB
        stop = min(count, start + 100_000)
        noise = rng.standard_normal((stop - start, DIMENSION)).astype(np.float32)
        vectors[start:stop] = centres[rng.integers(0, 2000, stop - start)] + 0.6 * noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors[rng.integers(0, count, QUERIES)] + 0.05 * rng.standard_normal((QUERIES, DIMENSION)).astype(
        np.float32
    )
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return vectors, queries


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def vector_run(count: int, kind: str) -> dict[str, object]:
    import faiss

    from faqbot.index.vectors import build_vector_index, search

    faiss.omp_set_num_threads(2)  # building may use both cores
    vectors, queries = corpus(count)
    before = peak_mb()
    began = time.perf_counter()
    index = build_vector_index(vectors, DIMENSION, kind)
    build_s = time.perf_counter() - began
    size = len(faiss.serialize_index(index))
    truth_index = index if kind == "flat" else build_vector_index(vectors, DIMENSION, "flat")
    _, truth = truth_index.search(queries, 10)
    faiss.omp_set_num_threads(1)  # serving searches one query at a time on one thread
    times, recalls = [], []
    for query, expected in zip(queries, truth, strict=True):
        started = time.perf_counter()
        _, found = search(index, query.reshape(1, -1), 10)
        times.append((time.perf_counter() - started) * 1000)
        recalls.append(len(set(found[0]) & set(expected)) / 10)
    times.sort()
    return {
        "passages": count,
        "index": kind,
        "build_s": round(build_s, 1),
        "peak_mb": peak_mb(),
        "data_mb": before,
        "bytes_per_passage": round(size / count),
        "search_p50_ms": round(statistics.median(times), 3),
        "search_p99_ms": round(times[int(len(times) * 0.99) - 1], 3),
        "recall_at_10": round(float(np.mean(recalls)), 3),
    }


def lexical_run(count: int) -> dict[str, object]:
    from faqbot.index.lexical import LexicalIndex

    rng = np.random.default_rng(0)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocabulary = ["".join(rng.choice(letters, rng.integers(4, 10))) for _ in range(30_000)]
    weights = 1 / np.arange(1, len(vocabulary) + 1)  # Zipf: a few common words, a long tail
    weights /= weights.sum()
    words = rng.choice(len(vocabulary), (count, 40), p=weights)
    texts = [" ".join(vocabulary[w] for w in row) for row in words]
    del words
    began = time.perf_counter()
    index = LexicalIndex.build(texts)
    build_s = time.perf_counter() - began
    build_peak = peak_mb()
    with tempfile.TemporaryDirectory() as tmp:
        index.save(Path(tmp))
        del index
        loaded = LexicalIndex.load(Path(tmp), count)
        questions = [" ".join(rng.choice(vocabulary[:3000], 4)) for _ in range(100)]
        times = []
        for question in questions:
            started = time.perf_counter()
            loaded.sparse_relevance(question)  # what an answer computes
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "passages": count,
        "index": "bm25",
        "build_s": round(build_s, 1),
        "peak_mb": build_peak,
        "query_p50_ms": round(statistics.median(times), 2),
        "query_p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
    }


def in_child(*args: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run(sizes: list[int]) -> dict[str, object]:
    from faqbot.index.vectors import choose_kind

    rows = []
    for count in sizes:
        for kind in ("flat", "hnsw", "ivf"):
            row = in_child("vector", str(count), kind)
            row["auto"] = choose_kind(count) == kind
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    lexical = []
    for count in (c for c in sizes if c >= 100_000):
        lexical.append(in_child("lexical", str(count)))
        print(json.dumps(lexical[-1]), file=sys.stderr, flush=True)
    return {"vectors": rows, "lexical": lexical}


def markdown(result: dict[str, object]) -> str:
    lines = [
        "| passages | index | auto | build s | peak MB | bytes/passage | search p50 ms | p99 ms | recall@10 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["vectors"]:  # type: ignore[attr-defined]
        cells = [r["passages"], r["index"], "yes" if r["auto"] else "", r["build_s"], r["peak_mb"]]
        cells += [r["bytes_per_passage"], r["search_p50_ms"], r["search_p99_ms"], r["recall_at_10"]]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines += ["", "| passages | BM25 build s | peak MB | query p50 ms | p99 ms |", "|---|---|---|---|---|"]
    for r in result["lexical"]:  # type: ignore[attr-defined]
        cells = [r["passages"], r["build_s"], r["peak_mb"], r["query_p50_ms"], r["query_p99_ms"]]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        what, count = sys.argv[2], int(sys.argv[3])
        result = vector_run(count, sys.argv[4]) if what == "vector" else lexical_run(count)
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    write(run(args.sizes))


def write(result: dict[str, object]) -> None:
    """bench/results/scale.json and .md, and the table on stdout."""
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "scale.json").write_text(json.dumps(result, indent=1))
    table = markdown(result)
    (results / "scale.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
