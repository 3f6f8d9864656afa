"""Scoring only the candidates ranks exactly as scoring every document did (the brute force below is
the retrieval of before: every document's dense, lexical and fused score in arrays as long as the
corpus, then sorted)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from faqbot.answering.answerer import Answerer
from faqbot.embedding.embedder import Embedder
from faqbot.index.build import build_index
from faqbot.index.lexical import tokenize
from faqbot.index.store import LoadedIndex, load_index
from faqbot.search import retrieval
from faqbot.search.retrieval import Hit, Strategy, score
from faqbot.settings import Settings
from tests.fakes import HashingEmbedder

WORDS = (
    "bike wheel tyre pressure brake pad chain grease saddle pedal frame repair shop price hour winter "
    "storage helmet light battery charge rental deposit member discount class volunteer tool stand"
).split()


def brute_force(index: LoadedIndex, question: str, vector: np.ndarray, strategy: Strategy) -> list[Hit]:
    """Every document scored, every document ranked: best first, ties in document order."""
    dense = np.full(len(index.docs), -1.0, dtype=np.float32)
    k = min(index.vectors.ntotal, retrieval.DENSE_CANDIDATES)
    similarities, rows = index.vectors.search(vector.reshape(1, -1), k)
    valid = rows[0] >= 0
    np.maximum.at(dense, index.key_docs[rows[0][valid]], similarities[0][valid])
    lexical = old_relevance(index, question)
    if strategy == "dense":
        fused = dense
    elif strategy == "bm25":
        fused = lexical
    else:
        best = float(lexical.max())
        spread = 0.0 if best <= 0 else (best - float(-np.partition(-lexical, 10)[10])) / best
        fused = dense + retrieval.LEXICAL_WEIGHT * (1.0 if len(lexical) <= 10 else spread) * lexical
    order = np.lexsort((np.arange(len(fused)), -fused))
    return [Hit(int(i), float(fused[i]), float(dense[i]), float(lexical[i])) for i in order]


def old_relevance(index: LoadedIndex, question: str) -> np.ndarray:
    """BM25 relevance as it was computed: each word's row added into an array over every document."""
    lexical = index.lexical
    ids = lexical._ids(tokenize(question))
    raw = np.zeros(len(index.docs), dtype=np.float32)
    for i in ids:
        if i is not None:
            start, end = lexical._starts[i], lexical._starts[i + 1]
            raw[lexical._rows[start:end]] += lexical._data[start:end]
    bound = sum(lexical._unknown_word if i is None else float(lexical._token_best[i]) for i in ids)
    return np.minimum(raw / bound, 1.0) if bound > 0 else raw


def site(root: Path, sections: int) -> Path:
    """A generated site: one article of `sections` sections (five sentences each) and 40 FAQ entries."""
    rng = np.random.default_rng(3)

    def sentence() -> str:
        return " ".join(rng.choice(WORDS, int(rng.integers(4, 9)))).capitalize() + "."

    body = "\n\n".join(
        f"## {' '.join(rng.choice(WORDS, 2)).title()} {n}\n\n" + " ".join(sentence() for _ in range(5))
        for n in range(sections)
    )
    (root / "articles").mkdir(parents=True)
    (root / "faq").mkdir()
    (root / "articles" / "shop.md").write_text(f"---\ntitle: The shop\n---\n\n{body}\n", encoding="utf-8")
    faq = "".join(
        f"- question: {sentence()[:-1]}?\n  answer: {sentence()} {sentence()}\n  id: q{n}\n" for n in range(40)
    )
    (root / "faq" / "shop.yaml").write_text(faq, encoding="utf-8")
    return root


def questions(rng: np.random.Generator) -> list[str]:
    made = [" ".join(rng.choice(WORDS, int(rng.integers(1, 6)))) for _ in range(60)]
    return made + ["the of and", "zeppelin", "brake brake brake", "zeppelin airship tyre", "what is it"]


def assert_same_rankings(index: LoadedIndex, vectors: Callable[[str], np.ndarray], asked: list[str]) -> None:
    for question in asked:
        vector = vectors(question)
        for strategy in ("hybrid", "dense", "bm25"):
            everything = brute_force(index, question, vector, strategy)
            scores = score(index, question, vector, strategy=strategy)
            assert scores.top() == everything, (question, strategy)
            for limit in (1, 3, 10, 37):
                assert scores.top(limit) == everything[:limit]
            faq = [h for h in everything if index.docs[h.doc].kind == "faq"]
            for limit in (3, 8, len(faq) + 5):
                assert scores.top(limit, among=index.faq_mask) == faq[:limit], (question, strategy, limit)
                assert scores.top(limit, among=index.faq_rows) == faq[:limit]
            assert scores.dense_max == max(h.dense for h in everything)
            assert scores.lexical_max == max(h.lexical for h in everything)


@pytest.mark.parametrize("candidates", [256, 12])
def test_candidate_scoring_ranks_every_document_as_scoring_them_all_did(
    tmp_path: Path, candidates: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retrieval, "DENSE_CANDIDATES", candidates)
    embedder = HashingEmbedder()
    settings = Settings(data_dir=site(tmp_path / "data", 40), index_dir=tmp_path / "indexes", model="fake-model")
    build_index(settings, embedder_factory=lambda model: embedder)
    index = load_index(settings.index_dir, model="fake-model")
    assert index.vectors.ntotal > 256  # so some documents are outside the dense candidates
    assert_same_rankings(index, lambda q: embedder.encode([q])[0], questions(np.random.default_rng(5)))


def test_answers_compose_from_candidates(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder], fake_embedder: HashingEmbedder
) -> None:
    """Suggestions and follow-ups among the FAQ entries are the best-scored ones, as before."""
    build_index(fake_settings, embedder_factory=fake_factory)
    index = load_index(fake_settings.index_dir, model=fake_settings.model)
    answerer = Answerer(index, fake_embedder, threshold=0.99)  # declines: suggestions
    for question in ("open source models", "zeppelin airship"):
        expected = [
            index.docs[h.doc] for h in brute_force(index, question, fake_embedder.encode([question])[0], "hybrid")
        ]
        faq = [d.question for d in expected if d.kind == "faq"]
        assert answerer.answer(question).suggestions == faq[:3]


@pytest.mark.model
@pytest.mark.parametrize("candidates", [256, 8])
def test_candidate_scoring_ranks_the_launch_site_as_before_with_the_real_model(
    real_answerer: Answerer,
    question_set: dict[str, list[object]],
    candidates: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(retrieval, "DENSE_CANDIDATES", candidates)
    asked = [item["q"] for item in question_set["in_scope"]] + list(question_set["off_topic"])
    assert_same_rankings(real_answerer.index, lambda q: real_answerer.encode(q).vector, asked)
