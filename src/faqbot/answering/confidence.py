"""How sure the bot is of its best match, in [0, 1]: what the decline threshold is compared with.

Confidence is the best document's dense similarity, raised a little when the question's words
also match it (lexical relevance), and raised by its lead over the best document that would give
a different answer (one at another URL: two windows of the same section are one answer). The lead
is what lets a bare keyword that matches one document far better than any other ("MXNet?") be
answered though its cosine is low, and what keeps two different documents nearly tied from being
answered as if the first were sure. Weights chosen on the whole quality suite (`faqbot eval
--suite`): a lead weighted 0.7 up to 0.5 answered as many or more on every set than the lead
capped at 0.1 it replaced.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from faqbot.content.documents import Doc
from faqbot.search.retrieval import Hit

LEXICAL_WEIGHT = 0.1
LEAD_WEIGHT = 0.7
LEAD_CAP = 0.5  # a lead past this says nothing more
OFFSET = -0.02
# A runner-up this close is a near-tie: the answer names it as the other possible match.
NEAR_TIE = 0.05
LOOKAHEAD = 10  # hits searched for the runner-up at another URL


def runner_up(hits: Sequence[Hit], docs: Sequence[Doc]) -> Hit | None:
    """The best hit after the first whose document is at another URL (a different answer)."""
    if not hits:
        return None
    first = docs[hits[0].doc].url
    return next((h for h in hits[1:] if docs[h.doc].url != first), None)


def confidence_of(hits: Sequence[Hit], docs: Sequence[Doc]) -> float:
    """How sure the bot is of `hits[0]` (hits best first, at least LOOKAHEAD of them when there are)."""
    if not hits:
        return 0.0
    top, second = hits[0], runner_up(hits, docs)
    lead = top.score - second.score if second is not None else top.score
    value = top.dense + LEXICAL_WEIGHT * top.lexical + LEAD_WEIGHT * min(lead, LEAD_CAP) + OFFSET
    return float(np.clip(value, 0.0, 1.0))
