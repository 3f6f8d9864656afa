"""The scores retrieval fuses (BM25 relevance on a fixed scale, FAQ keys as means of embeddings) and their ranking."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from faqbot.answering.answerer import Answerer
from faqbot.content.documents import FAQ_ANSWER_WORDS, Doc, Key
from faqbot.embedding.embedder import Embedder
from faqbot.index.build import build_index
from faqbot.index.lexical import LexicalIndex, tokenize
from faqbot.index.store import load_index
from faqbot.search.retrieval import Scores
from faqbot.settings import Settings
from tests.fakes import HashingEmbedder

TEXTS = [
    "Gmail filters sort incoming mail into labels",
    "Gmail search finds old mail by sender",
    "Dropbox shows which files use the most space",
]


def test_a_document_with_every_word_at_its_best_scores_one() -> None:
    index = LexicalIndex.build(TEXTS)
    relevance = index.relevance("dropbox space")
    assert relevance[2] == pytest.approx(1.0)
    assert relevance[0] == relevance[1] == 0.0


def test_a_weak_match_is_not_lifted_to_one_because_it_is_the_best_there_is() -> None:
    index = LexicalIndex.build(TEXTS)
    # Only the common word "gmail" matches: the top document carries a small share of the question.
    relevance = index.relevance("gmail export contacts spreadsheet")
    raw = index.scores("gmail export contacts spreadsheet")
    assert raw.argmax() in (0, 1) and 0 < relevance.max() < 0.5
    assert np.allclose(relevance / relevance.max(), raw / raw.max())  # same order as raw BM25


def test_words_no_document_contains_lower_the_relevance() -> None:
    index = LexicalIndex.build(TEXTS)
    known = index.relevance("dropbox space")[2]
    with_unknown = index.relevance("dropbox space zeppelin")[2]
    assert 0 < with_unknown < known
    assert not index.relevance("zeppelin").any() and not index.relevance("the of").any()


def test_relevance_survives_save_and_load(tmp_path: Path) -> None:
    index = LexicalIndex.build(TEXTS)
    index.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path, len(TEXTS))
    for query in ("gmail mail sender", "dropbox space zeppelin"):
        assert np.allclose(loaded.relevance(query), index.relevance(query))


def test_an_faq_key_is_the_mean_of_its_question_and_its_question_with_the_answer_lead(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder], fake_embedder: Embedder
) -> None:
    build_index(fake_settings, embedder_factory=fake_factory)
    index = load_index(fake_settings.index_dir, model=fake_settings.model)
    row = index.key_fields.index("question")
    doc = index.docs[int(index.key_docs[row])]
    lead = " ".join(doc.text.split()[:FAQ_ANSWER_WORDS])
    expected = fake_embedder.encode([doc.question, f"{doc.question} {lead}"]).mean(axis=0)
    assert np.allclose(index.vectors.reconstruct(row), expected, atol=1e-6)
    # So a question's inner product with the key is the mean of its two cosines.
    probe = fake_embedder.encode([doc.question])[0]
    two = fake_embedder.encode([doc.question, f"{doc.question} {lead}"]) @ probe
    assert float(index.vectors.reconstruct(row) @ probe) == pytest.approx(float(two.mean()), abs=1e-5)


def test_a_change_of_key_weights_alone_is_a_new_index_version(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_index(fake_settings, embedder_factory=fake_factory)
    original = Doc.keys

    def reweighted(self: Doc) -> list[Key]:
        return [k._replace(weights=(0.6, 0.4)) if len(k.texts) == 2 else k for k in original(self)]

    monkeypatch.setattr(Doc, "keys", reweighted)
    again = build_index(fake_settings, embedder_factory=fake_factory)
    assert not again.up_to_date and again.version != first.version
    assert again.embedded == 0  # the same texts, from the cache


def test_the_best_few_are_the_head_of_the_full_ranking_ties_in_document_order() -> None:
    rng = np.random.default_rng(7)
    fused = rng.choice([0.1, 0.5, 0.5, 0.5, 0.9], size=200).astype(np.float32)  # many ties, at every cut
    docs = rng.permutation(200)  # candidates come in no particular order
    scores = Scores(docs, fused[docs], np.zeros(200, dtype=np.float32), fused[docs], size=200, rest=-1.0)
    everything = [hit.doc for hit in scores.top()]
    assert everything == sorted(range(200), key=lambda i: (-fused[i], i))
    for limit in (1, 3, 37, 199, 200, 500):
        assert [hit.doc for hit in scores.top(limit)] == everything[:limit]
    among = np.arange(0, 200, 3)
    assert [hit.doc for hit in scores.top(5, among=among)] == [i for i in everything if i % 3 == 0][:5]


def test_bm25_scores_read_from_the_matrix_equal_bm25s_own() -> None:
    index = LexicalIndex.build(TEXTS)
    retriever = index._retriever  # the library the scores are read past, as the reference
    for query in ("gmail mail sender", "dropbox dropbox space", "gmail zeppelin", "old files use mail"):
        words = [w for w in tokenize(query) if w in retriever.vocab_dict]
        assert words and np.allclose(index.scores(query), retriever.get_scores(words), atol=1e-6)
    assert not index.scores("zeppelin airship").any()


class CaseSensitiveEmbedder(HashingEmbedder):
    """A cased model: "Green" and "green" are different words to it."""

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return super().encode([t.replace("G", "Gg").replace("O", "Oo") for t in texts], progress=progress)


def test_the_cache_ignores_case_only_for_a_model_that_does(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder], fake_embedder: HashingEmbedder
) -> None:
    build_index(fake_settings, embedder_factory=fake_factory)
    index = load_index(fake_settings.index_dir, model=fake_settings.model)
    for embedder, shared in ((fake_embedder, True), (CaseSensitiveEmbedder(), False)):
        answerer = Answerer(index, embedder, threshold=0.0)
        answerer.answer("What is Green AI about?")
        answer = answerer.answer("what is green ai about?")
        assert answer.from_cache is shared and answerer.cache_hits == int(shared)
