"""Section anchors: the id a section's link ends with (`/articles/<slug>#<anchor>`).

A `## heading` gives its section the slug of its text, or the id written after it as
`## Tyre pressure {#pressure}`; the text before the first heading is the introduction. The sections
(faqbot.content.articles) and the article page (faqbot.server.routes.pages) read anchors by these
rules alone, so a passage's link always lands on its heading.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from markdown_it.token import Token

from faqbot.content.markdown import markdown_parser
from faqbot.text import slugify

INTRODUCTION_ANCHOR = "introduction"


# "## Tyre pressure {#pressure}": a heading whose text ends with the id it gives itself (Pandoc's and
# kramdown's syntax), an ATX heading of any level or a setext one ("Tyre pressure {#pressure}" over
# "---"), wherever Markdown reads a heading (in a list or a quote too; never in code). A section's
# heading (# or ##) gives its anchor; a deeper one an id on the page only.
ANCHOR_ID = r"[\w.:-]+"
# The id at the end of a heading's source text (before Markdown reads "_" or "*" in it as emphasis:
# Sphinx ids like "object.__init__" are common), and on its line: an ATX heading's closing "#"s after
# it, and "\r" (a file saved on Windows: markdown-it reads it as a line end, so must this).
_ID_AT_END = re.compile(rf"[ \t]+\{{#({ANCHOR_ID})\}}\Z")
# What ends like an id but none can be ({#a/b}, {#}): the heading keeps it as text, with a warning.
_ANY_ID_AT_END = re.compile(r"[ \t]+\{#([^{}\s]*)\}\Z")
_LINE_END = re.compile(r"(\r\n|\r|\n)")
_ID_ON_LINE = re.compile(rf"[ \t]+\{{#{ANCHOR_ID}\}}[ \t]*#*[ \t\r]*$")


class GivenAnchors(NamedTuple):
    body: str  # with the `{#id}` ending each heading taken out (the heading reads without it)
    given: dict[int, str]  # the ids by their heading's first line (0-based in the body)
    unusable: list[tuple[int, str]]  # headings ending like `{#a/b}`, which no id can be: line, text


def given_anchors(body: str) -> GivenAnchors:
    """The ids headings give themselves, and the body without them. Headings are where markdown-it
    finds them, so a fence opened in a list item or a backtick in a fence's info string is read as
    Markdown reads it."""
    # Lines as markdown-it counts them: "\r\n", "\r" (old Mac files) and "\n" each end one.
    parts = _LINE_END.split(body)
    lines, ends = parts[0::2], parts[1::2]
    given: dict[int, str] = {}
    unusable: list[tuple[int, str]] = []
    tokens = markdown_parser().parse(body)
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or not token.map:
            continue
        content = tokens[index + 1].content.rstrip("\r")
        mark = _ID_AT_END.search(content)
        if mark is None:
            near = _ANY_ID_AT_END.search(content)
            if near:
                unusable.append((token.map[0], near.group(1)))
            continue
        first, after = token.map
        # An underlined (setext) heading ends on the line above its underline; an ATX one is one line.
        line = after - 2 if token.markup in ("=", "-") else first
        stripped = _ID_ON_LINE.sub("", lines[line])
        # An id alone on an underlined heading's last line ("Brakes" / "{#brakes}" / "---") stays: taken
        # out, it would leave a blank line, and "Brakes" a paragraph over a rule.
        if stripped != lines[line] and stripped.strip():
            lines[line] = stripped
            given[first] = mark.group(1)
    return GivenAnchors("".join(line + end for line, end in zip(lines, [*ends, ""], strict=True)), given, unusable)


def heading_anchor(token: Token, heading: str, given: dict[int, str]) -> str:
    """A section heading's anchor: the id its line gives (`given_anchors`), else its text slugified.
    The one rule for the sections' anchors and the ids the article page gives its headings."""
    return given.get(token.map[0] if token.map else -1) or slugify(heading)


def same_anchor(heading: str, anchor: str, first_line: int, first: str | None) -> str:
    """Why a heading cannot be a section: another section has its anchor (the links would clash)."""
    if first == heading:
        return f"two sections have the heading {heading!r} (first at line {first_line})"
    other = "the text before the first heading" if first is None else f"the heading {first!r}"
    return f"the heading {heading!r} makes the anchor {anchor!r}, as {other} at line {first_line} does: rename one"
