"""An imported page as ordinary faqbot data files, written atomically.

- `articles/<slug>.md`: front matter (title, slug, the date when the page gives one, the live
  page's URL, and `imported_from`, which marks the file as the import's) and one `## heading` per
  section, the format `content.articles` reads. Text is escaped so Markdown cannot reinterpret
  it: a paragraph "1. Pump the tyre" stays a paragraph, "*" and "[" stay characters.
- `faq/<slug>.yaml`: the page's FAQ pairs (answers escaped too: they are Markdown), each with `url`,
  the live page (and the anchor of the FAQ's section where the page has one). No `id`: `content.faq`
  derives one from the file name and the question, stable across imports.
Both start with a comment saying where they came from.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import yaml

from faqbot.importing.page import Block, Page

HEADER = "Written by 'faqbot import' from {source}. Edit it freely: a re-import leaves an edited file alone."
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_LINE_START = re.compile(r"^([#>+=|~-])")
_ORDERED = re.compile(r"^(\d{1,9})([.)])(\s|$)")
_CLOSING_HASHES = re.compile(r"(\s)(#+)$")  # "## Size #" would end its heading at "Size"
_ID_LIKE_END = re.compile(r"(\s)(\{#[^{}\s]*\})$")
_FENCE_RUN = re.compile(r"^[ \t]*(`{3,})", re.MULTILINE)


def escape(text: str) -> str:
    """`text` as Markdown that reads back as exactly `text` (one line, white space collapsed)."""
    text = " ".join(text.split())
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _ORDERED.sub(r"\1\\\2\3", text)
    text = _CLOSING_HASHES.sub(r"\1\\\2", text)
    return _LINE_START.sub(r"\\\1", text)


def shown_source(source: str) -> str:
    """Where a page was read, as text a file can hold: a file name not in UTF-8 keeps its bytes as
    escapes ("caf\\xe9.html"), where the name as read holds lone surrogates no file can be written with."""
    return source.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def render_article(page: Page, slug: str) -> str | None:
    """The article file's text, or None when the page has no text outside its FAQ."""
    if not page.has_text:
        return None
    meta: dict[str, str] = {"title": page.title, "slug": slug}
    if page.date:
        meta["date"] = page.date
    if page.url:
        meta["url"] = page.url
    meta["imported_from"] = shown_source(page.source)
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    parts = [f"---\n# {HEADER.format(source=shown_source(page.source))}\n{front}---\n"]
    for section in page.sections:
        if section.title:
            given = f" {{#{section.page_anchor}}}" if section.keeps_page_anchor else ""  # the live page's id
            # "Setup {#x}" as the page's own text, not an id the heading gives itself (content.anchors).
            heading = _ID_LIKE_END.sub(r"\1\\\2", escape(section.title))
            parts.append(f"## {heading}{given}\n")
        parts.append(_blocks(section.blocks))
    return "\n".join(parts)


def render_faq(page: Page) -> str | None:
    """The FAQ file's text, or None when the page has no FAQ pairs."""
    if not page.faq:
        return None
    entries = []
    for pair in page.faq:
        entry = {"question": pair.question, "answer": escape(pair.answer)}  # answers are Markdown too
        url = f"{page.url}#{pair.anchor}" if page.url and pair.anchor else page.url
        if url:
            entry["url"] = url
        entries.append(entry)
    body = yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100)
    return f"# {HEADER.format(source=shown_source(page.source))}\n{body}"


def _blocks(blocks: tuple[Block, ...]) -> str:
    lines: list[str] = []
    previous = ""
    for block in blocks:
        if block.kind == "item":
            if previous != "item":
                lines.append("")
            lines.append(f"- {escape(block.text)}")
        elif block.kind == "code":
            lines += ["", *_fenced(block.text)]
        elif block.kind == "quote":
            lines += ["", f"> {escape(block.text)}"]
        else:
            lines += ["", escape(block.text)]
        previous = block.kind
    return "\n".join(lines).strip("\n") + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` in one rename: a reader (or a build) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp's file is private (0600); a data file keeps its mode, or is readable like any other.
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as output:
            output.write(text)
            output.flush()
            os.fsync(output.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _fenced(code: str) -> list[str]:
    """A code block as a fenced one that nothing in it can close: backticks one longer than any run of
    them at the start of its lines (CommonMark closes a fence with a run at least as long, of its kind)."""
    longest = max((len(run) for run in _FENCE_RUN.findall(code)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, code, fence]
