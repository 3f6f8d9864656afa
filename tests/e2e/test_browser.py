"""The site and the widget in a real browser: Debian's chromium driven by Playwright."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, Request, Route
from playwright.sync_api import Error as PlaywrightError

from faqbot.embedding.embedder import Embedder
from faqbot.server.app import create_app
from faqbot.settings import PACKAGE_WEB, Settings
from tests.conftest import REPO
from tests.e2e.a11y import describe, require_axe, run_axe, targets_inside
from tests.support import free_port, require_chromium, serve_app, serve_html

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


# A page that writes the element itself: its own attributes win over the script tag's, which are defaults.
# Its CSP allows no inline style: the accent must not need one.
ELEMENT_PAGE = """<!doctype html><html lang="en"><head><title>A page that writes the element</title>
<meta http-equiv="Content-Security-Policy"
  content="default-src 'none'; script-src {base}; connect-src {base}; style-src 'self'; img-src 'self'">
</head>
<body><h1>Docs</h1><p>The widget is configured on its own element here.</p>
<faqbot-widget data-title="Ask the docs" data-accent="#7c2d12" data-position="left"></faqbot-widget>
<script src="{base}/widget.js" data-title="Help centre" data-accent="#0f766e"
  data-greeting="Hello from the script tag." defer></script>
</body></html>"""
SHADOW = "document.querySelector('faqbot-widget').shadowRoot"


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
    page.get_by_text("Try one of these:").wait_for(state="visible")  # the starters load after opening
    answer = ask(page, "What is green AI?")
    assert "green AI" in answer.inner_text()
    link = answer.get_by_role("link").first
    assert link.get_attribute("href") == base_url + ARTICLE + "#the-role-of-sustainability-in-ai"
    assert "The Role of Sustainability in AI" in link.inner_text()
    shot(page, "desktop-answer.png")
    link.click()
    page.wait_for_url("**#the-role-of-sustainability-in-ai")
    assert watch.errors == []


def test_an_faq_answer_to_a_question_in_other_words_says_which_question_it_answers(
    base_url: str, watch: PageWatch
) -> None:
    page = watch.page
    page.goto(base_url + ARTICLE)
    open_widget(page)
    answer = ask(page, "can anyone help build open source ai, or only experts?")
    label = answer.get_by_text("Answering: Can anyone contribute to open source AI projects?", exact=True)
    assert label.is_visible()
    assert label.evaluate("e => e.compareDocumentPosition(e.parentNode.querySelector('p')) & 4")  # above the answer
    same = ask(page, "Can anyone contribute to open source AI projects?")  # asked as the entry asks it: no label
    assert same.get_by_text("Answering:").count() == 0
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
    source = (PACKAGE_WEB / "static" / "widget.js").read_text()
    # Raised from 25,000 for conversations, follow-ups and the contact link; from 32,000 for the question an
    # FAQ answer answers and a contact given as text.
    assert len(source.encode()) < 33_000
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


def hold_asks(page: Page) -> list[Route]:
    """Every /api/ask from now on waits, unanswered, until the test fulfils or continues it."""
    held: list[Route] = []
    page.route("**/api/ask", lambda route: held.append(route))
    return held


def send(page: Page, question: str, held: list[Route]) -> None:
    """Ask while /api/ask is held: returns once the request is out and the typing indicator shows."""
    count = len(held)
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    page.locator(".typing").wait_for()
    for _ in range(200):
        if len(held) > count:
            return
        page.wait_for_timeout(25)
    pytest.fail("the question never reached /api/ask")


def test_rating_by_keyboard_keeps_focus_on_the_thumb_and_the_log_where_it_was(base_url: str, watch: PageWatch) -> None:
    page = watch.page
    page.goto(base_url + ARTICLE)
    open_widget(page)
    ask(page, "What is green AI?")
    ask(page, "Can anyone contribute to open source AI projects?")
    ask(page, "What are some popular open source AI projects?")
    log = f"{SHADOW}.querySelector('.log')"
    assert page.evaluate(f"() => {log}.scrollHeight > {log}.clientHeight + 100"), "the log should scroll"
    # Shift+Tab back from the question box to the first answer's thumbs: focus scrolls it into view.
    focused = f"{SHADOW}.activeElement"
    helpful_seen = 0
    for _ in range(40):
        page.keyboard.press("Shift+Tab")
        if page.evaluate(f"() => {focused} && {focused}.getAttribute('aria-label')") == "Helpful":
            helpful_seen += 1
            if helpful_seen == 3:
                break
    else:
        pytest.fail("Shift+Tab never reached the first answer's thumbs")
    page.evaluate(f"() => {{ {focused}.dataset.probe = 'rated'; }}")
    scrolled = page.evaluate(f"() => {log}.scrollTop")
    assert scrolled < page.evaluate(f"() => {log}.scrollHeight - {log}.clientHeight") - 50, "not at the end"
    with page.expect_request("**/api/feedback") as sent:
        page.keyboard.press("Enter")
    assert sent.value.post_data_json["helpful"] is True
    assert page.evaluate(f"() => {log}.scrollTop") == scrolled, "the log jumped"
    assert page.evaluate(f"() => {focused} && {focused}.dataset.probe") == "rated", "focus left the rated thumb"
    assert page.evaluate(f"() => {focused}.getAttribute('aria-pressed')") == "true"
    # Then Tab to the other thumb and change the rating with Space: still in place.
    page.keyboard.press("Tab")
    assert page.evaluate(f"() => {focused}.getAttribute('aria-label')") == "Not helpful"
    page.evaluate(f"() => {{ {focused}.dataset.probe = 'rated-down'; }}")
    with page.expect_request("**/api/feedback") as sent:
        page.keyboard.press("Space")
    assert sent.value.post_data_json["helpful"] is False
    assert page.evaluate(f"() => {focused}.dataset.probe") == "rated-down"
    assert page.evaluate(f"() => {focused}.getAttribute('aria-pressed')") == "true"
    assert page.evaluate(f"() => {focused}.previousElementSibling.getAttribute('aria-pressed')") == "false"
    assert page.evaluate(f"() => {log}.scrollTop") == scrolled
    shot(page, "rated-by-keyboard.png")
    assert watch.errors == []


LATE_REPLY = {
    "answer": "LATE REPLY from the conversation that was cleared",
    "answered": True,
    "answer_id": "late",
    "sources": [],
    "suggestions": [],
}


@pytest.mark.parametrize("abortable", [True, False], ids=["aborted", "abort-unavailable"])
def test_a_reply_that_arrives_after_clear_shows_nowhere(base_url: str, watch: PageWatch, abortable: bool) -> None:
    page = watch.page
    if not abortable:  # as where the fetch can't be aborted: the reply does come, and the generation drops it
        page.add_init_script("AbortController.prototype.abort = function () {};")
    page.goto(base_url + ARTICLE)
    open_widget(page)
    held = hold_asks(page)
    send(page, "What is green AI?", held)
    page.get_by_role("button", name="Clear conversation").click()
    assert page.locator(".typing").count() == 0
    assert page.locator(".msg.user").count() == 0
    with suppress(PlaywrightError):  # an aborted request can no longer be answered
        held[0].fulfill(json=LATE_REPLY)
    page.wait_for_timeout(500)
    log = page.get_by_role("log")
    assert "LATE REPLY" not in log.inner_text()
    assert page.locator(".msg").count() == 1  # the greeting only
    page.keyboard.press("Escape")
    open_widget(page)
    assert "LATE REPLY" not in log.inner_text()
    page.reload()
    page.get_by_label("Your question").wait_for()  # it was open: it stays open
    assert "LATE REPLY" not in log.inner_text()
    # The new conversation is not stuck waiting for the old reply.
    page.unroute("**/api/ask")
    answer = ask(page, "What is green AI?")
    assert "green AI" in answer.inner_text()
    assert page.locator(".msg.user").count() == 1
    assert "LATE REPLY" not in log.inner_text()
    assert watch.errors == []


def test_the_typing_indicator_survives_a_rating_and_other_changes_during_a_request(
    base_url: str, watch: PageWatch
) -> None:
    page = watch.page
    page.goto(base_url + ARTICLE)
    open_widget(page)
    ask(page, "What is green AI?")
    first = page.locator(".msg.bot").first  # a locator for this answer, not for the last bubble
    held = hold_asks(page)
    send(page, "Can anyone contribute to open source AI projects?", held)
    with page.expect_response("**/api/feedback"):
        first.get_by_role("button", name="Helpful", exact=True).click()
    assert first.get_by_role("button", name="Helpful", exact=True).get_attribute("aria-pressed") == "true"
    assert page.locator(".typing").is_visible()
    with page.expect_response("**/api/feedback"):
        first.get_by_role("button", name="Not helpful").click()
    assert page.locator(".typing").is_visible()
    page.keyboard.press("Escape")  # closing and opening the panel are state changes too
    open_widget(page)
    assert page.locator(".typing").is_visible()
    assert page.get_by_role("button", name="Send").is_disabled()
    shot(page, "typing-after-rating.png")
    held[0].continue_()
    page.wait_for_function(
        f"() => !{SHADOW}.querySelector('.typing') && {SHADOW}.querySelectorAll('.msg.bot').length === 2"
    )
    assert "data scientists" in page.locator(".msg.bot").last.inner_text()
    assert page.locator(".msg.user").count() == 2
    assert first.get_by_role("button", name="Not helpful").get_attribute("aria-pressed") == "true"
    assert watch.errors == []


def test_a_widget_written_by_the_page_is_configured_by_its_own_attributes(base_url: str, watch: PageWatch) -> None:
    page = watch.page
    root = f"{SHADOW}.querySelector('.root')"
    accent = f"() => getComputedStyle({root}).getPropertyValue('--accent').trim()"
    with serve_html(ELEMENT_PAGE.replace("{base}", base_url), HOST_PORT) as host:
        page.goto(host)
        launcher = page.get_by_role("button", name="Ask")
        launcher.wait_for()
        assert page.locator("faqbot-widget").count() == 1  # the page's own: the script adds none
        assert page.evaluate(f"() => {root}.classList.contains('left') && {root}.dataset.position") == "left"
        box = launcher.bounding_box()
        assert box is not None and box["x"] < 100
        assert page.evaluate(accent) == "#7c2d12"
        assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(124, 45, 18)"
        launcher.click()
        assert page.get_by_role("dialog", name="Ask the docs").is_visible()
        assert page.get_by_role("heading", name="Ask the docs").is_visible()
        assert page.get_by_text("Hello from the script tag.").is_visible()  # not on the element: the script's
        answer = ask(page, "What is green AI?")  # the API is the script's origin
        assert "green AI" in answer.inner_text()
        # observedAttributes: changes apply at once, and the conversation stays.
        page.evaluate(
            "() => Object.assign(document.querySelector('faqbot-widget').dataset,"
            " {title: 'Renamed', accent: '#6d28d9', position: 'right'})"
        )
        assert page.get_by_role("dialog", name="Renamed").is_visible()
        assert page.evaluate(f"() => {root}.classList.contains('right')")
        panel = page.get_by_role("dialog").bounding_box()
        assert panel is not None and panel["x"] > 600
        assert page.evaluate(accent) == "#6d28d9"
        assert "green AI" in page.locator(".msg.bot").last.inner_text()
        page.evaluate("() => document.querySelector('faqbot-widget').removeAttribute('data-accent')")
        assert page.evaluate(accent) == "#0f766e"  # back to the script tag's
        shot(page, "element-attributes.png")
    assert watch.errors == []


# --- axe-core over every page, light and dark, with the widget closed and open -----------------------


def check_accessibility(page: Page, where: str, *, widget_open: bool) -> None:
    results = run_axe(page)
    assert results["violations"] == [], f"axe-core {results['version']}, {where}:\n{describe(results['violations'])}"
    # The widget is in a shadow root: make sure axe really looked inside it, not only at the page.
    inside = targets_inside(results, "faqbot-widget")
    assert inside, f"axe-core saw nothing inside the widget's shadow root ({where})"
    if widget_open:
        assert any("#faqbot-q" in target[-1] for target in inside), f"axe-core did not check the open panel ({where})"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/", ARTICLE, "/faq"])
def test_axe_core_finds_no_violation_with_the_widget_closed_and_open(
    base_url: str, browser: Browser, path: str, scheme: Any
) -> None:
    require_axe()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    page.goto(base_url + path)
    page.get_by_role("button", name="Ask").wait_for()
    check_accessibility(page, f"{path} in {scheme}, widget closed", widget_open=False)
    open_widget(page)
    ask(page, "What is green AI?")
    check_accessibility(page, f"{path} in {scheme}, widget open after an answer", widget_open=True)
    ask(page, "How do I bake sourdough bread?")
    check_accessibility(page, f"{path} in {scheme}, widget open after a decline", widget_open=True)
    context.close()


# --- Conversations: history and conversation id, follow-up chips, small talk, the contact link ----------

CONTACT = "https://example.org/contact"
CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
NEXT = "Suggested next questions"


@pytest.fixture(scope="module")
def contact_base_url(
    real_settings: Settings, real_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The same site, made with a contact address: the widget offers a way to reach a person."""
    require_chromium()
    settings = real_settings.model_copy(
        update={"contact_url": CONTACT, "state_dir": tmp_path_factory.mktemp("contact-state")}
    )
    with serve_app(create_app(settings, embedder_factory=lambda m: real_embedder), free_port()) as url:
        yield url


def asked(page: Page, question: str) -> tuple[dict[str, Any], dict[str, Any], Locator]:
    """Ask through the widget: what it sent to /api/ask, what came back, and the reply's bubble."""
    with page.expect_response("**/api/ask") as response:
        bubble = ask(page, question)
    return payload(response.value.request), response.value.json(), bubble


def payload(request: Request) -> dict[str, Any]:
    """A request's JSON body (the widget's requests all have one)."""
    body = request.post_data_json
    assert isinstance(body, dict), body
    return body


def wait_for_reply(page: Page, users: int) -> None:
    page.wait_for_function(
        f"() => {SHADOW}.querySelectorAll('.msg.user').length === {users} && !{SHADOW}.querySelector('.typing')"
        f" && {SHADOW}.querySelector('.msg:last-child').classList.contains('bot')"
    )


def test_a_follow_up_is_sent_with_the_conversation_and_answered_in_its_context(base_url: str, watch: PageWatch) -> None:
    page = watch.page
    page.goto(base_url + ARTICLE)
    open_widget(page)
    sent, first, _ = asked(page, "What is green AI?")
    assert sent.get("history", []) == []
    conversation = sent["conversation_id"]
    assert CONVERSATION_ID.fullmatch(conversation)
    assert first["answered"] and first["sources"]
    sent, reply, answer = asked(page, "why should anyone care")
    assert sent["conversation_id"] == conversation
    assert sent["history"] == [
        {"question": "What is green AI?", "answer": first["answer"], "source_id": first["sources"][0]["id"]}
    ]
    # Alone, the question is declined (the topic-switch test below); in this conversation it is about green AI.
    assert reply["answered"] and "The Role of Sustainability in AI" in reply["interpreted_as"]
    line = answer.get_by_text(f"Answered as: {reply['interpreted_as']}", exact=True)
    assert line.is_visible()
    assert answer.get_by_role("link").first.get_attribute("href") == (
        base_url + ARTICLE + "#the-role-of-sustainability-in-ai"
    )
    assert page.get_by_text("Answered as:").count() == 1  # the first answer was taken as it was typed
    shot(page, "follow-up.png")
    assert watch.errors == []


def test_a_new_question_switches_topic_and_a_follow_up_alone_is_declined(base_url: str, watch: PageWatch) -> None:
    """After green AI, a self-contained question about contributing is sent with the conversation but
    answered as asked, not dragged back to green AI; the follow-up of the test above, asked with no
    conversation (a new tab), has nothing to lean on and is declined."""
    page = watch.page
    page.goto(base_url + ARTICLE)
    open_widget(page)
    _, first, _ = asked(page, "What is green AI?")
    sent, reply, _ = asked(page, "Who can contribute to open source AI projects?")
    assert [turn["question"] for turn in sent["history"]] == ["What is green AI?"]
    assert reply["answered"] and reply["interpreted_as"] is None
    assert reply["sources"][0]["id"] != first["sources"][0]["id"] and "contribute" in reply["sources"][0]["url"]
    assert page.get_by_text("Answered as:").count() == 0
    fresh = page.context.new_page()  # sessionStorage is per tab: a new conversation
    fresh.goto(base_url + ARTICLE)
    open_widget(fresh)
    sent, alone, _ = asked(fresh, "why should anyone care")
    assert sent.get("history", []) == [] and not alone["answered"]
    fresh.close()
    assert watch.errors == []


def test_a_follow_up_chip_asks_its_question_and_only_the_latest_answer_offers_chips(
    base_url: str, watch: PageWatch
) -> None:
    page = watch.page
    page.goto(base_url + ARTICLE)
    open_widget(page)
    _, reply, _ = asked(page, "What is green AI?")
    first = page.locator(".msg.bot").first  # this answer, not whichever is last
    chips = first.get_by_role("group", name=NEXT).get_by_role("button")
    assert [chips.nth(i).inner_text() for i in range(chips.count())] == reply["follow_ups"] != []
    question = chips.first.inner_text()
    with page.expect_request("**/api/ask") as request:
        chips.first.click()
    wait_for_reply(page, 2)
    sent = payload(request.value)
    assert sent["question"] == question
    assert [turn["question"] for turn in sent["history"]] == ["What is green AI?"]
    assert page.locator(".msg.user").last.inner_text().endswith(question)
    # The first answer's chips are gone (their buttons went away: the keyboard went back to the question box).
    assert first.get_by_role("group", name=NEXT).count() == 0
    assert page.get_by_role("group", name=NEXT).count() == 1
    active = f"() => {SHADOW}.activeElement && {SHADOW}.activeElement.id"
    assert page.evaluate(active) == "faqbot-q"
    # By keyboard: Shift+Tab from the question box back to the newest chips, Enter asks.
    latest = page.locator(".msg.bot").last.get_by_role("group", name=NEXT).get_by_role("button")
    assert latest.count() >= 1
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if page.evaluate(f"() => {SHADOW}.activeElement.closest('[role=group]')?.getAttribute('aria-label')") == NEXT:
            break
    else:
        pytest.fail("Shift+Tab never reached the suggested next questions")
    question = page.evaluate(f"() => {SHADOW}.activeElement.textContent")
    with page.expect_request("**/api/ask") as request:
        page.keyboard.press("Enter")
    wait_for_reply(page, 3)
    assert payload(request.value)["question"] == question
    assert len(payload(request.value)["history"]) == 2
    assert page.locator(".msg.user").last.inner_text().endswith(question)
    assert page.evaluate(active) == "faqbot-q"
    assert page.get_by_role("group", name=NEXT).count() <= 1
    assert watch.errors == []


def test_a_greeting_gets_small_talk_without_sources_or_rating(base_url: str, watch: PageWatch) -> None:
    page = watch.page
    page.goto(base_url + ARTICLE)
    open_widget(page)
    _, reply, greeting = asked(page, "hi")
    assert reply["kind"] == "smalltalk" and reply["sources"] == []
    assert reply["answer"] in greeting.inner_text()
    assert greeting.locator(".sources").count() == 0
    assert greeting.get_by_role("link").count() == 0
    assert greeting.get_by_role("button").count() == 0  # no thumbs, no chips
    # The greeting is part of the conversation, without a source.
    sent, _, answer = asked(page, "What is green AI?")
    assert sent["history"] == [{"question": "hi", "answer": reply["answer"]}]
    assert answer.get_by_role("button", name="Helpful", exact=True).count() == 1
    assert watch.errors == []


def test_clear_starts_a_new_conversation_without_history_and_with_a_new_id(base_url: str, watch: PageWatch) -> None:
    page = watch.page
    page.goto(base_url + ARTICLE)
    open_widget(page)
    first, _, _ = asked(page, "What is green AI?")
    # The conversation survives a page change: the same id, and the first turn as history.
    page.goto(base_url + "/faq")
    page.locator(".msg.user").first.wait_for()
    sent, reply, _ = asked(page, "why should anyone care")
    assert sent["conversation_id"] == first["conversation_id"]
    assert [turn["question"] for turn in sent["history"]] == ["What is green AI?"]
    assert reply["answered"]
    page.get_by_role("button", name="Clear conversation").click()
    sent, reply, answer = asked(page, "why should anyone care")
    assert sent.get("history", []) == []
    assert CONVERSATION_ID.fullmatch(sent["conversation_id"])
    assert sent["conversation_id"] != first["conversation_id"]
    # Out of context the same words are no longer about green AI: the widget kept nothing of it.
    assert not reply["answered"] and reply["interpreted_as"] is None
    assert "couldn't find" in answer.inner_text()
    assert page.get_by_text("Answered as:").count() == 0
    next_one, _, _ = asked(page, "What is green AI?")
    assert next_one["conversation_id"] == sent["conversation_id"]
    assert [turn["question"] for turn in next_one["history"]] == ["why should anyone care"]
    assert "source_id" not in next_one["history"][0]  # a decline has no source
    assert watch.errors == []


def test_a_talk_to_a_person_link_shows_only_when_the_site_gives_a_contact(
    base_url: str, contact_base_url: str, watch: PageWatch
) -> None:
    page = watch.page
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "/api/widget" in request.url else None)
    page.goto(contact_base_url + ARTICLE)
    with page.expect_response("**/api/widget") as response:
        open_widget(page)
    assert response.value.json() == {"contact_url": CONTACT}
    link = page.get_by_role("link", name="Talk to a person")
    link.wait_for()
    assert link.get_attribute("href") == CONTACT
    assert link.get_attribute("rel") == "noopener" and link.get_attribute("target") == "_blank"
    page.keyboard.press("Escape")
    open_widget(page)
    ask(page, "What is green AI?")
    assert link.is_visible()
    assert len(fetched) == 1  # once, on first opening
    shot(page, "contact-link.png")
    # Without a contact address: no link.
    page.goto(base_url + ARTICLE)
    with page.expect_response("**/api/widget") as response:
        open_widget(page)
    assert response.value.json() == {"contact_url": None}
    page.get_by_text("Try one of these:").wait_for()
    page.wait_for_timeout(200)
    assert page.get_by_role("link", name="Talk to a person").count() == 0
    assert watch.errors == []
    # Nor when it can't be had.
    page.goto(contact_base_url + "/faq")
    page.evaluate("() => sessionStorage.clear()")
    page.route("**/api/widget", lambda route: route.fulfill(status=503, json={"error": "not ready"}))
    page.reload()
    with page.expect_response("**/api/widget"):
        open_widget(page)
    page.wait_for_timeout(200)
    assert page.get_by_role("link", name="Talk to a person").count() == 0
    assert ask(page, "What is green AI?").is_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_core_finds_no_violation_with_follow_up_chips_and_the_contact_link(
    contact_base_url: str, browser: Browser, scheme: Any
) -> None:
    require_axe()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    page.goto(contact_base_url + ARTICLE)
    open_widget(page)
    ask(page, "What is green AI?")
    answer = ask(page, "why should anyone care")
    assert answer.get_by_role("group", name=NEXT).get_by_role("button").first.is_visible()
    assert answer.get_by_text("Answered as:").is_visible()
    assert page.get_by_role("link", name="Talk to a person").is_visible()
    check_accessibility(page, f"{ARTICLE} in {scheme}, follow-up chips and the contact link", widget_open=True)
    ask(page, "hi")
    check_accessibility(page, f"{ARTICLE} in {scheme}, after small talk", widget_open=True)
    shot(page, f"conversation-{scheme}.png")
    context.close()
