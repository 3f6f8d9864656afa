"""The documents' token embeddings, stored for token re-ranking (faqbot.search.rerank).

They are computed at build time and stored as int8 (`tokens.npy`, one row per token,
memory-mapped so only the candidates' rows are read, with `token_scales.npy` and
`token_offsets.npy`). They cost ~0.4 KB per token, about 25 KB per passage, so `auto` stores them
only up to MAX_STORE_DOCS documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faqbot.content.documents import Doc

MAX_STORE_DOCS = 50_000  # ~1.3 GB of int8 tokens: past it, `auto` builds no token store
TOKENS_FILE = "tokens.npy"
SCALES_FILE = "token_scales.npy"
OFFSETS_FILE = "token_offsets.npy"


def describe_rerank(entry: dict[str, object]) -> str:
    """The manifest's `rerank` entry in words."""
    if entry.get("on"):
        return f"on ({entry.get('tokens', 0)} document tokens stored)"
    return f"off ({entry.get('reason', 'not recorded')})"


def match_text(doc: Doc) -> str:
    """The text a document's tokens are taken from: all of it (an FAQ answer in full, unlike its keys)."""
    return f"{doc.question} {doc.text}" if doc.kind == "faq" else f"{doc.section}. {doc.text}"


@dataclass(frozen=True)
class TokenStore:
    """Every document's token embeddings, document after document, as int8 codes with a scale each.

    int8 rather than float: a quarter of float32's disk, and numpy widens int8 faster than float16
    (a candidate's similarity changes by ~1e-4).
    """

    codes: np.ndarray  # int8 (tokens, dimension): a unit token vector / its scale, rounded
    scales: np.ndarray  # float32 (tokens,)
    offsets: np.ndarray  # int64 (documents + 1): document i's rows are offsets[i]:offsets[i + 1]

    @classmethod
    def from_tokens(cls, per_doc: Sequence[np.ndarray]) -> TokenStore:
        """From each document's unit token vectors."""
        offsets = np.zeros(len(per_doc) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(t) for t in per_doc])
        vectors = np.concatenate(per_doc).astype(np.float32) if per_doc else np.zeros((0, 0), dtype=np.float32)
        scales = np.clip(np.abs(vectors).max(axis=1, initial=0.0), 1e-12, None) / 127.0
        codes = np.rint(vectors / scales[:, None]).astype(np.int8)
        return cls(codes, scales.astype(np.float32), offsets)

    def similarities(self, question: np.ndarray, docs: Sequence[int]) -> np.ndarray:
        """For each of `docs`, the mean over the question's tokens of each one's best cosine to a
        token of the document (MaxSim), from one matrix product over all their tokens."""
        chosen = np.asarray(docs, dtype=np.int64)
        firsts = self.offsets[chosen]
        lengths = self.offsets[chosen + 1] - firsts
        result = np.zeros(len(chosen), dtype=np.float32)
        present = lengths > 0
        if not present.any() or len(question) == 0:
            return result
        firsts, lengths = firsts[present], lengths[present]
        segments = np.cumsum(lengths) - lengths  # where each document's rows start among `rows`
        rows = np.repeat(firsts - segments, lengths) + np.arange(int(lengths.sum()))
        cosines = (self.codes[rows].astype(np.float32) @ question.T) * self.scales[rows, None]
        result[present] = np.maximum.reduceat(cosines, segments, axis=0).mean(axis=1)
        return result

    def save(self, directory: Path) -> None:
        np.save(directory / TOKENS_FILE, self.codes)
        np.save(directory / SCALES_FILE, self.scales)
        np.save(directory / OFFSETS_FILE, self.offsets)

    @classmethod
    def load(cls, directory: Path, documents: int) -> TokenStore | None:
        """The build's store (its codes memory-mapped), or None when it has none."""
        if not (directory / TOKENS_FILE).exists():
            return None
        codes = np.load(directory / TOKENS_FILE, mmap_mode="r")
        store = cls(codes, np.load(directory / SCALES_FILE), np.load(directory / OFFSETS_FILE))
        if len(store.offsets) != documents + 1 or not store.offsets[-1] == len(codes) == len(store.scales):
            raise ValueError(f"{TOKENS_FILE} does not match the documents")
        return store
