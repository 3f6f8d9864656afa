"""Site pages, static files, CORS and feedback through the real app (the fake embedder suffices)."""

import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from faqbot.embedding.embedder import Embedder
from faqbot.index.build import build_index
from faqbot.server.app import create_app
from faqbot.settings import Settings

ARTICLE = "/articles/future-of-open-source-ai-models"
ORIGIN = "https://customer.example"


@pytest.fixture
def client(fake_settings: Settings, fake_factory: Callable[[str], Embedder], tmp_path: Path) -> Iterator[TestClient]:
    build_index(fake_settings, embedder_factory=fake_factory)
    settings = fake_settings.model_copy(update={"allowed_origins": [ORIGIN], "state_dir": tmp_path / "state"})
    with TestClient(create_app(settings, embedder_factory=fake_factory)) as test_client:
        yield test_client


def test_pages_list_render_and_carry_the_widget_with_security_headers(client: TestClient) -> None:
    for path in ("/", ARTICLE, "/faq"):
        response = client.get(path)
        assert response.status_code == 200
        html = response.text
        assert '<script src="/static/widget.js?v=' in html
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "<script>" not in html and "http://" not in html and "https://" not in html  # nothing external
    home = client.get("/").text
    assert f'href="{ARTICLE}"' in home
    article = client.get(ARTICLE).text
    for anchor in ("introduction", "democratizing-ai", "the-role-of-sustainability-in-ai", "looking-ahead"):
        assert f'id="{anchor}"' in article
    assert 'id="faq-what-is-open-source-ai-model"' in article
    assert client.get("/faq").text.count('class="faq-entry"') == 5


def test_an_unknown_article_is_a_404(client: TestClient) -> None:
    response = client.get("/articles/nope")
    assert response.status_code == 404 and response.json()["error"] == "no article 'nope'"
    browser = client.get("/articles/nope", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 404 and browser.headers["content-type"].startswith("text/html")
    assert "No article here" in browser.text and '<script src="/static/widget.js?v=' in browser.text
    assert "unsafe-inline" not in browser.headers["content-security-policy"]


def test_article_markup_goes_through_the_allow_list(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    (fake_settings.data_dir / "articles" / "x.md").write_text(
        "---\ntitle: X <b>\n---\n\n## Head <script>alert(1)</script>\n\n<img src=x onerror=alert(1)> text, "
        '<a href="https://example.org" onclick="x()">a link</a> and [another](javascript:alert(1)).\n'
    )
    build_index(fake_settings, embedder_factory=fake_factory)
    with TestClient(create_app(fake_settings, embedder_factory=fake_factory)) as c:
        html = c.get("/articles/x").text
    body = html.split('<div class="prose">', 1)[1].split("</article>", 1)[0]
    assert "<script" not in body and "onerror" not in body and "onclick" not in body and 'href="javascript' not in body
    assert '<img src="x"> text' in body and "X &lt;b&gt;" in html  # the title is text, never markup
    assert '<a href="https://example.org" rel="noopener noreferrer">a link</a>' in body


def test_static_files_are_cache_busted(client: TestClient) -> None:
    html = client.get("/").text
    url = html.split('<link rel="stylesheet" href="')[1].split('"')[0]
    fresh = client.get(url)
    assert fresh.status_code == 200 and "immutable" in fresh.headers["cache-control"]
    assert fresh.headers["content-type"].startswith("text/css")
    stale = client.get("/static/site.css?v=old")
    assert stale.headers["cache-control"] == "no-cache"
    assert client.get("/static/site.css", headers={"if-none-match": fresh.headers["etag"]}).status_code == 304
    widget = client.get("/widget.js")
    assert widget.status_code == 200 and widget.headers["cache-control"] == "no-cache"
    assert "javascript" in widget.headers["content-type"] and "customElements.define" in widget.text
    for bad in ("/static/../pyproject.toml", "/static/%2e%2e/pyproject.toml", "/static/nope.css"):
        assert client.get(bad).status_code == 404


def test_cors_allows_only_configured_origins(client: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = client.options("/api/ask", headers={"Origin": ORIGIN, **preflight})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ORIGIN
    refused = client.options("/api/ask", headers={"Origin": "https://evil.example", **preflight})
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    assert refused.json()["error"] == (
        "cross-origin request refused: this origin may not call the API (FAQBOT_ALLOWED_ORIGINS)"
    )
    simple = client.get("/api/faq", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_feedback_is_validated_and_recorded(client: TestClient) -> None:
    ok = client.post("/api/feedback", json={"answer_id": "abc123", "helpful": False, "comment": "too vague"})
    assert ok.status_code == 200 and ok.json() == {"recorded": True}
    question_log = client.app.state.question_log  # type: ignore[attr-defined]

    def rows() -> list[tuple[object, ...]]:
        question_log.flush()
        with sqlite3.connect(question_log.path) as db:
            return db.execute("SELECT answer_id, helpful, comment FROM feedback").fetchall()

    assert rows() == [("abc123", 0, "too vague")]
    for body, message in [
        ({"helpful": True}, "answer_id: Field required"),
        ({"answer_id": "abc", "helpful": "yes"}, "helpful: Input should be a valid boolean"),
        ({"answer_id": "a b<", "helpful": True}, "answer_id: String should match pattern"),
        ({"answer_id": "abc", "helpful": True, "comment": "x" * 2001}, "comment: String should have at most 2000"),
    ]:
        response = client.post("/api/feedback", json=body)
        assert response.status_code == 422 and message in response.json()["error"], response.json()
    assert len(rows()) == 1


def second_article(settings: Settings) -> None:
    (settings.data_dir / "articles" / "bikes.md").write_text(
        "---\ntitle: Bike care\n---\n\nKeep the chain oiled.\n\n## Brakes\n\nCheck the pads monthly.\n"
    )
    (settings.data_dir / "faq" / "bikes.yaml").write_text(
        "- question: How often should I oil the chain?\n  answer: Every 200 km.\n"
    )


def test_the_site_name_the_faq_links_and_the_starters_follow_the_page(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    second_article(fake_settings)
    build_index(fake_settings, embedder_factory=fake_factory)
    settings = fake_settings.model_copy(update={"site_name": "Spoke & Chain"})
    with TestClient(create_app(settings, embedder_factory=fake_factory)) as client:
        home = client.get("/").text
        assert (
            "<title>Articles · Spoke &amp; Chain</title>" in home and 'class="brand" href="/">Spoke &amp; Chain' in home
        )
        faq = client.get("/faq").text
        assert 'href="/articles/bikes"' in faq and "From the article “Bike care”" in faq
        assert client.get("/api/faq").json()[0]["question"] == "How often should I oil the chain?"  # file order
        on_launch = client.get("/api/faq", params={"page": ARTICLE}).json()
        assert on_launch[0]["url"].startswith(ARTICLE) and on_launch[-1]["url"].startswith("/articles/bikes")


def test_sources_name_each_section_once(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": "open source AI models", "top_k": 10}).json()
    urls = [s["url"] for s in body["sources"]]
    assert len(urls) == len(set(urls))


def test_a_site_written_in_another_script_builds_and_its_sections_keep_their_anchors(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    """Cyrillic headings: each section's anchor is its own words (it was "section" for every one, and
    an article with two such headings could not be built), the same in the index and on the page."""
    (fake_settings.data_dir / "articles" / "velosiped.md").write_text(
        "---\ntitle: Велосипед\n---\n\n## Как это работает\n\nКолёса крутятся.\n\n## Сколько это стоит\n\nНедорого.\n",
        encoding="utf-8",
    )
    (fake_settings.data_dir / "faq" / "velosiped.yaml").write_text(
        "- question: Как это работает?\n  answer: Колёса крутятся.\n"
        "- question: Сколько это стоит?\n  answer: Недорого.\n",
        encoding="utf-8",
    )
    build_index(fake_settings, embedder_factory=fake_factory)
    with TestClient(create_app(fake_settings, embedder_factory=fake_factory)) as c:
        html = c.get("/articles/velosiped").text
        answer = c.post("/api/ask", json={"question": "Сколько это стоит?"}).json()
    assert 'id="как-это-работает"' in html and 'id="сколько-это-стоит"' in html
    assert 'id="faq-velosiped-как-это-работает"' in html and 'id="faq-velosiped-сколько-это-стоит"' in html
    assert answer["answered"] and answer["sources"][0]["url"] == "/articles/velosiped#faq-velosiped-сколько-это-стоит"


def test_a_heading_that_gives_its_own_id_is_linked_and_shown_without_it(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    """`## Tyre pressure {#pressure}` (how an import keeps a live page's ids): the section's anchor,
    in the answers' sources and on the page, is "pressure"; the heading reads "Tyre pressure"."""
    (fake_settings.data_dir / "articles" / "tyres.md").write_text(
        "---\ntitle: Tyres\n---\n\n## Tyre *pressure* {#pressure}\n\nPump road tyres to 80 psi every two weeks.\n"
    )
    build_index(fake_settings, embedder_factory=fake_factory)
    with TestClient(create_app(fake_settings, embedder_factory=fake_factory)) as c:
        html = c.get("/articles/tyres").text
        answer = c.post("/api/ask", json={"question": "How often should I pump road tyres to 80 psi?"}).json()
    assert '<h2 id="pressure">Tyre <em>pressure</em></h2>' in html and "{#" not in html
    assert (
        answer["sources"][0]["url"] == "/articles/tyres#pressure" and answer["sources"][0]["section"] == "Tyre pressure"
    )


def test_a_deeper_or_underlined_heading_gives_its_id_on_the_page_only(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    """`### Deep {#deep}` and a setext heading ("Tyres {#tyres}" over "---") carry their ids on the page
    and read without them everywhere: a subheading's is no section anchor, an underlined h2's is."""
    (fake_settings.data_dir / "articles" / "tyres.md").write_text(
        "---\ntitle: Tyres\n---\n\nTyres {#tyres}\n------\n\nPump road tyres to 80 psi.\n\n"
        "### Deep {#deep}\n\nTubeless tyres need sealant.\n"
    )
    build_index(fake_settings, embedder_factory=fake_factory)
    with TestClient(create_app(fake_settings, embedder_factory=fake_factory)) as c:
        html = c.get("/articles/tyres").text
        answer = c.post("/api/ask", json={"question": "Do tubeless tyres need sealant?"}).json()
    assert '<h2 id="tyres">Tyres</h2>' in html and '<h3 id="deep">Deep</h3>' in html and "{#" not in html
    assert answer["sources"][0]["url"] == "/articles/tyres#tyres" and "{#" not in answer["sources"][0]["text"]


def test_every_id_on_an_article_page_is_one_element_and_its_section_anchor(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    """Headings the page template's own elements might have been named after ("## FAQ", "## Main"), an
    "## Introduction" opening the article, and a heading inside a quote (no section, so no anchor):
    each id on the page is there once, and each section's link lands on its heading."""
    (fake_settings.data_dir / "articles" / "shop.md").write_text(
        '---\ntitle: Shop\n---\n\n<h3 id="main">Raw, before its section</h3>\n\n## Introduction\n\nWe fix bikes.\n\n'
        "## FAQ\n\nAsk at the counter.\n\n## Main\n\nThe main workshop is upstairs.\n\n> ## Introduction\n>\n"
        '> A quoted heading.\n\n<h3 id="faq-shop-do-you-fix-bikes">Raw, an FAQ entry\'s id</h3>\n\n'
        '<h3 id="faqbot-section:faq">Raw, the mark</h3>\n\n<h3 id="hours">Raw, its own</h3>\n\n'
        '<h3 id="hours">Raw, again</h3>\n'
    )
    (fake_settings.data_dir / "faq" / "shop.yaml").write_text("- question: Do you fix bikes?\n  answer: Yes.\n")
    build_index(fake_settings, embedder_factory=fake_factory)
    with TestClient(create_app(fake_settings, embedder_factory=fake_factory)) as c:
        html = c.get("/articles/shop").text
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), ids
    assert {"introduction", "faq", "main", "faq-shop-do-you-fix-bikes", "hours"} <= set(ids)
    assert "faqbot-section" not in html
    assert '<h2 id="faq">FAQ</h2>' in html and '<h2 id="main">Main</h2>' in html
    assert '<h2 id="introduction">Introduction</h2>' in html and "<h2>Introduction</h2>" in html
