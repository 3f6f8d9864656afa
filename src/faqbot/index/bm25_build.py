"""A bm25s index built from a stream of documents, a chunk at a time.

`bm25s.BM25().index` takes every document's tokens at once, as Python lists of Python strings:
at a million passages of ~60 words, tens of millions of str objects, gigabytes. `BM25Builder`
keeps instead one dict from word to id and, per chunk of CHUNK documents, numpy arrays of the
chunk's (word id, term frequency) pairs; `finish` computes the score matrix from them with numpy
and hands back a `bm25s.BM25` holding it, which saves in bm25s's own format (bm25s.BM25.save) and
loads with bm25s.BM25.load as before.

The result is the one bm25s's `index` gives for its default settings (method "lucene", k1=1.5,
b=0.75, float32 scores, int32 indices; bm25s 0.3.16, bm25s/__init__.py build_index_from_ids and
bm25s/scoring.py): the same vocabulary with the same ids, the same arrays, score for score.
tests/index/test_bm25_build.py builds both ways and compares them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import bm25s
import numpy as np

CHUNK = 10_000  # documents whose words are turned into arrays at a time
K1, B = 1.5, 0.75  # bm25s.BM25's defaults


class BM25Builder:
    """Documents (each a sequence of tokens) in, a bm25s.BM25 out: `add` as often as needed, then `finish`."""

    def __init__(self, chunk: int | None = None):
        self._chunk = chunk or CHUNK
        self._ids: dict[str, int] = {}  # each word's provisional id, in order of first occurrence
        # Per chunk: its documents' numbers of distinct words (int32), then each (document, word)
        # pair's word (int32, provisional id) and term frequency (float32), documents in order.
        self._chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._lengths: list[np.ndarray] = []  # per chunk, its documents' lengths in tokens (int64)
        self.documents = 0

    def add(self, documents: Iterable[Sequence[str]]) -> None:
        ids = self._ids
        words: list[int] = []
        lengths: list[int] = []
        for tokens in documents:
            words.extend([ids.setdefault(token, len(ids)) for token in tokens])
            lengths.append(len(tokens))
            if len(lengths) == self._chunk:
                self._add_chunk(words, lengths)
                words, lengths = [], []
        if lengths:
            self._add_chunk(words, lengths)

    def _add_chunk(self, words: list[int], lengths: list[int]) -> None:
        counts = np.array(lengths, dtype=np.int64)
        docs = np.repeat(np.arange(len(lengths), dtype=np.int64), counts)
        pairs, tf = np.unique((docs << 32) | np.array(words, dtype=np.int64), return_counts=True)
        distinct = np.bincount(pairs >> 32, minlength=len(lengths)).astype(np.int32)
        self._chunks.append((distinct, (pairs & 0xFFFFFFFF).astype(np.int32), tf.astype(np.float32)))
        self._lengths.append(counts)
        self.documents += len(lengths)

    def finish(self) -> bm25s.BM25:
        """The index of every document added, as a bm25s.BM25 ready to save. The builder is used up."""
        vocabulary = _bm25s_vocabulary(self._ids)
        final = np.fromiter((vocabulary[word] for word in self._ids), dtype=np.int32, count=len(self._ids))
        self._ids = {}
        words = len(final)
        df = np.zeros(words, dtype=np.int64)  # documents that have each word
        for _, provisional, _ in self._chunks:
            df[final] += np.bincount(provisional, minlength=words)
        idf = _idf(df, self.documents)
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, dtype=np.int64)
        self._lengths = []
        # bm25s: avg_doc_len = np.array([len(doc_ids) for doc_ids in corpus_token_ids]).mean()
        average = lengths.mean() if lengths.size else 0.0
        # bm25s/scoring.py _score_tfc_robertson (lucene's): tf / (k1 * ((1 - b) + b * l_d / l_avg) + tf),
        # the part in k1 computed per document in float64 (a Python float over a numpy float64).
        norm = K1 * ((1 - B) + B * lengths / average) if lengths.size else np.zeros(0)
        indptr = np.zeros(words + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        data, indices = self._score_matrix(final, idf, norm, indptr)
        retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
        retriever.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": self.documents}
        retriever.vocab_dict = vocabulary
        retriever.nonoccurrence_array = None  # lucene has none (bm25s sets it in build_index_from_ids)
        retriever.unique_token_ids_set = set(vocabulary.values())
        return retriever

    def _score_matrix(
        self, final: np.ndarray, idf: np.ndarray, norm: np.ndarray, indptr: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The matrix's scores and documents, word-major (CSC, as bm25s's _np_csc_python sorts by
        (word, document)); the chunks are dropped as they are placed.

        Chunks come in document order and a chunk's pairs are in document order, so a stable sort of
        each chunk by word, into each word's next free places, keeps every word's documents ascending.
        """
        data = np.empty(int(indptr[-1]), dtype=np.float32)
        indices = np.empty(int(indptr[-1]), dtype=np.int32)
        heads = indptr[:-1].copy()  # where each word's next document goes
        first = 0
        chunks, self._chunks = self._chunks[::-1], []
        while chunks:
            distinct, provisional, tf = chunks.pop()
            docs = np.repeat(np.arange(first, first + len(distinct), dtype=np.int32), distinct)
            first += len(distinct)
            word = final[provisional]
            scores = _scores(idf[word], tf, norm[docs])
            order = np.argsort(word, kind="stable")
            word, docs, scores = word[order], docs[order], scores[order]
            starts = np.flatnonzero(np.r_[True, word[1:] != word[:-1]]) if word.size else np.zeros(0, np.int64)
            sizes = np.diff(np.r_[starts, word.size])
            places = heads[word] + np.arange(word.size) - np.repeat(starts, sizes)
            data[places] = scores
            indices[places] = docs
            heads[word[starts]] += sizes
        return data, indices


def _bm25s_vocabulary(first_seen: dict[str, int]) -> dict[str, int]:
    """The word ids bm25s gives: `get_unique_tokens` puts every token into a set, document by document
    (set.update with each document's list), and `build_index_from_tokens` numbers the set in its
    iteration order; `index` then adds '' after the last id, unless a document has it.

    A set's order depends only on the order in which new members arrived (a repeat changes nothing),
    so adding the words one by one in order of first occurrence gives bm25s's set, and its order, in
    this process: like bm25s's, it changes with the process's string hashing (PYTHONHASHSEED).
    `set(iter(...))`: from a dict itself, set() would size its table at once and could order differently.
    """
    vocabulary = {word: n for n, word in enumerate(set(iter(first_seen)))}
    if "" not in vocabulary:
        vocabulary[""] = len(vocabulary)  # bm25s: max(vocab_dict.values()) + 1
    return vocabulary


def _idf(df: np.ndarray, documents: int) -> np.ndarray:
    """bm25s/scoring.py _score_idf_lucene, math.log(1 + (N - df + 0.5) / (df + 0.5)) in Python floats,
    stored as float32 (_build_idf_array): once per distinct document frequency."""
    values, where = np.unique(df, return_inverse=True)
    idf = [math.log(1 + (documents - n + 0.5) / (n + 0.5)) for n in values.tolist()]
    return np.array(idf, dtype=np.float32)[where] if idf else np.zeros(0, dtype=np.float32)


def _scores(idf: np.ndarray, tf: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """bm25s/scoring.py _build_scores_and_indices_for_matrix: idf * tf / (norm + tf) per pair, as float32.

    bm25s adds a numpy float64 scalar (the document's norm) to the float32 term frequencies: NumPy 2
    computes that in float64, NumPy 1 (value-based casting) in float32. The same promotion here.
    """
    working = np.result_type(np.float64(1.0), np.zeros(1, dtype=np.float32))
    tf = tf.astype(working)
    scores: np.ndarray = idf * (tf / (norm.astype(working) + tf))
    return scores.astype(np.float32)
