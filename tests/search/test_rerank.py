"""Token re-ranking: the int8 store, MaxSim, the re-ordering of the best few, and the build's part."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from faqbot.answering.answerer import Answerer
from faqbot.embedding.embedder import Embedder
from faqbot.errors import IndexUnavailable
from faqbot.index.build import build_index
from faqbot.index.builds import current_build
from faqbot.index.store import load_index
from faqbot.index.tokens import TOKENS_FILE, TokenStore, match_text
from faqbot.search.rerank import CANDIDATES, rerank
from faqbot.search.retrieval import Hit
from faqbot.settings import Settings
from tests.fakes import HashingEmbedder

Factory = Callable[[str], Embedder]


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def docs_tokens() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    return [unit(rng.standard_normal((n, 32))) for n in (4, 1, 7, 3, 5)]


def naive_maxsim(question: np.ndarray, document: np.ndarray) -> float:
    return float((question @ document.T).max(axis=1).mean())


def test_similarities_are_maxsim_within_int8_rounding(docs_tokens: list[np.ndarray]) -> None:
    store = TokenStore.from_tokens(docs_tokens)
    assert store.codes.dtype == np.int8 and len(store.codes) == sum(len(t) for t in docs_tokens) == 20
    question = unit(np.random.default_rng(4).standard_normal((6, 32)))
    for docs in ([0, 1, 2, 3, 4], [4, 2], [1], [3, 3, 0]):
        expected = [naive_maxsim(question, docs_tokens[d]) for d in docs]
        assert np.allclose(store.similarities(question, docs), expected, atol=2e-3)
    # A question made of a document's own tokens matches that document perfectly, and best.
    own = store.similarities(docs_tokens[2][:3], [0, 1, 2, 3, 4])
    assert own[2] == pytest.approx(1.0, abs=2e-3) and int(np.argmax(own)) == 2


def test_the_store_survives_save_and_load_memory_mapped(tmp_path: Path, docs_tokens: list[np.ndarray]) -> None:
    store = TokenStore.from_tokens(docs_tokens)
    store.save(tmp_path)
    loaded = TokenStore.load(tmp_path, len(docs_tokens))
    assert loaded is not None and isinstance(loaded.codes, np.memmap)
    question = docs_tokens[0]
    assert np.array_equal(loaded.similarities(question, [0, 4]), store.similarities(question, [0, 4]))
    assert TokenStore.load(tmp_path / "nothing-here", 5) is None
    with pytest.raises(ValueError, match="does not match"):
        TokenStore.load(tmp_path, len(docs_tokens) + 1)


def hit(doc: int, score: float) -> Hit:
    return Hit(doc, score, score, 0.0)


def test_rerank_reorders_only_the_best_few_by_fused_plus_token_score(docs_tokens: list[np.ndarray]) -> None:
    store = TokenStore.from_tokens(docs_tokens)
    question = docs_tokens[1]  # document 1's only token: it matches document 1 perfectly
    hits = [hit(0, 0.80), hit(3, 0.79), hit(1, 0.78), hit(4, 0.10), hit(2, 0.05)]
    assert CANDIDATES == 3
    reranked = rerank(hits, store, question)
    assert [h.doc for h in reranked][:1] == [1]  # lifted by its tokens from third to first
    assert reranked[CANDIDATES:] == hits[CANDIDATES:]  # the rest untouched, after the head
    similarities = store.similarities(question, [0, 3, 1])
    head = {h.doc: h.score for h in reranked[:CANDIDATES]}
    assert head == pytest.approx({0: 0.80 + similarities[0], 3: 0.79 + similarities[1], 1: 0.78 + similarities[2]})
    # Nothing to re-rank with: the hits as they were.
    assert rerank(hits, None, question) is hits and rerank(hits, store, None) is hits


def test_a_build_stores_every_documents_tokens_and_caches_them(
    fake_settings: Settings, fake_factory: Factory, fake_embedder: HashingEmbedder
) -> None:
    report = build_index(fake_settings, embedder_factory=fake_factory)
    index = load_index(fake_settings.index_dir, model="fake-model")
    assert index.tokens is not None and len(index.tokens.offsets) == len(index.docs) + 1
    words = [len(re.findall(r"\w+", match_text(d))) for d in index.docs]  # the fake's tokens are words
    assert np.array_equal(np.diff(index.tokens.offsets), words)
    assert report.rerank == {"on": True, "tokens": sum(words)} == index.manifest.rerank
    assert sorted(t for call in fake_embedder.token_calls for t in call) == sorted(map(match_text, index.docs))
    fake_embedder.token_calls.clear()
    again = build_index(fake_settings, embedder_factory=fake_factory, force=True)
    assert again.rerank == report.rerank and fake_embedder.token_calls == []  # from the token cache


def test_rerank_off_or_too_many_documents_builds_no_store_and_still_answers(
    fake_settings: Settings, fake_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    on = build_index(fake_settings, embedder_factory=fake_factory)
    off_settings = fake_settings.model_copy(update={"rerank": "off"})
    off = build_index(off_settings, embedder_factory=fake_factory)
    assert off.version != on.version and off.rerank == {"on": False, "reason": "FAQBOT_RERANK=off"}
    index = load_index(fake_settings.index_dir, model="fake-model")
    assert index.tokens is None and not (index.directory / TOKENS_FILE).exists()
    answer = Answerer(index, HashingEmbedder(), threshold=0.0).answer("What is green AI?")
    assert answer.answered and answer.sources

    monkeypatch.setattr("faqbot.index.tokens.MAX_STORE_TOKENS", 30)
    forced = build_index(fake_settings.model_copy(update={"rerank": "on"}), embedder_factory=fake_factory)
    assert forced.version == on.version and forced.rerank == on.rerank
    auto = build_index(fake_settings, embedder_factory=fake_factory)
    assert auto.version == off.version  # the same index as `off`: built without a store
    assert auto.rerank is not None and not auto.rerank["on"] and "12 documents" in auto.rerank["reason"]


def test_a_damaged_token_store_is_refused_with_one_clear_line(fake_settings: Settings, fake_factory: Factory) -> None:
    build_index(fake_settings, embedder_factory=fake_factory)
    build = current_build(fake_settings.index_dir)
    assert build is not None
    np.save(build / "token_offsets.npy", np.array([0, 1, 2]))
    with pytest.raises(IndexUnavailable, match="damaged.*does not match"):
        load_index(fake_settings.index_dir, model="fake-model")


def test_a_build_from_before_re_ranking_still_loads(fake_settings: Settings, fake_factory: Factory) -> None:
    """Its manifest has no `rerank` entry and it has no store: it serves without re-ranking."""
    build_index(fake_settings.model_copy(update={"rerank": "off"}), embedder_factory=fake_factory)
    build = current_build(fake_settings.index_dir)
    assert build is not None
    manifest = json.loads((build / "manifest.json").read_text())
    del manifest["rerank"]
    (build / "manifest.json").write_text(json.dumps(manifest))
    index = load_index(fake_settings.index_dir, model="fake-model")
    assert index.tokens is None and index.manifest.rerank == {}


@pytest.mark.model
def test_real_token_similarity_prefers_the_passage_that_answers(real_answerer: Answerer) -> None:
    index = real_answerer.index
    assert index.tokens is not None
    by_anchor = {d.url.rsplit("#", 1)[-1]: i for i, d in enumerate(index.docs) if d.kind == "passage"}
    question = real_answerer.encode("My startup cannot afford a big AI lab: how do open models help small companies?")
    assert question.tokens is not None
    right, other = by_anchor["democratizing-ai"], by_anchor["the-role-of-sustainability-in-ai"]
    similarities = index.tokens.similarities(question.tokens, [right, other])
    assert similarities[0] > similarities[1] + 0.05
