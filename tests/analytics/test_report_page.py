"""The HTML report (`faqbot report --html`) uses only characters every system's fonts have: no
missing-glyph boxes, no emoji, no icon font."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from faqbot.analytics import report as report_module
from faqbot.analytics.report import Cluster, Report, Suggestion, render_html
from faqbot.settings import PACKAGE_WEB


def safe(character: str) -> bool:
    """Latin-1 (printable, or a line break or tab) and general punctuation (curly quotes, dashes, ›, …)."""
    code = ord(character)
    return character in "\n\t" or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF or 0x2000 <= code <= 0x206F


def a_full_report() -> Report:
    """A report with every part filled in, of plain questions: what the page itself adds is what is checked."""
    snippet = '- question: "How do I reset my password?"\n  answer: "TODO"\n'
    return Report(
        generated_at="2026-11-30T10:00:00+00:00",
        totals={"questions": 12, "answered": 9, "declined": 3, "answer_rate": 0.75, "feedback": 2, "unhelpful": 1},
        per_day=[
            {"day": "2026-11-29", "questions": 5, "answered": 4},
            {"day": "2026-11-30", "questions": 7, "answered": 5},
        ],
        clusters=[
            Cluster(3, ["reset my password", "forgot password"], 3, Suggestion("new-entry", None, None, 0.31, snippet)),
            Cluster(
                2, ["econ impact?"], 1, Suggestion("add-alternate", "economy", "What is the impact?", 0.7, snippet)
            ),
        ],
        unhelpful=[{"question": "What is green AI?", "top_source": "p-1", "down": 1, "up": 0, "comments": ["vague"]}],
        top_sources=[
            {"label": "The Future of AI \u203a Looking Ahead", "count": 4},
            {"label": "What is AI?", "count": 2},
        ],
    )


def test_the_report_page_uses_no_character_a_system_may_lack() -> None:
    html = render_html(a_full_report(), PACKAGE_WEB / "templates")
    assert "Unhelpful / helpful" in html and "Looking Ahead" in html
    unsafe = sorted({f"U+{ord(c):04X} {c!r}" for c in html if not safe(c)})
    assert unsafe == [], f"characters outside Latin-1 and general punctuation: {unsafe}"
    # No font of its own (an icon font is how boxes usually come), and nothing fetched.
    lowered = html.lower()
    assert "@font-face" not in lowered and "<link" not in lowered and "url(" not in lowered and "<script" not in lowered
    for source in (PACKAGE_WEB / "templates" / "report.html", Path(report_module.__file__)):
        assert [c for c in source.read_text(encoding="utf-8") if not safe(c)] == [], source


@pytest.fixture
def page_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "report.html"
    path.write_text(render_html(a_full_report(), PACKAGE_WEB / "templates"), encoding="utf-8")
    yield path


@pytest.mark.browser
def test_the_report_page_renders_offline_in_a_browser(page_file: Path, browser: Browser) -> None:
    page = browser.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(page_file.as_uri())
    assert page.get_by_role("heading", name="What readers asked").is_visible()
    assert page.locator("svg[role=img]").count() == 2
    # Every font the page asks for is the system's own: none is loaded, so none can fail.
    assert page.evaluate("() => document.fonts.size") == 0
    assert page.get_by_role("columnheader", name="Unhelpful / helpful").is_visible()
    page.close()
    assert requests == [page_file.as_uri()] and errors == []
