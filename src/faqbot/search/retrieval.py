"""Finding the documents closest to a question: dense (FAISS), lexical (BM25), and fused.

Dense scores are cosine similarities (for an FAQ key, the mean of two: see Doc.keys), taken per
document as the best of its keys. Lexical scores are BM25 as a share of the best the question
could score, in [0, 1] (see faqbot.index.lexical). The fused score adds a share of the lexical score
to the dense one: dense similarity ranks paraphrases well, and the lexical part rescues rare
exact words (names, typo-free keywords) that a small embedding model blurs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from faqbot.index.store import LoadedIndex
from faqbot.index.vectors import search

Strategy = Literal["dense", "bm25", "hybrid"]

# The lexical share of the fused score for a question whose best lexical match stands out fully.
LEXICAL_WEIGHT = 0.3
SPREAD_RANK = 10  # the lexical match the best one is compared with
# Dense candidates per question, enough for any key of the top documents to be seen.
DENSE_CANDIDATES = 256


@dataclass(frozen=True)
class Hit:
    doc: int  # position in LoadedIndex.docs
    score: float  # the score the ranking used
    dense: float
    lexical: float


def dense_scores(index: LoadedIndex, query_vector: np.ndarray) -> np.ndarray:
    """Per document, the best cosine of any of its keys; -1 for documents outside the candidates."""
    scores = np.full(len(index.docs), -1.0, dtype=np.float32)
    if index.vectors.ntotal == 0:
        return scores
    k = min(index.vectors.ntotal, DENSE_CANDIDATES)
    similarities, rows = search(index.vectors, query_vector.reshape(1, -1), k)
    valid = rows[0] >= 0
    np.maximum.at(scores, index.key_docs[rows[0][valid]], similarities[0][valid])
    return scores


def lexical_scores(index: LoadedIndex, question: str) -> np.ndarray:
    """BM25 per document as a share of what the question could score at best (see faqbot.index.lexical)."""
    return index.lexical.relevance(question)


@dataclass(frozen=True)
class Scores:
    """Every document's scores for one question; `top` turns the best of them into hits."""

    dense: np.ndarray
    lexical: np.ndarray
    fused: np.ndarray  # what the ranking uses

    def top(self, limit: int | None = None, *, among: np.ndarray | None = None) -> list[Hit]:
        """The `limit` best documents (all when None), best first, optionally only those `among`.

        Equal scores come out in document order, so a ranking never depends on the sort. Only the
        best few are sorted and made into hits: a large corpus has a million documents, an answer
        needs three.
        """
        keys = -(self.fused if among is None else self.fused[among])
        if limit is not None and limit < len(keys):
            cut = np.partition(keys, limit - 1)[limit - 1]
            better = np.flatnonzero(keys < cut)
            tied = np.flatnonzero(keys == cut)[: limit - len(better)]
            chosen = np.concatenate([better, tied])
        else:
            chosen = np.arange(len(keys))
        docs = chosen if among is None else among[chosen]
        order = docs[np.lexsort((docs, keys[chosen]))]
        return [Hit(int(i), float(self.fused[i]), float(self.dense[i]), float(self.lexical[i])) for i in order]


def score(
    index: LoadedIndex,
    question: str,
    query_vector: np.ndarray,
    *,
    strategy: Strategy = "hybrid",
    lexical_weight: float = LEXICAL_WEIGHT,
) -> Scores:
    """Every document's dense, lexical and fused score under the given strategy."""
    dense = dense_scores(index, query_vector)
    lexical = lexical_scores(index, question)
    if strategy == "dense":
        fused = dense
    elif strategy == "bm25":
        fused = lexical
    else:
        fused = dense + lexical_weight * lexical_spread(lexical) * lexical
    return Scores(dense, lexical, fused)


def lexical_spread(lexical: np.ndarray) -> float:
    """How far the best lexical score stands above the SPREAD_RANK-th, as a share of the best, in [0, 1]."""
    if len(lexical) <= SPREAD_RANK:
        return 1.0
    best = float(lexical.max())
    if best <= 0.0:
        return 0.0
    kth = float(-np.partition(-lexical, SPREAD_RANK)[SPREAD_RANK])
    return (best - kth) / best
