"""The article's sections from a page's blocks, and what its FAQ pairs take out of it.

This is the one place that decides it:
- A block that is one of the page's FAQ pairs (its question, its answer, or a "Q: … A: …"
  paragraph) goes to the FAQ file and not into a section, so an answer is not indexed twice.
- A section that opens with FAQ pairs is the page's FAQ block: its heading ("FAQ") goes with them,
  and any text after the pairs is the article's closing text, which joins the section before it.
  (The launch page ends that way: its closing sentence follows the FAQ.)
- Sections left with no text are dropped (an empty "Further Reading"); a heading used twice gets
  " (2)", because faqbot's anchors must be unique within an article.
"""

from __future__ import annotations

from dataclasses import dataclass

from faqbot.content.anchors import INTRODUCTION_ANCHOR
from faqbot.importing.faq_markup import mark_faq_blocks
from faqbot.importing.page import QA, Block, Section, normal
from faqbot.text import has_text


def assemble(blocks: list[Block], faq: list[QA], *, title: str) -> tuple[tuple[Section, ...], tuple[QA, ...]]:
    """Sections of the article and its FAQ pairs, the FAQ's blocks taken out (see the module doc).

    `faq` holds the pairs found in the page's markup; `blocks` may hold more as "Q: … A: …"
    paragraphs, which are found here. Each pair gets the page anchor of the section it sits in.
    """
    pairs = mark_faq_blocks(blocks, faq)
    sections = _group(blocks, title)
    anchors = _anchor_of_pairs(sections, pairs)
    sections = _fold_faq_sections(sections)
    kept = [s for s in sections if any(not b.faq for b in s.blocks)]
    result: list[Section] = []
    # Every section's anchor once, as the build requires: a page's id that another section has (two
    # "id=dup", "id=introduction" over text before the first heading) is dropped for the heading's
    # slug, and a heading whose slug is taken is numbered ("Setup (2)").
    used = {INTRODUCTION_ANCHOR} if any(not s.title for s in kept) else set()
    for section in kept:
        text_blocks = tuple(b for b in section.blocks if not b.faq)
        drafted = Section(section.title, text_blocks, section.page_anchor)
        if drafted.title and drafted.anchor in used:
            drafted = Section(section.title, text_blocks)
            count = 1
            while drafted.anchor in used:
                count += 1
                drafted = Section(f"{section.title} ({count})", text_blocks)
        used.add(drafted.anchor)
        result.append(drafted)
    return tuple(result), tuple(QA(p.question, p.answer, p.anchor or anchors.get(p, "")) for p in pairs)


@dataclass
class _Draft:
    title: str
    page_anchor: str
    blocks: list[Block]


def _group(blocks: list[Block], title: str) -> list[_Draft]:
    sections = [_Draft("", "", [])]
    for number, block in enumerate(blocks):
        if block.kind == "heading" and not block.faq:
            # The page's headline is the article's title, not a section; a heading that shows nothing (a
            # zero-width space, a soft hyphen) heads none: the build refuses it.
            if block.level == 1 and (normal(block.text) == normal(title) or number == 0) or not has_text(block.text):
                continue
            sections.append(_Draft(block.text, block.page_anchor, []))
        else:
            sections[-1].blocks.append(block)
    return sections


def _anchor_of_pairs(sections: list[_Draft], pairs: list[QA]) -> dict[QA, str]:
    """Each pair's section's page anchor, found by where its question sits on the page."""
    where: dict[str, str] = {}
    for section in sections:
        for block in section.blocks:
            if block.faq:
                where.setdefault(normal(block.text), block.page_anchor or section.page_anchor)
    anchors: dict[QA, str] = {}
    for pair in pairs:
        question = normal(pair.question)
        anchor = next((a for text, a in where.items() if question in text), "")
        anchors[pair] = anchor
    return anchors


def _fold_faq_sections(sections: list[_Draft]) -> list[_Draft]:
    """A section that opens with FAQ blocks loses its heading; its other text joins the previous one."""
    folded: list[_Draft] = []
    for section in sections:
        opens_with_faq = bool(section.title) and bool(section.blocks) and section.blocks[0].faq
        if opens_with_faq and folded:
            folded[-1].blocks.extend(section.blocks)
        else:
            folded.append(section)
    return folded
