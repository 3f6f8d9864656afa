"""Token re-ranking (late interaction): the best few fused matches re-scored token by token.

A document's key is one vector, the mean of its tokens' embeddings, and a mean blurs which words
met which. For the few best documents the fused score found, each token of the question is matched
to the most similar token of the document (the model's own contextual token embeddings; MaxSim,
as in ColBERT, Khattab & Zaharia 2020, and BERTScore's recall), and the mean of those similarities
is added to the fused score. The question's token embeddings come free with its encode; the
documents' are stored at build time (faqbot.index.tokens).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from faqbot.index.tokens import TokenStore
from faqbot.search.retrieval import Hit

CANDIDATES = 3  # how many of the best fused matches are re-ranked: more costs time and, measured, gains nothing
WEIGHT = 1.0  # of the mean token similarity, added to the fused score


def rerank(hits: list[Hit], store: TokenStore | None, question: np.ndarray | None) -> list[Hit]:
    """The first CANDIDATES hits re-ordered by fused score + WEIGHT x token similarity, then the rest.

    Without a store or the question's tokens (an encoder that gives none), the hits as they were.
    """
    if store is None or question is None or len(hits) < 2:
        return hits
    head = hits[:CANDIDATES]
    similarities = store.similarities(question, [h.doc for h in head])
    head = [replace(h, score=h.score + WEIGHT * float(s)) for h, s in zip(head, similarities, strict=True)]
    head.sort(key=lambda h: (-h.score, h.doc))
    return head + hits[CANDIDATES:]
