"""Answer quality with the real model and a real index built from the launch data."""

from pathlib import Path
from typing import Any

import pytest

from faqbot.answering.answerer import Answerer
from faqbot.content.documents import Doc
from faqbot.embedding.embedder import Embedder
from faqbot.index.build import build_index
from faqbot.index.store import load_index
from faqbot.settings import Settings

pytestmark = pytest.mark.model


def label(doc: Doc) -> str:
    """What a question set names as the right source: an FAQ id or a section anchor."""
    return doc.id if doc.kind == "faq" else doc.url.rsplit("#", 1)[1]


def test_the_top_source_is_right_for_at_least_90_percent(real_answerer: Answerer, question_set: dict[str, Any]) -> None:
    in_scope = question_set["in_scope"]
    assert len(in_scope) >= 40
    wrong = []
    for item in in_scope:
        answer = real_answerer.answer(item["q"])
        top = answer.sources[0]
        got = top.id if top.kind == "faq" else top.url.rsplit("#", 1)[1]
        if got != item["expect"]:
            wrong.append((item["q"], item["expect"], got))
    assert 1 - len(wrong) / len(in_scope) >= 0.90, wrong


def test_question_set_covers_every_section_and_faq_entry(real_answerer: Answerer, question_set: dict[str, Any]) -> None:
    expected = {item["expect"] for item in question_set["in_scope"]}
    assert expected == {label(d) for d in real_answerer.index.docs}


def test_every_off_topic_question_is_declined(real_answerer: Answerer, question_set: dict[str, Any]) -> None:
    assert len(question_set["off_topic"]) >= 10
    answered = [(q, a.confidence) for q in question_set["off_topic"] if (a := real_answerer.answer(q)).answered]
    assert answered == []


def test_a_decline_has_the_same_shape_with_suggestions_and_sources(real_answerer: Answerer) -> None:
    answer = real_answerer.answer("How do I bake sourdough bread?", top_k=4)
    assert not answer.answered and answer.kind == "none"
    assert "couldn't find an answer" in answer.answer
    assert len(answer.sources) == 4
    faq_questions = {d.question for d in real_answerer.index.docs if d.kind == "faq"}
    assert answer.suggestions and set(answer.suggestions) <= faq_questions


def test_green_ai_is_answered_from_the_sustainability_section(real_answerer: Answerer) -> None:
    answer = real_answerer.answer("What is green AI?")
    assert answer.answered and answer.kind == "passage"
    assert answer.sources[0].url == "/articles/future-of-open-source-ai-models#the-role-of-sustainability-in-ai"
    assert answer.sources[0].section == "The Role of Sustainability in AI"
    assert "green AI" in answer.answer
    # The section is four sentences: an excerpt of three would leave one out, so it is shown whole.
    assert answer.answer == answer.sources[0].text
    assert answer.confidence >= real_answerer.threshold


def test_a_confident_faq_match_answers_with_the_faq_answer(real_answerer: Answerer) -> None:
    answer = real_answerer.answer("Can anyone contribute to open source AI projects?")
    assert answer.answered and answer.kind == "faq"
    assert answer.answer.startswith("Yes, developers, data scientists, and enthusiasts")
    assert answer.sources[0].id == "who-can-contribute"
    assert answer.suggestions == []


def test_the_same_question_always_gets_the_same_answer(real_answerer: Answerer) -> None:
    first = real_answerer.answer("  what   are the CHALLENGES of open source ai\t")
    for _ in range(3):
        again = real_answerer.answer("what are the challenges of open source ai")
        assert (again.answer, again.confidence, again.kind, again.sources) == (
            first.answer,
            first.confidence,
            first.kind,
            first.sources,
        )
        assert again.answer_id != first.answer_id  # each answer is its own, for feedback


def test_confidence_is_in_the_unit_interval(real_answerer: Answerer) -> None:
    for question in ["What is green AI?", "?!", "banana banana banana", "open source " * 50]:
        assert 0.0 <= real_answerer.answer(question).confidence <= 1.0


def test_cached_answers_equal_fresh_ones_with_their_own_ids(real_answerer: Answerer) -> None:
    question = "Which well-known open source AI projects are there? (cache test)"
    hits = real_answerer.cache_hits
    first = real_answerer.answer(question)
    second = real_answerer.answer("  " + question + " ")  # the same once normalised: a cache hit
    assert real_answerer.cache_hits == hits + 1
    query = real_answerer.reader.read(first.question)
    fresh = real_answerer.answer_from_encoding(query, real_answerer.encode(query.matched), top_k=3)
    for answer in (second, fresh):
        assert (answer.answer, answer.sources, answer.confidence, answer.kind) == (
            first.answer,
            first.sources,
            first.confidence,
            first.kind,
        )
    assert len({first.answer_id, second.answer_id, fresh.answer_id}) == 3


@pytest.mark.parametrize(
    "question",
    ["What is this page about?", "summarise this article", "what is this artcle about", "sumarize this webiste"],
)
def test_a_question_about_the_page_is_answered_from_the_article_lead(real_answerer: Answerer, question: str) -> None:
    # The launch site has one article, so "this page" is it wherever the widget is.
    for page in (None, "/articles/future-of-open-source-ai-models", "/faq"):
        answer = real_answerer.answer(question, page=page)
        assert answer.answered and answer.kind == "passage", (page, answer.confidence)
        assert answer.sources[0].url == "/articles/future-of-open-source-ai-models#introduction"
        # The lead whole: its summary sentence is the one a reader asking this needs.
        assert answer.answer == answer.sources[0].text and "This article delves into" in answer.answer


STUDIO = {
    "home": (
        "Juniper Lane Pottery",
        "https://pots.example/",
        "Juniper Lane is a small community pottery studio in the old mill, open to anyone who wants to work with clay.",
        "Our story",
        "We opened in 2015.",
    ),
    "classes": (
        "Classes at Juniper Lane",
        "https://pots.example/classes.html",
        "All our classes are small, with at most six students to a teacher.",
        "Beginner wheel throwing",
        "Six evenings on the wheel, clay included.",
    ),
    "visit": (
        "Visiting Juniper Lane",
        "https://pots.example/visit.html",
        "",
        "Getting here",
        "The studio is at 14 Juniper Lane, a ten-minute walk from the station.",
    ),
}


@pytest.mark.model
def test_this_page_is_the_page_the_reader_is_on_on_a_site_of_several(tmp_path: Path, real_embedder: Embedder) -> None:
    """An imported site's titles all hold its name: "what is Classes at Juniper Lane about?" was matched
    across the site and answered from the home page's introduction; on the visit page, which opens with
    a heading, declined. The article's own passages answer it, at its live URL's path or faqbot's page."""
    data = tmp_path / "data"
    (data / "articles").mkdir(parents=True)
    for slug, (title, url, lead, heading, text) in STUDIO.items():
        (data / "articles" / f"{slug}.md").write_text(
            f"---\ntitle: {title}\nurl: {url}\n---\n\n{lead}\n\n## {heading}\n\n{text}\n"
        )
    settings = Settings(data_dir=data, index_dir=tmp_path / "indexes", encoder="torch")
    build_index(settings, embedder_factory=lambda model: real_embedder)
    answerer = Answerer(
        load_index(settings.index_dir, model=settings.model), real_embedder, threshold=settings.threshold
    )
    for page, expected in (
        ("/classes.html", "https://pots.example/classes.html#introduction"),
        ("/articles/classes", "https://pots.example/classes.html#introduction"),
        ("/visit.html", "https://pots.example/visit.html#getting-here"),
        ("/index.html", "https://pots.example/#introduction"),
    ):
        answer = answerer.answer("what is this page about?", page=page)
        assert answer.answered and answer.sources[0].url == expected, (page, answer.sources[0].url)


def test_other_questions_about_the_page_are_not_answered_from_its_title(real_answerer: Answerer) -> None:
    answer = real_answerer.answer("Who wrote this article?")
    assert not answer.answered, answer.confidence


def test_a_question_differing_only_in_case_is_answered_from_the_cache(real_answerer: Answerer) -> None:
    real_answerer.answer("Which open source AI projects are popular? (case test)")
    hits = real_answerer.cache_hits
    shouted = "WHICH open source ai PROJECTS are popular? (Case Test)"
    second = real_answerer.answer(shouted)
    assert real_answerer.cache_hits == hits + 1 and second.from_cache
    assert second.question == shouted  # logged as this reader asked it
    query = real_answerer.reader.read(shouted)
    fresh = real_answerer.answer_from_encoding(query, real_answerer.encode(query.matched), top_k=3)
    assert (fresh.answer, fresh.sources, fresh.confidence) == (second.answer, second.sources, second.confidence)
