"""The engine: a loaded index with its query encoder in an answerer, or the reason there is none.

The server holds one at a time and swaps it whole on reload (faqbot.server.reload); the CLI loads
one to answer or report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from faqbot.answering.answerer import Answerer
from faqbot.embedding.embedder import Embedder, load_embedder
from faqbot.embedding.query_encoder import load_query_encoder
from faqbot.errors import FaqbotError
from faqbot.index.store import load_index
from faqbot.settings import Settings

EmbedderFactory = Callable[[str], Embedder]


@dataclass(frozen=True)
class Engine:
    answerer: Answerer | None
    reason: str | None = None  # why there is no answerer (no index, wrong model, ...)
    embedder: Embedder | None = None  # kept across reloads: the model is the slow part to load
    last_reload_error: str | None = None


def load_engine(
    settings: Settings, embedder_factory: EmbedderFactory | None = None, *, embedder: Embedder | None = None
) -> Engine:
    """Load the index, then its query encoder; any failure becomes a one-line reason, never a crash.

    `embedder_factory` makes the torch encoder, used when the build chose no ONNX one.
    """
    try:
        index = load_index(settings.index_dir, model=settings.model)
    except FaqbotError as exc:
        return Engine(None, str(exc), embedder)
    try:
        embedder = load_query_encoder(
            settings,
            index.directory,
            index.manifest.encoder,
            torch_factory=embedder_factory or (lambda model: load_embedder(model, settings.threads)),
            previous=embedder,
        )
    except FaqbotError as exc:
        return Engine(None, str(exc), None)
    if embedder.dimension != index.manifest.dimension:
        reason = f"the model gives {embedder.dimension}-d vectors, the index holds {index.manifest.dimension}-d ones"
        return Engine(None, reason, embedder)
    return Engine(Answerer(index, embedder, threshold=settings.threshold, contact=settings.contact_url), None, embedder)
