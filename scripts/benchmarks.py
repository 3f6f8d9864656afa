"""Bring the public benchmark data sets into `benchmarks/` (ignored by git): `make benchmarks`.

Third-party data is never committed. Each set comes from a local folder when one is given
(`--from DIR`, a copy laid out as `DIR/<set>/<file>`, e.g. on a machine without a network), else
from its public source. A set already in place is kept; one that cannot be had is reported and
left out, and whatever needs it skips with that reason.

    python scripts/benchmarks.py [--from DIR] [--into benchmarks]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Benchmark:
    name: str
    file: str
    url: str  # the public source
    sha256: str | None  # of the file as published (None: extracted from a larger file)
    notes: str  # where it comes from and its licence, written beside the data as SOURCE.md


BENCHMARKS = (
    Benchmark(
        "stackfaq",
        "stackExchange-FAQ.json",
        "https://raw.githubusercontent.com/ML-Recipes/BERT-FAQ/master/data/StackFAQ/stackExchange-FAQ.json",
        "0ae2af4f8edae91f2dd37c557e2468d412b21d63f534ddc461118434f066f075",
        "StackFAQ (Karan & Snajder 2018), from ML-Recipes/BERT-FAQ data/StackFAQ/, MIT licence.",
    ),
    Benchmark(
        "squad-normans",
        "squad2-normans.json",
        "https://rajpurkar.github.io/SQuAD-explorer/dataset/dev-v2.0.json",
        None,
        'The "Normans" article of the SQuAD 2.0 development set (Rajpurkar, Jia & Liang 2018), CC BY-SA 4.0.',
    ),
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _normans(dev_set: Path, target: Path) -> None:
    """Keep only the "Normans" article of a full SQuAD 2.0 file."""
    data = json.loads(dev_set.read_text(encoding="utf-8"))
    articles = [a for a in data["data"] if a.get("title") == "Normans"]
    if not articles:
        raise ValueError("no 'Normans' article in the SQuAD file")
    target.write_text(json.dumps({"version": data.get("version", "v2.0"), "data": articles}, indent=1), "utf-8")


def fetch(benchmark: Benchmark, into: Path, source: Path | None) -> str:
    """Put one benchmark in `into/<name>/`; the line to report."""
    target = into / benchmark.name / benchmark.file
    if target.is_file():
        return f"{benchmark.name}: already in {target.parent}"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    if source is not None and (source / benchmark.name / benchmark.file).is_file():
        local = source / benchmark.name
        shutil.copyfile(local / benchmark.file, partial)
        for extra in ("SOURCE.md", "LICENSE", "README.txt"):
            if (local / extra).is_file():
                shutil.copyfile(local / extra, target.parent / extra)
        origin = str(local)
    else:
        try:
            with urllib.request.urlopen(benchmark.url, timeout=30) as response, partial.open("wb") as out:
                shutil.copyfileobj(response, out)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            hint = " (or give a local copy: make benchmarks BENCHMARKS_FROM=DIR)" if source is None else ""
            return f"{benchmark.name}: not fetched from {benchmark.url}: {exc}{hint}"
        if benchmark.sha256 is None:
            _normans(partial, partial)
        origin = benchmark.url
    if benchmark.sha256 is not None and _sha256(partial) != benchmark.sha256:
        partial.unlink()
        return f"{benchmark.name}: the file from {origin} is not the published one (checksum differs): not kept"
    partial.replace(target)
    if not (target.parent / "SOURCE.md").exists():
        (target.parent / "SOURCE.md").write_text(f"{benchmark.notes}\nFetched from {origin}.\n", "utf-8")
    return f"{benchmark.name}: copied from {origin}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, help="a local folder holding <set>/<file>")
    parser.add_argument("--into", type=Path, default=Path("benchmarks"))
    args = parser.parse_args()
    if args.source is not None and not args.source.is_dir():
        print(f"benchmarks: --from {args.source} is not a folder", file=sys.stderr)
        return 2
    lines = [fetch(b, args.into, args.source) for b in BENCHMARKS]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
