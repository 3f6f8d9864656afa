"""The documents' token embeddings, stored for token re-ranking (faqbot.search.rerank).

They are computed at build time and stored as int8 (`tokens.npy`, one row per token,
memory-mapped so only the candidates' rows are read, with `token_scales.npy` and
`token_offsets.npy`). Each token costs ~0.4 KB in the index and ~0.8 KB in the build cache
(float16), and its document's second pass through the model at build time; serving reads only
the three candidates' rows, so the store costs disk and build time, not memory. `auto` stores them
only up to MAX_STORE_TOKENS tokens (counted before embedding as words and punctuation marks,
which the model's WordPiece splits into a few more): ~45,000 three-sentence passages, fewer
documents when they are long FAQ answers, which is why the cap counts tokens, not documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from faqbot.content.documents import Doc

MAX_STORE_TOKENS = 3_000_000  # ~1.2 GB of int8 in the index, ~2.3 GB of float16 in the cache
_TOKEN = re.compile(r"\w+|[^\w\s]")
TOKENS_FILE = "tokens.npy"
SCALES_FILE = "token_scales.npy"
OFFSETS_FILE = "token_offsets.npy"


@contextmanager
def open_npy(path: Path, dtype: type[np.generic], shape: tuple[int, ...]) -> Iterator[BinaryIO]:
    """A .npy file of `shape` to write the array's bytes into, in order (C order): written through the
    file, not mapped, so a large array on its way to disk never counts as the writer's memory."""
    with open(path, "wb") as out:
        header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_1_0(out, header)
        start = out.tell()
        yield out
        written = out.tell() - start
    expected = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if written != expected:
        raise ValueError(f"{path.name}: {written} bytes written for an array of {expected}")


def describe_rerank(entry: dict[str, object]) -> str:
    """The manifest's `rerank` entry in words."""
    if entry.get("on"):
        return f"on ({entry.get('tokens', 0)} document tokens stored)"
    return f"off ({entry.get('reason', 'not recorded')})"


def count_tokens(text: str) -> int:
    """A document's tokens as `auto` counts them before embedding: its words and punctuation marks."""
    return len(_TOKEN.findall(text))


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
        codes, scales = _quantize(vectors)
        return cls(codes, scales, offsets)

    @staticmethod
    def write(
        directory: Path, lengths: np.ndarray, dimension: int, rows: Callable[[int, int], list[np.ndarray]]
    ) -> int:
        """Write the store of documents with `lengths` tokens each straight to disk, a chunk of documents
        at a time (`rows(first, stop)` gives their token vectors), as `from_tokens(...).save` would.
        Returns the number of tokens."""
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum(lengths)
        total = int(offsets[-1])
        scales = np.zeros(total, dtype=np.float32)
        with open_npy(directory / TOKENS_FILE, np.int8, (total, dimension)) as codes:
            for first in range(0, len(lengths), WRITE_DOCS):
                stop = min(len(lengths), first + WRITE_DOCS)
                chunk = rows(first, stop)
                if chunk:
                    start, end = offsets[first], offsets[stop]
                    quantized, scales[start:end] = _quantize(np.concatenate(chunk).astype(np.float32))
                    codes.write(quantized.tobytes())
        np.save(directory / SCALES_FILE, scales)
        np.save(directory / OFFSETS_FILE, offsets)
        return total

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


def rerank_decision(setting: str, documents: int, tokens: int) -> dict[str, Any]:
    """Whether this build stores token embeddings for re-ranking (faqbot.search.rerank), and why, for
    `documents` of `tokens` tokens in all (count_tokens of their match_text)."""
    if setting == "off":
        return {"on": False, "reason": "FAQBOT_RERANK=off"}
    if setting == "auto":
        if tokens > MAX_STORE_TOKENS:
            return {
                "on": False,
                "reason": f"{documents} documents of about {tokens:,} tokens, "
                f"more than auto stores ({MAX_STORE_TOKENS:,})",
            }
    return {"on": True}


WRITE_DOCS = 2048  # documents' tokens quantized at a time by TokenStore.write


def _quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 codes and a float32 scale per row (its largest magnitude / 127)."""
    scales = np.clip(np.abs(vectors).max(axis=1, initial=0.0), 1e-12, None) / 127.0
    codes = np.rint(vectors / scales[:, None]).astype(np.int8)
    return codes, scales.astype(np.float32)
