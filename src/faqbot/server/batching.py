"""Micro-batching of query encodes: concurrent questions share one model call.

On a CPU the model is the cost of an answer. Requests hand their text to the encoder threads
(`workers`, one per core by default: the model releases the GIL, so they encode side by side),
each of which takes whatever has queued (up to `max_batch`) and encodes it in one call. A worker
does not wait for company by default (`max_wait` 0): questions that arrive during one encode
form the next batch, so a lone question is never delayed, and a burst batches itself. (Batching
saves less than one would hope on 2 cores: a short question's encode is compute-bound, and a
batch costs nearly the sum of its questions; bench/README.md.)
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import Callable

from faqbot.embedding.embedder import Embedder, Encoded, encode_questions
from faqbot.workers import QueueWorker

Job = tuple[str, asyncio.AbstractEventLoop, "asyncio.Future[Encoded]"]
# Encoders run below the event loop's priority, so the loop gets a core the moment it has a request
# to read or an answer to send, and a request never waits behind an encode to be read.
ENCODER_NICE = 5


def leave_cores_to_encoders() -> None:
    """One thread for FAISS's searches and numpy's products in this process: the encoders need the cores.

    Their own thread pools would only fight the encoder threads for the cores, and OpenBLAS's
    threads spin on after each product, so even re-ranking's one small product a question would
    take an encoder's core (bench/README.md has the figures).
    """
    import faiss
    from threadpoolctl import threadpool_limits

    faiss.omp_set_num_threads(1)
    threadpool_limits(limits=1, user_api="blas")


def default_workers(threads: int | None) -> int:
    """Encoder threads: as many as the cores hold, given each encode's own threads (default one)."""
    return max(1, len(os.sched_getaffinity(0)) // (threads or 1))


class EncodeBatcher(QueueWorker[Job]):
    def __init__(
        self,
        embedder: Callable[[], Embedder | None],
        *,
        workers: int = 1,  # see default_workers
        # A batch costs nearly the sum of its questions, so a big one only makes its first question
        # wait for its last and leaves the other worker idle (a longer tail, no more answers/s).
        max_batch: int = 8,
        max_wait: float = 0.0,
    ):
        self._embedder = embedder
        self.workers = workers
        self.max_batch = max_batch
        self.max_wait = max_wait
        super().__init__()
        self._counts = threading.Lock()
        self.batches = 0
        self.encoded = 0

    def start(self) -> None:
        self._start_threads(self._run, "encode-batcher", self.workers, nice=ENCODER_NICE)

    async def encode(self, text: str) -> Encoded:
        """The question's vector and token embeddings, from a batch shared with whatever else is queued."""
        if not self.running:
            self.start()  # also serves apps driven without their lifespan (some test clients)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Encoded] = loop.create_future()
        self._queue.put((text, loop, future))
        return await future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs = [first]
            try:
                while len(jobs) < self.max_batch:
                    waits = self.max_wait > 0 and len(jobs) == 1
                    job = self._queue.get(timeout=self.max_wait) if waits else self._queue.get_nowait()
                    if job is None:
                        self._queue.put(None)  # stop after this batch
                        break
                    jobs.append(job)
            except queue.Empty:
                pass
            self._encode(jobs)

    def _encode(self, jobs: list[Job]) -> None:
        embedder = self._embedder()
        try:
            if embedder is None:
                raise RuntimeError("no embedding model is loaded")
            encoded = encode_questions(embedder, [text for text, _, _ in jobs])
            with self._counts:
                self.batches += 1
                self.encoded += len(jobs)
            for (_, loop, future), question in zip(jobs, encoded, strict=True):
                loop.call_soon_threadsafe(_resolve, future, question, None)
        except Exception as exc:  # every waiter must hear about the failure, not hang
            for _, loop, future in jobs:
                loop.call_soon_threadsafe(_resolve, future, None, exc)


def _resolve(future: asyncio.Future[Encoded], encoded: Encoded | None, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(encoded)  # type: ignore[arg-type]
