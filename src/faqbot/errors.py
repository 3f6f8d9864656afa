"""Errors that carry a plain message for the person who can fix them."""

from __future__ import annotations

from pathlib import Path


class FaqbotError(Exception):
    """Base of faqbot's own errors: the message is meant for a user, not a traceback."""


class DataError(FaqbotError):
    """A data file is wrong. Says where (`file:line`, or file and entry) and what is wrong."""

    def __init__(self, path: Path | str, message: str, *, line: int | None = None, entry: str | None = None):
        self.path = Path(path)
        self.line = line
        self.entry = entry
        self.message = message
        where = str(self.path)
        if line is not None:
            where += f":{line}"
        if entry is not None:
            where += f" ({entry})"
        super().__init__(f"{where}: {message}")


class IndexUnavailable(FaqbotError):
    """The index is missing, unreadable, or does not match the configured model or format."""


class BuildLockedError(FaqbotError):
    """Another build holds the index directory's lock."""
