"""The build's embedding: what the cache lacks is embedded in batches streamed to disk, and the
vectors the index needs are read back from the cache a chunk at a time.

So a build's memory stays flat in the corpus's size: a batch of texts and its vectors, one
segment being written (faqbot.embedding.cache), one chunk of key vectors on their way into FAISS.
Texts are known by their hashes (faqbot.index.plan); the words of those the cache lacks are made
again from the documents on disk, read through in index order (for vectors twice: the keys, then
the sentences).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from faqbot.content.documents import Doc
from faqbot.embedding.cache import ArrayCache, EmbeddingCache, TokenCache, digests
from faqbot.embedding.embedder import Embedder, TokenEncoder
from faqbot.index.plan import Plan
from faqbot.index.progress import Progress
from faqbot.index.tokens import TokenStore, match_text, open_npy

VECTOR_BATCH = 256  # texts per call to the model: enough to sort by length and batch well, a line every few s
TOKEN_BATCH = 128  # their token embeddings are 50-250 vectors each
READ_ROWS = 65_536  # vectors read back at a time
RELEASE_ROWS = 4_096  # keys read before the cache's pages are let go (ArrayCache.release)


def vector_texts(docs: Iterable[Doc], smalltalk: Sequence[str]) -> Iterator[str]:
    """Every text the build needs a vector of, in the order of `all_hashes`: each key's texts, key
    after key; each passage sentence; the small-talk examples. Two reads of `docs`."""
    for doc in docs:
        for key in doc.keys():
            yield from key.texts
    for doc in docs:
        yield from doc.sentences
    yield from smalltalk


def all_hashes(plan: Plan, smalltalk: Sequence[str]) -> np.ndarray:
    """The hashes of `vector_texts`, in its order (S16): what the build's cache must keep."""
    return np.concatenate([plan.key_text_hashes, plan.sentences, digests(smalltalk)])


def _todo(cache: ArrayCache, hashes: np.ndarray) -> np.ndarray:
    """Which of the texts (by hash, in order) to embed: the first of each the cache lacks (bool)."""
    distinct, first = np.unique(hashes, return_index=True)
    wanted = np.zeros(len(hashes), dtype=bool)
    wanted[first[~cache.cached(distinct)]] = True
    return wanted


def _batches(texts: Iterable[str], wanted: np.ndarray, size: int) -> Iterator[list[str]]:
    """The texts marked in `wanted` (one flag a text, in order), `size` at a time."""
    batch: list[str] = []
    for text, take in zip(texts, wanted.tolist(), strict=True):
        if take:
            batch.append(text)
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def embed_vectors(
    cache: EmbeddingCache,
    plan: Plan,
    docs: Iterable[Doc],
    smalltalk: Sequence[str],
    embedder: Callable[[], Embedder],
    progress: Progress,
) -> int:
    """Embed the texts the cache lacks into it; how many there were."""
    wanted = _todo(cache, all_hashes(plan, smalltalk))
    todo = int(wanted.sum())
    if not todo:
        return 0
    with cache.writer() as writer, progress.counter("embedding texts", todo, "texts") as update:
        for batch in _batches(vector_texts(docs, smalltalk), wanted, VECTOR_BATCH):
            writer.add(batch, embedder().encode(batch))
            update(len(batch))
    return todo


def embed_tokens(
    cache: TokenCache, plan: Plan, docs: Iterable[Doc], embedder: Callable[[], Embedder], progress: Progress
) -> bool:
    """Embed the token vectors of the documents' texts the cache lacks into it; False if the embedder
    gives none."""
    wanted = _todo(cache, plan.token_texts)
    todo = int(wanted.sum())
    if not todo:
        return True
    encoder = embedder()
    if not isinstance(encoder, TokenEncoder):
        return False
    texts = (match_text(doc) for doc in docs)
    with cache.writer() as writer, progress.counter("embedding documents' tokens", todo, "texts") as update:
        for batch in _batches(texts, wanted, TOKEN_BATCH):
            tokens = [e.tokens for e in encoder.encode_with_tokens(batch)]
            if len(tokens) != len(batch) or any(t is None for t in tokens):
                return False
            writer.add(batch, [t for t in tokens if t is not None])
            update(len(batch))
    return True


class KeyVectors:
    """The index's vectors, one per key: the weighted mean of its texts' vectors (not renormalised, see
    Doc.keys), computed from the cache for the rows asked for."""

    def __init__(self, cache: EmbeddingCache, plan: Plan, dimension: int):
        self.cache = cache
        self.dimension = dimension
        present = plan.key_weights != 0
        distinct, inverse = np.unique(plan.key_texts[present], return_inverse=True)
        self.texts: np.ndarray = np.full(plan.key_texts.shape, -1, dtype=np.int64)  # each key's texts, -1 past its last
        self.texts[present] = inverse.reshape(-1)
        self.weights = plan.key_weights
        self.segment, self.start, _ = cache.locate_digests(distinct)

    def __len__(self) -> int:
        return len(self.texts)

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        """The vectors of keys `rows` (float32, in that order), read RELEASE_ROWS keys at a time: rows
        asked for at random (the vector index's training sample) touch a page of the cache each, and
        the kernel maps its neighbours with it."""
        out = np.zeros((len(rows), self.dimension), dtype=np.float32)
        for start in range(0, len(rows), RELEASE_ROWS):
            some = rows[start : start + RELEASE_ROWS]
            for column in range(self.texts.shape[1]):
                texts = self.texts[some, column]
                present = np.flatnonzero(texts >= 0)
                weighted = self.weights[some[present], column, None] * self._vectors(texts[present])
                if column == 0:
                    out[start + present] = weighted
                else:
                    out[start + present] += weighted
            self.cache.release()
        return out

    def _vectors(self, texts: np.ndarray) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        segments = self.segment[texts]
        for n in np.unique(segments).tolist():
            mine = np.flatnonzero(segments == n)
            out[mine] = self.cache.rows(n)[self.start[texts[mine]]]
        return out


def write_vectors(path: Path, cache: EmbeddingCache, hashes: np.ndarray, dimension: int) -> None:
    """The vectors of the texts with these hashes as one .npy file, in order, written READ_ROWS at a
    time (written, not mapped: the file's pages never count as the build's memory)."""
    with open_npy(path, np.float32, (len(hashes), dimension)) as out:
        for start in range(0, len(hashes), READ_ROWS):
            out.write(cache.get_digests(hashes[start : start + READ_ROWS], dimension).tobytes())
            cache.release()


def write_token_store(
    rerank: dict[str, Any],
    directory: Path,
    cache: TokenCache,
    plan: Plan,
    docs: Iterable[Doc],
    dimension: int,
    embedder: Callable[[], Embedder],
    say: Progress,
) -> dict[str, Any]:
    """Write the documents' token embeddings into `directory` (cached by text like the vectors); the
    manifest's `rerank` entry."""
    if not rerank["on"]:
        return rerank
    if not embed_tokens(cache, plan, docs, embedder, say):
        return {"on": False, "reason": "the embedder gives no token embeddings"}
    segment, starts, ends = cache.locate_digests(plan.token_texts)

    def rows(first: int, stop: int) -> list[np.ndarray]:
        cache.release()  # the chunk before's rows: quantized and written by now
        chunk = zip(segment[first:stop].tolist(), starts[first:stop].tolist(), ends[first:stop].tolist(), strict=True)
        return [cache.rows(s)[a:b] for s, a, b in chunk]

    say.step("writing the token store")
    tokens = TokenStore.write(directory, ends - starts, dimension, rows)
    cache.save(keep=plan.token_texts)
    return {"on": True, "tokens": tokens}
