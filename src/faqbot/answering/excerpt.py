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

import numpy as np

from faqbot.content.articles import Article
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
MAX_SPLIT_SECTIONS = 65_536  # sections whose sentences are kept once split


def leans_back(sentence: str) -> bool:
    """Whether a sentence opens by referring to the one before it."""
    return bool(_LEANS_BACK.match(sentence.lstrip("\"'([ ")))


class SectionSentences:
    """Each section's sentences, split as passages split them, by (article slug, section anchor):
    split when first asked for (an answer asks for one; a large site has a million), then kept."""

    def __init__(self, articles: Sequence[Article]):
        self._sections = {(a.slug, s.anchor): s for a in articles for s in a.sections}
        self._split: dict[tuple[str, str], tuple[str, ...]] = {}

    def get(self, key: tuple[str, str]) -> tuple[str, ...] | None:
        found = self._split.get(key)
        if found is None and key in self._sections:
            if len(self._split) >= MAX_SPLIT_SECTIONS:
                self._split.clear()
            section = self._sections[key]
            found = self._split[key] = tuple(s for p in section.paragraphs for s in split_sentences(p))
        return found


def section_sentences(articles: Sequence[Article]) -> SectionSentences:
    return SectionSentences(articles)


def excerpt(doc: Doc, similarities: np.ndarray, section: tuple[str, ...] | None) -> str:
    """The answering excerpt of passage `doc`, given each of its sentences' cosine to the question:
    the best sentence with the one before and the one after it in its section, reaching further
    back while the first sentence leans on the one before it."""
    sentences = doc.sentences
    if len(sentences) == 0:
        return doc.text
    best = int(np.argmax(similarities))
    where = _locate(sentences, section) if section else None
    full, position = (section, where + best) if section and where is not None else (sentences, best)
    start, end = max(0, position - 1), min(len(full), position + 2)
    reached = 0
    while start > 0 and leans_back(full[start]) and reached < MAX_LEAN_BACK:
        start -= 1
        reached += 1
    return " ".join(full[start:end])


def _locate(sentences: tuple[str, ...], section: tuple[str, ...]) -> int | None:
    """Where `sentences` start in `section` (None when they are not a run of it)."""
    for i in range(len(section) - len(sentences) + 1):
        if section[i : i + len(sentences)] == sentences:
            return i
    return None
