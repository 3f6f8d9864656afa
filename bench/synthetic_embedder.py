"""Precomputed-vector stand-in for the model, for the scale benchmark's builds (FAQBOT_EMBEDDER).

Embedding a million passages with the model takes days on 2 cores; the benchmark measures what a
build and an answer cost around the embeddings. So `faqbot build` is run with
`FAQBOT_EMBEDDER=synthetic_embedder:SyntheticEmbedder` (bench/ on PYTHONPATH), which gives every
text a vector at once: the normalised sum of fixed random vectors of its words (hashed into a
table), so texts that share words (a topic's) are near each other, as real embeddings are. Token
embeddings, for re-ranking, are its words' vectors. Questions are still encoded by the real ONNX
encoder the build exports and checks against the model itself, so an answer costs what it costs.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

from faqbot.embedding.embedder import Encoded

TABLE = 1 << 15
BATCH = 1024
_WORD = re.compile(r"\w+")
_COMMON = frozenset("the a an and or of to in is it for on with as be are this that you i".split())


class SyntheticEmbedder:
    def __init__(self, model: str = "", dimension: int = 384):
        self.name = f"synthetic ({model})"
        self.dimension = dimension
        table = np.random.default_rng(20).standard_normal((TABLE, dimension)).astype(np.float32)
        self._table = table / np.linalg.norm(table, axis=1, keepdims=True)
        self._known: dict[str, int] = {}  # word -> its row (-1: a common word, left out of vectors)

    def _buckets(self, text: str, *, common: bool = True) -> list[int]:
        """Its words' rows in the table (the common words too, or not)."""
        known = self._known
        buckets = []
        for word in _WORD.findall(text.lower()):
            bucket = known.get(word)
            if bucket is None:
                bucket = known[word] = zlib.crc32(word.encode()) & (TABLE - 1) if word not in _COMMON else -1
            if bucket >= 0:
                buckets.append(bucket)
            elif common:
                buckets.append(zlib.crc32(word.encode()) & (TABLE - 1))
        return buckets

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """In batches of BATCH texts inside, as sentence-transformers does."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), BATCH):
            out[start : start + BATCH] = self._encode(texts[start : start + BATCH])
        return out

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        columns: list[int] = []
        starts = [0]
        for text in texts:
            columns.extend(self._buckets(text, common=False) or [0])
            starts.append(len(columns))
        vectors = np.add.reduceat(self._table[np.array(columns)], np.array(starts[:-1]), axis=0)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        result: np.ndarray = vectors / np.clip(norms, 1e-12, None)
        return result

    def encode_with_tokens(self, texts: Sequence[str], *, progress: bool = False) -> list[Encoded]:
        vectors = self.encode(texts)
        return [
            Encoded(vector, self._table[self._buckets(text) or [0]])
            for vector, text in zip(vectors, texts, strict=True)
        ]
