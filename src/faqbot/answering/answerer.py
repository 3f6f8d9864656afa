"""Composing an answer: pick the best document, say how sure we are, or decline honestly.

A question is read first (faqbot.answering.query: small talk, spelling, "this page", the
conversation). Documents are ranked by the fused score (faqbot.search.retrieval), the best three
then by their tokens too (faqbot.search.rerank). A confident FAQ match answers with the FAQ
answer; otherwise the best passage answers with its answering excerpt (faqbot.answering.excerpt).
Below the threshold on confidence (faqbot.answering.confidence) the bot declines and offers the
closest FAQ questions instead. Every answer offers up to MAX_FOLLOW_UPS next questions: the FAQ
entries closest to the question, other than the one that answered, not yet asked.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

import numpy as np

from faqbot.answering.answer import DECLINE_MESSAGE, Answer, Source
from faqbot.answering.confidence import LOOKAHEAD, NEAR_TIE, confidence_of, runner_up
from faqbot.answering.conversation import Turn
from faqbot.answering.excerpt import Excerpt, excerpt, section_sentences, whole_passage
from faqbot.answering.query import Query, QueryReader
from faqbot.content.articles import Article
from faqbot.embedding.embedder import Embedder, Encoded, encode_questions
from faqbot.index.store import LoadedIndex
from faqbot.search.page_reference import WORDS as PAGE_WORDS
from faqbot.search.page_reference import PageReferences
from faqbot.search.rerank import rerank
from faqbot.search.retrieval import Hit, Scores, Strategy, score
from faqbot.search.spelling import Speller, english_words

MAX_SUGGESTIONS = 3
MAX_FOLLOW_UPS = 3
FOLLOW_UP_CANDIDATES = 8  # kept with a cached answer, so a conversation's asked ones can be left out
# Answers kept per loaded index, by matched question: a new index gets a new Answerer and so an
# empty cache, which is why a cached answer can never come from an older index.
CACHE_SIZE = 2048


def _ignores_case(embedder: Embedder) -> bool:
    """Whether the model reads "Green AI" and "green ai" alike (all-MiniLM-L6-v2's tokenizer is uncased)."""
    upper, lower = embedder.encode(["Is Open Source AI Green?"])[0], embedder.encode(["is open source ai green?"])[0]
    return bool(np.array_equal(upper, lower))


class Answerer:
    """Answers questions from one loaded index with one embedder."""

    def __init__(self, index: LoadedIndex, embedder: Embedder, *, threshold: float, contact: str = ""):
        self.index = index
        self.embedder = embedder
        self.threshold = threshold
        # Built once per index, at load: the hot path only looks words up.
        # The corpus's words as the build counted them (the most frequent, past MAX_CORPUS_WORDS: the
        # word index then knows the others); from the documents for an index built before.
        corpus = [doc.lexical_text() for doc in index.docs] if index.words is None else []
        also_known = index.lexical.knows if index.words_bounded else None
        words = index.words or ()
        self.speller = Speller([*corpus, PAGE_WORDS], dictionary=english_words(), words=words, also_known=also_known)
        self.pages = PageReferences(index.articles)
        self.reader = QueryReader(index, self.speller, self.pages, contact=contact)
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
        query = self.reader.read(question)
        return query.matched if about is None else self.pages.rewrite(query.matched, about)

    def encode(self, question: str) -> Encoded:
        return encode_questions(self.embedder, [question])[0]

    def rank(
        self, question: str, *, strategy: Strategy = "hybrid", page: str | None = None, history: Sequence[Turn] = ()
    ) -> list[Hit]:
        """Every document, best first, as the answerer ranks them (the best few re-ranked by tokens)."""
        matched = self.reader.read(question, page=page, history=history).matched
        encoded = self.encode(matched)
        hits = score(self.index, matched, encoded.vector, strategy=strategy).top()
        return rerank(hits, self.index.tokens, encoded.tokens)

    def answer(self, question: str, *, top_k: int = 3, page: str | None = None, history: Sequence[Turn] = ()) -> Answer:
        """Answer one question (encoding it here; the server batches encodes instead).

        `page` is the path of the page the reader asks from: it says which article "this page" is.
        `history` is the conversation so far, oldest first (faqbot.answering.conversation).
        """
        query = self.reader.read(question, page=page, history=history)
        answer = self._ready(query, top_k) or self.answer_from_encoding(query, self.encode(query.matched), top_k)
        again = self._continues(query, answer)
        if again is not None:
            answer = self._ready(again, top_k) or self.answer_from_encoding(again, self.encode(again.matched), top_k)
        return self._unless_small_talk(query, answer)

    async def answer_batched(
        self,
        question: str,
        *,
        top_k: int,
        encode: Callable[[str], Awaitable[Encoded]],
        page: str | None = None,
        history: Sequence[Turn] = (),
    ) -> Answer:
        """`answer`, with the encode handed to `encode` (the server's batcher) and awaited."""
        query = self.reader.read(question, page=page, history=history)
        answer = self._ready(query, top_k) or self.answer_from_encoding(query, await encode(query.matched), top_k)
        again = self._continues(query, answer)
        if again is not None:
            answer = self._ready(again, top_k) or self.answer_from_encoding(again, await encode(again.matched), top_k)
        return self._unless_small_talk(query, answer)

    def _unless_small_talk(self, query: Query, answer: Answer) -> Answer:
        """The answer, or, when it is a decline of a message that opened with thanks or a greeting and
        went on only a word or two ("thanks a lot!", "cheers mate"), the small talk it opened with."""
        if answer.answered or query.declined_reply is None:
            return answer
        return replace(
            answer,
            answered=True,
            answer=query.declined_reply,
            confidence=1.0,
            kind="smalltalk",
            sources=[],
            suggestions=[],
            follow_ups=[],
            answer_html=None,
        )

    @staticmethod
    def _continues(query: Query, answer: Answer) -> Query | None:
        """The question read in context, when it was declined alone though its best match is the
        conversation's source, ahead of any other (not a near-tie): it continues the topic in words of
        its own (faqbot.answering.conversation). A second encode, on those turns only."""
        if answer.answered or query.continued is None or not answer.sources:
            return None
        best, *others = answer.sources
        # Nearly tied with another source, the best match says nothing about which one it is about.
        clear = not others or best.score - others[0].score >= NEAR_TIE
        return query.in_context() if best.url == query.topic_url and clear else None

    def _ready(self, query: Query, top_k: int) -> Answer | None:
        """The answer that needs no encode: small talk, or one already in the cache."""
        if query.smalltalk is not None:
            return Answer(
                True, query.smalltalk, 1.0, "smalltalk", uuid.uuid4().hex, [], [], self.index.version, query.question
            )
        return self.cached(query, top_k)

    def _cache_key(self, query: Query, top_k: int) -> tuple[str, int, str]:
        """The matched question, how many sources, and which article "this page" meant."""
        matched = query.matched.lower() if self._case_blind else query.matched
        return matched, top_k, query.about.slug if query.about else ""

    def cached(self, query: Query, top_k: int) -> Answer | None:
        """The answer already given to this matched question on this index, with a new id (and this
        asker's wording of the question)."""
        key = self._cache_key(query, top_k)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is None:
                return None
            self._cache.move_to_end(key)
            self.cache_hits += 1
        return self._for(query, replace(cached, answer_id=uuid.uuid4().hex, from_cache=True))

    def answer_from_encoding(self, query: Query, encoded: Encoded, top_k: int) -> Answer:
        """Compose (and cache) the answer to `query`, encoded as `encoded`."""
        # A question about the page asks for a summary: its passage answers whole.
        if query.about is not None:
            fresh = self._page_summary(query.matched, encoded, top_k, query.about)
        else:
            fresh = self._compose(query.matched, encoded, top_k)
        with self._cache_lock:
            self._cache[self._cache_key(query, top_k)] = fresh
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return self._for(query, fresh)

    def _for(self, query: Query, answer: Answer) -> Answer:
        """A composed answer as this asker gets it: their wording, the reading, unasked follow-ups."""
        asked = query.asked | {query.question.lower()}
        follow_ups = [q for q in answer.follow_ups if q.lower() not in asked][:MAX_FOLLOW_UPS]
        return replace(answer, question=query.question, interpreted_as=query.interpreted_as, follow_ups=follow_ups)

    def _page_summary(self, matched: str, encoded: Encoded, top_k: int, about: Article) -> Answer:
        """The answer to "what is this page about?": the part of the page the reader is on that is
        closest to "what is <its title> about" (its lead, as a rule), whole. Answered by construction,
        from that article's own passages only: matched across the site, the site's name in the title
        drew another page's introduction (an imported site's home page), or none stood out and it was
        declined. An article with no passage (an FAQ page alone) is answered as any question is."""
        scores = score(self.index, matched, encoded.vector)
        docs = self.index.docs
        own = np.array([i for i, d in enumerate(docs) if d.article == about.slug and d.kind == "passage"], np.int64)
        if not len(own):
            return self._compose(matched, encoded, top_k, whole=True)
        hits = rerank(scores.top(max(top_k, LOOKAHEAD), among=own), self.index.tokens, encoded.tokens)
        text, html = self._passage_answer(hits[0].doc, encoded.vector, whole=True)
        sources = [self._source(hit) for hit in self._distinct(hits)[:top_k]]
        follow_ups = self._faq_questions(scores, FOLLOW_UP_CANDIDATES)
        answer_id, version = uuid.uuid4().hex, self.index.version
        return Answer(
            True, text, 1.0, "passage", answer_id, sources, [], version, follow_ups=follow_ups, answer_html=html
        )

    def _compose(self, matched: str, encoded: Encoded, top_k: int, *, whole: bool = False) -> Answer:
        scores = score(self.index, matched, encoded.vector)
        answer_id, version = uuid.uuid4().hex, self.index.version
        hits = rerank(scores.top(max(top_k, LOOKAHEAD)), self.index.tokens, encoded.tokens)
        confidence = round(confidence_of(hits, self.index.docs), 4)
        sources = [self._source(hit) for hit in self._distinct(hits)[:top_k]]
        declined = not hits or confidence < self.threshold
        # Small talk by its meaning (QueryReader.smalltalk_intent). A question the site answers stays the
        # site's unless its meaning is far nearer a small-talk example than any document: "how do I get
        # in touch" on a site that says is answered from it; "bye then" is no question about closing an
        # account, whatever its confidence (a lead over the runner-up, not a closeness) says.
        intent = self.reader.smalltalk_intent(
            encoded.vector, scores.dense_max, scores.lexical_max, answered=not declined
        )
        if intent:
            reply = self.index.smalltalk.answer_for(intent, contact=self.reader.contact)
            return Answer(True, reply, 1.0, "smalltalk", answer_id, [], [], version)
        if declined:
            suggestions = self._faq_questions(scores, MAX_SUGGESTIONS)
            return Answer(False, DECLINE_MESSAGE, confidence, "none", answer_id, sources, suggestions, version)
        best = self.index.docs[hits[0].doc]
        close = self._near_tie(hits)
        follow_ups = [q for q in self._faq_questions(scores, FOLLOW_UP_CANDIDATES) if q != best.question]
        if best.kind == "faq":
            text, html = best.text, best.answer_html()
        else:
            text, html = self._passage_answer(hits[0].doc, encoded.vector, whole=whole)
        return Answer(
            True,
            text,
            confidence,
            best.kind,
            answer_id,
            sources,
            close,
            version,
            follow_ups=follow_ups,
            answer_html=html,
        )

    def _near_tie(self, hits: list[Hit]) -> list[str]:
        """The other answer, when a document at another URL came nearly as close: the reader may mean it."""
        second = runner_up(hits, self.index.docs)
        if second is None or hits[0].score - second.score >= NEAR_TIE:
            return []
        doc = self.index.docs[second.doc]
        return [doc.question if doc.kind == "faq" else doc.section]

    def _distinct(self, hits: list[Hit]) -> list[Hit]:
        """The hits, one per URL: two windows of one section are one source to a reader."""
        first: dict[str, Hit] = {}
        for hit in hits:
            first.setdefault(self.index.docs[hit.doc].url, hit)
        return list(first.values())

    def _source(self, hit: Hit) -> Source:
        doc = self.index.docs[hit.doc]
        return Source(doc.id, doc.kind, doc.title, doc.section, doc.url, doc.text, round(hit.score, 4))

    def _faq_questions(self, scores: Scores, count: int) -> list[str]:
        """The questions of the FAQ entries closest to the question: answerable, by construction."""
        return [self.index.docs[hit.doc].question for hit in scores.top(count, among=self.index.faq_mask)]

    def _passage_answer(self, doc_index: int, vector: np.ndarray, *, whole: bool) -> Excerpt:
        """The passage's answering excerpt (faqbot.answering.excerpt), or all of it when `whole`, as
        plain text and as laid out in its section (a list as a list)."""
        doc = self.index.docs[doc_index]
        section = self._sections.get((doc.article, doc.url.rsplit("#", 1)[-1]))
        start = self.index.sentence_offsets[doc_index]
        if whole or start < 0:
            return whole_passage(doc, section)
        similarities = self.index.sentence_vectors[start : start + len(doc.sentences)] @ vector
        return excerpt(doc, similarities, section)
