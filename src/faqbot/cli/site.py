"""The site owner's commands: `faqbot build`, `faqbot check` and `faqbot import`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from faqbot.cli.base import DataOpt, IndexOpt, app, fail, settings_from, warn
from faqbot.errors import FaqbotError
from faqbot.settings import Settings
from faqbot.text import content_counts


def check_data_and_say(settings: Settings) -> None:
    """Read and validate the data (`build --check`, `check`): every warning with file:line, then the
    counts; a mistake is one line with file:line and exit code 1."""
    from faqbot.index.build import check_data

    try:
        corpus, passages = check_data(settings)
    except FaqbotError as exc:
        fail(str(exc))
    warn(corpus.warnings)
    typer.echo(f"data ok: {content_counts(len(corpus.articles), len(corpus.faq), passages)}")


@app.command()
def build(
    data_dir: DataOpt = None,
    index_dir: IndexOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Only validate the data; build nothing.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even when the index is up to date.")] = False,
) -> None:
    """Build the index from the data directory (only what changed is embedded again)."""
    from faqbot.index.build import build_index
    from faqbot.index.progress import Progress

    settings = settings_from(data_dir=data_dir, index_dir=index_dir)
    if check:
        check_data_and_say(settings)
        return
    try:
        report = build_index(settings, force=force, progress=Progress(sys.stderr))
    except FaqbotError as exc:
        fail(str(exc))
    except OSError as exc:  # a full disk, an index directory that is a file, ...
        where = f" ({exc.filename})" if exc.filename else ""
        fail(f"the build stopped: {exc.strerror or exc}{where}")
    except (KeyboardInterrupt, SystemExit):  # Ctrl-C, or SIGTERM (faqbot.cli.main)
        typer.echo("build stopped: what it embedded is kept in the cache; the index in place still serves", err=True)
        raise
    warn(report.warnings)
    for line in report.lines():
        typer.echo(line)


@app.command()
def check(
    data_dir: DataOpt = None,
    index_dir: IndexOpt = None,
    eval_set: Annotated[
        Path | None,
        typer.Option("--set", help="Your evaluation file (default: eval/site.yaml in the data directory)."),
    ] = None,
) -> None:
    """Check your site: validate the data, then answer your own evaluation questions and recommend a threshold."""
    from faqbot.evaluation.format import format_check
    from faqbot.evaluation.runs import evaluate_site, owners_set

    settings = settings_from(data_dir=data_dir, index_dir=index_dir)
    check_data_and_say(settings)
    questions = eval_set or owners_set(settings)
    if eval_set is None and not questions.is_file():
        typer.echo(
            f"no evaluation file at {questions}: write questions about your content there (README, 'Your own "
            "checks') to measure the answers and get a threshold"
        )
        return
    try:
        built, report = evaluate_site(settings, questions, progress=sys.stderr.isatty())
    except FaqbotError as exc:
        fail(str(exc))
    state = "up to date" if built.up_to_date else "built from the data"
    typer.echo(f"index {built.version} ({state}); evaluation file {questions}")
    typer.echo(format_check(report))
    if report.stale:  # the owner's file needs fixing: a check run by CI or a deploy script fails
        raise typer.Exit(1)


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
    from faqbot.importing.report import ImportOptions
    from faqbot.importing.run import import_sources

    if any(not source.strip() for source in sources):  # an unset shell variable: it would import the current folder
        fail("an empty SOURCE: name a URL, a file or a folder", 2)
    problem = _base_url_problem(base_url) if base_url else None
    if problem:
        fail(f"--base-url {base_url!r}: {problem}", 2)
    into = settings_from(data_dir=into).data_dir
    blocked = next((p for p in (into, *into.parents) if p.exists() and not p.is_dir()), None)
    if blocked is not None:
        fail(f"{blocked} is a file: --into names the data folder the pages are written to", 2)
    options = ImportOptions(
        into, dry_run=dry_run, prune=prune, max_pages=max_pages, max_depth=max_depth, delay=delay, base_url=base_url
    )
    try:
        result = import_sources(sources, options, say=typer.echo, progress=sys.stderr.isatty())
    except FaqbotError as exc:
        fail(str(exc))
    except OSError as exc:  # a folder that cannot be written (read-only, /proc)
        fail(f"cannot write under {into}: {exc.strerror or exc}", 2)
    for line in result.closing(options, builds=settings_from().data_dir):
        typer.echo(line)
    if result.imported == 0:
        fail("nothing could be imported")


def _base_url_problem(base_url: str) -> str | None:
    """Why `base_url` cannot be where a folder of pages is served (None when it can): every answer's
    link starts with it, so it is a web address with a host, and no query or fragment."""
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 (reading it checks it: "https://example.org:99999")
    except ValueError as exc:
        return f"not an address that can be read ({exc})"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        guess = f" (https://{base_url.lstrip('/')}?)" if not parts.scheme and "." in base_url else ""
        return f"the site's address is http:// or https:// and a host, such as https://www.example.org{guess}"
    if parts.query or parts.fragment or "#" in base_url:
        return "the site's address has no ?query or #fragment: answers add their pages' paths and anchors to it"
    return None
