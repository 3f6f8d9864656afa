"""Lists, quotes and links of an article survive into the answers cut from it (faqbot.content.blocks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faqbot.answering.excerpt import SplitSection, laid_out, split_section, whole_passage
from faqbot.content.articles import parse_article
from faqbot.content.documents import article_from_dict, article_to_dict, passage_doc
from faqbot.content.passages import make_passages
from faqbot.errors import DataError

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


def test_what_a_page_never_shows_is_neither_answered_nor_embedded_and_blocks_stay_out_of_sentences(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.md"
    path.write_text(
        "---\ntitle: A\n---\n\n## Hours\n\n"
        "We open at nine <script>document.location='https://evil.example/?c='</script> on weekdays. "
        "<style>.x{background:url(https://evil.example/t.png)}</style>Closed on **Sundays**.\n\n"
        "2. Text <li>sneaky item. Another</li> sentence here.\n"
    )
    section = parse_article(path).sections[0]
    assert "evil" not in " ".join(section.paragraphs) and "document" not in " ".join(section.paragraphs)
    text, html = shown(split_section(section), 0, 4)
    assert "evil" not in text and "evil" not in (html or "")
    # An inline <li> would close the item it sits in: a sentence's HTML holds inline markup only.
    assert (html or "").count("<li") == 1 and "sneaky item" in (html or "")


def test_an_ordered_list_shows_the_numbers_of_its_items_when_some_have_no_text(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: A\n---\n\n## Steps\n\n1. Download it.\n2. ```\n   code only\n   ```\n3. Restart it.\n")
    text, html = shown(split_section(parse_article(path).sections[0]), 0, 2)
    assert text.splitlines() == ["1. Download it.", "3. Restart it."]
    assert html == '<ol><li>Download it.</li><li value="3">Restart it.</li></ol>'


def test_a_bad_date_or_lists_nested_past_the_parsers_limit_are_a_file_line_message(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: A\ndate: 2024-02-30\n---\n\nHello there.\n")
    with pytest.raises(DataError, match="cannot be read") as error:
        parse_article(path)
    assert "a.md:3" in str(error.value)
    # markdown-it stops reading at 20 levels: the article's later sections would vanish silently.
    path.write_text("---\ntitle: A\n---\n\nIntro.\n\n- - - - - - - - - - x\n\nAfter.\n\n## Hours\n\nNine.\n")
    with pytest.raises(DataError, match="nested too deeply") as error:
        parse_article(path)
    assert "a.md:7" in str(error.value)
    path.write_text("---\ntitle: A\n---\n\nIntro.\n\n- - - - - - - - - x\n\nAfter.\n")  # 9 deep: read
    assert parse_article(path).sections[0].paragraphs == ("Intro.", "x", "After.")


def test_a_very_long_marked_up_paragraph_is_shown_as_plain_sentences(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: A\n---\n\n" + " ".join(f"Sentence *{n}* here." for n in range(2_000)) + "\n")
    section = parse_article(path).sections[0]
    assert section.blocks == () and len(split_section(section).sentences) == 2_000


def test_an_item_going_on_after_its_nested_list_has_one_marker(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: A\n---\n\n1. Alpha first.\n\n   - inner\n\n   Alpha continued.\n2. Beta.\n")
    section = split_section(parse_article(path).sections[0])
    text, html = shown(section, 0, len(section.sentences))
    assert text.splitlines() == ["1. Alpha first.", "  - inner", "  Alpha continued.", "2. Beta."]
    assert html == "<ol><li>Alpha first.<ul><li>inner</li></ul>Alpha continued.</li><li>Beta.</li></ol>"


def test_an_item_whose_first_thing_is_a_list_keeps_its_own_marker(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: A\n---\n\n1. - a\n   - b\n2. c\n")
    section = split_section(parse_article(path).sections[0])
    text, html = shown(section, 0, len(section.sentences))
    assert text.splitlines() == ["1. - a", "  - b", "2. c"]
    assert html == "<ol><li><ul><li>a</li><li>b</li></ul></li><li>c</li></ol>"
