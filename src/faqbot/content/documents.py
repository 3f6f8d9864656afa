"""What the index knows about each retrievable document: FAQ entries and passages.

A document can have several embedded keys (each phrasing of an FAQ entry's question, a
passage's window and its sentences), which is how an entry is matched on every phrasing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Literal, NamedTuple

from faqbot.content.articles import Article, Section
from faqbot.content.blocks import Block, Container
from faqbot.content.corpus import Corpus
from faqbot.content.faq import FaqEntry
from faqbot.content.markdown import to_html, to_plain
from faqbot.content.passages import Passage
from faqbot.text import content_hash

DocKind = Literal["faq", "passage"]
FAQ_ANSWER_WORDS = 25  # of an FAQ answer, embedded with each phrasing of its question
KeyField = Literal["question", "alternate", "passage", "sentence"]


class Key(NamedTuple):
    """One embedded key: the weighted mean of its texts' embeddings."""

    field: KeyField
    texts: tuple[str, ...]
    weights: tuple[float, ...]

    def describe(self) -> str:
        """What the key is made of, for the index version: a change here is a rebuild."""
        return "\x1e".join(f"{w:g}\x1f{t}" for t, w in zip(self.texts, self.weights, strict=True))


@dataclass(frozen=True)
class Doc:
    id: str
    kind: DocKind
    title: str  # article title (or "FAQ" for an entry of no article)
    section: str  # section title, or the question of an FAQ entry
    url: str
    text: str  # the answer of an FAQ entry, the text of a passage: plain text, what is embedded and indexed
    article: str = ""
    question: str = ""
    alternates: tuple[str, ...] = ()
    sentences: tuple[str, ...] = ()
    position: str = ""  # where a passage sits, to tell a changed passage from an added one
    markdown: str = ""  # an FAQ answer as written, rendered (sanitised) for readers; "" for a passage
    hash: str = field(default="")

    def keys(self) -> list[Key]:
        """The embedded keys of this document, each a way for a question to reach it.

        A key is a weighted mean of the embeddings of its texts, so its inner product with a
        question is the same mean of their cosines.
        - An FAQ question alone is short and generic ("What is an open source AI model?") and
          outscores the right passage for many questions, while the question followed by its whole
          answer is drowned by a long answer; so each phrasing counts half on its own and half
          followed by the first FAQ_ANSWER_WORDS words of its answer.
        - A passage is reached by its whole window and by each of its sentences, all under the
          section title, so a question about one sentence is not diluted by its neighbours.
        """
        if self.kind == "faq":
            lead = " ".join(self.text.split()[:FAQ_ANSWER_WORDS])
            phrasings: list[tuple[KeyField, str]] = [("question", self.question)]
            phrasings += [("alternate", a) for a in self.alternates]
            return [Key(name, (text, f"{text} {lead}"), (0.5, 0.5)) for name, text in phrasings]
        window = Key("passage", (f"{self.section}. {self.text}",), (1.0,))
        return [window, *(Key("sentence", (f"{self.section}. {s}",), (1.0,)) for s in self.sentences)]

    def answer_html(self) -> str | None:
        """An FAQ answer as safe HTML (faqbot.content.markdown), for the widget and the pages; None for
        a passage, whose answer is laid out from its section (faqbot.answering.excerpt). (An index
        built before answers kept their Markdown has none: its text is rendered.)"""
        return to_html(self.markdown or self.text) if self.kind == "faq" else None

    def lexical_text(self) -> str:
        if self.kind == "faq":
            return " ".join([self.question, *self.alternates, self.text])
        return f"{self.section}. {self.text}"

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Doc:
        values = dict(data)
        values["alternates"] = tuple(values.get("alternates") or ())  # type: ignore[arg-type]
        values["sentences"] = tuple(values.get("sentences") or ())  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def faq_doc(entry: FaqEntry, corpus: Corpus) -> Doc:
    article = corpus.article(entry.article) if entry.article else None
    doc = Doc(
        id=entry.id,
        kind="faq",
        title=article.title if article else "FAQ",
        section=entry.question,
        url=entry.url,
        text=to_plain(entry.answer),
        article=entry.article,
        question=entry.question,
        alternates=entry.alternates,
        position=f"faq:{entry.id}",
        markdown=entry.answer,
    )
    return _with_hash(doc)


def passage_doc(passage: Passage) -> Doc:
    doc = Doc(
        id=passage.id,
        kind="passage",
        title=passage.title,
        section=passage.section,
        url=passage.url,
        text=passage.text,
        article=passage.article,
        sentences=passage.sentences,
        position=passage.position,
    )
    return _with_hash(doc)


def _with_hash(doc: Doc) -> Doc:
    # The id and the article too: an entry with its own url keeps it when either changes.
    parts = [doc.kind, doc.id, doc.article, doc.title, doc.section, doc.url, doc.text, doc.question, *doc.alternates]
    if doc.markdown != doc.text:  # a link's address changes the page, not the text: still a change
        parts.append(doc.markdown)
    return replace(doc, hash=content_hash(*parts))


def article_to_dict(article: Article) -> dict[str, object]:
    return asdict(article)


def article_from_dict(data: dict[str, object]) -> Article:
    sections = tuple(
        Section(
            title=s["title"],
            anchor=s["anchor"],
            paragraphs=tuple(s["paragraphs"]),
            line=s["line"],
            blocks=tuple(
                Block(tuple(Container(*c) for c in containers), tuple(html))
                for containers, html in s.get("blocks") or ()
            ),
        )
        for s in data["sections"]  # type: ignore[attr-defined]
    )
    return Article(**{**data, "sections": sections})  # type: ignore[arg-type]
