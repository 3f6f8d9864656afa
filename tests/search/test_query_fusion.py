"""A follow-up's two readings ranked together (faqbot.search.query_fusion)."""

import numpy as np
import pytest

from faqbot.search.query_fusion import combine
from faqbot.search.retrieval import Hit, Scores


def scores(fused: dict[int, float], rest: float = -1.0) -> Scores:
    docs = np.array(list(fused), dtype=np.int64)
    values = np.array(list(fused.values()), dtype=np.float32)
    return Scores(docs, values - 0.1, np.full(len(docs), 0.5, np.float32), values, size=10, rest=rest)


def test_the_document_both_readings_agree_on_wins_over_the_last_source() -> None:
    # In context, the last source (0) leads; alone, the question points at 1, which is second in context.
    in_context = scores({0: 1.5, 1: 1.4, 2: 1.0})
    alone = scores({1: 0.8, 3: 0.5, 0: 0.2})
    context_hits = [Hit(0, 1.5, 1.4, 0.5), Hit(1, 1.4, 1.3, 0.5)]  # the rankings as the answerer cut them
    alone_hits = [Hit(1, 0.8, 0.7, 0.5), Hit(3, 0.5, 0.4, 0.5)]
    combined = combine(context_hits, in_context, alone_hits, alone)
    assert [hit.doc for hit in combined] == [1, 0, 3]
    assert combined[0].score == pytest.approx((1.4 + 0.8) / 2)
    assert combined[1].score == pytest.approx((1.5 + 0.2) / 2)  # 0's score alone, from its Scores: exact
    assert combined[2].score == pytest.approx((-1.0 + 0.5) / 2)  # 3 is no candidate in context: the rest's score
    assert (combined[0].dense, combined[0].lexical) == (1.3, 0.5)  # how sure: the contextual reading's


def test_equal_means_come_out_in_document_order() -> None:
    same = scores({4: 1.0, 2: 1.0})
    combined = combine([Hit(4, 1.0, 0.9, 0.5)], same, [Hit(2, 1.0, 0.9, 0.5)], same)
    assert [hit.doc for hit in combined] == [2, 4]
