"""Markdown in answers and articles: safe HTML for readers, plain text for the API, embedding and BM25."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from faqbot.content.corpus import load_corpus
from faqbot.content.documents import faq_doc
from faqbot.content.faq import parse_faq_file
from faqbot.content.markdown import to_html, to_plain
from faqbot.embedding.embedder import Embedder
from faqbot.index.build import build_index
from faqbot.index.store import load_index
from faqbot.server.app import create_app
from faqbot.settings import Settings
from tests.fakes import HashingEmbedder

QUESTION = "How do I fix a flat tyre on the trail?"
ANSWER = """Fix it in **three** steps, as [the repair guide](https://example.org/guide) shows:

- take the *wheel* off
- find the hole with `soapy water`
- patch it <img src=x onerror=alert(1)><script>alert(2)</script>

Then pump to 45 psi."""
PLAIN = """Fix it in three steps, as the repair guide shows:
- take the wheel off
- find the hole with soapy water
- patch it
Then pump to 45 psi."""
MARKUP = ("href", "<", ">", "**", "](", "onerror", "alert", "script", "img")


def test_markdown_is_sanitised_html_for_readers_and_plain_text_for_the_rest() -> None:
    html = to_html(ANSWER)
    assert "<ul>" in html and html.count("<li>") == 3 and "<strong>three</strong>" in html and "<code>" in html
    assert '<a href="https://example.org/guide" rel="noopener noreferrer">the repair guide</a>' in html
    assert "onerror" not in html and "<script" not in html and "alert" not in html and "<img" not in html
    assert to_plain(ANSWER) == PLAIN
    assert to_plain("1. one\n2. two\n\n```\nline one\nline two\n```") == "1. one\n2. two\nline one\nline two"
    assert to_plain("Tom &amp; Jerry's <b>answer</b>") == "Tom & Jerry's answer"
    for hostile in ('<a href="javascript:alert(1)">x</a>', "[x](javascript:alert(1))", '<p onclick="x()">y</p>'):
        assert 'href="javascript' not in to_html(hostile) and "onclick" not in to_html(hostile)


@pytest.mark.parametrize("suffix", ["yaml", "json", "csv"])
def test_a_lists_line_breaks_survive_reading_the_faq_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"repairs.{suffix}"
    if suffix == "yaml":
        indented = "\n".join("    " + line if line else "" for line in ANSWER.splitlines())
        path.write_text(f"- question: {QUESTION}\n  answer: |\n{indented}\n")
    elif suffix == "json":
        path.write_text(json.dumps([{"question": QUESTION, "answer": ANSWER}]))
    else:
        path.write_text('question,answer\n"{}","{}"\n'.format(QUESTION, ANSWER.replace('"', '""')))
    (entry,) = parse_faq_file(path)
    assert entry.answer == ANSWER and entry.question == QUESTION


def test_an_answer_that_is_only_markup_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text("- question: fine?\n  answer: yes\n- question: empty?\n  answer: <script>alert(1)</script>\n")
    with pytest.raises(Exception, match="no text once its markup") as error:
        parse_faq_file(path)
    assert "faq.yaml:3" in str(error.value)


@pytest.fixture
def markdown_site(fake_settings: Settings) -> Settings:
    (fake_settings.data_dir / "faq" / "repairs.json").write_text(
        json.dumps([{"id": "flat-repair", "question": QUESTION, "answer": ANSWER}])
    )
    article = fake_settings.data_dir / "articles" / "workshop.md"
    article.write_text(
        "---\ntitle: The workshop\n---\n\n## Tools\n\nBring [a pump](https://example.org/pump) and "
        '<a href="https://example.org/levers">tyre levers</a>. <img src=x onerror=alert(1)> We lend **spanners**.\n'
        "\n## Classes\n\nThe workshop runs two evening classes:\n\n"
        "1. Fix-a-flat basics, with [the repair guide](https://example.org/guide).\n"
        "2. Gears and brakes <img src=x onerror=alert(2)>.\n"
    )
    return fake_settings


def test_embedding_and_bm25_see_no_markup(markdown_site: Settings) -> None:
    embedder = HashingEmbedder()
    build_index(markdown_site, embedder_factory=lambda model: embedder)
    index = load_index(markdown_site.index_dir)
    entry = next(d for d in index.docs if d.id == "flat-repair")
    assert entry.text == PLAIN and entry.markdown == ANSWER
    tools = next(d for d in index.docs if d.section == "Tools")
    assert tools.text == "Bring a pump and tyre levers. We lend spanners."
    for doc in (entry, tools):
        assert not any(m in doc.lexical_text() for m in MARKUP)
    assert not [t for t in embedder.texts_embedded if any(m in t for m in MARKUP)]
    for word in ("href", "onerror", "script"):
        assert not index.lexical.knows(word) and index.lexical.scores(word).max() == 0.0, word


def test_the_api_answers_plain_text_with_sanitised_html_beside_it(
    markdown_site: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    build_index(markdown_site, embedder_factory=fake_factory)
    with TestClient(create_app(markdown_site, embedder_factory=fake_factory)) as client:
        body = client.post("/api/ask", json={"question": QUESTION}).json()
        faq = {e["id"]: e for e in client.get("/api/faq").json()}
        schema = client.get("/openapi.json").json()["components"]["schemas"]
        page = client.get("/faq").text
    assert body["kind"] == "faq" and body["answer"] == PLAIN
    assert body["answer_html"] == to_html(ANSWER) and "<li>" in body["answer_html"]
    assert faq["flat-repair"]["answer"] == PLAIN and faq["flat-repair"]["answer_html"] == to_html(ANSWER)
    assert "answer_html" in schema["AskResponse"]["properties"]
    assert '<a href="https://example.org/guide" rel="noopener noreferrer">the repair guide</a>' in page
    assert "onerror" not in page and "alert(" not in page


def test_an_entrys_own_links_are_part_of_its_hash(tmp_path: Path, data_dir: Path) -> None:
    faq = data_dir / "faq" / "repairs.yaml"
    faq.write_text("- question: where is the guide?\n  answer: '[Here](https://example.org/a).'\n")
    before = faq_doc(load_corpus(data_dir).faq[-1], load_corpus(data_dir))
    faq.write_text("- question: where is the guide?\n  answer: '[Here](https://example.org/b).'\n")
    after = faq_doc(load_corpus(data_dir).faq[-1], load_corpus(data_dir))
    assert before.text == after.text == "Here." and before.hash != after.hash


def test_a_passage_answer_keeps_its_list_and_links_in_html_and_its_lines_in_text(
    markdown_site: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    build_index(markdown_site, embedder_factory=fake_factory)
    with TestClient(create_app(markdown_site, embedder_factory=fake_factory)) as client:
        body = client.post("/api/ask", json={"question": "Which evening classes does the workshop run?"}).json()
    assert body["kind"] == "passage", body
    assert body["answer"] == (
        "The workshop runs two evening classes:\n1. Fix-a-flat basics, with the repair guide.\n2. Gears and brakes ."
    )
    assert body["answer_html"] == (
        "<p>The workshop runs two evening classes:</p><ol><li>Fix-a-flat basics, with "
        '<a href="https://example.org/guide" rel="noopener noreferrer">the repair guide</a>.</li>'
        "<li>Gears and brakes .</li></ol>"
    )
