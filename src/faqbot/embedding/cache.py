"""Embeddings cached by the content hash of their text, so a rebuild embeds only what changed."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from faqbot.text import content_hash


class ArrayCache:
    """Arrays of rows by content hash of the text they came from, in one file beside the indexes.

    A rebuild looks every text up here first, so it embeds only what is new or changed.
    """

    def __init__(self, path: Path, dtype: type[np.floating[Any]]):
        self.path = path
        self.dtype = dtype
        self._arrays: dict[str, np.ndarray] = {}
        if self.path.exists():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    offsets, rows = data["offsets"], data["rows"]
                    for i, key in enumerate(data["keys"].tolist()):
                        self._arrays[key] = rows[offsets[i] : offsets[i + 1]]
            except (OSError, ValueError, KeyError, IndexError):
                self._arrays = {}  # a damaged (or older) cache only costs re-embedding

    @staticmethod
    def key(text: str) -> str:
        return content_hash(text, length=32)

    def missing(self, texts: Sequence[str]) -> list[str]:
        """The distinct texts with nothing cached, in first-seen order."""
        return list(dict.fromkeys(t for t in texts if self.key(t) not in self._arrays))

    def _put(self, text: str, rows: np.ndarray) -> None:
        self._arrays[self.key(text)] = np.asarray(rows, dtype=self.dtype)

    def _rows(self, texts: Sequence[str]) -> list[np.ndarray]:
        return [self._arrays[self.key(t)] for t in texts]

    def save(self, keep: Sequence[str]) -> None:
        """Write atomically, keeping only the arrays of `keep` so the cache does not grow forever."""
        keys = [k for k in dict.fromkeys(self.key(t) for t in keep) if k in self._arrays]
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(self._arrays[k]) for k in keys])
        rows = np.concatenate([self._arrays[k] for k in keys]) if keys else np.zeros((0, 0), dtype=self.dtype)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.stem + ".tmp.npz")
        np.savez(tmp, keys=np.array(keys, dtype="U32"), offsets=offsets, rows=rows)
        os.replace(tmp, self.path)


class EmbeddingCache(ArrayCache):
    """Each text's vector (one row), one file per model."""

    def __init__(self, directory: Path, model: str):
        super().__init__(directory / f"embeddings-{content_hash(model)}.npz", np.float32)

    def add(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        for text, vector in zip(texts, vectors, strict=True):
            self._put(text, vector.reshape(1, -1))

    def get(self, texts: Sequence[str], dimension: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, dimension), dtype=np.float32)
        return np.concatenate(self._rows(texts)).astype(np.float32)

    @property
    def dimension(self) -> int | None:
        return next(iter(self._arrays.values())).shape[1] if self._arrays else None


class TokenCache(ArrayCache):
    """Each text's token embeddings (one row a token, float16), one file per model (faqbot.index.tokens)."""

    def __init__(self, directory: Path, model: str):
        super().__init__(directory / f"tokens-{content_hash(model)}.npz", np.float16)

    def add(self, texts: Sequence[str], tokens: Sequence[np.ndarray]) -> None:
        for text, rows in zip(texts, tokens, strict=True):
            self._put(text, rows)

    def get(self, texts: Sequence[str]) -> list[np.ndarray]:
        return self._rows(texts)
