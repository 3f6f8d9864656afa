"""Questions about "this page": which ones are rewritten, and which article they mean."""

from __future__ import annotations

import pytest

from faqbot.content.articles import Article
from faqbot.search.page_reference import PageReferences


def article(slug: str, title: str) -> Article:
    return Article(slug=slug, title=title, url=f"/articles/{slug}", date="2026-01-01", sections=(), body="")


GREEN = article("green-ai", "Green AI in Practice")
OPEN = article("open-models", "The Future of Open Models")


@pytest.mark.parametrize(
    "question",
    [
        "what is this page about",
        "What is this article about?",
        "what does this article cover",
        "What topics does the current page cover?",
        "summarise this article for me",
        "Can you give me a summary of this post",
        "overview of the page please",
        "tl;dr of this article",
    ],
)
def test_questions_asking_what_the_page_is_about_name_the_article(question: str) -> None:
    references = PageReferences([GREEN, OPEN])
    about = references.article_for(question, "/articles/green-ai")
    assert about == GREEN
    rewritten = references.rewrite(question, about)
    assert "Green AI in Practice" in rewritten and "this article" not in rewritten.lower()


@pytest.mark.parametrize(
    "question",
    [
        "who wrote this article?",  # the title would make it match the article's lead: a confident wrong answer
        "when was this page published",
        "what does this article say about bias",  # about what: the question names its own subject
        "what is green AI about",  # no reference to the page
        "is this site free to use",
        "what is the site's privacy policy about",  # the subject is the policy, not the page
    ],
)
def test_other_questions_are_left_as_they_are(question: str) -> None:
    assert PageReferences([GREEN, OPEN]).article_for(question, "/articles/green-ai") is None
    assert PageReferences([GREEN]).article_for(question) is None


@pytest.mark.parametrize(
    "page",
    ["/articles/open-models", "/articles/open-models/", "https://example.org/articles/open-models?utm=x#intro"],
)
def test_the_page_is_matched_on_its_path(page: str) -> None:
    assert PageReferences([GREEN, OPEN]).article_for("what is this page about", page) == OPEN


def test_without_a_known_page_only_a_single_article_site_can_answer() -> None:
    question = "what is this page about"
    assert PageReferences([GREEN]).article_for(question) == GREEN
    assert PageReferences([GREEN]).article_for(question, "/faq") == GREEN  # the widget on the site's FAQ page
    assert PageReferences([GREEN, OPEN]).article_for(question) is None
    assert PageReferences([GREEN, OPEN]).article_for(question, "/faq") is None
    assert PageReferences([GREEN, OPEN]).article_for(question, "http://[broken") is None
    assert PageReferences([]).article_for(question) is None


def test_a_page_in_another_script_is_found_from_the_path_a_browser_sends() -> None:
    yoga = article("йога", "Йога для начинающих")
    pages = PageReferences([GREEN, yoga])
    for page in (
        "/articles/%D0%B9%D0%BE%D0%B3%D0%B0",
        "/articles/йога/",
        "https://example.org/articles/%D0%B9%D0%BE%D0%B3%D0%B0",
    ):
        assert pages.article_for("what is this page about", page) == yoga, page
