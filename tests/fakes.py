"""A small deterministic embedder for plumbing tests: hashed bag of words, unit length."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from faqbot.embedding.embedder import Encoded

MODEL_WIDTH = 384  # all-MiniLM-L6-v2's


class HashingEmbedder:
    def __init__(self, name: str = "fake-model", dimension: int = 64):
        self.name = name
        self.dimension = dimension
        self.calls: list[list[str]] = []
        self.token_calls: list[list[str]] = []

    @property
    def texts_embedded(self) -> list[str]:
        return [t for call in self.calls for t in call]

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension
                out[row, bucket] += 1.0
            out[row, 0] += 0.01  # never an all-zero vector
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def encode_with_tokens(self, texts: Sequence[str], *, progress: bool = False) -> list[Encoded]:
        """Each text's vector, and one unit vector per word as its "tokens"."""
        self.token_calls.append(list(texts))
        vectors = self.encode(texts)
        self.calls.pop()  # counted as a token call, not a key embedding
        encoded = []
        for text, vector in zip(texts, vectors, strict=True):
            words = re.findall(r"\w+", text.lower()) or ["_"]
            tokens = np.zeros((len(words), self.dimension), dtype=np.float32)
            for row, word in enumerate(words):
                tokens[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] = 1.0
            encoded.append(Encoded(vector, tokens))
        return encoded


class StoppingEmbedder(HashingEmbedder):
    """HashingEmbedder that, when FAQBOT_TEST_STOP is set, sends its own process SIGTERM during its
    second batch: a build stopped half way (tests/index/test_streaming.py)."""

    def __init__(self, name: str = "fake-model", dimension: int = MODEL_WIDTH):
        super().__init__(name, dimension)
        self.batches = 0

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        import os
        import signal

        self.batches += 1
        if self.batches == 2 and os.environ.get("FAQBOT_TEST_STOP"):
            os.kill(os.getpid(), signal.SIGTERM)
        return super().encode(texts, progress=progress)


class ModelWidthEmbedder(HashingEmbedder):
    """HashingEmbedder as wide as the default model: what FAQBOT_EMBEDDER may inject, its documents
    compared with the model's questions (the build checks the two widths agree)."""

    def __init__(self, name: str = "fake-model", dimension: int = MODEL_WIDTH):
        super().__init__(name, dimension)


class NanEmbedder(ModelWidthEmbedder):
    """An injected embedder whose every vector is NaN: what a broken one may return."""

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return np.full((len(texts), self.dimension), np.nan, dtype=np.float32)


class NanTokensEmbedder(ModelWidthEmbedder):
    """An injected embedder whose token embeddings are NaN (its vectors are fine)."""

    def encode_with_tokens(self, texts: Sequence[str], *, progress: bool = False) -> list[Encoded]:
        return [Encoded(e.vector, np.full_like(e.tokens, np.nan)) for e in super().encode_with_tokens(texts)]
