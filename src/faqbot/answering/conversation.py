"""Follow-up questions, answered in the context of the conversation, statelessly.

The client sends the earlier turns (`history`: each question, and the answer's source; a client
that sends no source ids gets the last question as the topic instead). A question that leans on
them ("why does it matter?", "and privacy?", "who contributes to them?") is matched
together with the topic of the last answered turn: the content words of its source's title (a
section's heading, an FAQ entry's question; on the bikeshop dialogue set 68 → 71 follow-ups right
of 126 against the whole title, 68 → 73 with the torch encoder; launch unchanged). One encode per
turn, as for any question. A question that stands on its own, or that brings words the site never
uses ("and the weather tomorrow?"), is matched as it is, so a new topic switches cleanly and an
off-topic question is still declined.

A question that does not lean back by its words may still continue the topic in words of its own
("am i allowed to modify it?", "even as a hobbyist?"). Its meaning decides then: when the question
alone is declined yet its best match is the conversation's source, clearly ahead of any other
(not a near-tie, faqbot.answering.confidence), it is about what the conversation is about, and it
is matched again in context (`InContext.continued`; the answerer decides,
faqbot.answering.answerer). An off-topic question's best match is the conversation's source only
by chance, one in as many sources as the site has.

A question (it ends with "?" or opens with a question word) leans on the conversation when it
refers back (it, they, this, those...) or is
elliptical (opens with "and", "what about", "why"..., with at most ELLIPSIS_WORDS words of content,
or asks with no content word at all: "why?", "how so?"). Words count as the site's in any form
(by stem: "risks" for "risk").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from faqbot.content.documents import Doc
from faqbot.text import has_text, lone_surrogate

_WORD = re.compile(r"[^\W\d_]+")
_TITLE_WORD = re.compile(r"[\w'-]+")
REFERS_BACK = frozenset(
    "it its itself they them their theirs themselves this that these those he him his she her such one ones".split()
)
_ELLIPTICAL = re.compile(
    r"^\s*(?:and|but|also|so|or|then|what about|how about|what else|anything else|why|why not|how come|how so|"
    r"tell me more|more|examples?|for example|for instance|such as|in what way|like what|which ones?)\b",
    re.IGNORECASE,
)
_QUESTION_WORDS = frozenset(
    "what why how who whom whose which when where is are do does did can could will would".split()
)
ELLIPSIS_WORDS = 3  # content words an elliptical question may have and still lean on the conversation
MAX_UNKNOWN = 1  # words the site never uses that a follow-up may bring (a typo, a new angle)


@dataclass(frozen=True)
class Turn:
    """An earlier turn of the conversation, as the client kept it."""

    question: str
    answer: str | None = None
    source_id: str | None = None


@dataclass(frozen=True)
class InContext:
    matched: str  # what is matched and encoded
    interpreted_as: str | None  # what the question was taken to mean, when the conversation changed it
    # For a question matched as it is while the conversation has a topic: the reading in context, to
    # use when the question alone is declined with its best match at `topic_url` (module docstring).
    continued: InContext | None = None
    topic_url: str | None = None


def leans_back(question: str, stop_words: frozenset[str], in_corpus: Callable[[str], bool]) -> bool:
    """Whether the question needs the conversation to be understood (see the module docstring)."""
    words = [w.lower() for w in _WORD.findall(question)]
    content = [w for w in words if w not in stop_words and w not in REFERS_BACK]
    refers = any(w in REFERS_BACK for w in words)
    asks = question.rstrip().endswith("?") or bool(words and words[0] in _QUESTION_WORDS)
    elliptical = not content or (bool(_ELLIPTICAL.match(question)) and len(content) <= ELLIPSIS_WORDS)
    if not asks or not (refers or elliptical):  # "thanks, that's helpful" refers back, but asks nothing
        return False
    unknown = [w for w in content if not in_corpus(w)]
    if refers:  # "how can it be cut?": one new word is the question's own angle on the topic
        return len(unknown) <= MAX_UNKNOWN
    return len(unknown) <= MAX_UNKNOWN and len(unknown) * 2 <= len(content)  # "what about bitcoin?" is not


def topic(history: Sequence[Turn], docs_by_id: Mapping[str, Doc]) -> Doc | None:
    """The source of the last turn that was answered from the site."""
    for turn in reversed(history):
        if turn.source_id and turn.source_id in docs_by_id:
            return docs_by_id[turn.source_id]
    return None


def _named(topic: str, stop_words: frozenset[str]) -> str:
    """A topic by its content words: an FAQ entry's whole question ("What are the economic
    implications of...?") outweighs a short follow-up's own words in the encode."""
    return " ".join(w for w in _TITLE_WORD.findall(topic) if w.lower() not in stop_words) or topic


def in_context(
    question: str,
    history: Sequence[Turn],
    docs_by_id: Mapping[str, Doc],
    *,
    stop_words: frozenset[str],
    in_corpus: Callable[[str], bool],
    shown: str = "",
) -> InContext:
    """`question` as it is matched given the conversation so far. `shown` is the reader's own wording
    (before spelling is corrected), which `interpreted_as` quotes."""
    source = topic(history, docs_by_id) if history else None
    if source is None:
        # No turn names a source this index has (a client that sends questions only, or an id from
        # an index since replaced): the reader's last question is the topic, for a question that leans on it.
        # A question that itself leaned back names no topic ("why does it matter?"): the one before it does.
        # A turn that shows nothing, or is not text (half a UTF-16 pair), names no topic either.
        asked = (" ".join(t.question.split()) for t in reversed(history))
        usable = (q for q in asked if has_text(q) and not lone_surrogate(q))
        last = next((q for q in usable if not leans_back(q, stop_words, in_corpus)), None)
        if last is None or not leans_back(question, stop_words, in_corpus):
            return InContext(question, None)
        return InContext(f"{question} {_named(last, stop_words)}", f"{shown or question} (about: {last})")
    title = source.question if source.kind == "faq" else source.section
    contextual = InContext(f"{question} {_named(title, stop_words)}", f"{shown or question} (about: {title})")
    if leans_back(question, stop_words, in_corpus):
        return contextual
    return InContext(question, None, continued=contextual, topic_url=source.url)
