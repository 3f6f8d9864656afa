"""What readers asked: the report behind `faqbot report` and GET /admin/report.

From the question log: questions over time and the answer rate; declined and low-confidence
questions grouped by meaning, each group with a suggestion for the FAQ (add the question as an
alternate of the nearest entry, or write a new entry), ready to paste into a `data/faq/` file;
the answers readers marked unhelpful, with their comments; the most asked FAQ entries and sections.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from faqbot.analytics.conversations import summarise
from faqbot.analytics.store import LoggedFeedback, LoggedQuestion, LogStore
from faqbot.answering.answerer import Answerer
from faqbot.answering.conversation import leans_back
from faqbot.content.faq import CSV_ALTERNATES_SEPARATOR
from faqbot.index.lexical import STOP_WORDS

# Questions answered with less confidence than threshold + this margin count as "low confidence".
LOW_CONFIDENCE_MARGIN = 0.1
# Two questions share a cluster when their cosine to the cluster's centre reaches this.
CLUSTER_SIMILARITY = 0.6
# A cluster close enough to an FAQ entry to be one more phrasing of it.
ALTERNATE_SIMILARITY = 0.55
MAX_EXAMPLES = 5


@dataclass
class Suggestion:
    action: str  # "add-alternate" or "new-entry"
    faq_id: str | None
    faq_question: str | None
    similarity: float
    snippet: str  # YAML to paste into a data/faq/ file


@dataclass
class Cluster:
    size: int
    examples: list[str]
    declined: int
    suggestion: Suggestion


@dataclass
class Report:
    generated_at: str
    totals: dict[str, float]
    per_day: list[dict[str, Any]]
    clusters: list[Cluster]
    unhelpful: list[dict[str, Any]]
    top_sources: list[dict[str, Any]]
    conversations: dict[str, Any] = field(default_factory=dict)  # faqbot.analytics.conversations

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_report(
    store: LogStore, answerer: Answerer, *, days: int | None = None, limit: int = 10, faq_format: str = "yaml"
) -> Report:
    """The report of what `store` logged (the last `days` days, or all); may raise StoreUnavailable.

    `faq_format` ("yaml", "csv" or "json") is how the suggested FAQ entries are written: as the
    site owner's own FAQ files are (faqbot.content.faq.owners_format)."""
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).timestamp() if days else 0.0
    rows, feedback = store.read(since)

    total = len(rows)
    answered = sum(r.answered for r in rows)
    per_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        day = dt.datetime.fromtimestamp(r.time, dt.UTC).date().isoformat()
        per_day[day][0] += 1
        per_day[day][1] += r.answered
    unhelpful_feedback = [f for f in feedback if not f.helpful]
    return Report(
        generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        totals={
            "questions": total,
            "answered": answered,
            "declined": total - answered,
            "answer_rate": round(answered / total, 4) if total else 0.0,
            "feedback": len(feedback),
            "unhelpful": len(unhelpful_feedback),
        },
        per_day=[{"day": d, "questions": q, "answered": a} for d, (q, a) in sorted(per_day.items())],
        clusters=cluster_unanswered(rows, answerer, faq_format)[:limit],
        unhelpful=_unhelpful(rows, feedback, limit),
        top_sources=_top_sources(rows, answerer, limit),
        conversations=summarise(rows, {d.question.strip().lower() for d in answerer.index.faq_docs()}, limit),
    )


def cluster_unanswered(rows: list[LoggedQuestion], answerer: Answerer, faq_format: str = "yaml") -> list[Cluster]:
    """Declined and low-confidence questions, grouped by meaning, biggest group first."""
    low = answerer.threshold + LOW_CONFIDENCE_MARGIN
    # A follow-up that leans on its conversation ("tell me more", "and the price?") is no FAQ question on
    # its own: the conversations that ended in a decline show it with the turns before it.
    picked = [r for r in rows if (not r.answered or r.confidence < low) and not _follow_up(r, answerer)]
    if not picked:
        return []
    counts = Counter(r.normalized.strip() for r in picked)
    declined = Counter(r.normalized.strip() for r in picked if not r.answered)
    texts = [t for t, _ in counts.most_common()]  # most asked first: they seed the clusters
    vectors = answerer.embedder.encode(texts)
    members: list[list[int]] = []
    centres: list[np.ndarray] = []
    for i, vector in enumerate(vectors):
        scores = [float(c @ vector) for c in centres]
        best = int(np.argmax(scores)) if scores else -1
        if best >= 0 and scores[best] >= CLUSTER_SIMILARITY:
            members[best].append(i)
            centre = vectors[members[best]].mean(axis=0)
            centres[best] = centre / np.linalg.norm(centre)
        else:
            members.append([i])
            centres.append(vector)
    faq_docs, faq_vectors = _faq_vectors(answerer)
    clusters = []
    for group, centre in zip(members, centres, strict=True):
        group_texts = [texts[i] for i in group]
        clusters.append(
            Cluster(
                size=sum(counts[t] for t in group_texts),
                examples=group_texts[:MAX_EXAMPLES],
                declined=sum(declined[t] for t in group_texts),
                suggestion=_suggest(group_texts[0], centre, faq_docs, faq_vectors, faq_format),
            )
        )
    return sorted(clusters, key=lambda c: (-c.size, c.examples[0]))


def _follow_up(row: LoggedQuestion, answerer: Answerer) -> bool:
    """Whether the logged question was a later turn of a conversation that leans on the turns before it."""
    return bool(row.turn and row.turn > 1) and leans_back(row.normalized, STOP_WORDS, answerer.speller.in_corpus)


def _faq_vectors(answerer: Answerer) -> tuple[list[Any], np.ndarray]:
    docs = answerer.index.faq_docs()
    phrasings = [(i, text) for i, d in enumerate(docs) for text in (d.question, *d.alternates)]
    if not phrasings:
        return docs, np.zeros((0, answerer.embedder.dimension), dtype=np.float32)
    vectors = answerer.embedder.encode([t for _, t in phrasings])
    best = np.full((len(docs), vectors.shape[1]), 0.0, dtype=np.float32)
    # One vector per entry: the mean of its phrasings, normalised.
    sums: dict[int, list[np.ndarray]] = defaultdict(list)
    for (i, _), v in zip(phrasings, vectors, strict=True):
        sums[i].append(v)
    for i, vs in sums.items():
        mean = np.mean(vs, axis=0)
        best[i] = mean / np.linalg.norm(mean)
    return docs, best


def entry_snippet(entry: dict[str, Any], faq_format: str) -> str:
    """One FAQ entry, ready to paste into a file of `faq_format` (alternates joined by | in CSV)."""
    if faq_format == "csv":
        out = io.StringIO()
        row = {k: CSV_ALTERNATES_SEPARATOR.join(v) if isinstance(v, list) else v for k, v in entry.items()}
        writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
        return out.getvalue()
    if faq_format == "json":
        return json.dumps([entry], ensure_ascii=False, indent=1) + "\n"
    return yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=100)


def _suggest(example: str, centre: np.ndarray, docs: list[Any], vectors: np.ndarray, faq_format: str) -> Suggestion:
    if len(docs):
        similarities = vectors @ centre
        best = int(np.argmax(similarities))
        if float(similarities[best]) >= ALTERNATE_SIMILARITY:
            doc = docs[best]
            snippet = entry_snippet(
                {"id": doc.id, "question": doc.question, "alternates": [*doc.alternates, example]}, faq_format
            )
            return Suggestion(
                "add-alternate",
                doc.id,
                doc.question,
                round(float(similarities[best]), 3),
                f"# add the alternate to entry {doc.id} (answer unchanged)\n{snippet}",
            )
        similarity = round(float(similarities[best]), 3)
    else:
        similarity = 0.0
    snippet = entry_snippet({"question": example, "answer": "TODO: write the answer"}, faq_format)
    return Suggestion("new-entry", None, None, similarity, f"# no close entry: a new FAQ entry is needed\n{snippet}")


def _unhelpful(rows: list[LoggedQuestion], feedback: list[LoggedFeedback], limit: int) -> list[dict[str, Any]]:
    by_answer = {r.answer_id: r for r in rows}
    votes: dict[str, dict[str, Any]] = {}
    for f in feedback:
        entry = votes.setdefault(f.answer_id, {"down": 0, "up": 0, "comments": []})
        entry["up" if f.helpful else "down"] += 1
        if f.comment:
            entry["comments"].append(f.comment)
    out = []
    for answer_id, v in votes.items():
        if v["down"] == 0:
            continue
        row = by_answer.get(answer_id)
        out.append(
            {
                "answer_id": answer_id,
                "question": row.question if row else None,
                "kind": row.kind if row else None,
                "top_source": row.top_source if row else None,
                **v,
            }
        )
    return sorted(out, key=lambda e: (-e["down"], e["answer_id"]))[:limit]


def _top_sources(rows: list[LoggedQuestion], answerer: Answerer, limit: int) -> list[dict[str, Any]]:
    """The sources answers came from most, an FAQ entry or a section (its passages counted together:
    readers ask about sections, not windows). A source the serving index no longer has (the site
    changed since) is counted by its id, labelled as gone."""
    by_id = answerer.index.docs_by_id  # looked up, not scanned: a million documents are a lot to walk
    counts: Counter[tuple[str, str]] = Counter()
    labels: dict[tuple[str, str], str] = {}
    for r in rows:
        if not (r.answered and r.top_source):
            continue
        doc = by_id.get(r.top_source)
        if doc is None:
            key = ("gone", r.top_source)
            labels.setdefault(key, f"{r.top_source} (no longer in the index)")
        elif doc.kind == "faq":
            key = ("faq", doc.id)
            labels.setdefault(key, doc.question)
        else:
            key = ("section", doc.url)
            labels.setdefault(key, f"{doc.title} › {doc.section}")
        counts[key] += 1
    return [
        {"kind": kind, "ref": ref, "label": labels[(kind, ref)], "count": count}
        for (kind, ref), count in counts.most_common(limit)
    ]


def format_report(report: Report) -> str:
    t = report.totals
    lines = [
        f"{int(t['questions'])} questions, {int(t['answered'])} answered ({t['answer_rate']:.0%}), "
        f"{int(t['declined'])} declined; {int(t['feedback'])} feedback, {int(t['unhelpful'])} unhelpful",
        "",
        "per day:",
        *(f"  {d['day']}  {d['questions']:>5} asked  {d['answered']:>5} answered" for d in report.per_day),
        "",
        "unanswered or unsure, grouped by meaning:",
    ]
    if not report.clusters:
        lines.append("  (none)")
    for c in report.clusters:
        lines.append(f"  [{c.size}] {' | '.join(c.examples[:3])}")
        s = c.suggestion
        if s.action == "add-alternate":
            lines.append(f"      -> close to FAQ {s.faq_id!r} ({s.similarity:.2f}): add as an alternate")
        else:
            lines.append(f"      -> no close entry ({s.similarity:.2f}): a new FAQ entry is needed")
        lines.extend("         " + line for line in s.snippet.rstrip().splitlines())
    lines += ["", "answers marked unhelpful:"] + ([] if report.unhelpful else ["  (none)"])
    for u in report.unhelpful:
        comments = "; ".join(u["comments"]) or "no comment"
        lines.append(f"  {u['down']} down, {u['up']} up: {u['question']!r} -> {u['top_source']} ({comments})")
    lines += ["", "most asked sources:"] + ([] if report.top_sources else ["  (none)"])
    lines += [f"  {s['count']:>5}  {s['label']}" for s in report.top_sources]
    talks = report.conversations
    if talks.get("conversations"):
        lines += ["", f"conversations: {talks['conversations']} ({talks['turns']} turns); ended in a decline:"]
        lines += [] if talks["ended_in_decline"] else ["  (none)"]
        lines += [f"  {' -> '.join(repr(q) for q in e['questions'])}" for e in talks["ended_in_decline"]]
        lines += ["suggested questions asked next:"] + ([] if talks["suggestions_taken"] else ["  (none)"])
        lines += [f"  {s['count']:>5}  {s['question']}" for s in talks["suggestions_taken"]]
    return "\n".join(lines)


def render_html(report: Report, templates_dir: Path) -> str:
    """A self-contained page (inline styles and SVG charts, no scripts, nothing fetched)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(loader=FileSystemLoader(templates_dir), autoescape=select_autoescape(["html"]))
    return environment.get_template("report.html").render(report=report)
