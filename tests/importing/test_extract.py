"""Reading one page: main content without chrome, sections, the launch article as `data/` has it."""

from __future__ import annotations

from pathlib import Path

import pytest

from faqbot.content.articles import parse_article
from faqbot.content.faq import parse_faq_file
from faqbot.importing.extract import canonical_url, load_html, page_from_html
from faqbot.importing.files import render_article
from faqbot.importing.page import Page, PageProblem
from faqbot.importing.report import ImportOptions
from faqbot.importing.run import import_sources
from faqbot.importing.text_page import page_from_text
from tests.conftest import FIXTURES, SITE

IMPORT = FIXTURES / "import"
LAUNCH_PAGE = IMPORT / "site" / "articles" / "future-of-open-source-ai-models" / "index.html"
LAUNCH_TEXT = IMPORT / "text" / "future-of-open-source-ai-models.txt"
LAUNCH_SLUG = "future-of-open-source-ai-models"
# The test site's chrome: breadcrumbs, reading time, asides, share button, cookie banner, footer.
CHROME = (
    "Home >",
    "Articles >",
    "min read",
    "Further Reading",
    "Share this page",
    "cookies",
    "All rights reserved",
    "Privacy",
    "Related posts",
)
# The launch page's chrome, as its SOURCE.md lists it, includes the site's name (which the help
# pages use in their own text).
LAUNCH_CHROME = (*CHROME, "TechiDevs")


def html_page(html: str, url: str = "https://example.org/page/") -> Page:
    tree = load_html(html.encode(), "utf-8")
    return page_from_html(tree, url=canonical_url(tree, url), source=url)


def article_text(page: Page) -> str:
    return "\n".join(block.text for section in page.sections for block in section.blocks)


@pytest.mark.parametrize("source", [LAUNCH_PAGE, LAUNCH_TEXT], ids=["html", "text"])
def test_the_launch_article_imports_as_data_has_it(tmp_path: Path, source: Path) -> None:
    """The launch page (HTML with its chrome, or the captured text) gives the same article and FAQ
    as the project's hand-made copy: title, date, every section's heading and text, every Q/A."""
    report = import_sources([str(source)], ImportOptions(into=tmp_path, delay=0))
    assert report.added == [str(source)] and not report.problems
    imported = parse_article(tmp_path / "articles" / f"{LAUNCH_SLUG}.md")
    expected = parse_article(SITE / "articles" / f"{LAUNCH_SLUG}.md")
    assert (imported.slug, imported.title, imported.date) == (expected.slug, expected.title, expected.date)
    assert [(s.title, s.anchor, s.paragraphs) for s in imported.sections] == [
        (s.title, s.anchor, s.paragraphs) for s in expected.sections
    ]
    imported_faq = parse_faq_file(tmp_path / "faq" / f"{LAUNCH_SLUG}.yaml")
    expected_faq = parse_faq_file(SITE / "faq" / f"{LAUNCH_SLUG}.yaml")
    assert [(e.question, e.answer) for e in imported_faq] == [(e.question, e.answer) for e in expected_faq]


def test_the_launch_page_links_to_its_own_anchors() -> None:
    page = html_page(LAUNCH_PAGE.read_text(), "https://techidevs.example/articles/future-of-open-source-ai-models/")
    assert page.url == "https://techidevs.example/articles/future-of-open-source-ai-models/"  # its canonical link
    assert [s.page_anchor for s in page.sections[1:]] == [s.anchor for s in page.sections[1:]]
    assert {pair.anchor for pair in page.faq} == {"faq"}  # the FAQ's own heading
    assert not page.notes


def test_chrome_never_reaches_the_article() -> None:
    text = article_text(html_page(LAUNCH_PAGE.read_text()))
    text += article_text(page_from_text(LAUNCH_TEXT.read_bytes(), None, url="", source="t", fallback_title="t"))
    for phrase in LAUNCH_CHROME:
        assert phrase not in text


def test_a_page_of_links_has_no_main_content() -> None:
    with pytest.raises(PageProblem, match="no main content"):
        html_page((IMPORT / "site" / "tags" / "index.html").read_text())


def test_faq_page_json_ld_and_its_visible_copy_are_one_faq() -> None:
    page = html_page((IMPORT / "site" / "help" / "faq" / "index.html").read_text())
    assert [p.question for p in page.faq] == [
        "Can I write an article for TechiDevs?",
        "Can I republish an article on my own blog?",
        "How often do you publish?",
    ]
    assert page.faq[1].answer.startswith("You may quote up to two paragraphs")  # its HTML answer, as text
    assert page.faq[0].anchor == "write-for-us"  # the id of the question's heading on the page
    # The answers are in the FAQ file only, not again as passages of the article.
    assert article_text(page) == "Answers to what readers ask us most about TechiDevs itself."


def test_details_and_definition_lists_that_ask_questions_are_faq() -> None:
    community = html_page((IMPORT / "site" / "help" / "community" / "index.html").read_text())
    assert [(p.question, p.anchor) for p in community.faq] == [
        ("How do I join the community forum?", "join-the-forum"),
        ("When is the monthly meetup?", "community-questions"),
    ]
    assert community.faq[1].answer.endswith("The link is posted on the forum a week before.")
    # A <details> that is not a question stays in the article.
    assert "Be kind, stay on topic" in article_text(community)
    local = html_page((IMPORT / "site" / "articles" / "running-models-locally" / "index.html").read_text())
    assert [p.question for p in local.faq] == ["What is a GGUF file?", "What does quantized mean?"]
    assert [s.title for s in local.sections] == ["", "Hardware you need", "Choosing a runtime"]


def test_microdata_faq_and_a_sidebar_widget() -> None:
    page = html_page(
        """<html><body><nav><a href="/">Home</a></nav>
        <aside class="sidebar"><details><summary>Need help with your order?</summary><p>Call us.</p></details></aside>
        <main><article><h1>Shipping</h1>
        <p>We ship from our workshop every weekday, and parcels usually arrive within three days in the country.</p>
        <div itemscope itemtype="https://schema.org/FAQPage">
          <div itemscope itemprop="mainEntity" itemtype="https://schema.org/Question" id="fee">
            <h2 itemprop="name">Is there a restocking fee?</h2>
            <div itemscope itemprop="acceptedAnswer" itemtype="https://schema.org/Answer">
              <div itemprop="text"><p>No, returns are free of charge within thirty days.</p></div></div></div></div>
        </article></main><footer>Footer text</footer></body></html>"""
    )
    assert [(p.question, p.anchor) for p in page.faq] == [("Is there a restocking fee?", "fee")]
    assert [s.title for s in page.sections] == [""]  # the FAQ's heading went with it


def test_q_and_a_in_separate_paragraphs() -> None:
    page = html_page(
        """<html><body><article><h1>Tyres</h1>
        <p>Our tyre guide explains pressures, widths and when to replace a worn tyre on a city bike.</p>
        <h2 id="faq">Questions</h2><p>Q: How often should I pump my tyres?</p><p>A: Every two weeks.</p>
        </article></body></html>"""
    )
    assert [(p.question, p.answer, p.anchor) for p in page.faq] == [
        ("How often should I pump my tyres?", "Every two weeks.", "faq")
    ]


def test_a_date_only_where_the_page_marks_one() -> None:
    body = "<p>Our workshop has repaired bicycles since 1998, and in 2024 it moved to a bigger place by the river.</p>"
    undated = html_page(f"<html><body><article><h1>About</h1>{body}</article></body></html>")
    assert undated.date == ""
    dated = html_page(
        f'<html><head><meta property="article:published_time" content="2025-05-04"></head>'
        f"<body><article><h1>About</h1>{body}</article></body></html>"
    )
    assert dated.date == "2025-05-04"
    # A date no calendar has failed the whole reading: the page was "no main content".
    broken = html_page(
        f'<html><head><meta property="article:published_time" content="2024-01-01T10:00:00+25:00"></head>'
        f"<body><article><h1>&#8203;</h1>{body}</article></body></html>"
    )
    assert broken.date == "" and "repaired bicycles" in render_article(broken, "about")
    assert broken.title == "Untitled"  # a headline of a zero-width space is no title


def test_the_pages_own_heading_ids_are_the_anchors_answers_link_to(tmp_path: Path) -> None:
    """The live page's heading "What's next" has the id #whats-next; faqbot's own anchor would be
    #what-s-next, a link that lands at the top of the page. The article keeps the page's id."""
    page = html_page((IMPORT / "site" / "articles" / "green-ai-in-practice" / "index.html").read_text())
    assert page.notes == ()
    assert [s.anchor for s in page.sections if s.title == "What's next"] == ["whats-next"]
    text = render_article(page, "green-ai-in-practice")
    assert text is not None and "## What's next {#whats-next}\n" in text
    (tmp_path / "a.md").write_text(text)
    section = next(s for s in parse_article(tmp_path / "a.md").sections if s.title == "What's next")
    assert section.anchor == "whats-next"
    weird = html_page(
        '<html><body><article><h1>T</h1><h2 id="a b">Odd id</h2><p>Some text here.</p></article></body></html>'
    )
    assert [s.anchor for s in weird.sections if s.title] == ["odd-id"]  # an id no heading can carry: noted
    note = "heading 'Odd id' has the id #a b, which a heading cannot carry; faqbot links to #odd-id"
    assert weird.notes == (note,)


def test_broken_and_declared_encodings() -> None:
    with pytest.raises(PageProblem, match="broken encoding"):
        load_html((IMPORT / "site" / "articles" / "legacy-notes" / "index.html").read_bytes(), None)
    latin = '<html><head><meta charset="iso-8859-1"></head><body><p>caf\xe9</p></body></html>'.encode("latin-1")
    assert "café" in load_html(latin, None).text_content()
    assert "café" in load_html(latin.replace(b"iso-8859-1", b"utf-8"), "latin-1").text_content()  # the header wins


def test_noindex_pages_are_not_imported() -> None:
    with pytest.raises(PageProblem, match="noindex"):
        html_page('<html><head><meta name="robots" content="noindex, follow"></head><body><p>x</p></body></html>')
