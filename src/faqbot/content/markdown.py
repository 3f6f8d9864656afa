"""Markdown in the site's text: FAQ answers and articles may use links, lists, emphasis and code.

One parser reads them all (CommonMark, raw HTML read as HTML so that an owner's `<a href>` is a
link, not shown as tags), and what it renders reaches a page or the widget only through nh3's
strict allow-list: links keep `href` and get `rel="noopener noreferrer"`, every event handler,
script, style and unknown tag is dropped. What is embedded, indexed by BM25 and sent as the API's
plain `answer` is the text of that same sanitised HTML: no tag, attribute or URL in it ("href"
matches nothing), a list item on a line of its own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import cast

import lxml.html
import nh3
from lxml.html import HtmlElement
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from faqbot.text import split_sentences

# What an answer may show: the structure of prose, never anything that runs or loads.
ANSWER_TAGS = frozenset({"p", "br", "ul", "ol", "li", "a", "em", "strong", "code", "pre", "blockquote"})
ANSWER_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
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


def sanitise(html: str, *, article: bool = False) -> str:
    """`html` with only the allow-listed tags and attributes (an answer's, or an article page's)."""
    return nh3.clean(
        html,
        tags=set(ARTICLE_TAGS if article else ANSWER_TAGS),
        attributes={k: set(v) for k, v in (ARTICLE_ATTRIBUTES if article else ANSWER_ATTRIBUTES).items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
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


# Inline tokens that make a paragraph more than its text: shown as HTML in an answer.
_MARKUP = frozenset({"link_open", "em_open", "strong_open", "code_inline", "html_inline"})


def sentence_html(parser: MarkdownIt, token: Token) -> tuple[str, ...]:
    """Each sentence of a paragraph's inline token as sanitised inline HTML, its links, emphasis and
    code kept; () when it has no markup (its sentences are their own text).

    The sentences are those faqbot.text.split_sentences finds in the paragraph's plain text
    (faqbot.content.articles.inline_text): every text token is cut at the sentence's place in that
    text, and a link or emphasis is kept around what it holds of the sentence, so a link that spans
    two sentences is a link in both.
    """
    children = token.children or []
    if not any(child.type in _MARKUP for child in children):
        return ()
    pieces = [_text_of(child) for child in children]
    raw = "".join(pieces)
    where = _collapsed_positions(raw)
    starts = [0]
    for piece in pieces:
        starts.append(starts[-1] + len(piece))
    pairs = _pairs(children)
    collapsed = " ".join(raw.split())
    html: list[str] = []
    cursor = 0
    for sentence in split_sentences(collapsed):
        first = collapsed.find(sentence, cursor)
        if first < 0:  # not the text the sentences came from: never cut what cannot be placed
            return ()
        last = first + len(sentence)
        cursor = last
        html.append(_slice(parser, children, pieces, starts, where, pairs, first, last))
    return tuple(html)


def _text_of(child: Token) -> str:
    if child.type in ("text", "code_inline"):
        return child.content
    return " " if child.type in ("softbreak", "hardbreak") else ""


def _collapsed_positions(raw: str) -> list[int]:
    """Each character's index in the text with its white space runs made one space and stripped
    (-1 before the first word; every character of a run has the run's index)."""
    positions: list[int] = []
    count, in_space = 0, True
    for char in raw:
        if char.isspace():
            if in_space:
                positions.append(count - 1)
            else:
                positions.append(count)
                count += 1
                in_space = True
        else:
            positions.append(count)
            count += 1
            in_space = False
    return positions


def _pairs(children: list[Token]) -> dict[int, int]:
    """Each opening token's closing token, and each closing token's opening one (by index)."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for index, child in enumerate(children):
        if child.nesting == 1:
            stack.append(index)
        elif child.nesting == -1 and stack:
            opening = stack.pop()
            pairs[opening], pairs[index] = index, opening
    return pairs


def _slice(
    parser: MarkdownIt,
    children: list[Token],
    pieces: list[str],
    starts: list[int],
    where: list[int],
    pairs: dict[int, int],
    first: int,
    last: int,
) -> str:
    """The HTML of what lies between `first` and `last` of the collapsed text."""
    cut: list[str] = []
    for index, piece in enumerate(pieces):
        span = where[starts[index] : starts[index + 1]]
        cut.append("".join(char for char, at in zip(piece, span, strict=True) if first <= at < last))
    kept: list[Token] = []
    for index, child in enumerate(children):
        if pieces[index]:
            if cut[index]:
                kept.append(child.copy(type="text" if child.type != "code_inline" else child.type, content=cut[index]))
        elif index in pairs:
            low, high = sorted((index, pairs[index]))
            if any(cut[low + 1 : high]):
                kept.append(child)
        elif child.type == "html_inline":  # a lone raw tag: kept where its next character is
            at = where[starts[index]] if starts[index] < len(where) else -2
            if first <= at < last:
                kept.append(child)
    renderer = cast(RendererHTML, parser.renderer)  # markdown_parser's: the HTML renderer
    return sanitise(renderer.renderInline(kept, parser.options, {})).strip()
