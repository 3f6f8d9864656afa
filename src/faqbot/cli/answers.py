"""Answering from the built index: `faqbot ask` and `faqbot serve`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError

from faqbot.cli.base import IndexOpt, app, fail, settings_from
from faqbot.errors import FaqbotError


@app.command()
def ask(
    questions: Annotated[
        list[str],
        typer.Argument(
            metavar="QUESTION...",
            help="The question, in quotes. Several are asked as one conversation, each after the ones before "
            "it, as the chat widget asks them: follow-ups ('and for students?') are read in context.",
        ),
    ],
    top_k: Annotated[int, typer.Option(min=1, max=10, help="Sources to show.")] = 3,
    page: Annotated[
        str | None, typer.Option(help="The page asked from (a path): which article 'this page' means.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the API response as JSON (a list for several).")
    ] = False,
    index_dir: IndexOpt = None,
) -> None:
    """Answer a question, or a conversation of several, from the built index."""
    from faqbot.answering.conversation import Turn
    from faqbot.answering.engine import load_engine
    from faqbot.server.schemas import MAX_HISTORY, AskRequest, AskResponse

    settings = settings_from(index_dir=index_dir)
    try:
        requests = [AskRequest(question=question, top_k=top_k, page=page) for question in questions]
    except ValidationError as exc:
        fail(str(exc.errors()[0]["msg"]).removeprefix("Value error, "), 2)
    engine = load_engine(settings)
    if engine.answerer is None:
        fail(engine.reason or "no index")
    history: list[Turn] = []
    responses = []
    for number, request in enumerate(requests):
        # The last MAX_HISTORY turns, as the widget sends them.
        answer = engine.answerer.answer(
            request.question, top_k=request.top_k, page=request.page, history=history[-MAX_HISTORY:]
        )
        source = answer.sources[0].id if answer.answered and answer.sources else None
        history.append(Turn(request.question, answer.answer, source))
        responses.append(AskResponse.model_validate(answer))
        if not as_json:
            _show(answer, asked=request.question if len(requests) > 1 else None, first=number == 0)
    if as_json:
        typer.echo(responses[0].model_dump_json(indent=2) if len(responses) == 1 else _json_list(responses))


def _json_list(responses: list[Any]) -> str:
    return "[\n" + ",\n".join(response.model_dump_json(indent=2) for response in responses) + "\n]"


def _show(answer: Any, *, asked: str | None, first: bool) -> None:
    """One answer as the terminal shows it; in a conversation, under the question it answers."""
    if asked is not None:
        typer.echo(("" if first else "\n") + f"> {asked}")
    if answer.interpreted_as:
        typer.echo(f"(read as: {answer.interpreted_as})")
    typer.echo(answer.answer)
    typer.echo(
        f"\n({'answered from ' + answer.kind if answer.answered else 'declined'}, confidence {answer.confidence:.2f})"
    )
    if answer.suggestions:
        typer.echo("Did you mean: " + " | ".join(answer.suggestions))
    if answer.sources:  # small talk has none
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

    settings = settings_from(host=host, port=port, index_dir=index_dir)
    try:
        load_index(settings.index_dir, model=settings.model)
    except FaqbotError as exc:
        # Start anyway, not ready: an orchestrator waits on /readyz, and the server picks up the
        # index as soon as 'faqbot build' writes one.
        typer.secho(f"warning: not ready: {exc}; /readyz answers 503 until an index loads", fg="yellow", err=True)
    from faqbot.server.batching import leave_cores_to_encoders
    from faqbot.server.middleware import configure_logging
    from faqbot.server.whole_responses import whole_response_protocol

    configure_logging(settings.log_format)
    leave_cores_to_encoders()
    problem = _cannot_listen(settings.host, settings.port)
    if problem:  # said before "serving on", which would not be true
        fail(f"cannot serve on {settings.host}:{settings.port}: {problem}", 3)
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
        http=whole_response_protocol(),  # a replica killed mid-response sends nothing rather than half
    )


def _cannot_listen(host: str, port: int) -> str | None:
    """Why the server could not listen there (the port taken, the address not this machine's), or None.
    A socket bound and closed at once, as uvicorn binds it next (SO_REUSEADDR)."""
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        return exc.strerror or str(exc)
    return None
