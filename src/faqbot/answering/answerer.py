"""Composing an answer: pick the best document, say how sure we are, or decline honestly.

Documents are ranked by the fused score (faqbot.search.retrieval), the best three then by their tokens
too (faqbot.search.rerank). A confident FAQ match answers with the FAQ answer; otherwise the best
passage answers, trimmed to its sentences closest to the question. Confidence is the dense
similarity of the chosen document, raised a little when the question's words also match it, and
lowered when a different document is nearly as close (an ambiguous question). Below the
threshold the bot declines and offers the closest FAQ questions instead.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from faqbot.answering.confidence import LOOKAHEAD, NEAR_TIE, confidence_of, runner_up
from faqbot.answering.excerpt import excerpt, section_sentences
from faqbot.content.articles import Article
from faqbot.content.documents import Doc
from faqbot.embedding.embedder import Embedder, Encoded, encode_questions
from faqbot.index.store import LoadedIndex
from faqbot.search.page_reference import WORDS as PAGE_WORDS
from faqbot.search.page_reference import PageReferences
from faqbot.search.rerank import rerank
from faqbot.search.retrieval import Hit, Scores, Strategy, score
from faqbot.search.spelling import Speller, english_words
from faqbot.text import normalize_question

DECLINE_MESSAGE = (
    "Sorry, I couldn't find an answer to that in this site's articles or FAQ. "
    "You could try rephrasing it, or pick one of the questions below."
)
MAX_SUGGESTIONS = 3
# Answers kept per loaded index, by normalised question: a new index gets a new Answerer and so
# an empty cache, which is why a cached answer can never come from an older index.
CACHE_SIZE = 2048


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
    kind: Literal["faq", "passage", "none"]
    answer_id: str
    sources: list[Source]
    suggestions: list[str]
    index_version: str
    question: str = field(default="", repr=False)
    from_cache: bool = field(default=False, repr=False)  # for the cache-hit metric, not the API


def _ignores_case(embedder: Embedder) -> bool:
    """Whether the model reads "Green AI" and "green ai" alike (all-MiniLM-L6-v2's tokenizer is uncased)."""
    upper, lower = embedder.encode(["Is Open Source AI Green?"])[0], embedder.encode(["is open source ai green?"])[0]
    return bool(np.array_equal(upper, lower))


class Answerer:
    """Answers questions from one loaded index with one embedder."""

    def __init__(self, index: LoadedIndex, embedder: Embedder, *, threshold: float):
        self.index = index
        self.embedder = embedder
        self.threshold = threshold
        # Built once per index, at load: the hot path only looks words up.
        corpus = [doc.lexical_text() for doc in index.docs]
        self.speller = Speller([*corpus, PAGE_WORDS], dictionary=english_words())
        self.pages = PageReferences(index.articles)
        self._sections = section_sentences(index.articles)
        self._cache: OrderedDict[tuple[str, int, str], Answer] = OrderedDict()
        # With an uncased model, questions that differ only in case share a cached answer: BM25,
        # spelling and page references all match in lower case too, so nothing else would differ.
        self._case_blind = _ignores_case(embedder)
        self._cache_lock = threading.Lock()
        self.cache_hits = 0

    def prepare(self, question: str, about: Article | None = None) -> str:
        """The form a question is matched in: normalised, misspelt words corrected, "this page"
        named as the article `about` (see faqbot.search.page_reference)."""
        return self._matched(self.speller.correct(normalize_question(question)), about)

    def _matched(self, corrected: str, about: Article | None) -> str:
        """A corrected question with "this page" named as the article `about`, if it meant one."""
        return corrected if about is None else self.pages.rewrite(corrected, about)

    def encode(self, question: str) -> Encoded:
        return encode_questions(self.embedder, [question])[0]

    def rank(self, question: str, *, strategy: Strategy = "hybrid", page: str | None = None) -> list[Hit]:
        """Every document, best first, as the answerer ranks them (the best few re-ranked by tokens)."""
        corrected = self.speller.correct(normalize_question(question))
        matched = self._matched(corrected, self.pages.article_for(corrected, page))
        encoded = self.encode(matched)
        hits = score(self.index, matched, encoded.vector, strategy=strategy).top()
        return rerank(hits, self.index.tokens, encoded.tokens)

    def answer(self, question: str, *, top_k: int = 3, page: str | None = None) -> Answer:
        """Answer one question (encoding it here; the server batches encodes instead).

        `page` is the path of the page the reader asks from: it says which article "this page" is.
        """
        question, corrected, about, cached = self._look_up(question, top_k, page)
        if cached is not None:
            return cached
        matched = self._matched(corrected, about)
        return self.answer_from_encoding(question, matched, self.encode(matched), top_k=top_k, about=about)

    async def answer_batched(
        self,
        question: str,
        *,
        top_k: int,
        encode: Callable[[str], Awaitable[Encoded]],
        page: str | None = None,
    ) -> Answer:
        """`answer`, with the encode handed to `encode` (the server's batcher) and awaited."""
        question, corrected, about, cached = self._look_up(question, top_k, page)
        if cached is not None:
            return cached
        matched = self._matched(corrected, about)
        return self.answer_from_encoding(question, matched, await encode(matched), top_k=top_k, about=about)

    def _look_up(self, question: str, top_k: int, page: str | None) -> tuple[str, str, Article | None, Answer | None]:
        """The normalised question, its spelling corrected (once: it also finds "this page"), the
        article "this page" in it means, and a cached answer if any."""
        question = normalize_question(question)
        corrected = self.speller.correct(question)
        about = self.pages.article_for(corrected, page)
        return question, corrected, about, self.cached(question, top_k, about)

    def _cache_key(self, question: str, top_k: int, about: Article | None) -> tuple[str, int, str]:
        """The normalised question, how many sources, and which article "this page" meant."""
        return question.lower() if self._case_blind else question, top_k, about.slug if about else ""

    def cached(self, question: str, top_k: int, about: Article | None = None) -> Answer | None:
        """The answer already given to this normalised question on this index, with a new id (and
        this asker's wording of the question)."""
        key = self._cache_key(question, top_k, about)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is None:
                return None
            self._cache.move_to_end(key)
            self.cache_hits += 1
        return replace(cached, answer_id=uuid.uuid4().hex, question=question, from_cache=True)

    def answer_from_encoding(
        self, question: str, matched: str, encoded: Encoded, *, top_k: int, about: Article | None = None
    ) -> Answer:
        """Compose (and cache) the answer to `question`, matched as `matched`, encoded as `encoded`."""
        # A question about the page asks for a summary: its passage answers whole, not trimmed to the
        # two sentences nearest the article's title ("This article delves into..." was cut).
        fresh = self._compose(question, matched, encoded, top_k, whole=about is not None)
        with self._cache_lock:
            self._cache[self._cache_key(question, top_k, about)] = fresh
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return fresh

    def _compose(self, question: str, matched: str, encoded: Encoded, top_k: int, *, whole: bool = False) -> Answer:
        scores = score(self.index, matched, encoded.vector)
        hits = rerank(scores.top(max(top_k, LOOKAHEAD)), self.index.tokens, encoded.tokens)
        confidence = round(confidence_of(hits, self.index.docs), 4)
        sources = [self._source(hit) for hit in hits[:top_k]]
        answer_id = uuid.uuid4().hex
        version = self.index.version
        if not hits or confidence < self.threshold:
            suggestions = self._suggestions(scores)
            return Answer(
                False, DECLINE_MESSAGE, confidence, "none", answer_id, sources, suggestions, version, question
            )
        best = self.index.docs[hits[0].doc]
        close = self._near_tie(hits)
        if best.kind == "faq":
            return Answer(True, best.text, confidence, "faq", answer_id, sources, close, version, question)
        text = best.text if whole else self._trim(hits[0].doc, encoded.vector)
        return Answer(True, text, confidence, "passage", answer_id, sources, close, version, question)

    def _near_tie(self, hits: list[Hit]) -> list[str]:
        """The other answer, when a document at another URL came nearly as close: the reader may mean it."""
        second = runner_up(hits, self.index.docs)
        if second is None or hits[0].score - second.score >= NEAR_TIE:
            return []
        doc = self.index.docs[second.doc]
        return [doc.question if doc.kind == "faq" else doc.section]

    def _source(self, hit: Hit) -> Source:
        doc: Doc = self.index.docs[hit.doc]
        return Source(doc.id, doc.kind, doc.title, doc.section, doc.url, doc.text, round(hit.score, 4))

    def _suggestions(self, scores: Scores) -> list[str]:
        """The FAQ questions closest to a declined question."""
        return [self.index.docs[hit.doc].question for hit in scores.top(MAX_SUGGESTIONS, among=self.index.faq_rows)]

    def _trim(self, doc_index: int, vector: np.ndarray) -> str:
        """The passage's answering excerpt (faqbot.answering.excerpt)."""
        doc = self.index.docs[doc_index]
        start = self.index.sentence_offsets[doc_index]
        if start < 0:
            return doc.text
        similarities = self.index.sentence_vectors[start : start + len(doc.sentences)] @ vector
        return excerpt(doc, similarities, self._sections.get((doc.article, doc.url.rsplit("#", 1)[-1])))
