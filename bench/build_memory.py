"""`faqbot build` of a generated site, its memory step by step: what the process holds of its own
(RssAnon) and what it maps from files (RssFile, which the page cache can drop), sampled twice a
second, at the peak of each step the build reports.

    .venv/bin/python bench/build_memory.py 1000000 [--work DIR] [--real]

ru_maxrss (the figure of the scale table) counts both kinds at once. The site is generated as for
bench/scale_e2e.py and kept in DIR/<passages> (rebuilt with --force each run); documents are
embedded by the synthetic embedder unless --real.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import threading
import time
from pathlib import Path

import scale_corpus  # bench/, beside this file
import scale_e2e

FIELDS = ("RssAnon", "RssFile")


def sample(pid: int) -> dict[str, int] | None:
    """The process's anonymous and file-backed resident memory in kB, or None once it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    return {line.split(":")[0]: int(line.split()[1]) for line in lines if line.startswith(FIELDS)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("passages", type=int)
    parser.add_argument("--work", type=Path, default=Path("/tmp/faqbot-build-memory"))
    parser.add_argument("--real", action="store_true", help="Embed with the model itself (slow).")
    args = parser.parse_args()
    work = args.work / f"{'real-' if args.real else ''}{args.passages}"
    if not (work / "data").exists():
        scale_corpus.generate(args.passages, work / "data", work / "questions.txt")
    env = scale_e2e.environment(work, None, real=args.real)
    command = [scale_e2e.PY, "-m", "faqbot", "build", "--force"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    step = ["starting"]
    peaks: dict[str, dict[str, int]] = {}  # step -> peak kB per field

    def watch() -> None:
        while (now := sample(process.pid)) is not None and process.poll() is None:
            peak = peaks.setdefault(step[0], dict.fromkeys(FIELDS, 0))
            for name in FIELDS:
                peak[name] = max(peak[name], now.get(name, 0))
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()
    began = time.monotonic()
    assert process.stdout is not None
    for line in process.stdout:
        print(line.rstrip(), flush=True)
        if line.startswith("build: [") and "] " in line:  # a step, not a progress line
            step[0] = line.split("] ", 1)[1].strip()
    _, status, usage = os.wait4(process.pid, 0)
    took = time.monotonic() - began
    print(f"\nexit {os.waitstatus_to_exitcode(status)}, {took:.0f} s, ru_maxrss {usage.ru_maxrss // 1024} MB")
    print(f"{'own (anon) MB':>14} {'mapped files MB':>16}  step")
    for name, peak in peaks.items():
        print(f"{peak['RssAnon'] // 1024:>14,} {peak['RssFile'] // 1024:>16,}  {name[:80]}")


if __name__ == "__main__":
    main()
