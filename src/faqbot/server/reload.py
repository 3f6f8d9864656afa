"""Serving a new index without a restart: the watcher, the reloader, and the swap itself.

The app holds one `Engine` at a time and replaces it whole; a request takes the engine once, so
it is answered entirely by one index version even while a new one is swapped in.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from faqbot.answering.engine import EmbedderFactory, Engine, load_engine
from faqbot.index.builds import current_build
from faqbot.settings import Settings

log = logging.getLogger("faqbot.reload")


def use_engine(app: Any, engine: Engine) -> None:
    """Serve from `engine` from now on, and let the metrics say which index that is."""
    previous: Engine | None = getattr(app.state, "engine", None)
    if previous is engine:
        return  # the watcher found nothing new
    app.state.engine = engine
    if engine.answerer is not None:
        manifest = engine.answerer.index.manifest
        app.state.metrics.set_index(manifest.version, manifest.model, manifest.counts)
    if previous is None or previous.answerer is not engine.answerer:  # not for a failed reload's note
        settle_memory()


def settle_memory() -> None:
    """Take what is loaded for the life of an index out of the cyclic garbage collector's sight.

    A loaded app holds ~100k Python objects (the index's records, the speller's words, the
    modules), which a full collection walks through in ~55 ms on this machine: a stall of every
    request in flight, and the answer cache's churn triggers one every few thousand answers.
    Frozen, they are skipped (gc.freeze); a full collection then takes ~7 ms. The index a swap
    replaces is freed by reference counting, which freezing does not stop (nothing an index holds
    sits in a reference cycle: a test checks); anything cyclic left from earlier swaps is thawed
    and collected here, once per swap, before the new index is frozen.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _serving_build(engine: Engine) -> Path | None:
    return engine.answerer.index.directory if engine.answerer else None


class Reloader:
    """Swaps in a new index when `indexes/current` points somewhere new; one reload at a time."""

    def __init__(self, settings: Settings, embedder_factory: EmbedderFactory | None):
        self.settings = settings
        self.embedder_factory = embedder_factory
        self._lock = asyncio.Lock()

    async def reload(self, engine: Engine, *, force: bool = False) -> Engine:
        """The engine to serve from now on (the same one when nothing changed or loading failed)."""
        async with self._lock:
            target = current_build(self.settings.index_dir)
            if not force and target is not None and target == _serving_build(engine):
                # Back to the build being served (an operator's rollback): no error stands any more.
                return replace(engine, last_reload_error=None) if engine.last_reload_error else engine
            if target is None and engine.answerer is not None:
                return engine  # the index vanished from disk: keep serving what is loaded
            fresh = await asyncio.to_thread(load_engine, self.settings, self.embedder_factory, embedder=engine.embedder)
            if fresh.answerer is None and engine.answerer is not None:
                log.error("new index not loaded, still serving %s: %s", engine.answerer.index.version, fresh.reason)
                return Engine(engine.answerer, None, engine.embedder, fresh.reason)
            if fresh.answerer is not None:
                log.info("serving index %s", fresh.answerer.index.version)
            return fresh


async def watch_index(app: FastAPI, interval: float) -> None:
    """Serve a new index as soon as `faqbot build` swaps it in, without a restart."""
    while True:
        await asyncio.sleep(interval)
        try:
            use_engine(app, await app.state.reloader.reload(app.state.engine))
        except Exception:  # the watcher must outlive any one failed attempt
            log.exception("index watcher failed; retrying")
