"""FAQ files under `data/faq/`: lists of entries as JSON, YAML or CSV.

Every entry needs `question` and `answer`; `id`, `url`, `alternates` (other phrasings of the
question) and `article` (the slug of the article it belongs to) are optional. A file named after an
article's slug belongs to that article. An answer may use Markdown or HTML (links, lists, emphasis,
code: faqbot.content.markdown); its line breaks are kept. Mistakes stop the build with `file:line` and
a plain message.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from faqbot.content.anchors import ANCHOR_ID
from faqbot.content.markdown import to_plain
from faqbot.content.yaml_files import TextLoader, yaml_mistake
from faqbot.errors import DataError
from faqbot.text import content_hash, data_files, has_text, link_problem, lone_surrogate, read_utf8, slugify

FAQ_SUFFIXES = (".json", ".yaml", ".yml", ".csv")
_KNOWN_KEYS = {"id", "question", "answer", "url", "alternates", "article"}
CSV_DELIMITERS = (",", ";", "\t")  # not "|": it separates alternates in a cell
# In CSV, alternates share one cell, separated by this character.
CSV_ALTERNATES_SEPARATOR = "|"


@dataclass(frozen=True)
class FaqEntry:
    id: str
    question: str
    answer: str  # as written (Markdown or HTML allowed), its line breaks kept: faqbot.content.markdown
    alternates: tuple[str, ...] = ()
    url: str = ""
    article: str = ""
    path: str = ""
    line: int = 0
    generated_id: bool = False  # made from the file and the question (no `id` written)


def owners_format(directory: Path) -> str:
    """The format most of the FAQ files under `directory` are in ("yaml", "csv" or "json"; "yaml" for none)."""
    counts: dict[str, int] = {}
    for path in data_files(directory, FAQ_SUFFIXES) if directory.is_dir() else ():  # the files load_faq reads
        kind = "yaml" if path.suffix.lower() in (".yaml", ".yml") else path.suffix.lower()[1:]
        counts[kind] = counts.get(kind, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else "yaml"


def load_faq(directory: Path, errors: list[DataError] | None = None) -> list[FaqEntry]:
    """All entries of every FAQ file below `directory`, in path order; ids are unique. With `errors`,
    a file's mistake is added there and the next file read; without, the first one is raised."""
    if not directory.is_dir():
        return []
    entries: list[FaqEntry] = []
    seen: dict[str, FaqEntry] = {}
    # Anything named as a FAQ file is read: a folder or a dangling link so named is a mistake to report.
    for path in data_files(directory, FAQ_SUFFIXES):
        try:
            parsed = parse_faq_file(path)
        except DataError as exc:
            if errors is None:
                raise
            errors.append(exc)
            continue
        for entry in parsed:
            if entry.id in seen and entry.generated_id:
                # Two questions whose slugs agree up to the cut (long, similar questions): the later
                # one's id gets its question's hash, so an owner who wrote no ids never sees a clash.
                entry = replace(entry, id=f"{entry.id}-{content_hash(entry.question, length=8)}")
            if entry.id in seen:
                first = seen[entry.id]
                clash = DataError(
                    path, f"duplicate id {entry.id!r} (first used at {first.path}:{first.line})", line=entry.line
                )
                if errors is None:
                    raise clash
                errors.append(clash)
                continue
            seen[entry.id] = entry
            entries.append(entry)
    return entries


def parse_faq_file(path: Path) -> list[FaqEntry]:
    text = read_utf8(path)
    if not text.strip():
        raise DataError(path, "the file is empty: a FAQ file is a list of entries with 'question' and 'answer'", line=1)
    suffix = path.suffix.lower()
    try:
        rows = (
            _csv_rows(path, text)
            if suffix == ".csv"
            else _json_rows(path, text)
            if suffix == ".json"
            else _yaml_rows(path, text)
        )
        entries = [_entry(path, line, number, row) for number, (line, row) in enumerate(rows, start=1)]
    except RecursionError:  # JSON or YAML nested past Python's limit
        raise DataError(path, "lists or objects are nested too deeply to read", line=1) from None
    if not entries:
        raise DataError(path, "the file has no entries", line=1)
    return entries


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _json_rows(path: Path, text: str) -> Iterator[tuple[int, object]]:
    # Decode element by element so each entry knows the line it starts on.
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if position >= len(text) or text[position] != "[":
        raise DataError(path, "a JSON FAQ file must be a list of objects: [{...}, ...]", line=_line_at(text, position))
    position = _skip_space(text, position + 1)
    if position < len(text) and text[position] == "]":
        return
    while True:
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise DataError(path, f"invalid JSON: {exc.msg}", line=exc.lineno) from None
        yield _line_at(text, position), value
        position = _skip_space(text, end)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
            continue
        if position < len(text) and text[position] == "]":
            break
        raise DataError(path, "invalid JSON: expected ',' or ']' after an entry", line=_line_at(text, position))
    if _skip_space(text, position + 1) != len(text):
        raise DataError(path, "invalid JSON: text after the closing ']'", line=_line_at(text, position + 1))


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _yaml_rows(path: Path, text: str) -> Iterator[tuple[int, object]]:
    try:
        node = yaml.compose(text, Loader=TextLoader)
        data = yaml.load(text, Loader=TextLoader)  # noqa: S506 (a SafeLoader that resolves fewer types)
    except yaml.YAMLError as exc:
        raise yaml_mistake(path, exc) from None
    if data is None:
        raise DataError(path, "the file has no entries", line=1)
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise DataError(path, "a YAML FAQ file must be a list of entries ('- question: ...')", line=1)
    for item_node, value in zip(node.value, data, strict=True):
        yield item_node.start_mark.line + 1, value


def _delimiter(text: str) -> str:
    """The CSV's separator: the one of , ; tab | whose header row names both required columns (a
    spreadsheet in a comma-decimal locale saves with semicolons)."""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    for candidate in CSV_DELIMITERS:
        names = {cell.strip().strip('"').lower() for cell in first.split(candidate)}
        if {"question", "answer"} <= names:
            return candidate
    return ","


def _csv_rows(path: Path, text: str) -> Iterator[tuple[int, object]]:
    delimiter = _delimiter(text)
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True, delimiter=delimiter)
    try:
        header = reader.fieldnames or []
        if not {"question", "answer"} <= {h.strip() for h in header}:
            raise DataError(
                path,
                "the CSV header row must name 'question' and 'answer' columns, separated by commas, semicolons or tabs",
                line=1,
            )
        twice = sorted({h.strip() for h in header if h.strip() and [x.strip() for x in header].count(h.strip()) > 1})
        if twice:  # the reader would keep the last column of a name, dropping the other without a word
            raise DataError(path, f"the header row names {', '.join(map(repr, twice))} twice", line=1)
        start = 2
        for row in reader:
            if None in row:
                raise DataError(path, "this row has more cells than the header", line=start)
            cleaned = {key.strip(): (value or "") for key, value in row.items() if key is not None}
            if not any(v.strip() for v in cleaned.values()):
                start = reader.line_num + 1
                continue  # a blank row
            alternates = cleaned.get("alternates", "")
            cleaned_row: dict[str, object] = {
                k: v for k, v in cleaned.items() if v.strip() or k in ("question", "answer")
            }
            if alternates.strip():
                cleaned_row["alternates"] = [a.strip() for a in alternates.split(CSV_ALTERNATES_SEPARATOR) if a.strip()]
            yield start, cleaned_row
            start = reader.line_num + 1
    except csv.Error as exc:
        # The reader counts the line it failed on only once it is through it: the line is the next one
        # (but no further than the file's last, for a quote left open to its end).
        line = min(reader.line_num + 1, text.count("\n") + 1)
        raise DataError(path, f"invalid CSV: {exc}", line=line) from None


def _entry(path: Path, line: int, number: int, row: object) -> FaqEntry:
    if not isinstance(row, dict):
        raise DataError(
            path, "an entry must be an object with 'question' and 'answer'", line=line, entry=f"entry {number}"
        )
    broken = next((str(key) for key, value in row.items() if lone_surrogate(value)), None)
    if broken is not None:
        raise DataError(
            path,
            f"'{broken}' holds a lone surrogate escape (such as \\ud800), which is no character: remove it",
            line=line,
            entry=f"entry {number}",
        )
    unknown = sorted(set(map(str, row)) - _KNOWN_KEYS)
    if unknown:
        raise DataError(
            path,
            f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_KNOWN_KEYS))}",
            line=line,
            entry=f"entry {number}",
        )
    question = _text_field(path, row, "question", line, number)
    if not any(char.isalnum() for char in question):  # "???": nothing a reader could type to ask it
        raise DataError(path, f"'question' {question!r} has no letter or digit", line=line, entry=f"entry {number}")
    answer = _text_field(path, row, "answer", line, number, lines=True)
    if not has_text(to_plain(answer)):
        raise DataError(path, "'answer' has no text once its markup is left out", line=line, entry=f"entry {number}")
    raw_id = row.get("id")
    generated = raw_id is None or (isinstance(raw_id, str) and not has_text(raw_id))
    if generated:
        # Stable across rebuilds: derived from the file and the question, not from position.
        entry_id = f"{slugify(path.stem, max_length=40)}-{slugify(question, max_length=60)}"
    elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        entry_id = str(raw_id).strip()
        if not re.fullmatch(ANCHOR_ID, entry_id):  # it ends a link (#faq-<id>) and names an element on the page
            raise DataError(
                path,
                f"'id' {entry_id!r} must be letters, digits, '-', '_', '.' or ':' (it ends the entry's link)",
                line=line,
                entry=f"entry {number}",
            )
    else:
        raise DataError(path, "'id' must be a string or a number", line=line, entry=f"entry {number}")
    alternates = row.get("alternates") or []
    if isinstance(alternates, str):
        alternates = [alternates]
    if not isinstance(alternates, list) or not all(isinstance(a, str) for a in alternates):
        raise DataError(path, "'alternates' must be a list of questions", line=line, entry=f"entry {number}")
    url = row.get("url") or ""
    article = row.get("article") or ""
    if not isinstance(url, str) or not isinstance(article, str):
        raise DataError(path, "'url' and 'article' must be strings", line=line, entry=f"entry {number}")
    bad_link = link_problem(url.strip())
    if bad_link:
        raise DataError(path, f"'url' {url.strip()!r}: {bad_link}", line=line, entry=f"entry {number}")
    return FaqEntry(
        id=entry_id,
        question=question,
        answer=answer,
        alternates=tuple(a.strip() for a in alternates if has_text(a)),
        url=url.strip() if has_text(url) else "",
        article=article.strip(),
        generated_id=generated,
        path=str(path),
        line=line,
    )


def _text_field(path: Path, row: dict[object, object], key: str, line: int, number: int, *, lines: bool = False) -> str:
    """The field's text, whitespace collapsed; with `lines`, its line breaks kept (Markdown's lists need them)."""
    value = row.get(key)
    if value is None or (isinstance(value, str) and not has_text(value)):
        raise DataError(path, f"missing '{key}'", line=line, entry=f"entry {number}")
    if not isinstance(value, str):
        raise DataError(path, f"'{key}' must be text", line=line, entry=f"entry {number}")
    if lines:
        return "\n".join(text.rstrip() for text in value.strip().splitlines())
    return " ".join(value.split())
