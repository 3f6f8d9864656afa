"""Finding the documents closest to a question: dense (FAISS), lexical (BM25), and fused.

Dense scores are cosine similarities (for an FAQ key, the mean of two: see Doc.keys), taken per
document as the best of its keys. Lexical scores are BM25 as a share of the best the question
could score, in [0, 1] (see faqbot.index.lexical). The fused score adds a share of the lexical score
to the dense one: dense similarity ranks paraphrases well, and the lexical part rescues rare
exact words (names, typo-free keywords) that a small embedding model blurs.

Only the candidates are scored: the documents of the DENSE_CANDIDATES nearest keys and those
sharing a word with the question. Every other document has dense -1 and lexical 0, so one score
(`Scores.rest`) stands for all of them and they rank after the candidates (ties in document
order, as everywhere). An answer's cost grows with its candidates, not with the corpus: no array
as long as the corpus is made per question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from faqbot.index.store import LoadedIndex
from faqbot.index.vectors import search
from faqbot.scratch import scratch

Strategy = Literal["dense", "bm25", "hybrid"]

# The lexical share of the fused score for a question whose best lexical match stands out fully.
LEXICAL_WEIGHT = 0.3
SPREAD_RANK = 10  # the lexical match the best one is compared with
# Dense candidates per question, enough for any key of the top documents to be seen.
DENSE_CANDIDATES = 256
OUTSIDE_DENSE = -1.0  # the dense score of a document none of whose keys is a dense candidate
BOUND_MARGIN = 1e-4


@dataclass(frozen=True)
class Hit:
    doc: int  # position in LoadedIndex.docs
    score: float  # the score the ranking used
    dense: float
    lexical: float


def dense_candidates(index: LoadedIndex, query_vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The documents of the nearest keys (int64, ascending) and each one's best cosine among them."""
    if index.vectors.ntotal == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    k = min(index.vectors.ntotal, DENSE_CANDIDATES)
    similarities, rows = search(index.vectors, query_vector.reshape(1, -1), k)
    valid = rows[0] >= 0
    docs, where = np.unique(index.key_docs[rows[0][valid]].astype(np.int64), return_inverse=True)
    best = np.full(len(docs), OUTSIDE_DENSE, dtype=np.float32)
    np.maximum.at(best, where, similarities[0][valid])
    return docs, best


@dataclass(frozen=True)
class Scores:
    """One question's scores of its candidate documents; `top` turns the best of them into hits."""

    docs: np.ndarray  # int64 positions in LoadedIndex.docs, each once, in no particular order
    dense: np.ndarray  # float32, one per candidate
    lexical: np.ndarray
    fused: np.ndarray  # what the ranking uses
    size: int  # documents in the index
    rest: float  # the fused score of every document that is not a candidate (dense -1, lexical 0)
    near: np.ndarray | None = None  # which candidates are dense ones (positions in the arrays above)
    far_bound: float = np.inf  # no candidate outside `near` has a fused score above this

    @property
    def dense_max(self) -> float:
        """The best dense score of any document (-1 when none is a dense candidate)."""
        return float(self.dense.max(initial=OUTSIDE_DENSE))

    @property
    def lexical_max(self) -> float:
        """The best lexical score of any document (0 when none shares a word with the question)."""
        return float(self.lexical.max(initial=0.0))

    def top(self, limit: int | None = None, *, among: np.ndarray | None = None) -> list[Hit]:
        """The `limit` best documents (all when None), best first, optionally only those `among`
        (a boolean mask over the documents, or their positions in ascending order).

        Equal scores come out in document order, so a ranking never depends on the sort. Only the
        best few candidates are sorted and made into hits; the others join only when the
        candidates cannot fill `limit` with better scores.
        """
        if limit == 0:
            return []
        if among is not None:
            inside = np.flatnonzero(_members(self.docs, among))
        elif limit is not None and self.near is not None and len(self.near) >= limit and self._near_win(limit):
            inside = self.near  # the usual case: only the dense candidates are sorted (256, not every match)
        else:
            inside = np.arange(len(self.docs))
        keys = -self.fused[inside]
        if limit is not None and limit < len(keys):
            cut = np.partition(keys, limit - 1)[limit - 1]
            better = np.flatnonzero(keys < cut)
            tied = np.flatnonzero(keys == cut)
            tied = tied[np.argsort(self.docs[inside[tied]], kind="stable")][: limit - len(better)]
            inside = inside[np.concatenate([better, tied])]
        beaten = limit is not None and np.count_nonzero(self.fused[inside] > self.rest) >= limit
        others = np.zeros(0, dtype=np.int64) if beaten else self._others(limit, among)
        docs = np.concatenate([self.docs[inside], others])
        keys = np.concatenate([-self.fused[inside], np.full(len(others), -self.rest, dtype=self.fused.dtype)])
        order = np.lexsort((docs, keys))[:limit]
        hits = []
        for j in order.tolist():
            if j < len(inside):
                i = inside[j]
                hits.append(Hit(int(self.docs[i]), float(self.fused[i]), float(self.dense[i]), float(self.lexical[i])))
            else:
                hits.append(Hit(int(docs[j]), self.rest, OUTSIDE_DENSE, 0.0))
        return hits

    def _near_win(self, limit: int) -> bool:
        """Whether the dense candidates' `limit` best beat every other candidate (its bound)."""
        assert self.near is not None
        return bool(-np.partition(-self.fused[self.near], limit - 1)[limit - 1] > self.far_bound)

    def _others(self, limit: int | None, among: np.ndarray | None) -> np.ndarray:
        """The first `limit` documents (all when None) `among` that are not candidates, in document order."""
        candidates = np.sort(self.docs)
        domain = self.size if among is None else len(among)
        wanted = domain if limit is None else limit
        step = max(4096, wanted + len(candidates))  # a step holds at most len(candidates) candidates
        found: list[np.ndarray] = []
        for start in range(0, domain, step):
            if among is None:
                piece = np.arange(start, min(domain, start + step), dtype=np.int64)
            elif among.dtype == bool:
                piece = np.flatnonzero(among[start : start + step]) + start
            else:
                piece = among[start : start + step].astype(np.int64)
            found.append(piece[~_members(piece, candidates)])
            if sum(len(f) for f in found) >= wanted:
                break
        return np.concatenate(found)[:wanted] if found else np.zeros(0, dtype=np.int64)


def _members(docs: np.ndarray, among: np.ndarray) -> np.ndarray:
    """Which of `docs` are `among` (a boolean mask over all documents, or sorted positions)."""
    if among.dtype == bool:
        return np.asarray(among[docs], dtype=bool)
    if not len(among):
        return np.zeros(len(docs), dtype=bool)
    where = np.minimum(np.searchsorted(among, docs), len(among) - 1)
    return np.asarray(among[where] == docs, dtype=bool)


def score(
    index: LoadedIndex,
    question: str,
    query_vector: np.ndarray,
    *,
    strategy: Strategy = "hybrid",
    lexical_weight: float = LEXICAL_WEIGHT,
) -> Scores:
    """The candidates' dense, lexical and fused scores under the given strategy."""
    dense_docs, best = dense_candidates(index, query_vector)
    lexical_docs, relevance = index.lexical.sparse_relevance(question)
    # Where each dense candidate sits among the lexical ones (-1: it shares no word with the question).
    slots = scratch("candidate_slots", len(index.docs), np.int32)
    slots[lexical_docs] = np.arange(1, len(lexical_docs) + 1, dtype=np.int32)
    try:
        at = slots[dense_docs].astype(np.int64) - 1
    finally:
        slots[lexical_docs] = 0
    shared, alone = at >= 0, at < 0
    docs = np.concatenate([lexical_docs, dense_docs[alone]])
    dense = np.full(len(docs), OUTSIDE_DENSE, dtype=np.float32)
    dense[at[shared]] = best[shared]
    dense[len(lexical_docs) :] = best[alone]
    lexical = np.concatenate([relevance, np.zeros(int(alone.sum()), dtype=np.float32)])
    fused: np.ndarray
    best_lexical = float(relevance.max(initial=0.0))
    if strategy == "dense":
        fused, rest, far = dense, OUTSIDE_DENSE, OUTSIDE_DENSE
    elif strategy == "bm25":
        fused, rest, far = lexical, 0.0, best_lexical
    else:
        weight = lexical_weight * lexical_spread(lexical, len(index.docs))
        fused = dense + weight * lexical
        rest = float(np.float32(OUTSIDE_DENSE) + weight * np.float32(0.0))
        far = OUTSIDE_DENSE + weight * best_lexical  # a lexical-only candidate's best
    near = np.concatenate([at[shared], np.arange(len(lexical_docs), len(docs))])
    # A margin for float32's rounding of the fused scores: the bound only decides a shortcut.
    return Scores(docs, dense, lexical, fused, len(index.docs), rest, near, far + BOUND_MARGIN)


def lexical_spread(lexical: np.ndarray, documents: int) -> float:
    """How far the best lexical score stands above the SPREAD_RANK-th, as a share of the best, in [0, 1].

    `lexical` holds the candidates' scores; the other `documents` score 0. The SPREAD_RANK-th
    (counted from 0) is therefore 0 when fewer than SPREAD_RANK + 1 candidates score.
    """
    if documents <= SPREAD_RANK:
        return 1.0
    best = float(lexical.max(initial=0.0))
    if best <= 0.0:
        return 0.0
    kth = float(-np.partition(-lexical, SPREAD_RANK)[SPREAD_RANK]) if len(lexical) > SPREAD_RANK else 0.0
    return (best - kth) / best
