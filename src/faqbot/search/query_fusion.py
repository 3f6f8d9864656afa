"""Two readings of one question ranked together: a follow-up alone and in the conversation's context.

A follow-up that leans on the conversation ("and who gets the benefits?") is matched with the topic
of the last answer (faqbot.answering.conversation). Matched that way alone, the topic outweighs the
question's own words, and the answer is dragged back to the last source when the reader has moved
on to the next one. So each document is ranked by the mean of its two scores (CombSUM, Fox & Shaw
1994, "Combination of multiple searches"): its score for the question in context and for the
question alone, both on the same scale (the fused score, plus token re-ranking where it ran). The
best document is then the one both readings agree on. How sure the answer is stays the contextual
reading's (its dense and lexical match to the document, faqbot.answering.confidence): the
question alone means little without its topic.

Measured with `faqbot eval --dialogues` (follow-ups right, of 49 on the launch site and 126 on the
bikeshop site, ONNX encoder as served): the contextual reading alone 33 and 68; both together 34 and 77.
"""

from __future__ import annotations

import numpy as np

from faqbot.search.retrieval import Hit, Scores


def combine(in_context: list[Hit], context_scores: Scores, alone: list[Hit], alone_scores: Scores) -> list[Hit]:
    """The documents of both rankings (each best first, as the answerer ranks them: LOOKAHEAD long),
    best first by the mean of their two scores. A document one ranking left out gets its exact score
    in that reading (`Scores`), so the mean never guesses. Dense and lexical are the contextual
    reading's. Ties in document order."""
    first = {hit.doc: hit for hit in in_context}
    second = {hit.doc: hit for hit in alone}
    docs = list(dict.fromkeys([*first, *second]))
    missing_first = _exact(context_scores, [d for d in docs if d not in first])
    missing_second = _exact(alone_scores, [d for d in docs if d not in second])
    combined = []
    for doc in docs:
        a = first.get(doc) or missing_first[doc]
        b = second.get(doc) or missing_second[doc]
        combined.append(Hit(doc, (a.score + b.score) / 2, a.dense, a.lexical))
    combined.sort(key=lambda hit: (-hit.score, hit.doc))
    return combined


def _exact(scores: Scores, docs: list[int]) -> dict[int, Hit]:
    """These documents' hits in one reading, candidates or not (a few: a ranking's length)."""
    if not docs:
        return {}
    wanted = np.asarray(docs, dtype=np.int64)
    at = np.flatnonzero(np.isin(scores.docs, wanted))
    found = {
        int(scores.docs[i]): Hit(
            int(scores.docs[i]), float(scores.fused[i]), float(scores.dense[i]), float(scores.lexical[i])
        )
        for i in at
    }
    rest = Hit(-1, scores.rest, -1.0, 0.0)
    return {doc: found.get(doc) or Hit(doc, rest.score, rest.dense, rest.lexical) for doc in docs}
