"""Daemon threads that serve a queue, stopped by putting None on it (the batcher, the question log)."""

from __future__ import annotations

import queue
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

    def _start_threads(self, target: Callable[[], None], name: str, count: int = 1) -> None:
        if not self._threads:
            self._threads = [
                threading.Thread(target=target, name=f"{name}-{n}" if count > 1 else name, daemon=True)
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
