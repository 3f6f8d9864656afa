"""Lexical retrieval: BM25 (the bm25s library) over stemmed words without stop words.

The index is built a chunk of documents at a time (faqbot.index.bm25_build) into bm25s's own
format, the one bm25s's `index` would have made; bm25s loads it.

`relevance` puts a document's BM25 score on a scale that means the same for every question: the
share of the question's word evidence the document carries. Its denominator is what the question
could score at best, each word counted at the best score it gets in any document, and a word no
document contains counted at a typical word's best (it is evidence that nothing here matches).
Dividing by the top document's score instead gives the top document 1 however weak its match
is: on StackFAQ, where many entries share a product name, that promoted wrong entries (README,
Answer quality).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from faqbot.index.bm25_build import BM25Builder
from faqbot.scratch import scratch

_WORD = re.compile(r"\w+")
# bm25s's English list is short; question words carry no topic and would make every FAQ question match.
STOP_WORDS = frozenset(STOPWORDS_EN) | {
    "what",
    "which",
    "who",
    "whom",
    "whose",
    "why",
    "how",
    "when",
    "where",
    "do",
    "does",
    "did",
    "can",
    "could",
    "would",
    "should",
    "will",
    "shall",
    "may",
    "might",
    "i",
    "me",
    "my",
    "we",
    "our",
    "you",
    "your",
    "about",
    "tell",
    "explain",
    "know",
    "some",
    "any",
    "was",
    "were",
    "been",
    "has",
    "have",
    "had",
    "its",
    "from",
    "so",
}


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    words = [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS and len(w) > 1]
    return list(_stemmer().stemWords(words))


TOKEN_BEST = "token_best.npy"
NO_WORD = "\x00"  # the one token of a document with no indexable word: it still needs its slot


class LexicalIndex:
    """BM25 scores of a query against every document.

    The index is bm25s's (a word-major sparse matrix of per-document scores, built by BM25Builder,
    stored and loaded by bm25s); scoring reads that matrix here, as plain arrays: a question's few
    words each add their row. bm25s's own path (memory-mapped array views, `np.add.at`) costs two
    to three times as much, on the hot path of every answer.
    """

    def __init__(self, retriever: bm25s.BM25, size: int, token_best: np.ndarray):
        self._retriever = retriever
        self.size = size
        self._vocabulary: dict[str, int] = retriever.vocab_dict
        # np.asarray drops the memmap subclass (whose every slice costs Python calls), not the mapping.
        self._data = np.asarray(retriever.scores["data"])
        self._rows = np.asarray(retriever.scores["indices"])
        self._starts = np.asarray(retriever.scores["indptr"])
        self._token_best = token_best  # per vocabulary id, its best score in any document
        self._unknown_word = float(np.median(token_best)) if token_best.size else 0.0

    @classmethod
    def build(cls, texts: Iterable[str]) -> LexicalIndex:
        """The index of the texts, read once (a generator will do), a chunk of them tokenized at a time."""
        builder = BM25Builder()
        builder.add(tokenize(text) or [NO_WORD] for text in texts)
        retriever = builder.finish()
        return cls(retriever, builder.documents, _token_best(retriever))

    def save(self, directory: Path) -> None:
        self._retriever.save(str(directory), show_progress=False)
        np.save(directory / TOKEN_BEST, self._token_best)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        retriever = bm25s.BM25.load(str(directory), mmap=True, show_progress=False)
        return cls(retriever, size, np.load(directory / TOKEN_BEST))

    def knows(self, word: str) -> bool:
        """Whether some document has `word` in any form (by its stem)."""
        stems = tokenize(word)
        return bool(stems) and all(stem in self._vocabulary for stem in stems)

    def scores(self, query: str) -> np.ndarray:
        """Raw BM25 of every document (a reference: answering uses `sparse_relevance`)."""
        docs, raw = self._sparse(self._ids(tokenize(query)))
        return self._spread_out(docs, raw)

    def relevance(self, query: str) -> np.ndarray:
        """BM25 of every document as a share of the best the query could score, in [0, 1]."""
        return self._spread_out(*self.sparse_relevance(query))

    def sparse_relevance(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """`relevance` of the documents that share a word with the query (int64 positions, each once,
        in no particular order; and their float32 relevance, > 0): the others' is 0."""
        ids = self._ids(tokenize(query))
        docs, raw = self._sparse(ids)
        bound = sum(self._unknown_word if i is None else float(self._token_best[i]) for i in ids)
        return docs, (np.minimum(raw / bound, 1.0) if bound > 0 else raw)

    def _ids(self, tokens: list[str]) -> list[int | None]:
        """Each query word's row in the score matrix, None for a word no document contains."""
        rows = len(self._starts) - 1  # bm25s gives '' an id past the matrix: it scores nothing
        ids = (self._vocabulary.get(token) for token in tokens)
        return [i if i is not None and i < rows else None for i in ids]

    def _sparse(self, ids: list[int | None]) -> tuple[np.ndarray, np.ndarray]:
        """The documents with any of the words and their raw BM25: each word's row of the score matrix
        (its posting list) added up, so the cost is the rows' length, not the corpus's size.

        Scores are added in float32 in the query's word order, a repeated word each time (as bm25s
        does). A scratch array over the documents, kept per thread and zero between uses, adds them.
        BM25 scores are positive, so a zero in it means "not seen yet".
        """
        words = [i for i in ids if i is not None]
        if len(words) == 1:
            start, end = self._starts[words[0]], self._starts[words[0] + 1]
            return self._rows[start:end].astype(np.int64), np.array(self._data[start:end], dtype=np.float32)
        sums = scratch("bm25_sums", self.size, np.float32)
        seen: list[np.ndarray] = []
        try:
            for n, i in enumerate(words):
                start, end = self._starts[i], self._starts[i + 1]
                rows = self._rows[start:end]  # a row names each document once
                if n == 0:  # into zeros: every document is new, and 0 + score is the score
                    seen.append(rows)
                    sums[rows] = self._data[start:end]
                else:
                    seen.append(rows[sums[rows] == 0])
                    sums[rows] += self._data[start:end]
            docs = np.concatenate(seen) if seen else np.zeros(0, dtype=np.int64)
            raw = sums[docs]
        finally:
            for rows in seen:
                sums[rows] = 0.0
        return docs.astype(np.int64), raw

    def _spread_out(self, docs: np.ndarray, values: np.ndarray) -> np.ndarray:
        full = np.zeros(self.size, dtype=np.float32)
        full[docs] = values
        return full


def _token_best(retriever: bm25s.BM25) -> np.ndarray:
    """Each word's best score in any document, from the index's word-major score matrix."""
    data = np.asarray(retriever.scores["data"], dtype=np.float32)
    starts = np.asarray(retriever.scores["indptr"], dtype=np.int64)
    # bm25s gives '' a vocabulary id past the matrix's columns; it scores nothing.
    best = np.zeros(max(len(starts) - 1, len(retriever.vocab_dict)), dtype=np.float32)
    filled = np.flatnonzero(starts[1:] > starts[:-1])
    if filled.size:
        best[filled] = np.maximum.reduceat(data, starts[filled])
    return best
