"""Lists, quotes and links of an article survive into the answers cut from it (faqbot.content.blocks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faqbot.answering.excerpt import SplitSection, laid_out, split_section, whole_passage
from faqbot.content.articles import parse_article
from faqbot.content.documents import article_from_dict, article_to_dict, passage_doc
from faqbot.content.passages import make_passages

RETURNS = """---
title: Shop
---

## Returns

You can return items within 30 days. See [our policy][policy] for details. It covers **all items**.

To return an item:

3. Pack it in the box.
4. Print the label from [your account](https://ex.org/acc). Then drop it off.
5. Wait for the refund.

- Shoes
  - Laces
- Hats <img src=x onerror=alert(1)>

> Quoted wisdom here. And more.

[policy]: https://ex.org/p

## Plain

Nothing here but prose. Two sentences of it.
"""


@pytest.fixture
def returns(tmp_path: Path) -> SplitSection:
    path = tmp_path / "shop.md"
    path.write_text(RETURNS)
    return split_section(parse_article(path).sections[0])


def shown(section: SplitSection, start: int, end: int) -> tuple[str, str | None]:
    return laid_out(section, start, end)


def test_a_section_of_prose_keeps_no_layout(tmp_path: Path) -> None:
    path = tmp_path / "shop.md"
    path.write_text(RETURNS)
    plain = parse_article(path).sections[1]
    assert plain.blocks == () and plain.paragraphs == ("Nothing here but prose. Two sentences of it.",)


def test_a_list_is_a_list_in_plain_text_and_in_html(returns: SplitSection) -> None:
    text, html = shown(returns, 4, 9)  # the ordered list, from its first item, then the first bullet
    assert text.splitlines() == [
        "3. Pack it in the box.",
        "4. Print the label from your account. Then drop it off.",
        "5. Wait for the refund.",
        "- Shoes",
    ]
    assert html == (
        '<ol start="3"><li>Pack it in the box.</li><li>Print the label from <a href="https://ex.org/acc" '
        'rel="noopener noreferrer">your account</a>. Then drop it off.</li><li>Wait for the refund.</li></ol>'
        "<ul><li>Shoes</li></ul>"
    )


def test_an_ordered_list_opened_part_way_starts_at_its_first_shown_item(returns: SplitSection) -> None:
    text, html = shown(returns, 6, 8)  # "Then drop it off." and item 5
    assert text.splitlines() == ["4. Then drop it off.", "5. Wait for the refund."]
    assert html is not None and html.startswith('<ol start="4"><li>Then drop it off.</li>')


def test_nested_lists_and_quotes_keep_their_shape_and_markup_stays_safe(returns: SplitSection) -> None:
    text, html = shown(returns, 8, 13)
    assert text.splitlines() == ["- Shoes", "  - Laces", "- Hats", "Quoted wisdom here. And more."]
    assert "<ul><li>Shoes<ul><li>Laces</li></ul></li><li>Hats</li></ul>" in (html or "")
    assert "<blockquote><p>Quoted wisdom here. And more.</p></blockquote>" in (html or "")
    assert "onerror" not in (html or "") and "<img" not in (html or "")


def test_a_sentence_keeps_its_own_link_even_cut_from_its_paragraph(returns: SplitSection) -> None:
    text, html = shown(returns, 1, 2)  # a reference-style link, resolved
    assert text == "See our policy for details."
    assert html == '<p>See <a href="https://ex.org/p" rel="noopener noreferrer">our policy</a> for details.</p>'
    text, html = shown(returns, 2, 3)
    assert html == "<p>It covers <strong>all items</strong>.</p>"


def test_a_link_across_two_sentences_is_a_link_in_each(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: A\n---\n\nRead [the guide. It helps](https://ex.org/g) a lot. Done.\n")
    (block,) = parse_article(path).sections[0].blocks
    assert block.html == (
        'Read <a href="https://ex.org/g" rel="noopener noreferrer">the guide.</a>',
        '<a href="https://ex.org/g" rel="noopener noreferrer">It helps</a> a lot.',
        "Done.",
    )


def test_layout_survives_the_index_records_and_a_whole_passage_shows_it(tmp_path: Path) -> None:
    path = tmp_path / "shop.md"
    path.write_text(RETURNS)
    article = parse_article(path)
    assert article_from_dict(json.loads(json.dumps(article_to_dict(article)))) == article
    passage = next(p for p in make_passages(article) if "Pack it in the box." in p.sentences)
    text, html = whole_passage(passage_doc(passage), split_section(article.sections[0]))
    assert "\n3. Pack it in the box." in "\n" + text and '<ol start="3">' in (html or "")
