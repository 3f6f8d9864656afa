"""The site and the widget in a real browser: Debian's chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page

from faqbot.app import create_app
from faqbot.embedding import Embedder
from faqbot.settings import Settings
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, free_port, require_chromium, serve_app, serve_html
from tests.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.model]

ARTIFACTS = REPO / "test-artifacts"
ARTICLE = "/articles/future-of-open-source-ai-models"
HOST_PORT = free_port()
HOSTILE_PAGE = """<!doctype html><html><head><title>Someone else's site</title>
<style>
  * { all: unset; font-size: 40px !important; }
  button { display: none !important; }
  div { position: static !important; color: red !important; }
  body { display: block; padding: 20px; font-family: serif; }
</style></head>
<body><h1>Another company's page</h1><p>Their content, their CSS.</p>
<script src="{base}/widget.js" data-title="Help centre" data-accent="#0f766e" data-position="left" defer></script>
</body></html>"""


@pytest.fixture(scope="module")
def base_url(
    real_settings: Settings, real_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    require_chromium()
    settings = real_settings.model_copy(
        update={"allowed_origins": [f"http://127.0.0.1:{HOST_PORT}"], "state_dir": tmp_path_factory.mktemp("state")}
    )
    with serve_app(create_app(settings, embedder_factory=lambda m: real_embedder), free_port()) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


class PageWatch:
    """A page plus every console error and uncaught exception it produced."""

    def __init__(self, page: Page):
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))


@pytest.fixture
def watch(browser: Browser) -> Iterator[PageWatch]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    watched = PageWatch(context.new_page())
    yield watched
    context.close()


def open_widget(page: Page) -> None:
    page.get_by_role("button", name="Ask").click()
    page.get_by_label("Your question").wait_for()


def ask(page: Page, question: str) -> Locator:
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    bubbles = page.locator(".msg.bot")
    page.wait_for_function(
        "() => { const r = document.querySelector('faqbot-widget').shadowRoot;"
        " return !r.querySelector('.typing') && r.querySelectorAll('.msg.bot').length >= 1"
        " && r.querySelector('.msg:last-child').classList.contains('bot'); }"
    )
    return bubbles.last


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_asking_on_the_article_page_answers_with_a_section_link(base_url: str, watch: PageWatch) -> None:
    page = watch.page
    page.goto(base_url + ARTICLE)
    assert page.locator("h2#the-role-of-sustainability-in-ai").count() == 1
    open_widget(page)
    assert page.get_by_text("Try one of these:").is_visible()
    answer = ask(page, "What is green AI?")
    assert "green AI" in answer.inner_text()
    link = answer.get_by_role("link").first
    assert link.get_attribute("href") == base_url + ARTICLE + "#the-role-of-sustainability-in-ai"
    assert "The Role of Sustainability in AI" in link.inner_text()
    shot(page, "desktop-answer.png")
    link.click()
    page.wait_for_url("**#the-role-of-sustainability-in-ai")
    assert watch.errors == []


def test_the_widget_says_which_page_a_question_about_this_page_is_asked_on(base_url: str, watch: PageWatch) -> None:
    page = watch.page
    page.goto(base_url + ARTICLE + "?utm_source=newsletter#looking-ahead")
    open_widget(page)
    with page.expect_request("**/api/ask") as asked:
        answer = ask(page, "What is this page about?")
    assert asked.value.post_data_json["page"] == ARTICLE  # the path only: no query string leaves the page
    assert "couldn't find" not in answer.inner_text()
    assert answer.get_by_role("link").first.get_attribute("href") == base_url + ARTICLE + "#introduction"
    assert watch.errors == []


def test_an_off_topic_question_is_declined_with_suggestions_that_ask(base_url: str, watch: PageWatch) -> None:
    page = watch.page
    page.goto(base_url + "/faq")
    open_widget(page)
    decline = ask(page, "How do I bake sourdough bread?")
    assert "couldn't find an answer" in decline.inner_text()
    suggestions = decline.locator(".chips .chip")
    assert suggestions.count() >= 1
    suggested = suggestions.first.inner_text()
    suggestions.first.click()
    page.wait_for_function(
        "() => document.querySelector('faqbot-widget').shadowRoot.querySelectorAll('.msg.user').length === 2"
        " && !document.querySelector('faqbot-widget').shadowRoot.querySelector('.typing')"
    )
    assert page.locator(".msg.user").last.inner_text().endswith(suggested)
    answer = page.locator(".msg.bot").last
    assert "couldn't find" not in answer.inner_text()
    assert watch.errors == []


def test_keyboard_only(base_url: str, watch: PageWatch) -> None:
    page = watch.page
    page.goto(base_url + ARTICLE)
    active = (
        "() => { const a = document.querySelector('faqbot-widget').shadowRoot.activeElement;"
        " return a ? (a.getAttribute('aria-label') || a.id) : null; }"
    )
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(active) == "Ask a question":
            break
    else:
        pytest.fail("Tab never reached the launcher")
    page.keyboard.press("Enter")
    assert page.evaluate(active) == "faqbot-q"
    page.keyboard.type("Can anyone contribute to open source AI projects?")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('faqbot-widget').shadowRoot.querySelectorAll('.msg.bot').length >= 1"
        " && !document.querySelector('faqbot-widget').shadowRoot.querySelector('.typing')"
        " && document.querySelector('faqbot-widget').shadowRoot.querySelectorAll('.msg.user').length === 1"
    )
    log = page.get_by_role("log")
    assert log.get_attribute("aria-live") == "polite"
    assert "data scientists" in log.inner_text()
    page.keyboard.press("Escape")
    assert page.get_by_role("dialog").count() == 0
    assert page.evaluate(active) == "Ask a question"
    assert watch.errors == []


def test_a_hostile_page_on_another_origin_embeds_it_with_one_tag(base_url: str, watch: PageWatch) -> None:
    page = watch.page
    with serve_html(HOSTILE_PAGE.replace("{base}", base_url), HOST_PORT) as host:
        page.goto(host)
        launcher = page.get_by_role("button", name="Ask")
        launcher.wait_for()
        box = launcher.bounding_box()
        assert box is not None and box["x"] < 100 and 30 < box["height"] < 80  # left, and not blown up to 40px text
        launcher.click()
        assert page.get_by_role("heading", name="Help centre").is_visible()
        answer = ask(page, "What is green AI?")
        assert "green AI" in answer.inner_text()
        font_size = page.evaluate(
            "() => getComputedStyle("
            "document.querySelector('faqbot-widget').shadowRoot.querySelector('.msg.bot p')).fontSize"
        )
        assert font_size == "15px"
        # The widget's CSS does not leak out: the host page keeps its own look.
        assert page.evaluate("() => getComputedStyle(document.querySelector('p')).fontSize") == "40px"
        shot(page, "hostile-host.png")
    assert watch.errors == []


def test_markup_in_a_question_is_shown_as_text_and_runs_nothing(base_url: str, watch: PageWatch) -> None:
    page = watch.page
    page.goto(base_url + ARTICLE)
    open_widget(page)
    hostile = '<img src=x onerror="window.__pwned = 1"><b>bold</b>'
    ask(page, hostile)
    assert page.locator(".msg.user").last.inner_text().endswith(hostile)
    assert page.evaluate("() => window.__pwned") is None
    assert (
        page.evaluate("() => document.querySelector('faqbot-widget').shadowRoot.querySelectorAll('img, b').length") == 0
    )


def test_a_phone_gets_a_full_screen_panel_and_the_conversation_survives_navigation(
    base_url: str, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    watch = PageWatch(context.new_page())
    page = watch.page
    page.goto(base_url + ARTICLE)
    open_widget(page)
    panel = page.get_by_role("dialog").bounding_box()
    assert panel == {"x": 0, "y": 0, "width": 375, "height": 740}
    ask(page, "What are some popular open source AI projects?")
    shot(page, "phone.png")
    page.goto(base_url + "/faq")
    page.locator(".msg.user").first.wait_for()
    assert "TensorFlow" in page.get_by_role("log").inner_text()
    page.get_by_role("button", name="Clear conversation").click()
    assert page.locator(".msg.user").count() == 0
    assert watch.errors == []
    context.close()


def test_server_errors_and_network_failures_show_a_friendly_retry(base_url: str, watch: PageWatch) -> None:
    page = watch.page
    page.goto(base_url + ARTICLE)
    open_widget(page)
    page.route("**/api/ask", lambda route: route.fulfill(status=500, body="boom"))
    failed = ask(page, "What is green AI?")
    assert "something went wrong" in failed.inner_text()
    page.unroute("**/api/ask")
    page.route("**/api/ask", lambda route: route.abort())
    failed = ask(page, "What is green AI?")
    assert "can't reach" in failed.inner_text()
    page.unroute("**/api/ask")
    failed.get_by_role("button", name="Retry").click()
    page.wait_for_function(
        "() => { const r = document.querySelector('faqbot-widget').shadowRoot;"
        " return !r.querySelector('.typing') && r.querySelector('.msg:last-child .sources'); }"
    )
    assert "green AI" in page.locator(".msg.bot").last.inner_text()
    # The two failed requests are the only console errors (the browser logs failed fetches).
    assert all("500" in e or "Failed to load resource" in e or "ERR_FAILED" in e for e in watch.errors), watch.errors


def test_feedback_is_sent_and_pages_have_no_console_errors_in_dark_mode(base_url: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="dark")
    watch = PageWatch(context.new_page())
    page = watch.page
    for path in ("/", "/faq", ARTICLE):
        page.goto(base_url + path)
        page.get_by_role("button", name="Ask").wait_for()
    open_widget(page)
    ask(page, "How does open source AI affect the economy?")
    with page.expect_response("**/api/feedback") as response:
        page.get_by_role("button", name="Helpful", exact=True).last.click()
    assert response.value.json() == {"recorded": True}
    assert response.value.request.post_data_json["helpful"] is True
    assert page.get_by_role("button", name="Helpful", exact=True).last.get_attribute("aria-pressed") == "true"
    shot(page, "dark.png")
    assert watch.errors == []
    context.close()


def test_the_widget_stays_small_and_never_uses_inner_html() -> None:
    source = (Path(REPO) / "web" / "static" / "widget.js").read_text()
    assert len(source.encode()) < 25_000
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source and "document.write" not in source


def test_the_api_docs_render_offline_from_this_server(base_url: str, watch: PageWatch) -> None:
    requested: list[str] = []
    watch.page.on("request", lambda request: requested.append(request.url))
    watch.page.goto(base_url + "/docs")
    ask_operation = watch.page.locator("#operations-answers-ask_api_ask_post")
    ask_operation.wait_for(timeout=20_000)
    assert "POST" in ask_operation.inner_text() and "/api/ask" in ask_operation.inner_text()
    assert watch.page.title() == "faqbot - Swagger UI"
    assert [url for url in requested if not url.startswith(base_url)] == []
    assert watch.errors == []
    shot(watch.page, "api-docs.png")
