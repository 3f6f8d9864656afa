"""Measuring answer quality on a labelled set: retrieval per strategy, answering and declining,
and the sweep that recommends a decline threshold.

Retrieval: hit@k, MRR@10 and nDCG@10 of the labelled source (one relevant label per question, so
the ideal DCG is 1), and span@1, whether the first result's text holds a gold span. Answering: a
question is answered when its confidence reaches the threshold; an in-scope one is answered right
when the answer's source is the labelled one (or, with no label, when the answer's text holds a
gold span). Strategies: `bm25`, `dense`, `hybrid` (faqbot.search.retrieval) and `answerer`, the
whole answer path as served (spelling, fusion, re-ranking, trimming).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from faqbot.answering.answerer import Answerer
from faqbot.content.documents import Doc
from faqbot.evaluation.questions import EvalQuestion, holds_span
from faqbot.search.retrieval import score

STRATEGIES = ("bm25", "dense", "hybrid", "answerer")
MIN_OUT_OF_SCOPE_DECLINED = 0.95
CUTOFF = 10


@dataclass
class QuestionResult:
    question: EvalQuestion
    ranked: dict[str, list[str]]  # strategy -> labels, best first, each once
    top_text: dict[str, str]  # strategy -> the text it answers with (its first document's; the answer's)
    confidence: float
    answered: bool
    answer_kind: str

    def right(self, strategy: str = "answerer") -> bool:
        """Whether `strategy`'s first result is right: the labelled source, else a text holding a span."""
        if self.question.expect is not None:
            return self.ranked[strategy][:1] == [self.question.expect]
        return holds_span(self.top_text[strategy], self.question.spans)


@dataclass
class Report:
    retrieval: dict[str, dict[str, float]]
    answering: dict[str, float]
    sweep: list[dict[str, float]]
    recommended_threshold: float | None
    threshold: float
    counts: dict[str, int]
    results: list[QuestionResult] = field(repr=False, default_factory=list)
    stale: list[str] = field(default_factory=list)  # questions whose expected source the index no longer has

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["failures"] = [asdict(f) for f in failures(self.results)]
        del data["results"]
        return data


def label(doc: Doc) -> str:
    """What an evaluation set names as the right source: an FAQ id, or a section anchor."""
    return doc.id if doc.kind == "faq" else doc.url.rsplit("#", 1)[-1]


def _labels(docs: Sequence[Doc], doc_indexes: list[int]) -> list[str]:
    return list(dict.fromkeys(label(docs[i]) for i in doc_indexes))[:CUTOFF]


def run(
    answerer: Answerer, questions: list[EvalQuestion], *, progress: Callable[[int], object] | None = None
) -> list[QuestionResult]:
    """Every question through every strategy, and through the answerer as served."""
    docs = answerer.index.docs
    row_of = {doc.id: i for i, doc in enumerate(docs)}
    # Composes an answer for every question, so a declined one is still measured on what it would
    # have said; whether it is answered is the confidence against the real threshold.
    composer = Answerer(answerer.index, answerer.embedder, threshold=0.0)
    results = []
    for question in questions:
        vector = composer.encode(question.q).vector
        ranked: dict[str, list[str]] = {}
        top_text: dict[str, str] = {}
        for strategy in ("bm25", "dense", "hybrid"):
            hits = score(answerer.index, question.q, vector, strategy=strategy).top(CUTOFF * 3)
            ranked[strategy] = _labels(docs, [h.doc for h in hits])
            top_text[strategy] = docs[hits[0].doc].text if hits else ""
        answer = composer.answer(question.q, top_k=CUTOFF)
        ranked["answerer"] = _labels(docs, [row_of[s.id] for s in answer.sources])
        top_text["answerer"] = answer.answer
        answered = answer.confidence >= answerer.threshold
        kind = answer.kind if answered else "none"
        results.append(QuestionResult(question, ranked, top_text, answer.confidence, answered, kind))
        if progress:
            progress(1)
    return results


def retrieval_metrics(results: list[QuestionResult], strategy: str) -> dict[str, float]:
    """hit@1, hit@3, MRR@10, nDCG@10 over labelled questions; span@1 over those with spans."""
    metrics: dict[str, float] = {}
    labelled = [r for r in results if r.question.kind == "in" and r.question.expect is not None]
    if labelled:
        ranks = [
            r.ranked[strategy].index(r.question.expect) + 1 if r.question.expect in r.ranked[strategy] else None
            for r in labelled
        ]
        n = len(ranks)
        metrics["hit@1"] = sum(rk == 1 for rk in ranks) / n
        metrics["hit@3"] = sum(rk is not None and rk <= 3 for rk in ranks) / n
        metrics["mrr@10"] = sum(1 / rk for rk in ranks if rk is not None and rk <= CUTOFF) / n
        metrics["ndcg@10"] = sum(1 / math.log2(rk + 1) for rk in ranks if rk is not None and rk <= CUTOFF) / n
    spanned = [r for r in results if r.question.kind == "in" and r.question.spans]
    if spanned:
        metrics["span@1"] = sum(holds_span(r.top_text[strategy], r.question.spans) for r in spanned) / len(spanned)
    return metrics


def answering_metrics(results: list[QuestionResult], threshold: float) -> dict[str, float]:
    def answered(r: QuestionResult) -> bool:
        return r.confidence >= threshold

    in_scope = [r for r in results if r.question.kind == "in"]
    far = [r for r in results if r.question.kind == "far"]
    near = [r for r in results if r.question.kind == "near"]
    out = far + near
    declined = [r for r in results if not answered(r)]
    metrics = {"answered_right": sum(answered(r) and r.right() for r in in_scope) / len(in_scope) if in_scope else 0.0}
    spanned = [r for r in in_scope if r.question.spans]
    if spanned:  # the answer as the reader sees it holds the answering text
        metrics["answered_span"] = sum(
            answered(r) and holds_span(r.top_text["answerer"], r.question.spans) for r in spanned
        ) / len(spanned)
    metrics["in_scope_declined"] = sum(not answered(r) for r in in_scope) / len(in_scope) if in_scope else 0.0
    if out:
        metrics["out_declined"] = sum(not answered(r) for r in out) / len(out)
        metrics["far_declined"] = sum(not answered(r) for r in far) / len(far) if far else 1.0
        metrics["near_declined"] = sum(not answered(r) for r in near) / len(near) if near else 1.0
        metrics["decline_precision"] = (
            sum(r.question.kind != "in" for r in declined) / len(declined) if declined else 1.0
        )
        metrics["decline_recall"] = metrics["out_declined"]
    return metrics


def sweep(results: list[QuestionResult], *, step: float = 0.01) -> tuple[list[dict[str, float]], float | None]:
    """Right answers and declined out-of-scope questions at each threshold, and the one to use.

    The recommendation maximises right answers while declining at least 95% of out-of-scope
    questions; among equally good thresholds it takes the middle one, the farthest from both edges.
    A set without out-of-scope questions recommends nothing.
    """
    rows = []
    for threshold in np.round(np.arange(0.0, 1.0 + step / 2, step), 4):
        m = answering_metrics(results, float(threshold))
        rows.append(
            {
                "threshold": float(threshold),
                "answered_right": m["answered_right"],
                "out_declined": m.get("out_declined", 1.0),
            }
        )
    ok = [r for r in rows if r["out_declined"] >= MIN_OUT_OF_SCOPE_DECLINED]
    if not ok or not any(r.question.kind != "in" for r in results):
        return rows, None
    best = max(r["answered_right"] for r in ok)
    plateau = [r["threshold"] for r in ok if r["answered_right"] == best]
    return rows, round(plateau[len(plateau) // 2], 2)


def evaluate(
    answerer: Answerer, questions: list[EvalQuestion], *, progress: Callable[[int], object] | None = None
) -> Report:
    labels = {label(doc) for doc in answerer.index.docs}
    stale = [f"{q.q!r} expects {q.expect!r}" for q in questions if q.expect is not None and q.expect not in labels]
    results = run(answerer, questions, progress=progress)
    rows, recommended = sweep(results)
    if stale:  # a threshold chosen on wrong labels would be wrong: say what to fix instead
        recommended = None
    counts: dict[str, int] = defaultdict(int)
    for q in questions:
        counts[q.kind] += 1
    return Report(
        retrieval={s: retrieval_metrics(results, s) for s in STRATEGIES},
        answering=answering_metrics(results, answerer.threshold),
        sweep=rows,
        recommended_threshold=recommended,
        threshold=answerer.threshold,
        counts=dict(counts),
        results=results,
        stale=stale,
    )


@dataclass
class Failure:
    question: str
    kind: str
    expected: str | None
    got: str | None
    confidence: float
    answered: bool


def failures(results: list[QuestionResult]) -> list[Failure]:
    """In-scope questions answered wrongly or declined, and out-of-scope questions answered."""
    out = []
    for r in results:
        top = r.ranked["answerer"][0] if r.ranked["answerer"] else None
        wrong = r.question.kind == "in" and (not r.answered or not r.right())
        leaked = r.question.kind != "in" and r.answered
        if wrong or leaked:
            expected = r.question.expect or (r.question.spans[0] if r.question.spans else None)
            out.append(Failure(r.question.q, r.question.kind, expected, top, r.confidence, r.answered))
    return out
