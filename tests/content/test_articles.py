import unicodedata
from pathlib import Path

import pytest

from faqbot.content.articles import load_articles, parse_article
from faqbot.errors import DataError
from faqbot.text import slugify
from tests.conftest import SITE

LAUNCH = SITE / "articles" / "future-of-open-source-ai-models.md"


def test_launch_article_has_its_introduction_and_five_sections() -> None:
    article = parse_article(LAUNCH)
    assert article.slug == "future-of-open-source-ai-models"
    assert article.title.startswith("The Future of Open Source AI Models")
    assert article.date == "2026-02-09"
    assert [s.anchor for s in article.sections] == [
        "introduction",
        "democratizing-ai",
        "accelerating-innovation-and-collaboration",
        "challenges-in-the-open-source-ai-arena",
        "the-role-of-sustainability-in-ai",
        "looking-ahead",
    ]
    assert article.sections[0].paragraphs[0].startswith("The advent of open source")
    # The closing sentence is kept; the site chrome is not.
    assert article.sections[-1].paragraphs[-1].startswith("This overview captures")
    text = LAUNCH.read_text()
    for chrome in ("TechiDevs", "Share this page", "Further Reading", "Home > Articles", "min read"):
        assert chrome not in text


def write(tmp_path: Path, text: str | bytes, name: str = "a.md") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_markup_is_reduced_to_text_and_deeper_headings_stay_in_their_section(tmp_path: Path) -> None:
    path = write(tmp_path, "---\ntitle: T\n---\n\n## One\n\nSome **bold** and `code`.\n\n### Sub\n\n- a list item\n")
    article = parse_article(path)
    assert article.slug == "a" and article.url == "/articles/a"
    assert [s.title for s in article.sections] == ["One"]
    assert article.sections[0].paragraphs == ("Some bold and code.", "Sub", "a list item")
    assert article.sections[0].line == 5


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("no front matter\n", 1, "front matter"),
        ("---\ntitle: T\n", 1, "not closed"),
        ("---\nslug: x\n---\nbody\n", 2, "needs a 'title'"),
        ("---\ntitle: [unclosed\n---\nbody\n", 3, "not valid YAML"),
        ("---\ntitle: T\n---\n\n## A\n\nx\n\n## A\n\ny\n", 9, "two sections"),
        ("---\ntitle: T\n---\n\n", 4, "no text"),
        ("", 1, "empty"),
        ("---\ntitle: T\nslug: Bad Slug\n---\nx\n", 3, "slug 'Bad Slug'"),
    ],
)
def test_bad_articles_are_refused_with_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        parse_article(path)
    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}")


def test_an_article_that_is_not_utf8_is_refused_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, b"---\ntitle: T\n---\ncaf\xe9\n")
    with pytest.raises(DataError, match=r"a\.md:4: the file is not UTF-8"):
        parse_article(path)


def test_an_article_file_that_cannot_be_read_is_a_data_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "gone.md").symlink_to(tmp_path / "nowhere.md")
    (tmp_path / "folder.md").mkdir()
    for name in ("gone.md", "folder.md"):
        with pytest.raises(DataError, match=rf"{name}: cannot read the file"):
            parse_article(tmp_path / name)


def test_a_lone_surrogate_escape_in_the_front_matter_is_refused_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, b'---\ntitle: T\nsummary: "Bad \\ud800 one"\n---\nSome text.\n')
    with pytest.raises(DataError, match=r"a\.md:3: 'summary' holds a lone surrogate escape"):
        parse_article(path)


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("The Role of Sustainability in AI", "the-role-of-sustainability-in-ai"),
        ("Café, Crème & Co.", "cafe-creme-co"),  # Latin anchors as they always were
        ("Don’t Panic — Yet", "dont-panic-yet"),
        ("Как это работает?", "как-это-работает"),
        ("Ελληνικά", "ελληνικά"),
        ("使い方、設定", "使い方設定"),
        ("हिन्दी भाषा", "हिन्दी-भाषा"),  # vowel signs stay with their letters
        ("Straße Smørrebrød Łódź", "strae-smrrebrd-odz"),  # Latin letters with no ASCII form: dropped, as always
        ("?!", "section"),
    ],
)
def test_anchors_keep_letters_of_every_script(heading: str, anchor: str) -> None:
    assert slugify(heading) == anchor
    assert slugify(unicodedata.normalize("NFD", heading)) == anchor  # however the text was composed


def test_two_headings_in_another_script_are_two_sections(tmp_path: Path) -> None:
    path = write(tmp_path, "---\ntitle: Т\n---\n\n## Первый\n\nа\n\n## Второй\n\nб\n")
    assert [s.anchor for s in parse_article(path).sections] == ["первый", "второй"]


def test_a_heading_or_an_article_of_only_invisible_characters_has_no_text(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="a heading has no text"):
        parse_article(write(tmp_path, "---\ntitle: T\n---\n\n## \u200b\n\ntext\n"))
    with pytest.raises(DataError, match="no text after its front matter"):
        parse_article(write(tmp_path, "---\ntitle: T\n---\n\n\u200b\u200b\n"))
    with pytest.raises(DataError, match="needs a 'title'"):
        parse_article(write(tmp_path, '---\ntitle: "\\u200b"\n---\n\ntext\n'))


def test_a_bad_slug_from_the_files_name_says_so(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"My Page\.md:1: the file's name makes the slug 'My Page'.*rename the file"):
        parse_article(write(tmp_path, "---\ntitle: T\n---\nx\n", name="My Page.md"))


def test_headings_that_make_one_anchor_are_named_with_it(tmp_path: Path) -> None:
    with pytest.raises(
        DataError,
        match=r"a\.md:9: the heading 'C tips' makes the anchor 'c-tips', as the heading 'C\+\+ tips' at line 5",
    ):
        parse_article(write(tmp_path, "---\ntitle: T\n---\n\n## C++ tips\n\nx\n\n## C tips\n\ny\n"))
    with pytest.raises(DataError, match="'Introduction' makes the anchor 'introduction', as the text before the first"):
        parse_article(write(tmp_path, "---\ntitle: T\n---\n\nOpening text.\n\n## Introduction\n\ny\n"))
    starts_with_it = parse_article(write(tmp_path, "---\ntitle: T\n---\n\n## Introduction\n\ny\n"))
    assert [s.anchor for s in starts_with_it.sections] == ["introduction"]  # no text before it: no clash


def test_a_decomposed_file_name_is_the_same_slug_as_a_composed_one(tmp_path: Path) -> None:
    """macOS stores file names decomposed (NFD): 'йога' so named is still the slug 'йога'."""
    name = unicodedata.normalize("NFD", "йога")
    article = parse_article(write(tmp_path, "---\ntitle: T\n---\n\ntext\n", name=f"{name}.md"))
    assert article.slug == "йога" and article.url == "/articles/йога"


def test_an_article_file_ending_in_capitals_is_read(tmp_path: Path) -> None:
    write(tmp_path, "---\ntitle: T\n---\n\ntext\n", name="notes.MD")
    assert [a.slug for a in load_articles(tmp_path)] == ["notes"]


def test_a_given_anchor_is_read_as_written_and_shown_nowhere(tmp_path: Path) -> None:
    """Markdown would read "__init__" as emphasis: the id is taken from the heading's line first."""
    text = (
        "---\ntitle: T\n---\n\n## Init method {#object.__init__}\n\nx\n\n## Plain *heading* {#_Toc123_}\n\ny\n\n"
        "```\n## not a heading {#code}\n```\n\n## Star {#a*b}\n\nz\n"
    )
    article = parse_article(write(tmp_path, text))
    assert [(s.title, s.anchor) for s in article.sections] == [
        ("Init method", "object.__init__"),
        ("Plain heading", "_Toc123_"),
        ("Star {#a*b}", "star-a-b"),  # "*" is no id character: the text, as written
    ]
    assert "## not a heading {#code}" in article.body  # fenced code is left as written


def test_given_anchors_are_read_where_markdown_reads_headings(tmp_path: Path) -> None:
    """A fence opened in a list item is code to its end (the id in it stays, the heading after it gives
    its id); "``` js`" opens no fence (a backtick in its info string); a two-line underlined heading
    gives its id from its last line; a list item over "---" is no heading (its text stays)."""
    text = (
        "---\ntitle: T\n---\n\n- ```\n  ## In a listed fence {#listed}\n  ```\n\n## After {#after}\n\nx\n\n"
        "``` js`\n## Not code {#notcode}\n\ny\n\nTwo line\nheading {#two}\n---\n\nz\n\n- item {#li}\n---\n"
    )
    article = parse_article(write(tmp_path, text))
    assert [(s.title, s.anchor) for s in article.sections] == [
        ("After", "after"),
        ("Not code", "notcode"),
        ("Two line heading", "two"),
    ]
    assert "## In a listed fence {#listed}" in article.body and "- item {#li}" in article.body


def test_a_heading_id_no_id_can_be_is_warned_with_its_line(tmp_path: Path) -> None:
    warnings: list[str] = []
    path = write(tmp_path, "---\ntitle: T\n---\n\nIntro.\n\n## Weird {#a/b}\n\nText.\n")
    article = parse_article(path, warnings)
    assert [s.title for s in article.sections][-1] == "Weird {#a/b}"
    assert warnings == [f"{path}:7: {{#a/b}} is no id (letters, digits, _ . : - only): the heading shows it"]
