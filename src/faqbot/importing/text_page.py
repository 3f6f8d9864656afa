"""A page captured as plain text (like the launch article's), as a `Page`.

Plain text has no markup to tell a heading from a paragraph or the site's chrome from the
article, and no extraction library reads it, so a text page is read by a few stated rules:
- Paragraphs are separated by blank lines; a paragraph of one short line that does not end like a
  sentence (no . , ; : !) is a heading.
- The lines before the first real paragraph are the page's header: a date there is the page's
  date, a breadcrumb ("Home > Articles > …") and a reading time ("4 min read") are dropped, and
  the longest remaining line is the title (the others are the site's name or a shortened title).
- Headings that are page furniture in any site ("Further Reading", "Share this page", "Related
  posts", …) are dropped; text after one belongs to the section before it.
- "Q: … A: …" paragraphs are FAQ pairs (`sections.assemble`), as on an HTML page.
"""

from __future__ import annotations

import datetime as dt
import re

from faqbot.importing.encoding import decode
from faqbot.importing.faq_markup import squash
from faqbot.importing.page import Block, Page, PageProblem, normal
from faqbot.importing.sections import assemble

HEADING_MAX_WORDS = 12
FURNITURE = frozenset(
    {
        "advertisement",
        "back to top",
        "categories",
        "comments",
        "contents",
        "further reading",
        "leave a comment",
        "leave a reply",
        "newsletter",
        "read more",
        "read next",
        "related",
        "related articles",
        "related posts",
        "see also",
        "share",
        "share this",
        "share this article",
        "share this page",
        "share this post",
        "subscribe",
        "table of contents",
        "tags",
        "you may also like",
    }
)
_MARKER = re.compile(r"^\s*(?:Q|Question|A|Answer)\s?[:.)]")
_BREADCRUMB = re.compile(r"\S\s+(?:>|›|»|/)\s+\S.*\s+(?:>|›|»|/)\s+\S")
_READING_TIME = re.compile(r"^\d+\s*(?:min|mins|minute|minutes)\.?\s+read$", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%d %B %Y", "%b %d, %Y", "%d %b %Y", "%Y/%m/%d")


def page_from_text(body: bytes, charset: str | None, *, url: str, source: str, fallback_title: str) -> Page:
    """The page read by the rules above; PageProblem when it does not decode or has no text."""
    text = decode(body, charset, html=False)
    paragraphs = _paragraphs(text)
    first_prose = next((n for n, p in enumerate(paragraphs) if not _heading_like(p)), len(paragraphs))
    header, rest = paragraphs[:first_prose], paragraphs[first_prose:]
    title, date = _read_header(header)
    blocks: list[Block] = []
    for paragraph in rest:
        if _heading_like(paragraph):
            if normal(paragraph).rstrip(":") not in FURNITURE:
                blocks.append(Block("heading", paragraph, level=2))
        else:
            blocks.append(Block("paragraph", paragraph))
    sections, pairs = assemble(blocks, [], title=title)
    if not any(section.blocks for section in sections) and not pairs:
        raise PageProblem("no text found (only headings or an empty file)")
    return Page(url=url, source=source, title=title or fallback_title, date=date, sections=sections, faq=pairs)


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs; in a group of short lines each line stands alone (a
    header's lines), and a "Q:" or "A:" line always starts a paragraph of its own."""
    paragraphs: list[str] = []
    for group in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line.strip() for line in group.split("\n") if line.strip()]
        if lines and all(_heading_like(line) for line in lines):
            paragraphs.extend(lines)
            continue
        current: list[str] = []
        for line in lines:
            if _MARKER.match(line) and current:
                paragraphs.append(squash(" ".join(current)))
                current = []
            current.append(line)
        if current:
            paragraphs.append(squash(" ".join(current)))
    return paragraphs


def _heading_like(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= HEADING_MAX_WORDS
        and "\n" not in line
        and not line.rstrip().endswith((".", ",", ";", ":", "!", "…"))
        and not _MARKER.match(line)
    )


def _read_header(lines: list[str]) -> tuple[str, str]:
    date = ""
    candidates = []
    for line in lines:
        found = _date(line)
        if found and not date:
            date = found
        elif not _BREADCRUMB.search(line) and not _READING_TIME.match(line):
            candidates.append(line)
    title = max(candidates, key=len, default="")
    return title, date


def _date(line: str) -> str:
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(line.strip(), pattern).date().isoformat()
        except ValueError:
            continue
    return ""
