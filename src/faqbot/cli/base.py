"""What every `faqbot` command shares: the Typer app, settings from the environment, one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError

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


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def settings_from(**overrides: object) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"bad setting FAQBOT_{str(first['loc'][0]).upper()}: {first['msg']}", 2)


def warn(warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)


DataOpt = Annotated[Path | None, typer.Option(help="Data directory (env FAQBOT_DATA_DIR; default data)")]
IndexOpt = Annotated[Path | None, typer.Option(help="Index directory (env FAQBOT_INDEX_DIR; default indexes)")]
