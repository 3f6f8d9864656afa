"""What an answer is: one shape for every outcome (answered from an FAQ entry or a passage, small
talk, or declined), the shape the API returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AnswerKind = Literal["faq", "passage", "smalltalk", "none"]
DECLINE_MESSAGE = (
    "Sorry, I couldn't find an answer to that in this site's articles or FAQ. "
    "You could try rephrasing it, or pick one of the questions below."
)


@dataclass(frozen=True)
class Source:
    id: str
    kind: Literal["faq", "passage"]
    title: str
    section: str
    url: str
    text: str
    score: float


@dataclass(frozen=True)
class Answer:
    answered: bool
    answer: str
    confidence: float
    kind: AnswerKind
    answer_id: str
    sources: list[Source]
    suggestions: list[str]  # declined: the closest FAQ questions; answered: a near-tie's other match
    index_version: str
    question: str = field(default="", repr=False)
    from_cache: bool = field(default=False, repr=False)  # for the cache-hit metric, not the API
    interpreted_as: str | None = None  # what the question was taken to mean, when the conversation changed it
    follow_ups: list[str] = field(default_factory=list)  # questions a reader is likely to ask next
    answer_html: str | None = None  # the answer as sanitised HTML (faqbot.content.markdown, .blocks)
