"""Micro-batched encodes give the same answers as one-by-one ones."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from faqbot.answering.answerer import Answerer
from faqbot.embedding.embedder import Embedder, Encoded
from faqbot.server.batching import ENCODER_NICE, EncodeBatcher

pytestmark = pytest.mark.model
QUESTIONS = [
    "What is green AI?",
    "Who can contribute?",
    "What are the challenges of open source AI?",
    "How do I bake bread?",
    "democratization of AI",
    "What are some popular open source AI projects?",
    "future of open source ai",
    "carbon footprint of AI research",
    "Is open source AI more ethical?",
    "economic implications",
    "What is this article about?",
    "collaboration between developers",
    "privacy issues",
    "computer vision",
    "mxnet",
    "What is the capital of France?",
]


@pytest.mark.parametrize("workers", [1, 2])
def test_batched_answers_equal_one_by_one_answers(real_answerer: Answerer, workers: int) -> None:
    batcher = EncodeBatcher(lambda: real_answerer.embedder, workers=workers, max_batch=32, max_wait=0.05)

    async def ask_all() -> list[Encoded]:
        return await asyncio.gather(*(batcher.encode(real_answerer.prepare(q)) for q in QUESTIONS))

    try:
        encoded = asyncio.run(ask_all())
    finally:
        batcher.stop()
    assert batcher.encoded == len(QUESTIONS) and batcher.batches < len(QUESTIONS)  # they were batched
    assert not batcher.running  # stop() joined every worker
    for question, together in zip(QUESTIONS, encoded, strict=True):
        matched = real_answerer.prepare(question)
        single = real_answerer.encode(matched)
        assert float(together.vector @ single.vector) > 0.9999
        # Padding in a batch changes neither the vector nor any token's embedding.
        assert together.tokens is not None and single.tokens is not None
        assert together.tokens.shape == single.tokens.shape
        assert float(np.min(np.sum(together.tokens * single.tokens, axis=1))) > 0.9999
        batched = real_answerer._compose(matched, together, 3)
        alone = real_answerer._compose(matched, single, 3)
        assert (batched.answer, batched.kind, [s.id for s in batched.sources]) == (
            alone.answer,
            alone.kind,
            [s.id for s in alone.sources],
        )
        assert batched.confidence == pytest.approx(alone.confidence, abs=1e-3)


def test_a_failing_model_fails_every_waiter_instead_of_hanging() -> None:
    batcher = EncodeBatcher(lambda: None)

    async def ask() -> None:
        await asyncio.wait_for(batcher.encode("x"), timeout=5)

    try:
        with pytest.raises(RuntimeError, match="no embedding model"):
            asyncio.run(ask())
    finally:
        batcher.stop()


def test_there_is_an_encoder_worker_per_core_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from faqbot.server import batching

    monkeypatch.setattr(batching.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert batching.default_workers(None) == 4 and batching.default_workers(2) == 2
    assert batching.default_workers(8) == 1


def nice_of(thread_id: int | None) -> int:
    """A thread's nice value, from /proc (field 19 of its stat line)."""
    stat = Path(f"/proc/self/task/{thread_id}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])


def test_encoders_run_below_the_event_loops_priority(fake_embedder: Embedder) -> None:
    batcher = EncodeBatcher(lambda: fake_embedder, workers=2)
    try:
        asyncio.run(batcher.encode("a question"))  # the workers have started and set their priority
        workers = [nice_of(thread.native_id) for thread in batcher._threads]
    finally:
        batcher.stop()
    assert workers == [nice_of(threading.get_native_id()) + ENCODER_NICE] * 2


def test_the_server_leaves_the_cores_to_the_encoders() -> None:
    """FAISS and numpy's BLAS get one thread each in `faqbot serve` (a process-wide setting: checked
    in a process of its own)."""
    script = (
        "import json, faiss, numpy\n"
        "from threadpoolctl import threadpool_info\n"
        "from faqbot.server.batching import leave_cores_to_encoders\n"
        "leave_cores_to_encoders()\n"
        "blas = [p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']\n"
        "print(json.dumps({'faiss': faiss.omp_get_max_threads(), 'blas': blas}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    threads = json.loads(out.stdout)
    assert threads["faiss"] == 1 and threads["blas"] and set(threads["blas"]) == {1}
