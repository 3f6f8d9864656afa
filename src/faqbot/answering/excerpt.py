"""The excerpt of a passage that answers: the sentence closest to the question, with the context it
needs to be read on its own.

A passage is a window of a few sentences, and its best sentence may sit at the window's edge or
lean on the sentence before it ("It wraps the model...", "This is why..."). An answer is the best
sentence with its neighbours in the section (not only in the window), and never starts on a
sentence that refers back to one the reader cannot see: such a start reaches back to the sentence
it leans on. On the suite, the best sentence and both neighbours held the answering text far more
often than the two closest sentences of the window (SQuAD "Normans" span 0.76 -> 0.87, bikeshop
0.72 -> 0.81), and as often as the whole window while centred on the answering sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from faqbot.content.articles import Article, Section
from faqbot.content.blocks import Piece, render
from faqbot.content.documents import Doc
from faqbot.text import split_sentences

# A sentence that opens with one of these refers to what came before it.
_LEANS_BACK = re.compile(
    r"^(?:it|its|it's|this|that|these|those|they|them|their|there|such|he|she|his|her|both|"
    r"however|but|also|moreover|furthermore|therefore|thus|hence|so|then|instead|otherwise|"
    r"meanwhile|similarly|likewise|still|yet|and|or|nor|as a result|in addition|for example|"
    r"for instance|in turn|in contrast|on the other hand|the latter|the former|the same|another|"
    r"other|others|here|which|whose|after that|before that|at that time|by then)\b",
    re.IGNORECASE,
)
MAX_LEAN_BACK = 2  # sentences an answer may reach back for what its first one refers to
MAX_LIST_SENTENCES = 12  # a list an excerpt touches is shown whole up to this many sentences
MAX_SPLIT_SECTIONS = 65_536  # sections whose sentences are kept once split


def leans_back(sentence: str) -> bool:
    """Whether a sentence opens by referring to the one before it."""
    return bool(_LEANS_BACK.match(sentence.lstrip("\"'([ ")))


class SplitSection(NamedTuple):
    """A section's sentences, split as passages split them, and where each sits."""

    section: Section
    sentences: tuple[str, ...]
    paragraph: tuple[int, ...]  # the paragraph each sentence is from
    within: tuple[int, ...]  # its place among that paragraph's sentences


class Excerpt(NamedTuple):
    text: str  # plain: a paragraph or list item a line
    html: str | None  # the same as the widget shows it (faqbot.content.blocks); None outside a known section


class SectionSentences:
    """Each section's sentences, split as passages split them, by (article slug, section anchor):
    split when first asked for (an answer asks for one; a large site has a million), then kept."""

    def __init__(self, articles: Sequence[Article]):
        self._sections = {(a.slug, s.anchor): s for a in articles for s in a.sections}
        self._split: dict[tuple[str, str], SplitSection] = {}

    def get(self, key: tuple[str, str]) -> SplitSection | None:
        found = self._split.get(key)
        if found is None and key in self._sections:
            if len(self._split) >= MAX_SPLIT_SECTIONS:
                self._split.clear()
            found = self._split[key] = split_section(self._sections[key])
        return found


def split_section(section: Section) -> SplitSection:
    sentences: list[str] = []
    paragraph: list[int] = []
    within: list[int] = []
    for number, text in enumerate(section.paragraphs):
        split = split_sentences(text)
        sentences += split
        paragraph += [number] * len(split)
        within += range(len(split))
    return SplitSection(section, tuple(sentences), tuple(paragraph), tuple(within))


def section_sentences(articles: Sequence[Article]) -> SectionSentences:
    return SectionSentences(articles)


def excerpt(doc: Doc, similarities: np.ndarray, section: SplitSection | None) -> Excerpt:
    """The answering excerpt of passage `doc`, given each of its sentences' cosine to the question:
    the best sentence with the one before and the one after it in its section, reaching further
    back while the first sentence leans on the one before it; the whole section when that would
    leave out one sentence of it at most."""
    sentences = doc.sentences
    if len(sentences) == 0:
        return Excerpt(doc.text, None)
    best = int(np.argmax(similarities))
    where = _locate(sentences, section.sentences) if section else None
    full, position = (section.sentences, where + best) if section and where is not None else (sentences, best)
    start, end = max(0, position - 1), min(len(full), position + 2)
    reached = 0
    while start > 0 and leans_back(full[start]) and reached < MAX_LEAN_BACK:
        start -= 1
        reached += 1
    if section is None or where is None:
        return Excerpt(" ".join(full[start:end]), None)
    start, end = _whole_lists(section, start, end)
    if len(full) - (end - start) <= 1:
        # One sentence left out saves the reader little, and may be the one that answers: "We deliver
        # orders over 25 euros within 5 km" before "Delivery costs 4 euros. We do not ship by post."
        start, end = 0, len(full)
    return laid_out(section, start, end)


def _whole_lists(section: SplitSection, start: int, end: int) -> tuple[int, int]:
    """`start`, `end` widened to hold whole every list the excerpt touches, with the sentence that
    announces it ("Before you begin, gather:"), when the list has at most MAX_LIST_SENTENCES: a
    list is read as one thing, and an answer that starts on its last item, stops on its colon or
    shows step 4 without step 3 leaves the reader guessing. A longer list keeps the excerpt."""
    touched = [_list_of(section, i) for i in range(start, end)]
    if section.sentences[end - 1].endswith(":") and end < len(section.sentences):
        touched.append(_list_of(section, end))  # the list the excerpt's last sentence announces
    for list_id in dict.fromkeys(t for t in touched if t is not None):
        first = next(i for i in range(start, len(section.sentences)) if _list_of(section, i) == list_id)
        while first > 0 and _list_of(section, first - 1) == list_id:
            first -= 1
        last = first
        while last < len(section.sentences) and _list_of(section, last) == list_id:
            last += 1
        if last - first > MAX_LIST_SENTENCES:
            continue
        if first > 0 and section.sentences[first - 1].endswith(":"):
            first -= 1
        start, end = min(start, first), max(end, last)
    return start, end


def _list_of(section: SplitSection, sentence: int) -> int | None:
    """The outermost list the sentence is in (its serial in the section), or None."""
    for container in section.section.block(section.paragraph[sentence]).containers:
        if container.tag in ("ul", "ol"):
            return container.serial
    return None


def whole_passage(doc: Doc, section: SplitSection | None) -> Excerpt:
    """All of passage `doc`, laid out as in its section (plain when its section is not known)."""
    where = _locate(doc.sentences, section.sentences) if section and doc.sentences else None
    if section is None or where is None:
        return Excerpt(doc.text, None)
    return laid_out(section, where, where + len(doc.sentences))


def laid_out(section: SplitSection, start: int, end: int) -> Excerpt:
    """Sentences start..end of a section, a paragraph or list item a line, and as HTML."""
    pieces: list[Piece] = []
    position = start
    while position < end:
        number = section.paragraph[position]
        stop = position
        while stop < end and section.paragraph[stop] == number:
            stop += 1
        block = section.section.block(number)
        first, last = section.within[position], section.within[stop - 1] + 1
        html = block.html[first:last] if block.html else None
        pieces.append(Piece(block, section.sentences[position:stop], html))
        position = stop
    text, html_text = render(pieces)
    return Excerpt(text, html_text)


def _locate(sentences: tuple[str, ...], section: tuple[str, ...]) -> int | None:
    """Where `sentences` start in `section` (None when they are not a run of it)."""
    for i in range(len(section) - len(sentences) + 1):
        if section[i : i + len(sentences)] == sentences:
            return i
    return None
