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


class DataErrors(DataError):
    """Several mistakes in the data files (`errors`: each file's own in path order, or those between
    files): a site owner fixes them all after one build instead of one per build. Its place is its
    first error's."""

    SHOWN = 20  # errors listed; the rest are counted

    def __init__(self, errors: list[DataError]):
        first = errors[0]
        super().__init__(first.path, first.message, line=first.line, entry=first.entry)
        self.errors = errors

    def __str__(self) -> str:
        listed = [f"  {error}" for error in self.errors[: self.SHOWN]]
        if len(self.errors) > self.SHOWN:
            listed.append(f"  ... and {len(self.errors) - self.SHOWN} more")
        return "\n".join([f"{len(self.errors)} mistakes in the data (fix each; nothing was built):", *listed])


def raise_all(errors: list[DataError]) -> None:
    """Raise the one error, or all of them together; nothing when there is none."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DataErrors(errors)


class IndexUnavailable(FaqbotError):
    """The index is missing, unreadable, or does not match the configured model or format."""


class BuildLockedError(FaqbotError):
    """Another build holds the index directory's lock."""
