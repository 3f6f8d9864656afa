"""What a long build is doing, for the person waiting on it: on a terminal a bar, in a log a line
every few seconds (what is done of how much, the rate, the time left), and a line per step.

`faqbot build` writes it to stderr either way, so a build run by cron, CI or a deploy script can be
followed in its log file as well as on a terminal.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from faqbot.text import counted

LOG_INTERVAL = 5.0  # seconds between two lines in a log


class Progress:
    def __init__(self, stream: TextIO | None = None, *, interval: float = LOG_INTERVAL, bar: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.bar = self.stream.isatty() if bar is None else bar
        self.began = time.monotonic()

    def step(self, text: str) -> None:
        """One line saying what the build does next, and how long the build has taken so far."""
        print(f"build: [{_duration(time.monotonic() - self.began)}] {text}", file=self.stream, flush=True)

    @contextmanager
    def counter(self, what: str, total: int, unit: str) -> Iterator[Callable[[int], None]]:
        """`update(n)` after each n of `total` done; a bar on a terminal, else a line every `interval` s."""
        if self.bar:
            from tqdm import tqdm

            with tqdm(total=total, desc=what, unit=f" {unit}", file=self.stream) as bar:

                def advance(n: int) -> None:
                    bar.update(n)

                yield advance
            return
        began = last = time.monotonic()
        done = 0

        def update(n: int) -> None:
            nonlocal done, last
            done += n
            now = time.monotonic()
            if now - last >= self.interval:
                last = now
                print(f"build: {what}: {_line(done, total, unit, now - began)}", file=self.stream, flush=True)

        yield update
        elapsed = time.monotonic() - began
        rate = f", {done / elapsed:,.0f} {unit}/s" if elapsed > 0 else ""
        print(
            f"build: {what}: {counted(done, unit.removesuffix('s'), unit)} in {_duration(elapsed)}{rate}",
            file=self.stream,
            flush=True,
        )


class Quiet(Progress):
    """No output (tests, and builds run from other code)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr, bar=False)

    def step(self, text: str) -> None:
        pass

    @contextmanager
    def counter(self, what: str, total: int, unit: str) -> Iterator[Callable[[int], None]]:
        yield lambda n: None


def _line(done: int, total: int, unit: str, elapsed: float) -> str:
    rate = done / elapsed if elapsed > 0 else 0.0
    share = f" ({100 * done / total:.0f}%)" if total else ""
    left = f", about {_duration((total - done) / rate)} left" if rate > 0 and total > done else ""
    return f"{done:,} of {total:,} {unit}{share}, {rate:,.0f} {unit}/s{left}"


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
