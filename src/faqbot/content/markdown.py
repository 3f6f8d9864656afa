"""Markdown in the site's text: FAQ answers and articles may use links, lists, emphasis and code.

One parser reads them all (CommonMark, raw HTML read as HTML so that an owner's `<a href>` is a
link, not shown as tags), and what it renders reaches a page or the widget only through nh3's
strict allow-list: links keep `href` and get `rel="noopener noreferrer"`, every event handler,
script, style and unknown tag is dropped. What is embedded, indexed by BM25 and sent as the API's
plain `answer` is the text of that same sanitised HTML: no tag, attribute or URL in it ("href"
matches nothing), a list item on a line of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import lxml.html
import nh3
from lxml.html import HtmlElement
from markdown_it import MarkdownIt
from markdown_it.token import Token

# What an answer may show: the structure of prose, never anything that runs or loads.
ANSWER_TAGS = frozenset({"p", "br", "ul", "ol", "li", "a", "em", "strong", "code", "pre", "blockquote"})
ANSWER_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "li": {"value"}}
INLINE_TAGS = frozenset({"a", "em", "strong", "code", "br"})
# An article page adds headings (with the anchors answers link to), rules and images.
ARTICLE_TAGS = ANSWER_TAGS | {"h1", "h2", "h3", "h4", "h5", "h6", "hr", "img"}
ARTICLE_ATTRIBUTES = {
    **ANSWER_ATTRIBUTES,
    **{f"h{level}": {"id"} for level in range(1, 7)},
    "img": {"src", "alt", "title"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer"
_BLOCKS = frozenset({"p", "blockquote", "div", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li"})


def markdown_parser() -> MarkdownIt:
    """CommonMark, raw HTML parsed as HTML: whatever it renders goes through `sanitise` before a page."""
    return MarkdownIt("commonmark", {"html": True})


def sanitise(
    html: str, *, article: bool = False, inline: bool = False, ids: Callable[[str], str | None] | None = None
) -> str:
    """`html` with only the allow-listed tags and attributes: an answer's, an article page's, or
    (`inline`) those that may sit inside a paragraph or list item of an answer. With `ids`, each
    `id` is what `ids(value)` makes of it (None: dropped)."""
    tags = ARTICLE_TAGS if article else INLINE_TAGS if inline else ANSWER_TAGS

    def keep_id(element: str, attribute: str, value: str) -> str | None:
        return value if attribute != "id" or ids is None else ids(value)

    return nh3.clean(
        html,
        tags=set(tags),
        attributes={k: set(v) for k, v in (ARTICLE_ATTRIBUTES if article else ANSWER_ATTRIBUTES).items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        attribute_filter=keep_id if ids is not None else None,
    )


@lru_cache(maxsize=4096)
def to_html(source: str) -> str:
    """An answer's Markdown as safe HTML, for the widget and the FAQ lists of the pages."""
    return sanitise(markdown_parser().render(source))


@lru_cache(maxsize=4096)
def to_plain(source: str) -> str:
    """An answer's Markdown as readable plain text: no markup, one line per paragraph or list item
    ("- item", "1. item"), code blocks line for line."""
    html = to_html(source)
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return "\n".join(_lines(root, ""))


def _lines(element: HtmlElement, indent: str) -> list[str]:
    lines: list[str] = []
    inline: list[str] = []

    def flush() -> None:
        text = " ".join("".join(inline).split())
        if text:
            lines.append(indent + text)
        inline.clear()

    inline.append(element.text or "")
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("ul", "ol"):
            flush()
            start = int(child.get("start", "1")) if child.get("start", "1").isdigit() else 1
            for number, item in enumerate((c for c in child if c.tag == "li"), start=start):
                marker = "- " if tag == "ul" else f"{number}. "
                item_lines = _lines(item, indent + "  ") or [indent + "  "]
                lines.append(indent + marker + item_lines[0].strip())
                lines.extend(item_lines[1:])
        elif tag == "pre":
            flush()
            lines.extend(indent + line for line in child.text_content().rstrip("\n").split("\n"))
        elif tag == "br":
            flush()
        elif tag in _BLOCKS:
            flush()
            lines.extend(_lines(child, indent))
        elif tag:
            inline.append(child.text_content())
        inline.append(child.tail or "")
    flush()
    return lines


# Raw HTML elements whose content a page never shows (the allow-list drops it with them).
_HIDDEN = re.compile(r"<(script|style|template|noscript|textarea|title|iframe|object|svg|math)\b", re.IGNORECASE)


def hidden_children(children: list[Token]) -> frozenset[int]:
    """The inline tokens inside a raw `<script>`, `<style>`... of a paragraph: their text is no
    reader's, so it is neither embedded, indexed nor shown (the FAQ path gets the same from the
    sanitised HTML's text)."""
    hidden: set[int] = set()
    inside: str | None = None
    for index, child in enumerate(children):
        if child.type == "html_inline":
            if inside is None:
                found = _HIDDEN.match(child.content)
                if found and not child.content.rstrip().endswith("/>"):
                    inside = found.group(1).lower()
            elif re.match(rf"</{inside}\s*>", child.content, re.IGNORECASE):
                inside = None
        elif inside is not None:
            hidden.add(index)
    return frozenset(hidden)


def inline_pieces(children: list[Token]) -> list[str]:
    """What each inline token adds to a paragraph's plain text: its text or code, a space for a line
    break, nothing for markup, inline HTML or what a raw `<script>`... holds (hidden_children)."""
    hidden = hidden_children(children)
    pieces: list[str] = []
    for index, child in enumerate(children):
        if index in hidden:
            pieces.append("")
        elif child.type in ("text", "code_inline"):
            pieces.append(child.content)
        else:
            pieces.append(" " if child.type in ("softbreak", "hardbreak") else "")
    return pieces
