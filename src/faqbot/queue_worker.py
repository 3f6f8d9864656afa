"""A daemon thread that serves a queue, stopped by putting None on it (the batcher, the question log)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class QueueWorker(Generic[Item]):
    def __init__(self) -> None:
        self._queue: queue.Queue[Item | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def _start_thread(self, target: Callable[[], None], name: str) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=target, name=name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Let the thread finish what is queued before the None, then join it."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None
