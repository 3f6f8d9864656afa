"""Passages: small windows of sentences inside one section of an article.

A window never crosses a section boundary, so every passage has one section title and one deep
link. Its id is a hash of where it is and what it says, so unchanged text keeps its id.
"""

from __future__ import annotations

from dataclasses import dataclass

from faqbot.content.articles import Article
from faqbot.text import content_hash, split_sentences


@dataclass(frozen=True)
class Passage:
    id: str
    article: str  # article slug
    title: str  # article title
    section: str
    anchor: str
    url: str  # article url + "#anchor"
    sentences: tuple[str, ...]
    position: str  # "slug#anchor/window-number": where it sits, to tell changed from added

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def make_passages(article: Article, *, window: int = 3, stride: int = 2) -> list[Passage]:
    passages: list[Passage] = []
    for section in article.sections:
        sentences = [s for paragraph in section.paragraphs for s in split_sentences(paragraph)]
        for number, start in enumerate(_window_starts(len(sentences), window, stride)):
            chunk = tuple(sentences[start : start + window])
            position = f"{article.slug}#{section.anchor}/{number}"
            passages.append(
                Passage(
                    id="p-" + content_hash(article.slug, section.anchor, *chunk),
                    article=article.slug,
                    title=article.title,
                    section=section.title,
                    anchor=section.anchor,
                    url=article.section_url(section.anchor),
                    sentences=chunk,
                    position=position,
                )
            )
    return passages


def _window_starts(count: int, window: int, stride: int) -> list[int]:
    """Window starts that cover every sentence, the last window ending on the last sentence."""
    if count == 0:
        return []
    if count <= window:
        return [0]
    starts = list(range(0, count - window + 1, stride))
    if starts[-1] + window < count:
        starts.append(count - window)
    return starts
