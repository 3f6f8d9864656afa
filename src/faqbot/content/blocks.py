"""Where each paragraph of a section sits (a list item, a quote) and its markup, so that an answer cut
from a passage shows a list as a list and a link as a link.

A section's paragraphs are plain text (what is split into sentences, embedded and indexed); its
blocks say, paragraph for paragraph, which lists, items and quotes hold it and, when it has markup,
each of its sentences as sanitised inline HTML (faqbot.content.markdown.sentence_html). An answer is
a run of a section's sentences; `render` lays it out again: plain text a list item a line ("- item",
"2. item", as an FAQ answer's plain text), and HTML that the answer allow-list accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import NamedTuple


class Container(NamedTuple):
    """A list, a list item or a quote around a paragraph."""

    tag: str  # "ul", "ol", "li" or "blockquote"
    serial: int  # tells two containers of one section apart (two lists one after the other)
    number: int = 0  # an ordered list's item: its number; an ordered list: its start


class Block(NamedTuple):
    """How one paragraph of a section is laid out."""

    containers: tuple[Container, ...] = ()  # outermost first; () for a paragraph of the section itself
    html: tuple[str, ...] = ()  # each sentence as sanitised inline HTML; () when the text has no markup


PLAIN = Block()


class Piece(NamedTuple):
    """Some sentences of one paragraph, as an answer shows them."""

    block: Block
    sentences: tuple[str, ...]  # plain text
    html: tuple[str, ...] | None  # the same sentences as inline HTML; None: escape the plain text


class Rendered(NamedTuple):
    text: str  # plain: a paragraph or list item a line
    html: str  # for the widget: p, ul, ol, li, blockquote around the sentences' inline HTML


def render(pieces: Sequence[Piece]) -> Rendered:
    """Consecutive pieces of a section's paragraphs as plain text and as HTML.

    An ordered list opened part-way through starts at its first shown item's number.
    """
    lines: list[str] = []
    out: list[str] = []
    open_: tuple[Container, ...] = ()
    numbers: dict[int, int] = {}  # an ordered list's last shown item number, by serial
    marked: set[int] = set()  # the items whose marker ("- ", "2. ") a line already shows
    for piece in pieces:
        target = piece.block.containers
        kept = _common_prefix(open_, target)
        same_item = kept == len(target) == len(open_) and bool(target) and target[-1].tag == "li"
        out += [f"</{c.tag}>" for c in reversed(open_[kept:])]
        for position, container in enumerate(target[kept:], start=kept):
            out.append(_open_tag(container, target[position + 1] if position + 1 < len(target) else None))
            if container.tag == "li" and position and target[position - 1].tag == "ol":
                serial, previous = target[position - 1].serial, numbers.get(target[position - 1].serial)
                if previous is not None and container.number != previous + 1:  # an item of no text between
                    out[-1] = f'<li value="{container.number}">'
                numbers[serial] = container.number
        open_ = target
        inline = " ".join(piece.html if piece.html is not None else (escape(s, quote=False) for s in piece.sentences))
        text = " ".join(piece.sentences)
        if target and target[-1].tag == "li":
            out.append(f"<br>{inline}" if same_item else inline)
            # An item's text after a list nested in it goes on without a marker of its own.
            line = _item_line(target, text, continued=target[-1].serial in marked)
            for depth in range(len(target) - 2, -1, -1):  # an item whose first thing is a list: "1. - a"
                if target[depth].tag == "li" and target[depth].serial not in marked:
                    outer = _item_line(target[: depth + 1], "", continued=False)
                    line = outer + line.lstrip()
                    marked.add(target[depth].serial)
            lines.append(line)
            marked.add(target[-1].serial)
        else:
            out.append(f"<p>{inline}</p>")
            lines.append(text)
    out += [f"</{c.tag}>" for c in reversed(open_)]
    return Rendered("\n".join(lines), "".join(out))


def _common_prefix(a: tuple[Container, ...], b: tuple[Container, ...]) -> int:
    count = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        count += 1
    return count


def _open_tag(container: Container, inner: Container | None) -> str:
    if container.tag == "ol":
        start = inner.number if inner is not None and inner.tag == "li" else container.number
        return "<ol>" if start == 1 else f'<ol start="{start}">'
    return f"<{container.tag}>"


def _item_line(containers: tuple[Container, ...], text: str, *, continued: bool) -> str:
    """A list item's line as faqbot.content.markdown.to_plain writes it: two spaces a level deeper."""
    lists = [c for c in containers if c.tag in ("ul", "ol")]
    indent = "  " * (len(lists) - 1)
    if continued:
        return f"{indent}  {text}"
    marker = f"{containers[-1].number}. " if lists and lists[-1].tag == "ol" else "- "
    return f"{indent}{marker}{text}"
