"""`faqbot eval`'s report as text for people and JSON for machines."""

from __future__ import annotations

import json

from faqbot.evaluation.metrics import STRATEGIES, Report, failures
from faqbot.evaluation.suite import SuiteResult

METRICS = ("hit@1", "hit@3", "mrr@10", "ndcg@10", "span@1")


def format_report(report: Report) -> str:
    lines = [
        f"questions: {report.counts.get('in', 0)} in scope, "
        f"{report.counts.get('far', 0)} far, {report.counts.get('near', 0)} near",
        "",
    ]
    shown = [m for m in METRICS if any(m in values for values in report.retrieval.values())]
    lines.append(f"{'strategy':<10} " + " ".join(f"{m:>8}" for m in shown))
    for strategy, values in report.retrieval.items():
        if values:
            lines.append(f"{strategy:<10} " + " ".join(f"{values.get(m, float('nan')):>8.3f}" for m in shown))
    lines.append("")
    lines.append(f"answering at threshold {report.threshold:.2f}:")
    for name, value in report.answering.items():
        lines.append(f"  {name:<20} {value:.3f}")
    return "\n".join(lines + _threshold_lines(report) + _failure_lines(report))


def format_check(report: Report) -> str:
    """`faqbot check`'s figures for a site owner: the answerer's main ones, the threshold, the failures."""
    counts = report.counts
    out = counts.get("far", 0) + counts.get("near", 0)
    answerer = report.retrieval.get("answerer", {})
    figures = [
        ("hit@1 (right source first)", answerer.get("hit@1")),
        ("span@1 (right text first)", answerer.get("span@1")),
        ("answered right", report.answering.get("answered_right")),
        ("out of scope declined", report.answering.get("out_declined")),
    ]
    lines = [f"questions: {counts.get('in', 0)} in scope, {out} out of scope; at threshold {report.threshold:.2f}:"]
    lines += [f"  {name:<28} {value:.3f}" for name, value in figures if value is not None]
    return "\n".join(lines + _threshold_lines(report) + _failure_lines(report))


def _threshold_lines(report: Report) -> list[str]:
    """The recommended threshold, or why there is none (stale labels named)."""
    lines: list[str] = []
    if report.stale:
        lines.append(f"stale labels: {len(report.stale)} questions expect a source the index no longer has, so no")
        lines.append("threshold is recommended; fix the evaluation file (or the content) first:")
        lines += [f"  {s}" for s in report.stale]
    elif report.recommended_threshold is None:
        lines.append(
            "recommended threshold: none (no threshold declines 95% of out-of-scope questions, or there are none)"
        )
    else:
        lines.append(
            f"recommended threshold: {report.recommended_threshold:.2f}"
            " (the most right answers with >= 95% of out-of-scope questions declined)"
        )
    return lines + _sweep_lines(report)


SWEEP_SHOWN = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _sweep_lines(report: Report) -> list[str]:
    """What a few thresholds trade, the one in use and the recommended one among them: the owner picks."""
    if report.stale or not (report.counts.get("far", 0) + report.counts.get("near", 0)) or not report.sweep:
        return []
    wanted = {round(t, 2) for t in (*SWEEP_SHOWN, report.threshold, report.recommended_threshold or 0.2)}
    rows = [r for r in report.sweep if round(r["threshold"], 2) in wanted]
    lines = ["", "threshold  answered right  out of scope declined"]
    for r in rows:
        marks = [
            m
            for t, m in ((report.threshold, "in use"), (report.recommended_threshold, "recommended"))
            if t is not None and round(t, 2) == round(r["threshold"], 2)
        ]
        note = f"  ({', '.join(marks)})" if marks else ""
        lines.append(f"{r['threshold']:>9.2f}  {r['answered_right']:>14.3f}  {r['out_declined']:>21.3f}{note}")
    return lines


def _failure_lines(report: Report) -> list[str]:
    bad = failures(report.results)
    if not bad:
        return []
    lines = ["", f"failures ({len(bad)}):"]
    for f in bad:
        verdict = "answered" if f.answered else "declined"
        lines.append(f"  [{f.kind}] {f.question!r}: expected {f.expected}, got {f.got}")
        lines.append(f"      {verdict}, confidence {f.confidence:.2f}")
    return lines


def report_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2)


def suite_rows(result: SuiteResult) -> list[dict[str, object]]:
    """One row per set: its main retrieval figure per strategy, and how the answerer answers."""
    rows: list[dict[str, object]] = []
    for name, report in result.reports.items():
        main = "hit@1" if "hit@1" in report.retrieval["answerer"] else "span@1"
        row: dict[str, object] = {"set": name, "questions": sum(report.counts.values()), "measure": main}
        row.update({s: report.retrieval[s].get(main) for s in STRATEGIES})
        row["answered right"] = report.answering["answered_right"]
        row["answered, holds span"] = report.answering.get("answered_span")
        row["out of scope declined"] = report.answering.get("out_declined")
        rows.append(row)
    return rows


def suite_table(result: SuiteResult) -> str:
    """The suite as one Markdown table, a row per set (the README's, from the notebook's run)."""
    columns = [
        "set",
        "questions",
        "measure",
        *STRATEGIES,
        "answered right",
        "answered, holds span",
        "out of scope declined",
    ]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in suite_rows(result):
        cells = [
            f"{row[c]:.3f}" if isinstance(row[c], float) else "–" if row[c] is None else str(row[c]) for c in columns
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_suite(result: SuiteResult) -> str:
    """The suite as a Markdown table, then what was skipped and each set's peer figures."""
    lines = [suite_table(result)]
    means = [row["answerer"] for row in suite_rows(result) if isinstance(row["answerer"], float)]
    if means:
        lines.append(f"\nmean of the answerer's main figure over {len(means)} sets: {sum(means) / len(means):.3f}")
    for name, eval_set in result.sets.items():
        if eval_set.peers:
            lines.append(f"{name} peers: " + ", ".join(f"{k} {v:.3f}" for k, v in eval_set.peers.items()))
    for name, why in result.skipped.items():
        lines.append(f"skipped {name}: {why}")
    for name, report in result.reports.items():
        if report.stale:  # scored as wrong: the set or the content needs mending, not the bot
            lines.append(f"{name}: {len(report.stale)} questions expect a source the index does not have:")
            lines += [f"  {stale}" for stale in report.stale]
    return "\n".join(lines)
