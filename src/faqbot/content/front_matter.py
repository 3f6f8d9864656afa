"""An article's front matter: the YAML between the opening `---` lines (title, slug, date, url).

Other keys (a static site generator's `tags`, `draft`, `weight`) are left alone; one that looks like
a misspelling of a key faqbot reads ("tittle", "Date") is named, since its value is silently lost
otherwise: a warning, or the error for a missing title with the key that was meant.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from faqbot.content.yaml_files import UniqueKeyLoader
from faqbot.errors import DataError
from faqbot.text import has_text, lone_surrogate, surrogate_escape_line

KEYS = ("title", "slug", "date", "url")


@dataclass(frozen=True)
class FrontMatter:
    path: Path
    text: str  # the whole file, to find a key's line
    meta: dict[str, object]
    body: str  # the Markdown after the closing `---`
    body_start: int  # its first line (1-based)

    def line(self, key: str) -> int:
        """The line that sets `key` (2, the front matter's first, when none does)."""
        sets = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*:""")  # "date:", "date :", '"date":'
        return next((n for n, line in enumerate(self.text.splitlines(), start=1) if sets.match(line)), 2)

    def misspelt_keys(self) -> dict[str, str]:
        """Each key faqbot does not read that is close to one it does (difflib's ratio 0.75 or more,
        ignoring case): the key as written -> the key it likely meant. Also when that key is set too
        ("tittle" beside "title"): its value is lost either way."""
        meant = {}
        for key in map(str, self.meta):
            close = difflib.get_close_matches(key.lower(), KEYS, n=1, cutoff=0.75)
            if key not in KEYS and close:
                meant[key] = close[0]
        return meant

    @property
    def misspelt(self) -> list[str]:
        """A `file:line: ...` warning for each of `misspelt_keys`."""
        return [
            f"{self.path}:{self.line(key)}: {_did_you_mean(key, meant)}" for key, meant in self.misspelt_keys().items()
        ]

    def required_str(self, key: str) -> str:
        value = self.meta.get(key)
        if isinstance(value, str) and has_text(value):
            return value.strip()
        if value is not None and not isinstance(value, str):  # "title: 1984", "title: Yes": YAML read no text
            raise DataError(self.path, f"'{key}' must be text: quote it ({key}: \"...\")", line=self.line(key))
        written = next((k for k, meant in self.misspelt_keys().items() if meant == key), None)
        if written is None:
            raise DataError(self.path, f"the front matter needs a '{key}'", line=2)
        message = f"the front matter needs a '{key}' ({_did_you_mean(written, key)})"
        raise DataError(self.path, message, line=self.line(written))

    def date(self) -> str:
        """The date as ISO 8601 text ("" when none is given): the article page shows it in a <time>."""
        value = self.meta.get("date")
        if value is None or value == "":
            return ""
        if isinstance(value, dt.date):  # YAML reads 2024-05-01 (with a time: a datetime) as a date
            return value.isoformat()
        if not isinstance(value, str | int):  # a list, a mapping, yes/no
            raise DataError(self.path, "'date' must be one date such as 2024-05-01", line=self.line("date"))
        text = str(value).strip()
        for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
            try:
                return parse(text).isoformat()
            except ValueError:
                pass
        raise DataError(self.path, f"'date' must be a date such as 2024-05-01 (got {text!r})", line=self.line("date"))


def read_front_matter(path: Path, text: str) -> FrontMatter:
    """The front matter of the article `text` (read from `path`); DataError with the line when it is
    missing, not closed, not YAML, or holds a value YAML cannot read."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise DataError(
            path, "an article must start with front matter between '---' lines (title, slug, date, url)", line=1
        )
    closing = next((n for n, line in enumerate(lines[1:], start=2) if line.strip() == "---"), None)
    if closing is None:
        raise DataError(path, "the front matter is not closed with a '---' line", line=1)
    try:
        # Read from the file's second line, so that YAML's own line numbers ("first on line 3") are the file's.
        meta = yaml.load("\n" + "".join(lines[1 : closing - 1]), Loader=UniqueKeyLoader) or {}  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line_no = mark.line + 1 if mark is not None else 1
        raise DataError(
            path, f"the front matter is not valid YAML ({getattr(exc, 'problem', exc)})", line=line_no
        ) from None
    except (ValueError, OverflowError, RecursionError) as exc:  # YAML, but no value ("date: 2024-02-30")
        raise DataError(
            path,
            f"a front matter value cannot be read ({exc}): quote it to keep it as text",
            line=_bad_line(lines, closing),
        ) from None
    if not isinstance(meta, dict):
        raise DataError(path, "the front matter must be 'key: value' lines", line=2)
    broken = next((str(key) for key, value in meta.items() if lone_surrogate(value)), None)
    if broken is not None:
        escaped = surrogate_escape_line("".join(lines[1 : closing - 1]), first=2) or 2
        raise DataError(path, f"'{broken}' holds a lone surrogate escape (such as \\ud800): remove it", line=escaped)
    return FrontMatter(path, text, meta, "".join(lines[closing:]), closing + 1)


def _did_you_mean(written: str, meant: str) -> str:
    return f"the front matter key {written!r} is not one faqbot reads: did you mean '{meant}'? (keys are lower-case)"


def _bad_line(lines: list[str], closing: int) -> int:
    """The first front matter line that cannot be read on its own (else the first line of it)."""
    for number in range(2, closing):
        try:
            yaml.safe_load(lines[number - 1])
        except (yaml.YAMLError, ValueError, OverflowError, RecursionError):
            return number
    return 2
