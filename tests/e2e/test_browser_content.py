"""What readers see of the site's content in a real browser: Markdown answers rendered safely, starters
that follow the page, and short declines (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page

from faqbot.embedding.embedder import Embedder
from faqbot.index.build import build_index
from faqbot.index.store import load_index
from faqbot.server.app import create_app
from faqbot.settings import Settings
from tests.e2e.test_browser import PageWatch, ask, open_widget, shot
from tests.fakes import HashingEmbedder
from tests.support import free_port, require_chromium, serve_app

pytestmark = [pytest.mark.browser]

FIRST = "/articles/future-of-open-source-ai-models"
SECOND = "/articles/workshop"
QUESTION = "How do I fix a flat tyre on the trail?"
# What a site owner may write, and what an attacker who got into a FAQ file would.
ANSWER = """Fix it in **three** steps, as [the repair guide](https://example.org/guide) shows:

- take the *wheel* off
- find the hole with `soapy water`
- patch it <img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>

Then pump to 45 psi."""
WORKSHOP_FAQ = [
    {"id": "flat-repair", "question": QUESTION, "answer": ANSWER},
    {"id": "opening-hours", "question": "When is the workshop open?", "answer": "Tuesdays and *Thursdays*, 6 to 9 pm."},
]
WORKSHOP = """---
title: The workshop
---

## Tools

Bring [a pump](https://example.org/pump) and tyre levers. <img src=x onerror="window.__pwned = 3"> We lend:

- spanners
- a **truing stand**
"""
NOTHING_RUNS = (
    "() => { const r = document.querySelector('faqbot-widget').shadowRoot;"
    " return [window.__pwned, document.querySelectorAll('[onerror]').length + r.querySelectorAll('[onerror]').length,"
    " r.querySelectorAll('script, img').length,"
    " Array.from(document.scripts).filter((s) => !s.src.includes('/widget.js')).length]; }"
)


@pytest.fixture
def watch(browser: Browser) -> Iterator[PageWatch]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield PageWatch(context.new_page())
    context.close()


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The launch site plus a second article with its own FAQ in Markdown, on the fake embedder."""
    require_chromium()
    root = tmp_path_factory.mktemp("markdown-site")
    data = root / "data"
    from tests.conftest import SITE

    for part in ("articles", "faq"):
        (data / part).mkdir(parents=True)
        for source in (SITE / part).iterdir():
            (data / part / source.name).write_bytes(source.read_bytes())
    (data / "articles" / "workshop.md").write_text(WORKSHOP)
    (data / "faq" / "workshop.json").write_text(json.dumps(WORKSHOP_FAQ))
    settings = Settings(data_dir=data, index_dir=root / "indexes", model="fake-model", state_dir=root / "state")
    embedder = HashingEmbedder()
    build_index(settings, embedder_factory=lambda model: embedder)
    with serve_app(create_app(settings, embedder_factory=lambda model: embedder), free_port()) as url:
        yield url


def errors(watch: PageWatch) -> list[str]:
    """The page's console errors but the 404 of the workshop article's `<img src=x>` (kept: an article may
    show images; only its onerror went)."""
    return [e for e in watch.errors if "404 (Not Found)" not in e]


def lists_and_links(scope: Locator) -> tuple[list[str], list[str | None]]:
    items = [t.strip() for t in scope.locator("ul > li").all_inner_texts()]
    return items, [a.get_attribute("rel") for a in scope.locator("a[href^='https://example.org']").all()]


def test_a_markdown_answer_is_a_real_list_and_link_on_the_pages_and_nothing_runs(
    site_url: str, watch: PageWatch
) -> None:
    page = watch.page
    page.goto(site_url + "/faq")
    entry = page.locator("#faq-flat-repair dd")
    items, rels = lists_and_links(entry)
    assert items == ["take the wheel off", "find the hole with soapy water", "patch it"]
    assert rels and all("noopener" in (rel or "") for rel in rels)
    assert entry.locator("strong").inner_text() == "three" and entry.locator("code").inner_text() == "soapy water"
    assert "**" not in entry.inner_text() and "<" not in entry.inner_text()
    assert page.evaluate(NOTHING_RUNS) == [None, 0, 0, 0]

    page.goto(site_url + SECOND)
    prose = page.locator(".prose")
    items, rels = lists_and_links(prose)
    assert items == ["spanners", "a truing stand"] and rels == ["noopener noreferrer"]
    assert page.locator("#faq-flat-repair dd ul > li").count() == 3  # the article's own FAQ, rendered too
    assert page.evaluate(NOTHING_RUNS) == [None, 0, 0, 0]  # the article keeps its <img src=x>, without onerror
    assert errors(watch) == []


def test_the_widget_shows_a_markdown_answer_as_a_list_with_safe_links(site_url: str, watch: PageWatch) -> None:
    page = watch.page
    page.goto(site_url + SECOND)
    open_widget(page)
    answer = ask(page, QUESTION)
    rich = answer.locator(".answer")
    items, rels = lists_and_links(rich)
    assert items == ["take the wheel off", "find the hole with soapy water", "patch it"]
    assert rels == ["noopener noreferrer"]
    assert rich.locator("a").first.get_attribute("href") == "https://example.org/guide"
    assert rich.locator("em").inner_text() == "wheel" and rich.locator("strong").inner_text() == "three"
    assert page.evaluate(NOTHING_RUNS) == [None, 0, 0, 0]
    # A reload rebuilds the answer from what the tab kept: still the same safe list.
    page.reload()
    page.locator(".msg .answer ul > li").first.wait_for()
    assert page.locator(".msg .answer ul > li").count() == 3 and page.evaluate(NOTHING_RUNS) == [None, 0, 0, 0]
    assert errors(watch) == []


def test_the_widget_shows_an_answer_cut_from_an_article_with_its_list_and_link(site_url: str, watch: PageWatch) -> None:
    page = watch.page
    page.goto(site_url + SECOND)
    open_widget(page)
    answer = ask(page, "What should I bring, a pump and tyre levers?")
    rich = answer.locator(".answer")
    items, rels = lists_and_links(rich)
    assert items == ["spanners", "a truing stand"]  # the list the answer's "We lend:" announces
    assert rels == ["noopener noreferrer"] and rich.locator("a").first.inner_text() == "a pump"
    assert rich.locator("strong").inner_text() == "truing stand"
    assert page.evaluate(NOTHING_RUNS) == [None, 0, 0, 0]
    shot(page, "widget-passage-list.png")
    assert errors(watch) == []


def starters(page: Page) -> list[str]:
    page.get_by_text("Try one of these:").wait_for(state="visible")
    return [t.strip() for t in page.locator(".msg.bot .chips .chip").all_inner_texts()]


def test_the_starters_follow_the_page_the_reader_is_on(site_url: str, watch: PageWatch, tmp_path: Path) -> None:
    page = watch.page
    page.goto(site_url + SECOND)
    open_widget(page)
    assert starters(page)[:2] == [QUESTION, "When is the workshop open?"]
    page.goto(site_url + FIRST)  # the panel stays open across pages; its starters are this article's
    page.get_by_label("Your question").wait_for()
    first = starters(page)
    assert first and not {QUESTION, "When is the workshop open?"} & set(first[:4])
    assert first[0] == "What is an open source AI model?"
    assert errors(watch) == []


# --- Declines and sources with the real model: what a reader sees of the shorter decline -----------------


@pytest.fixture(scope="module")
def real_url(
    real_settings: Settings, real_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    require_chromium()
    settings = real_settings.model_copy(update={"state_dir": tmp_path_factory.mktemp("state")})
    with serve_app(create_app(settings, embedder_factory=lambda m: real_embedder), free_port()) as url:
        yield url


def section_names(settings: Settings) -> set[str]:
    return {doc.section for doc in load_index(settings.index_dir).docs}


def index_titles(settings: Settings) -> str:
    (article,) = load_index(settings.index_dir).articles
    return article.title


@pytest.mark.model
@pytest.mark.parametrize("question", ["How do I bake sourdough bread?", "What is the weather in Paris tomorrow?"])
def test_a_decline_repeats_no_did_you_mean_among_its_closest_matches(
    real_url: str, real_settings: Settings, watch: PageWatch, question: str
) -> None:
    page = watch.page
    page.goto(real_url + "/faq")
    open_widget(page)
    decline = ask(page, question)
    assert "couldn't find an answer" in decline.inner_text()
    chips = [t.strip() for t in decline.locator(".chips .chip").all_inner_texts()]
    links = decline.locator(".sources a")
    names = [t.strip() for t in links.all_inner_texts()]
    hrefs = [a.get_attribute("href") for a in links.all()]
    assert chips, "a decline offers questions to ask"
    assert not set(names) & set(chips), f"closest matches {names} repeat a did-you-mean {chips}"
    assert len(names) == len(set(names)) and len(hrefs) == len(set(hrefs)) and len(names) <= 2
    assert set(names) <= section_names(real_settings)  # section names (or FAQ questions), not article titles
    assert watch.errors == []


@pytest.mark.model
def test_an_answers_sources_name_each_section_once(real_url: str, real_settings: Settings, watch: PageWatch) -> None:
    page = watch.page
    page.goto(real_url + FIRST)
    open_widget(page)
    answer = ask(page, "What is green AI?")
    links = answer.locator(".sources a")
    names = [t.strip() for t in links.all_inner_texts()]
    hrefs = [(a.get_attribute("href") or "").split("#")[-1] for a in links.all()]
    assert names and len(names) == len(set(names)) and len(hrefs) == len(set(hrefs))
    assert set(names) <= section_names(real_settings)
    assert "The Role of Sustainability in AI" in names
    assert {a.get_attribute("title") for a in links.all()} == {index_titles(real_settings)}  # the tooltip
    assert watch.errors == []
