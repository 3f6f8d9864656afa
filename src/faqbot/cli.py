"""The `faqbot` command: build the index, ask a question, serve the site and API.

A thin layer: it reads settings, calls the library, and turns faqbot's errors into one line on
stderr and a non-zero exit code.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError

from faqbot.errors import FaqbotError
from faqbot.settings import Settings

# Plain help (no rich markup): options read as flags, and "(env ...; default ...)" stays visible.
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="faqbot: answers readers' questions from the site's own content.",
)


def _version(value: bool) -> None:
    if value:
        from faqbot import __version__

        typer.echo(f"faqbot {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """faqbot: answers readers' questions from the site's own content."""


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _settings(**overrides: object) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        _fail(f"bad setting FAQBOT_{str(first['loc'][0]).upper()}: {first['msg']}", 2)


def _warn(warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)


DataOpt = Annotated[Path | None, typer.Option(help="Data directory (env FAQBOT_DATA_DIR; default data)")]
IndexOpt = Annotated[Path | None, typer.Option(help="Index directory (env FAQBOT_INDEX_DIR; default indexes)")]


@app.command()
def build(
    data_dir: DataOpt = None,
    index_dir: IndexOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Only validate the data; build nothing.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even when the index is up to date.")] = False,
) -> None:
    """Build the index from the data directory (only what changed is embedded again)."""
    from faqbot.index.build import build_index, check_data
    from faqbot.index.progress import Progress

    settings = _settings(data_dir=data_dir, index_dir=index_dir)
    try:
        if check:
            corpus, docs = check_data(settings)
            _warn(corpus.warnings)
            faq, passages = len(corpus.faq), len(docs) - len(corpus.faq)  # a document is an entry or a passage
            typer.echo(f"data ok: {len(corpus.articles)} articles, {faq} FAQ entries, {passages} passages")
            return
        report = build_index(settings, force=force, progress=Progress(sys.stderr))
    except FaqbotError as exc:
        _fail(str(exc))
    _warn(report.warnings)
    for line in report.lines():
        typer.echo(line)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    top_k: Annotated[int, typer.Option(min=1, max=10, help="Sources to show.")] = 3,
    page: Annotated[
        str | None, typer.Option(help="The page asked from (a path): which article is 'this page'.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API response as JSON.")] = False,
    index_dir: IndexOpt = None,
) -> None:
    """Answer one question from the built index."""
    from faqbot.answering.engine import load_engine
    from faqbot.server.schemas import AskRequest, AskResponse

    settings = _settings(index_dir=index_dir)
    try:
        request = AskRequest(question=question, top_k=top_k, page=page)
    except ValidationError as exc:
        _fail(str(exc.errors()[0]["msg"]).removeprefix("Value error, "), 2)
    engine = load_engine(settings)
    if engine.answerer is None:
        _fail(engine.reason or "no index")
    answer = engine.answerer.answer(request.question, top_k=request.top_k, page=request.page)
    if as_json:
        typer.echo(AskResponse.model_validate(answer).model_dump_json(indent=2))
        return
    typer.echo(answer.answer)
    typer.echo(
        f"\n({'answered from ' + answer.kind if answer.answered else 'declined'}, confidence {answer.confidence:.2f})"
    )
    if answer.suggestions:
        typer.echo("Did you mean: " + " | ".join(answer.suggestions))
    typer.echo("Sources:")
    for source in answer.sources:
        typer.echo(f"  {source.score:.3f}  {source.title} › {source.section}  {source.url}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (env FAQBOT_HOST; default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (env FAQBOT_PORT; default 8000)")] = None,
    index_dir: IndexOpt = None,
) -> None:
    """Serve the API (and the site) until stopped; without a usable index, not ready until one is built."""
    import uvicorn

    from faqbot.index.store import load_index
    from faqbot.server.app import create_app

    settings = _settings(host=host, port=port, index_dir=index_dir)
    try:
        load_index(settings.index_dir, model=settings.model)
    except FaqbotError as exc:
        # Start anyway, not ready: an orchestrator waits on /readyz, and the server picks up the
        # index as soon as 'faqbot build' writes one.
        typer.secho(f"warning: not ready: {exc}; /readyz answers 503 until an index loads", fg="yellow", err=True)
    from faqbot.server.batching import leave_cores_to_encoders
    from faqbot.server.middleware import configure_logging

    configure_logging(settings.log_format)
    leave_cores_to_encoders()
    typer.echo(f"faqbot serving on http://{settings.host}:{settings.port}")
    # faqbot logs each request itself (with its id, as JSON when asked); uvicorn's access log would repeat it.
    # And it decides itself whose X-Forwarded-For to believe (FAQBOT_TRUSTED_PROXIES): uvicorn's own
    # proxy handling would believe any local process, and rate-limit the address it names.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )


@app.command(name="eval")
def eval_command(
    suite: Annotated[
        bool, typer.Option("--suite", help="Run every set of the quality suite (data/eval/suite.yaml).")
    ] = False,
    dialogues: Annotated[
        bool,
        typer.Option("--dialogues", help="Play the dialogue set (data/eval/dialogues.yaml), with and without history."),
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

    settings = _settings(index_dir=index_dir, eval_set=eval_set)
    try:
        if dialogues:
            from faqbot.evaluation.dialogues import dialogue_metrics, format_dialogues
            from faqbot.evaluation.runs import evaluate_dialogues

            ours, baseline = evaluate_dialogues(settings, progress=not as_json)
            if as_json:
                typer.echo(json.dumps({"with_history": dialogue_metrics(ours), "baseline": dialogue_metrics(baseline)}))
            else:
                typer.echo(format_dialogues(ours, baseline))
            return
        if suite or only:
            result = evaluate_suite(settings, only=only, progress=not as_json)
            typer.echo(json.dumps(result.to_json(), indent=2) if as_json else format_suite(result))
            return
        if dataset is not None:
            if dataset != "stackfaq":
                _fail(f"unknown dataset {dataset!r}: the one known is stackfaq (or see --suite)", 2)
            report = evaluate_stackfaq(settings, progress=not as_json)
        elif faq is not None or queries is not None:
            if faq is None or queries is None:
                _fail("--faq and --queries go together", 2)
            report = evaluate_external(settings, faq, queries, progress=not as_json)
        else:
            report = evaluate_index(settings, progress=not as_json)
    except FaqbotError as exc:
        _fail(str(exc))
    typer.echo(report_json(report) if as_json else format_report(report))


@app.command(name="import")
def import_command(
    sources: Annotated[
        list[str], typer.Argument(metavar="SOURCE...", help="Sitemap or start URLs, HTML folders, HTML or text files.")
    ],
    into: Annotated[Path | None, typer.Option(help="Data directory (env FAQBOT_DATA_DIR; default data)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read everything, write nothing.")] = False,
    prune: Annotated[bool, typer.Option("--prune", help="Remove the files of pages that are gone.")] = False,
    max_pages: Annotated[int, typer.Option(min=1, help="Pages read at most, per crawl or sitemap.")] = 200,
    max_depth: Annotated[int, typer.Option(min=0, help="Links followed at most from a crawl's start URL.")] = 3,
    delay: Annotated[float, typer.Option(min=0, help="Seconds between two requests to a host.")] = 1.0,
    base_url: Annotated[str, typer.Option(help="Where a folder of HTML is served (the links answers give).")] = "",
) -> None:
    """Import a site's pages as article and FAQ files: edit them if you like, then 'faqbot build'."""
    from faqbot.importing.run import ImportOptions, import_sources

    into = _settings(data_dir=into).data_dir
    options = ImportOptions(
        into, dry_run=dry_run, prune=prune, max_pages=max_pages, max_depth=max_depth, delay=delay, base_url=base_url
    )
    try:
        result = import_sources(sources, options, say=typer.echo, progress=sys.stderr.isatty())
    except FaqbotError as exc:
        _fail(str(exc))
    for line in result.closing(options):
        typer.echo(line)
    if result.imported == 0:
        _fail("nothing could be imported")


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

    settings = _settings()
    store = store_for(settings)  # the log the servers write: with FAQBOT_DATABASE_URL, every replica's
    try:
        if not store.exists():
            _fail(f"no question log at {store.location}: questions are recorded while 'faqbot serve' runs")
        engine = load_engine(settings)
        if engine.answerer is None:
            _fail(engine.reason or "no index")
        faq_format = owners_format(settings.data_dir / "faq")
        result = build_report(store, engine.answerer, days=days, faq_format=faq_format)
    except StoreUnavailable as exc:
        _fail(f"cannot read the question log: {exc}")
    finally:
        store.close()
    if html is not None:  # the page instead of the text: one report per run
        html.write_text(render_html(result, settings.web_dir / "templates"), encoding="utf-8")
        typer.echo(f"wrote {html}")
        return
    typer.echo(json.dumps(result.to_dict(), indent=2) if as_json else format_report(result))


def main() -> None:
    signal.signal(signal.SIGTERM, lambda n, _: sys.exit(128 + n))  # stopped, a command ends as on Ctrl-C
    app()
