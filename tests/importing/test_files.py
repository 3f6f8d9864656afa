"""The files the import writes read back, through faqbot's own loaders, as exactly what was imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faqbot.content.articles import parse_article
from faqbot.content.faq import parse_faq_file
from faqbot.content.markdown import to_plain
from faqbot.importing.files import render_article, render_faq, write_atomic
from faqbot.importing.page import QA, Block, Page, Section

# Markdown's special characters, at the start and inside, with plain words and some Unicode.
TEXT = st.text(
    alphabet=st.sampled_from(list("abc XYZ 019 .,:;!?'\"()-+*_#>=|~`[]<>&\\/{}%$^") + ["é", "ß", "—", "🙂"]),
    min_size=1,
    max_size=60,
).filter(lambda text: any(ch.isalnum() for ch in text))


def page_with(paragraph: str, heading: str, item: str) -> Page:
    return Page(
        url="https://example.org/a/",
        source="https://example.org/a/",
        title=" ".join(f"Title: {heading}".split()),  # a page's title is squashed when read
        date="2026-01-31",
        sections=(
            Section("", (Block("paragraph", paragraph),)),
            Section(heading, (Block("paragraph", "Plain."), Block("item", item))),
        ),
        faq=(QA(f"{heading}?", paragraph, "faq"),),
    )


@settings(max_examples=300, deadline=None)
@given(paragraph=TEXT, heading=TEXT, item=TEXT)
def test_any_text_survives_markdown_and_yaml(
    tmp_path_factory: pytest.TempPathFactory, paragraph: str, heading: str, item: str
) -> None:
    directory = tmp_path_factory.mktemp("files")
    page = page_with(paragraph, heading, item)
    article_path, faq_path = directory / "a.md", directory / "a.yaml"
    article_path.write_text(render_article(page, "a") or "", encoding="utf-8")
    faq_path.write_text(render_faq(page) or "", encoding="utf-8")
    article = parse_article(article_path)
    squash = " ".join
    assert article.title == squash(f"Title: {heading}".split())
    assert article.date == "2026-01-31" and article.url == "https://example.org/a/"
    assert article.sections[0].paragraphs == (squash(paragraph.split()),)
    assert article.sections[1].title == squash(heading.split())
    assert article.sections[1].paragraphs == ("Plain.", squash(item.split()))
    [entry] = parse_faq_file(faq_path)
    assert (entry.question, to_plain(entry.answer), entry.url) == (
        squash(f"{heading}?".split()),
        squash(paragraph.split()),
        "https://example.org/a/#faq",
    )


def test_files_are_marked_as_the_imports(tmp_path: Path) -> None:
    page = page_with("Text.", "Heading", "Item")
    article = render_article(page, "a") or ""
    assert "# Written by 'faqbot import' from https://example.org/a/" in article
    assert "imported_from: https://example.org/a/" in article
    assert (render_faq(page) or "").startswith("# Written by 'faqbot import'")


def test_a_page_without_faq_or_text_writes_no_such_file() -> None:
    empty = Page("u", "s", "T", "", (Section("", ()),), ())
    assert render_article(empty, "a") is None and render_faq(empty) is None


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "articles" / "a.md"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["a.md"]
    assert target.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600
