"""Measuring the answers and what readers asked: `faqbot eval` and `faqbot report`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from faqbot.cli.base import IndexOpt, app, fail, settings_from
from faqbot.errors import FaqbotError


@app.command(name="eval")
def eval_command(
    suite: Annotated[
        bool, typer.Option("--suite", help="Run every set of the quality suite (data/eval/suite.yaml).")
    ] = False,
    dialogues: Annotated[
        bool,
        typer.Option(
            "--dialogues",
            help="Play the suite's dialogue sets (data/eval/dialogues.yaml, ...), with and without history; "
            "with --set, that dialogue file on this site's index.",
        ),
    ] = False,
    only: Annotated[list[str] | None, typer.Option("--only", help="With --suite: only this set (repeatable).")] = None,
    eval_set: Annotated[
        Path | None, typer.Option("--set", help="Evaluation set (default data/eval/launch.yaml)")
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="An external benchmark: stackfaq.")] = None,
    faq: Annotated[Path | None, typer.Option(help="A FAQ file to evaluate on (with --queries).")] = None,
    queries: Annotated[Path | None, typer.Option(help="Queries for --faq: a list of {q, expect}.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    index_dir: IndexOpt = None,
) -> None:
    """Measure answer quality: retrieval per strategy, declines, and the threshold to use."""
    from faqbot.evaluation.format import format_report, format_suite, report_json
    from faqbot.evaluation.runs import evaluate_external, evaluate_index, evaluate_stackfaq, evaluate_suite

    settings = settings_from(index_dir=index_dir, eval_set=eval_set)
    try:
        if dialogues:
            from faqbot.evaluation.dialogues import dialogue_metrics, format_dialogues
            from faqbot.evaluation.runs import evaluate_dialogues

            played = evaluate_dialogues(settings, progress=not as_json, dialogues=eval_set)
            if as_json:
                figures = {
                    name: {way: dialogue_metrics(results) for way, results in runs._asdict().items()}
                    for name, runs in played.items()
                }
                typer.echo(json.dumps(figures))
            else:
                typer.echo("\n\n".join(f"== {name}: {format_dialogues(runs)}" for name, runs in played.items()))
            return
        if suite or only:
            result = evaluate_suite(settings, only=only, progress=not as_json)
            typer.echo(json.dumps(result.to_json(), indent=2) if as_json else format_suite(result))
            return
        if dataset is not None:
            if dataset != "stackfaq":
                fail(f"unknown dataset {dataset!r}: the one known is stackfaq (or see --suite)", 2)
            report = evaluate_stackfaq(settings, progress=not as_json)
        elif faq is not None or queries is not None:
            if faq is None or queries is None:
                fail("--faq and --queries go together", 2)
            report = evaluate_external(settings, faq, queries, progress=not as_json)
        else:
            report = evaluate_index(settings, progress=not as_json)
    except FaqbotError as exc:
        fail(str(exc))
    typer.echo(report_json(report) if as_json else format_report(report))


@app.command()
def report(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    html: Annotated[Path | None, typer.Option(help="Also write a self-contained HTML page here.")] = None,
    days: Annotated[int | None, typer.Option(min=1, help="Only the last N days.")] = None,
) -> None:
    """What readers asked: answer rate, unanswered questions grouped, unhelpful answers, top sources."""
    from faqbot.analytics.backends import store_for
    from faqbot.analytics.report import build_report, format_report, render_html
    from faqbot.analytics.store import StoreUnavailable
    from faqbot.answering.engine import load_engine
    from faqbot.content.faq import owners_format

    settings = settings_from()
    store = store_for(settings)  # the log the servers write: with FAQBOT_DATABASE_URL, every replica's
    try:
        if not store.exists():
            fail(f"no question log at {store.location}: questions are recorded while 'faqbot serve' runs")
        engine = load_engine(settings)
        if engine.answerer is None:
            fail(engine.reason or "no index")
        faq_format = owners_format(settings.data_dir / "faq")
        result = build_report(store, engine.answerer, days=days, faq_format=faq_format)
    except StoreUnavailable as exc:
        fail(f"cannot read the question log: {exc}")
    finally:
        store.close()
    if html is not None:  # the page instead of the text: one report per run
        html.write_text(render_html(result, settings.web_dir / "templates"), encoding="utf-8")
        typer.echo(f"wrote {html}")
        return
    typer.echo(json.dumps(result.to_dict(), indent=2) if as_json else format_report(result))
