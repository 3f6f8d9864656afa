"""What an imported page is, whatever it was read from: a title, sections and FAQ pairs.

The readers (`extract` for HTML, `text_page` for plain text) turn a page into a flat list of
`Block`s, the page's main content in reading order, and a list of `QA` pairs found in its markup;
`sections.assemble` makes the article's sections from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from faqbot.content.anchors import ANCHOR_ID
from faqbot.errors import FaqbotError
from faqbot.text import slugify

BlockKind = Literal["heading", "paragraph", "item", "quote", "code"]


class PageProblem(FaqbotError):
    """A page that cannot be imported; `reason` is the one line the report prints for it."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass
class Block:
    """One block of a page's main content, in reading order.

    `text` is plain text (white space collapsed; code keeps its lines). A heading has a `level`
    (1-6) and the `page_anchor` the page itself gives it (its id), if any. `faq` is set by
    `assemble` on blocks that belong to an FAQ pair.
    """

    kind: BlockKind
    text: str
    level: int = 0
    page_anchor: str = ""
    faq: bool = False


@dataclass(frozen=True)
class QA:
    """One FAQ pair found on a page. `anchor`: the id on the page to link to ("" for none);
    `visible_only`: a pair from layout markup, which counts only where the main content shows it."""

    question: str
    answer: str
    anchor: str = ""
    visible_only: bool = False


@dataclass(frozen=True)
class Section:
    """A section of the article: `title` "" is the introduction (the text before any heading)."""

    title: str
    blocks: tuple[Block, ...]
    page_anchor: str = ""

    @property
    def anchor(self) -> str:
        """The anchor answers link to: the id the page gives the heading, written into the article as
        `{#id}` (faqbot.importing.files), or faqbot's own (the slug of the heading, content.articles)."""
        if not self.title:
            return "introduction"
        return self.page_anchor if self.keeps_page_anchor else slugify(self.title)

    @property
    def keeps_page_anchor(self) -> bool:
        """Whether the page's own id is the anchor: it has one, other than faqbot's, that a heading can carry."""
        given = self.page_anchor
        return bool(self.title and given and given != slugify(self.title) and re.fullmatch(ANCHOR_ID, given))


@dataclass(frozen=True)
class Page:
    """An imported page. `url`: where answers link to (the canonical URL, or a path);
    `source`: where it was read from (the URL fetched, or the file); `date`: YYYY-MM-DD or ""."""

    url: str
    source: str
    title: str
    date: str
    sections: tuple[Section, ...]
    faq: tuple[QA, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def has_text(self) -> bool:
        return any(section.blocks for section in self.sections)

    def content_key(self) -> str:
        """What two URLs of one page have alike: the title, the headings and text, the FAQ pairs."""
        parts = [self.title]
        for section in self.sections:
            parts += [section.title, *(block.text for block in section.blocks)]
        parts += [part for qa in self.faq for part in (qa.question, qa.answer)]
        return "\0".join(parts)


def normal(text: str) -> str:
    """The form texts are compared in: white space collapsed, case folded."""
    return " ".join(text.split()).casefold()
