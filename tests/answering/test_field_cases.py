"""Field cases from public bug reports of FAQ bots, each the test of a whole kind of failure."""

from pathlib import Path

import pytest
import yaml

from faqbot.answering.answerer import Answerer
from faqbot.answering.confidence import confidence_of, runner_up
from faqbot.content.documents import Doc
from faqbot.embedding.embedder import Embedder
from faqbot.index.build import build_index
from faqbot.index.store import load_index
from faqbot.search.retrieval import Hit
from faqbot.settings import Settings
from faqbot.text import normalize_question


def doc(url: str) -> Doc:
    return Doc(url, "faq", "T", "S", url, "text")


def test_a_near_tie_between_two_answers_is_less_sure_than_a_clear_lead() -> None:
    docs = [doc("/a"), doc("/b"), doc("/a")]
    tied = [Hit(0, 1.416, 0.75, 0.5), Hit(1, 1.409, 0.74, 0.5)]
    clear = [Hit(0, 1.416, 0.75, 0.5), Hit(1, 0.9, 0.5, 0.1)]
    assert confidence_of(tied, docs) < confidence_of(clear, docs) - 0.2
    # Two windows of the same section are one answer: the runner-up is the next at another URL.
    assert runner_up([Hit(0, 1.4, 0.7, 0), Hit(2, 1.39, 0.7, 0), Hit(1, 0.8, 0.5, 0)], docs) == Hit(1, 0.8, 0.5, 0)


@pytest.mark.model
def test_a_bare_keyword_that_one_entry_matches_far_better_is_answered(real_answerer: Answerer) -> None:
    answer = real_answerer.answer("MXNet?")
    assert answer.answered and answer.kind == "faq"
    assert "MXNet" in answer.answer


@pytest.mark.model
def test_a_short_keyword_query_for_a_site_owners_own_entry_is_answered(tmp_path: Path, real_embedder: Embedder) -> None:
    data = tmp_path / "data"
    (data / "faq").mkdir(parents=True)
    entries = [
        {
            "question": "What does the WHO say about open AI in health?",
            "answer": "The World Health Organization "
            "asks for transparency, published evaluations and human oversight of AI used in care.",
        },
        {"question": "How do I reset my password?", "answer": "Use the 'Forgot password' link on the sign-in page."},
        {"question": "Which browsers are supported?", "answer": "The two latest versions of every major browser."},
    ]
    (data / "faq" / "site.yaml").write_text(yaml.safe_dump(entries))
    settings = Settings(data_dir=data, index_dir=tmp_path / "indexes", encoder="torch")
    build_index(settings, embedder_factory=lambda model: real_embedder)
    answerer = Answerer(load_index(settings.index_dir), real_embedder, threshold=settings.threshold)
    answer = answerer.answer("WHO guidance")
    assert answer.answered and "World Health Organization" in answer.answer


@pytest.mark.model
def test_words_of_another_language_are_not_corrected_into_english(real_answerer: Answerer) -> None:
    spanish = "¿Qué es un modelo de IA de código abierto?"
    assert real_answerer.prepare(spanish) == normalize_question(spanish)
    assert real_answerer.prepare("what is an open sorce modle") != "what is an open sorce modle"


@pytest.mark.model
def test_an_answer_never_starts_on_a_sentence_that_leans_on_one_the_reader_cannot_see(
    real_answerer: Answerer,
) -> None:
    answer = real_answerer.answer("What is green AI?")
    assert answer.answered and "green AI" in answer.answer
    assert not answer.answer.startswith("The open-source community is uniquely positioned to tackle this issue")
    assert "energy" in answer.answer  # what "this issue" is
