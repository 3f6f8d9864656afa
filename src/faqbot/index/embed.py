"""The build's embedding: what the cache lacks is embedded in batches streamed to disk, and the
vectors the index needs are read back from the cache a chunk at a time.

So a build's memory stays flat in the corpus's size: a batch of texts and its vectors, one
segment being written (faqbot.embedding.cache), one chunk of key vectors on their way into FAISS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from faqbot.content.documents import Key
from faqbot.embedding.cache import EmbeddingCache, TokenCache
from faqbot.embedding.embedder import Embedder, TokenEncoder
from faqbot.index.progress import Progress
from faqbot.index.tokens import TokenStore

VECTOR_BATCH = 256  # texts per call to the model: enough to sort by length and batch well, a line every few s
TOKEN_BATCH = 128  # their token embeddings are 50-250 vectors each
READ_ROWS = 65_536  # vectors read back at a time


def embed_vectors(
    cache: EmbeddingCache, texts: Sequence[str], embedder: Callable[[], Embedder], progress: Progress
) -> int:
    """Embed the texts the cache lacks into it; how many there were."""
    todo = cache.missing(texts)
    if not todo:
        return 0
    with cache.writer() as writer, progress.counter("embedding texts", len(todo), "texts") as update:
        for start in range(0, len(todo), VECTOR_BATCH):
            batch = todo[start : start + VECTOR_BATCH]
            writer.add(batch, embedder().encode(batch))
            update(len(batch))
    return len(todo)


def embed_tokens(cache: TokenCache, texts: Sequence[str], embedder: Callable[[], Embedder], progress: Progress) -> bool:
    """Embed the token vectors of the texts the cache lacks into it; False if the embedder gives none."""
    todo = cache.missing(texts)
    if not todo:
        return True
    encoder = embedder()
    if not isinstance(encoder, TokenEncoder):
        return False
    with cache.writer() as writer, progress.counter("embedding documents' tokens", len(todo), "texts") as update:
        for start in range(0, len(todo), TOKEN_BATCH):
            batch = todo[start : start + TOKEN_BATCH]
            tokens = [e.tokens for e in encoder.encode_with_tokens(batch)]
            if len(tokens) != len(batch) or any(t is None for t in tokens):
                return False
            writer.add(batch, [t for t in tokens if t is not None])
            update(len(batch))
    return True


class KeyVectors:
    """The index's vectors, one per key: the weighted mean of its texts' vectors (not renormalised, see
    Doc.keys), computed from the cache for the rows asked for."""

    def __init__(self, cache: EmbeddingCache, keys: Sequence[Key], dimension: int):
        self.cache = cache
        self.dimension = dimension
        texts: dict[str, int] = {}
        widest = max((len(k.texts) for k in keys), default=1)
        self.texts = np.full((len(keys), widest), -1, dtype=np.int64)  # each key's texts, -1 past its last
        self.weights = np.zeros((len(keys), widest), dtype=np.float32)
        for row, key in enumerate(keys):
            for column, (text, weight) in enumerate(zip(key.texts, key.weights, strict=True)):
                self.texts[row, column] = texts.setdefault(text, len(texts))
                self.weights[row, column] = weight
        self.segment, self.start, _ = cache.locate(list(texts))

    def __len__(self) -> int:
        return len(self.texts)

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        """The vectors of keys `rows` (float32, in that order)."""
        out = np.zeros((len(rows), self.dimension), dtype=np.float32)
        for column in range(self.texts.shape[1]):
            texts = self.texts[rows, column]
            present = np.flatnonzero(texts >= 0)
            weighted = self.weights[rows[present], column, None] * self._vectors(texts[present])
            if column == 0:
                out[present] = weighted
            else:
                out[present] += weighted
        return out

    def _vectors(self, texts: np.ndarray) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        segments = self.segment[texts]
        for n in np.unique(segments).tolist():
            mine = np.flatnonzero(segments == n)
            out[mine] = self.cache.rows(n)[self.start[texts[mine]]]
        return out


def write_vectors(path: Path, cache: EmbeddingCache, texts: Sequence[str], dimension: int) -> None:
    """The texts' vectors as one .npy file, in order, written READ_ROWS at a time."""
    out = np.lib.format.open_memmap(path, "w+", np.float32, (len(texts), dimension))
    for start in range(0, len(texts), READ_ROWS):
        out[start : start + READ_ROWS] = cache.get(texts[start : start + READ_ROWS], dimension)
    out.flush()
    del out


def write_token_store(
    rerank: dict[str, Any],
    directory: Path,
    cache: TokenCache,
    texts: list[str],
    dimension: int,
    embedder: Callable[[], Embedder],
    say: Progress,
) -> dict[str, Any]:
    """Write the documents' token embeddings into `directory` (cached by text like the vectors); the
    manifest's `rerank` entry."""
    if not rerank["on"]:
        return rerank
    if not embed_tokens(cache, texts, embedder, say):
        return {"on": False, "reason": "the embedder gives no token embeddings"}
    segment, starts, ends = cache.locate(texts)

    def rows(first: int, stop: int) -> list[np.ndarray]:
        chunk = zip(segment[first:stop].tolist(), starts[first:stop].tolist(), ends[first:stop].tolist(), strict=True)
        return [cache.rows(s)[a:b] for s, a, b in chunk]

    say.step("writing the token store")
    tokens = TokenStore.write(directory, ends - starts, dimension, rows)
    cache.save(keep=texts)
    return {"on": True, "tokens": tokens}
