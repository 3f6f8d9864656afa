"""Section anchors: the id a section's link ends with (`/articles/<slug>#<anchor>`).

A `## heading` gives its section the slug of its text, or the id written after it as
`## Tyre pressure {#pressure}`; the text before the first heading is the introduction. The sections
(faqbot.content.articles) and the article page (faqbot.server.routes.pages) read anchors by these
rules alone, so a passage's link always lands on its heading.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from faqbot.text import slugify

INTRODUCTION_ANCHOR = "introduction"


# "## Tyre pressure {#pressure}": a heading whose text ends with the id it gives itself (Pandoc's and
# kramdown's syntax), an ATX heading of any level or a setext one ("Tyre pressure {#pressure}" over
# "---"). Read from the source line, before Markdown reads "_" or "*" in the id as emphasis (Sphinx ids
# like "object.__init__" are common). A section's heading (# or ##) gives its anchor; a deeper one an id
# on the page only.
ANCHOR_ID = r"[\w.:-]+"
# A line may end in "\r" (a file saved on Windows): markdown-it reads it as a line end, so must this.
_HEADING_MARK = re.compile(rf"^( {{0,3}}#{{1,6}}[ \t]+.*?\S)[ \t]+\{{#({ANCHOR_ID})\}}[ \t]*#*[ \t\r]*$")
_SETEXT_TEXT_MARK = re.compile(rf"^( {{0,3}}\S.*?)[ \t]+\{{#({ANCHOR_ID})\}}[ \t\r]*$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(?:=+|-+)[ \t\r]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def given_anchors(body: str) -> tuple[str, dict[int, str]]:
    """The body with the `{#id}` ending each heading taken out (the heading reads without it), and the
    ids by the heading's line (0-based in the body). Lines in fenced code are left as they are."""
    lines = body.split("\n")
    given: dict[int, str] = {}
    fence = ""  # the open fence's marks: closed (CommonMark) by as many or more of the same, alone on a line
    for number, line in enumerate(lines):
        marks = _FENCE.match(line)
        if marks and not fence:
            fence = marks.group(1)
            continue
        if marks and marks.group(1)[0] == fence[0] and len(marks.group(1)) >= len(fence) and not marks.group(2).strip():
            fence = ""
            continue
        underlined = number + 1 < len(lines) and _SETEXT_UNDERLINE.match(lines[number + 1]) is not None
        mark = None if fence else _HEADING_MARK.match(line) or (_SETEXT_TEXT_MARK.match(line) if underlined else None)
        if mark:
            given[number], lines[number] = mark.group(2), mark.group(1)
    return "\n".join(lines), given


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
