"""Measuring answer quality: retrieval metrics per strategy, answering and declining, a threshold sweep.

An evaluation set is YAML or JSON: `in_scope` (each `q` with `expect`, an FAQ id or a section
anchor) and `out_of_scope` (each `q` with `kind`: `far` or `near`). A plain list of `{q, expect}`
is an in-scope-only query file (as made from StackFAQ).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from faqbot.answering import Answerer, confidence_of
from faqbot.errors import DataError
from faqbot.records import Doc
from faqbot.retrieval import score

Kind = Literal["in", "far", "near"]
STRATEGIES = ("bm25", "dense", "hybrid", "answerer")
MIN_OUT_OF_SCOPE_DECLINED = 0.95
CUTOFF = 10


@dataclass(frozen=True)
class EvalQuestion:
    q: str
    kind: Kind
    expect: str | None = None


@dataclass
class QuestionResult:
    question: EvalQuestion
    ranked: dict[str, list[str]]  # strategy -> labels, best first, each once
    confidence: float
    answered: bool
    answer_kind: str


@dataclass
class Report:
    retrieval: dict[str, dict[str, float]]
    answering: dict[str, float]
    sweep: list[dict[str, float]]
    recommended_threshold: float | None
    threshold: float
    counts: dict[str, int]
    results: list[QuestionResult] = field(repr=False, default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["failures"] = [asdict(f) for f in failures(self.results)]
        del data["results"]
        return data


def label(doc: Doc) -> str:
    """What an evaluation set names as the right source: an FAQ id, or a section anchor."""
    return doc.id if doc.kind == "faq" else doc.url.rsplit("#", 1)[-1]


def load_questions(path: Path) -> list[EvalQuestion]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DataError(path, f"cannot read the evaluation set: {exc}") from None
    if isinstance(data, list):
        data = {"in_scope": data}
    if not isinstance(data, dict):
        raise DataError(path, "an evaluation set has 'in_scope' and 'out_of_scope' lists")
    questions: list[EvalQuestion] = []
    for number, item in enumerate(data.get("in_scope") or [], start=1):
        if not isinstance(item, dict) or not item.get("q") or not item.get("expect"):
            raise DataError(path, "each in-scope question needs 'q' and 'expect'", entry=f"in_scope {number}")
        questions.append(EvalQuestion(str(item["q"]), "in", str(item["expect"])))
    for number, item in enumerate(data.get("out_of_scope") or [], start=1):
        if not isinstance(item, dict) or not item.get("q") or item.get("kind") not in ("far", "near"):
            raise DataError(
                path, "each out-of-scope question needs 'q' and kind 'far' or 'near'", entry=f"out {number}"
            )
        questions.append(EvalQuestion(str(item["q"]), item["kind"], None))
    if not questions:
        raise DataError(path, "the evaluation set has no questions")
    return questions


def _labels(answerer: Answerer, doc_indexes: Iterable[int]) -> list[str]:
    seen: dict[str, None] = {}
    for i in doc_indexes:
        seen.setdefault(label(answerer.index.docs[i]), None)
        if len(seen) >= CUTOFF:
            break
    return list(seen)


def run(
    answerer: Answerer, questions: list[EvalQuestion], *, progress: Callable[[int], object] | None = None
) -> list[QuestionResult]:
    results = []
    for question in questions:
        text = question.q
        vector = answerer.encode(text).vector
        ranked = {
            strategy: _labels(answerer, (h.doc for h in score(answerer.index, text, vector, strategy=strategy).top()))
            for strategy in ("bm25", "dense", "hybrid")
        }
        hits = answerer.rank(text)
        ranked["answerer"] = _labels(answerer, (h.doc for h in hits))
        confidence = round(confidence_of(hits), 4)
        answered = confidence >= answerer.threshold
        kind = answerer.index.docs[hits[0].doc].kind if answered and hits else "none"
        results.append(QuestionResult(question, ranked, confidence, answered, kind))
        if progress:
            progress(1)
    return results


def retrieval_metrics(results: list[QuestionResult], strategy: str) -> dict[str, float]:
    in_scope = [r for r in results if r.question.kind == "in"]
    if not in_scope:
        return {}
    ranks = [
        r.ranked[strategy].index(r.question.expect) + 1 if r.question.expect in r.ranked[strategy] else None
        for r in in_scope
    ]
    n = len(ranks)
    return {
        "hit@1": sum(rk == 1 for rk in ranks) / n,
        "hit@3": sum(rk is not None and rk <= 3 for rk in ranks) / n,
        "mrr@10": sum(1 / rk for rk in ranks if rk is not None and rk <= CUTOFF) / n,
        # One relevant label per question, so the ideal DCG is 1.
        "ndcg@10": sum(1 / math.log2(rk + 1) for rk in ranks if rk is not None and rk <= CUTOFF) / n,
    }


def answering_metrics(results: list[QuestionResult], threshold: float) -> dict[str, float]:
    def answered(r: QuestionResult) -> bool:
        return r.confidence >= threshold

    in_scope = [r for r in results if r.question.kind == "in"]
    far = [r for r in results if r.question.kind == "far"]
    near = [r for r in results if r.question.kind == "near"]
    out = far + near
    declined = [r for r in results if not answered(r)]
    right = [r for r in in_scope if answered(r) and r.ranked["answerer"][:1] == [r.question.expect]]
    metrics = {"answered_right": len(right) / len(in_scope) if in_scope else 0.0}
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
    results = run(answerer, questions, progress=progress)
    rows, recommended = sweep(results)
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
        wrong = r.question.kind == "in" and (not r.answered or top != r.question.expect)
        leaked = r.question.kind != "in" and r.answered
        if wrong or leaked:
            out.append(Failure(r.question.q, r.question.kind, r.question.expect, top, r.confidence, r.answered))
    return out


def format_report(report: Report) -> str:
    lines = [
        f"questions: {report.counts.get('in', 0)} in scope, "
        f"{report.counts.get('far', 0)} far, {report.counts.get('near', 0)} near"
    ]
    lines.append("")
    lines.append(f"{'strategy':<10} {'hit@1':>7} {'hit@3':>7} {'MRR@10':>7} {'nDCG@10':>8}")
    for strategy, m in report.retrieval.items():
        if m:
            lines.append(
                f"{strategy:<10} {m['hit@1']:>7.3f} {m['hit@3']:>7.3f} {m['mrr@10']:>7.3f} {m['ndcg@10']:>8.3f}"
            )
    lines.append("")
    lines.append(f"answering at threshold {report.threshold:.2f}:")
    for name, value in report.answering.items():
        lines.append(f"  {name:<20} {value:.3f}")
    if report.recommended_threshold is None:
        lines.append(
            "recommended threshold: none (no threshold declines 95% of out-of-scope questions, or there are none)"
        )
    else:
        lines.append(
            f"recommended threshold: {report.recommended_threshold:.2f}"
            " (the most right answers with >= 95% of out-of-scope questions declined)"
        )
    bad = failures(report.results)
    if bad:
        lines.append("")
        lines.append(f"failures ({len(bad)}):")
        for f in bad:
            verdict = "answered" if f.answered else "declined"
            lines.append(f"  [{f.kind}] {f.question!r}: expected {f.expected}, got {f.got}")
            lines.append(f"      {verdict}, confidence {f.confidence:.2f}")
    return "\n".join(lines)


def report_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2)
