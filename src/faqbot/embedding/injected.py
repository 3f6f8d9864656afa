"""FAQBOT_EMBEDDER: documents embedded by a callable the site names instead of the model.

For vectors precomputed elsewhere (the same model on another machine), or a stand-in for benchmarks
(bench/synthetic_embedder.py). Whatever goes wrong in it (it cannot be imported, is not callable,
raises, or returns something that is not one finite vector a text, of its dimension) is one
FaqbotError naming the setting, never a traceback.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from faqbot.embedding.embedder import Embedder, Encoded, TokenEncoder
from faqbot.errors import FaqbotError


def injected_embedder(spec: str) -> Callable[[str], Embedder]:
    """The factory FAQBOT_EMBEDDER=`module:name` names: given the model's name, an Embedder.

    Raises FaqbotError when the callable cannot be imported or is not one."""
    module, _, name = spec.partition(":")
    try:
        found = getattr(importlib.import_module(module), name) if name else None
    except (ImportError, AttributeError) as exc:
        raise FaqbotError(f"FAQBOT_EMBEDDER={spec!r}: cannot import it ({exc})") from None
    if not callable(found):
        raise FaqbotError(f"FAQBOT_EMBEDDER={spec!r} must name a callable as module:name")

    def factory(model: str) -> Embedder:
        return Checked(spec, _call(spec, "could not be made", lambda: found(model)))

    return factory


class Checked:
    """The injected embedder, its failures and malformed results turned into FaqbotError."""

    def __init__(self, spec: str, inner: Any):
        self.spec = spec
        self.inner = inner
        self.name = str(getattr(inner, "name", spec))
        self.dimension = _call(spec, "has no dimension", lambda: int(inner.dimension))

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        vectors: np.ndarray = _call(self.spec, "failed", lambda: np.asarray(self.inner.encode(texts), dtype=np.float32))
        if vectors.shape != (len(texts), self.dimension):
            raise FaqbotError(
                f"FAQBOT_EMBEDDER={self.spec!r} gave an array of shape {vectors.shape} for {len(texts)} texts "
                f"(expected ({len(texts)}, {self.dimension}))"
            )
        if not np.isfinite(vectors).all():  # cached, a NaN would stay in every later build
            raise FaqbotError(f"FAQBOT_EMBEDDER={self.spec!r} gave vectors that are not finite (NaN or infinity)")
        return vectors

    def encode_with_tokens(self, texts: Sequence[str], *, progress: bool = False) -> list[Encoded]:
        """Its token embeddings, or none (the build then stores none) when it gives none."""
        if not isinstance(self.inner, TokenEncoder):
            return []
        encoded: list[Encoded] = _call(self.spec, "failed", lambda: list(self.inner.encode_with_tokens(texts)))
        if len(encoded) != len(texts):
            raise FaqbotError(f"FAQBOT_EMBEDDER={self.spec!r} gave {len(encoded)} encodings for {len(texts)} texts")
        for one in encoded:
            tokens = None if one.tokens is None else np.asarray(one.tokens)
            if tokens is not None and (tokens.ndim != 2 or tokens.shape[1] != self.dimension):
                raise FaqbotError(
                    f"FAQBOT_EMBEDDER={self.spec!r} gave token embeddings of shape {tokens.shape} "
                    f"(expected (tokens, {self.dimension}))"
                )
            if not np.isfinite(one.vector).all() or (tokens is not None and not np.isfinite(tokens).all()):
                raise FaqbotError(f"FAQBOT_EMBEDDER={self.spec!r} gave token embeddings that are not finite")
        return encoded


def _call(spec: str, what: str, thunk: Callable[[], Any]) -> Any:
    try:
        return thunk()
    except FaqbotError:
        raise
    except Exception as exc:  # the site's own code: any failure is reported, not shown as a traceback
        raise FaqbotError(f"FAQBOT_EMBEDDER={spec!r} {what}: {type(exc).__name__}: {exc}") from None
