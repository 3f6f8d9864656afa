"""Daemon threads that serve a queue, stopped by putting None on it (the batcher, the question log)."""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class QueueWorker(Generic[Item]):
    def __init__(self) -> None:
        self._queue: queue.Queue[Item | None] = queue.Queue()
        self._threads: list[threading.Thread] = []

    @property
    def running(self) -> bool:
        return bool(self._threads)

    def _start_threads(self, target: Callable[[], None], name: str, count: int = 1, *, nice: int = 0) -> None:
        """Start `count` threads running `target`, each `nice` steps below the event loop's priority."""
        if not self._threads:

            def run() -> None:
                lower_priority(nice)
                target()

            self._threads = [
                threading.Thread(target=run, name=f"{name}-{n}" if count > 1 else name, daemon=True)
                for n in range(count)
            ]
            for thread in self._threads:
                thread.start()

    def stop(self) -> None:
        """Let the threads finish what is queued before the Nones (one each), then join them."""
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads = []


def lower_priority(nice: int) -> None:
    """Make the calling thread `nice` steps less urgent than the rest of the process (Linux only).

    Linux schedules threads one by one, so this leaves the event loop's thread at the process's
    priority: when it has work (reading the next request, sending an answer), a core is taken
    from a background thread rather than making it wait for one. Elsewhere this does nothing,
    since setpriority there would apply to the whole process.
    """
    if nice <= 0 or not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0) + nice)
    except OSError:  # not allowed here: run at the process's priority
        pass
