"""The word index's build alone (faqbot.index.lexical): its peak memory and time on generated text.

Text: the 50,000 most frequent English words (pyspellchecker's list, the one the speller ships)
drawn with Zipf frequencies (the n-th word 1/n as often as the first), 40-80 words a passage.
Each measurement is its own process, so its peak RSS (ru_maxrss) is its own: `before_mb` is the
peak once the vocabulary is ready, `peak_mb` after the index is built and saved. `stream` hands
the build a generator (as `write_build` does now); `list` generates every text first into a list
(as `write_build` did before the build streamed, and the only way a tree from before takes them).

Run: .venv/bin/python bench/lexical_build.py [--sizes 100000 1000000] [--ways stream list] [--src OTHER/src]
(--src: measure another source tree, e.g. a `git worktree` of the commit before, with `--ways list`.)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

WORDS = 50_000
BATCH = 10_000  # passages generated at a time


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def passages(count: int, words: np.ndarray) -> Iterator[str]:
    rng = np.random.default_rng(0)
    cumulative = np.cumsum(1 / np.arange(1, len(words) + 1))
    cumulative /= cumulative[-1]
    for start in range(0, count, BATCH):
        lengths = rng.integers(40, 81, min(BATCH, count - start))
        drawn = words[np.searchsorted(cumulative, rng.random(int(lengths.sum()))).clip(0, len(words) - 1)].tolist()
        at = 0
        for n in lengths.tolist():
            yield " ".join(drawn[at : at + n])
            at += n


def vocabulary() -> np.ndarray:
    from spellchecker import SpellChecker

    counts = SpellChecker(language="en").word_frequency.dictionary
    ranked = sorted(((c, w) for w, c in counts.items() if w.isalpha()), reverse=True)
    return np.array([w for _, w in ranked[:WORDS]], dtype=object)


def run(count: int, way: str) -> dict[str, object]:
    from faqbot.index.lexical import LexicalIndex

    words = vocabulary()
    began = time.perf_counter()
    for _ in passages(count, words):  # the texts' generation alone, to tell it from the build's time
        pass
    generate_s = time.perf_counter() - began
    before = peak_mb()
    began = time.perf_counter()
    texts = list(passages(count, words)) if way == "list" else passages(count, words)
    index = LexicalIndex.build(texts)
    built = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        index.save(Path(tmp))
        saved = time.perf_counter()
        disk = sum(f.stat().st_size for f in Path(tmp).iterdir())
    return {
        "passages": count,
        "way": way,
        "generate_s": round(generate_s, 1),
        "build_s": round(built - began - generate_s, 1),  # the texts' generation taken out
        "save_s": round(saved - built, 1),
        "before_mb": before,
        "peak_mb": peak_mb(),
        "words": len(index._vocabulary),
        "disk_mb": round(disk / 2**20, 1),
    }


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(run(int(sys.argv[2]), sys.argv[3])))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--ways", nargs="+", choices=["stream", "list"], default=["stream", "list"])
    parser.add_argument("--src", type=Path, help="Another faqbot source tree to measure (its src/ directory).")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = os.pathsep.join([str(args.src.resolve()), env.get("PYTHONPATH", "")])
    for count in args.sizes:
        for way in args.ways:
            child = [sys.executable, __file__, "--child", str(count), way]
            out = subprocess.run(child, capture_output=True, text=True, check=True, env=env)
            print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
