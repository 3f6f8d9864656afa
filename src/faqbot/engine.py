"""The serving engine: the loaded index and the embedder, or the reason they are not there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from faqbot.answering import Answerer
from faqbot.embedding import Embedder, load_embedder
from faqbot.errors import FaqbotError
from faqbot.index_store import load_index
from faqbot.settings import Settings

EmbedderFactory = Callable[[str], Embedder]


@dataclass
class Engine:
    answerer: Answerer | None
    reason: str | None = None  # why there is no answerer (no index, wrong model, ...)


def load_engine(settings: Settings, embedder_factory: EmbedderFactory = load_embedder) -> Engine:
    """Load the index, then the model; any failure becomes a one-line reason, never a crash."""
    try:
        index = load_index(settings.index_dir, model=settings.model)
        embedder = embedder_factory(settings.model)
    except FaqbotError as exc:
        return Engine(None, str(exc))
    if embedder.dimension != index.manifest.dimension:
        return Engine(
            None, f"the model gives {embedder.dimension}-d vectors, the index holds {index.manifest.dimension}-d ones"
        )
    return Engine(Answerer(index, embedder, threshold=settings.threshold))
