"""A paragraph's sentences with their markup: each sentence as the inline HTML of what it holds.

Sentences are split from a paragraph's plain text (faqbot.text.split_sentences, as passages split
them), but an answer shown to a reader should keep a sentence's link, emphasis and code. So the
paragraph's inline tokens (markdown-it) are cut at each sentence's place in that text: a text token
keeps the characters inside the sentence, a link or emphasis is kept around what it holds of it (a
link across two sentences is a link in both), and the result goes through the answer allow-list.
"""

from __future__ import annotations

from typing import cast

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from faqbot.content.markdown import inline_pieces, sanitise
from faqbot.text import split_sentences

# Each sentence is cut from the whole paragraph: past this many characters of Markdown (a page of
# prose; an attacker's 80 KB paragraph took 33 s) its sentences are shown as their plain text.
MAX_MARKED_PARAGRAPH = 5_000
# Inline tokens that make a paragraph more than its text.
_MARKUP = frozenset({"link_open", "em_open", "strong_open", "code_inline", "html_inline"})


def sentence_html(parser: MarkdownIt, token: Token) -> tuple[str, ...]:
    """Each sentence of a paragraph's inline token as sanitised inline HTML (links, emphasis, code:
    never a block such as `<li>` or `<p>`, which would break the list or paragraph it is put in);
    () when it has no markup (its sentences are their own text), is longer than
    MAX_MARKED_PARAGRAPH, or its sentences cannot be placed in its tokens."""
    children = token.children or []
    if not any(child.type in _MARKUP for child in children) or len(token.content) > MAX_MARKED_PARAGRAPH:
        return ()
    paragraph = _Paragraph(parser, children)
    html: list[str] = []
    cursor = 0
    for sentence in split_sentences(paragraph.text):
        first = paragraph.text.find(sentence, cursor)
        if first < 0:  # never cut what cannot be placed
            return ()
        cursor = first + len(sentence)
        html.append(paragraph.cut(first, cursor))
    return tuple(html)


class _Paragraph:
    """Inline tokens and where each character of their text lands in the collapsed plain text."""

    def __init__(self, parser: MarkdownIt, children: list[Token]):
        self.parser = parser
        self.children = children
        self.pieces = inline_pieces(children)  # as faqbot.content.articles.inline_text reads them
        raw = "".join(self.pieces)
        self.text = " ".join(raw.split())  # what split_sentences splits
        self.where = _collapsed_positions(raw)
        self.starts = [0]
        for piece in self.pieces:
            self.starts.append(self.starts[-1] + len(piece))
        self.pairs = _pairs(children)

    def cut(self, first: int, last: int) -> str:
        """The sanitised inline HTML of characters first..last of the collapsed text."""
        kept_text = [
            "".join(
                char
                for char, at in zip(piece, self.where[self.starts[i] : self.starts[i + 1]], strict=True)
                if first <= at < last
            )
            for i, piece in enumerate(self.pieces)
        ]
        kept: list[Token] = []
        for index, child in enumerate(self.children):
            if self.pieces[index]:
                if kept_text[index]:
                    kind = "code_inline" if child.type == "code_inline" else "text"
                    kept.append(child.copy(type=kind, content=kept_text[index]))
            elif index in self.pairs:  # a link or emphasis: kept when it holds some of the sentence
                low, high = sorted((index, self.pairs[index]))
                if any(kept_text[low + 1 : high]):
                    kept.append(child)
            elif child.type == "html_inline":  # a lone raw tag: kept where its next character is
                at = self.where[self.starts[index]] if self.starts[index] < len(self.where) else -2
                if first <= at < last:
                    kept.append(child)
        renderer = cast(RendererHTML, self.parser.renderer)  # markdown_parser's: the HTML renderer
        return sanitise(renderer.renderInline(kept, self.parser.options, {}), inline=True).strip()


def _collapsed_positions(raw: str) -> list[int]:
    """Each character's index in `raw` with its white space runs made one space and stripped (every
    character of a run has the run's index; -1 before the first word)."""
    positions: list[int] = []
    count, in_space = 0, True
    for char in raw:
        if char.isspace() and in_space:
            positions.append(count - 1)
            continue
        positions.append(count)
        count += 1
        in_space = char.isspace()
    return positions


def _pairs(children: list[Token]) -> dict[int, int]:
    """Each opening token's closing token and each closing token's opening one (by position)."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for index, child in enumerate(children):
        if child.nesting == 1:
            stack.append(index)
        elif child.nesting == -1 and stack:
            opening = stack.pop()
            pairs[opening], pairs[index] = index, opening
    return pairs
