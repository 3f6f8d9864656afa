"""Content files as site owners write them: each field case of the first-day issue as a test."""

import json
import os
import unicodedata
from pathlib import Path

import pytest

from faqbot.content.corpus import load_corpus
from faqbot.content.faq import parse_faq_file
from faqbot.errors import DataError

ARTICLE = "---\ntitle: Guide\n---\n\nIntro text.\n\n## Setup\n\nInstall it.\n"


def guide_with(data: Path, front_matter: str) -> Path:
    """The site's article written with these front matter lines, and a line of text."""
    guide = data / "articles" / "guide.md"
    guide.write_text(f"---\n{front_matter}\n---\n\nIntro text.\n")
    return guide


def site(tmp_path: Path) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "faq").mkdir()
    (tmp_path / "articles" / "guide.md").write_text(ARTICLE)
    return tmp_path


def test_yaml_values_are_read_as_the_text_written(tmp_path: Path) -> None:
    path = tmp_path / "yn.yaml"
    path.write_text("- question: Is it free?\n  answer: yes\n- question: 2024-01-02\n  answer: 3.10\n  id: 007\n")
    first, second = parse_faq_file(path)
    assert first.answer == "yes" and (second.question, second.answer, second.id) == ("2024-01-02", "3.10", "007")
    path.write_text("- question: Is it free?\n  answer:\n")
    with pytest.raises(DataError, match=r"yn.yaml:1 \(entry 1\): missing 'answer'"):
        parse_faq_file(path)


def test_a_semicolon_separated_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text("question;answer;alternates\nCan I pay by card?;Yes, every card.;Card ok?|Visa?\n")
    [entry] = parse_faq_file(path)
    assert entry.answer == "Yes, every card." and entry.alternates == ("Card ok?", "Visa?")


def test_a_windows_1252_file_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_bytes("question,answer\nCaf\u00e9 hours?,From 8 \u2013 6.\n".encode("cp1252"))
    with pytest.raises(DataError, match="Windows-1252.*save it as UTF-8"):
        parse_faq_file(path)


def test_the_same_question_in_two_files_with_different_answers_is_a_warning(tmp_path: Path) -> None:
    data = site(tmp_path)
    (data / "faq" / "a.json").write_text(json.dumps([{"question": "Can anyone contribute?", "answer": "Yes."}]))
    (data / "faq" / "b.csv").write_text("question,answer\nCan anyone contribute? ,No.\n")
    [warning] = load_corpus(data).warnings
    assert "a-can-anyone-contribute" in warning and "b-can-anyone-contribute" in warning
    assert "a.json:1" in warning and "b.csv:2" in warning


def test_an_empty_article_is_skipped_and_an_empty_section_noted(tmp_path: Path) -> None:
    data = site(tmp_path)
    (data / "articles" / "draft.md").write_text("---\ntitle: Draft\n---\n\n## Looking Ahead\n\n## Notes\n")
    (data / "articles" / "guide.md").write_text(ARTICLE + "\n## Later\n")
    corpus = load_corpus(data)
    assert [a.slug for a in corpus.articles] == ["guide"]
    assert any("draft.md" in w and "skipped" in w for w in corpus.warnings)
    assert any("guide.md:11" in w and "'Later' has no text" in w for w in corpus.warnings)


def test_a_data_directory_or_part_that_is_a_file_is_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("x")
    with pytest.raises(DataError, match="the data directory is a file, not a folder"):
        load_corpus(tmp_path / "data")
    site = tmp_path / "site"
    (site / "faq").mkdir(parents=True)
    (site / "faq" / "f.yaml").write_text("- question: Q?\n  answer: A.\n")
    (site / "articles").write_text("not a folder")
    with pytest.raises(DataError, match="articles: 'articles' must be a folder of Markdown articles"):
        load_corpus(site)


def test_a_dangling_articles_link_is_an_error_and_an_faq_file_named_decomposed_finds_its_article(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    (site / "faq").mkdir(parents=True)
    (site / "faq" / f"{unicodedata.normalize('NFD', 'йога')}.yaml").write_text("- question: Q?\n  answer: A.\n")
    (site / "articles").symlink_to(tmp_path / "nowhere")
    with pytest.raises(DataError, match="'articles' is a link to nothing"):
        load_corpus(site)
    (site / "articles").unlink()
    (site / "articles").mkdir()
    (site / "articles" / "йога.md").write_text("---\ntitle: Йога\n---\n\ntext\n")
    assert load_corpus(site).faq[0].url == "/articles/йога#faq-" + load_corpus(site).faq[0].id


def test_an_faq_entry_whose_anchor_a_heading_of_its_article_takes_is_refused(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "articles").mkdir(parents=True)
    (site / "faq").mkdir()
    (site / "articles" / "a.md").write_text("---\ntitle: A\n---\n\n## Clash {#faq-x}\n\ntext\n")
    (site / "faq" / "a.yaml").write_text("- id: x\n  question: Q?\n  answer: A.\n")
    clash = r"a\.yaml:1: entry 'x' has the anchor #faq-x on its article's page, as the heading 'Clash'"
    with pytest.raises(DataError, match=clash):
        load_corpus(site)


def test_a_misspelt_front_matter_key_is_named_and_other_keys_are_left_alone(tmp_path: Path) -> None:
    """'tittle' or 'Date' lose their value silently otherwise; a generator's 'tags' or 'draft' are no
    mistake (an imported Hugo or Jekyll site has them on every page)."""
    data = site(tmp_path)
    guide = guide_with(data, "tags: [setup]\ndraft: false\ntittle: Guide")
    with pytest.raises(
        DataError,
        match=r"guide.md:4: the front matter needs a 'title' \(the front matter key "
        r"'tittle' is not one faqbot reads: did you mean 'title'\? \(keys are lower-case\)\)",
    ):
        load_corpus(data)
    guide_with(data, "title: Guide\ntags: [setup]\nDate: 2024-05-01")
    corpus = load_corpus(data)
    assert corpus.warnings == (
        f"{guide}:4: the front matter key 'Date' is not one faqbot reads: did you mean 'date'? (keys are lower-case)",
    )
    assert corpus.articles[0].date == ""
    guide_with(data, "title: Guide\ntittle: Guide, 2nd edition")
    assert load_corpus(data).warnings == (
        f"{guide}:3: the front matter key 'tittle' is not one faqbot reads: did you mean 'title'? (keys are "
        "lower-case)",
    )


def test_a_date_that_is_no_date_is_refused_and_iso_text_is_read(tmp_path: Path) -> None:
    data = site(tmp_path)
    guide_with(data, "title: Guide\ndate: yesterday")
    with pytest.raises(DataError, match=r"guide.md:3: 'date' must be a date such as 2024-05-01 \(got 'yesterday'\)"):
        load_corpus(data)
    for written, read in (('"2024-05-01T10:30:00"', "2024-05-01T10:30:00"), ("'2024-05-01'", "2024-05-01")):
        guide_with(data, f"title: Guide\ndate: {written}")
        assert load_corpus(data).articles[0].date == read


def test_hidden_files_are_no_content_and_a_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    """An editor's lock file, a Mac's "._" copy and a ".git" folder stopped the build; a FIFO named
    like an FAQ file made it wait forever."""
    data = site(tmp_path)
    (data / "articles" / ".#guide.md").symlink_to("root@host.1234:1700000000")
    (data / "faq" / "._guide.yaml").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X\xff")
    (data / "articles" / ".git").mkdir()
    (data / "articles" / ".git" / "HEAD.md").write_text("x")
    assert [a.slug for a in load_corpus(data).articles] == ["guide"]
    os.mkfifo(data / "faq" / "pipe.yaml")
    with pytest.raises(DataError, match=r"pipe.yaml: this is not a regular file"):
        load_corpus(data)


def test_files_nested_too_deeply_or_holding_a_surrogate_are_named(tmp_path: Path) -> None:
    data = site(tmp_path)
    deep = data / "faq" / "deep.json"
    deep.write_text('[{"question": "q?", "answer": "a", "id": ' + "[" * 5000 + "]" * 5000 + "}]")
    (data / "faq" / "deep.yaml").write_text("- question: q?\n  answer: a\n  id: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(DataError) as caught:
        load_corpus(data)
    assert "deep.json:1: lists or objects are nested too deeply to read" in str(caught.value)
    assert "deep.yaml:1: lists or objects are nested too deeply to read" in str(caught.value)
    deep.unlink()
    (data / "faq" / "deep.yaml").unlink()
    talk = data / "smalltalk.yaml"
    talk.write_text('intents:\n- intent: thanks\n  examples: ["thanks"]\n  answer: "ok \\udc00"\n')
    with pytest.raises(DataError, match=r"smalltalk.yaml:4: a text holds a lone surrogate escape"):
        load_corpus(data)
    talk.write_text("intents:\n- intent: thanks\n  examples: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(DataError, match=r"smalltalk.yaml:1: lists are nested too deeply to read"):
        load_corpus(data)


def test_every_mistake_between_files_and_every_duplicate_id_is_named_at_once(tmp_path: Path) -> None:
    data = site(tmp_path)
    for name in ("s1", "s2", "s3"):
        (data / "articles" / f"{name}.md").write_text(f"---\ntitle: {name}\nslug: same\n---\n\nText.\n")
    (data / "faq" / "a.yaml").write_text("- question: A?\n  answer: a\n  id: dup\n")
    (data / "faq" / "b.yaml").write_text(
        "- question: B?\n  answer: b\n  id: dup\n- question: C?\n  answer: c\n  article: nope1\n"
        "- question: D?\n  answer: d\n  article: nope2\n"
    )
    with pytest.raises(DataError) as caught:
        load_corpus(data)
    assert "b.yaml:1: duplicate id 'dup'" in str(caught.value)  # each file's own, first
    (data / "faq" / "b.yaml").write_text(
        "- question: C?\n  answer: c\n  article: nope1\n- question: D?\n  answer: d\n  article: nope2\n"
    )
    with pytest.raises(DataError) as caught:
        load_corpus(data)
    message = str(caught.value)
    assert "s2.md:2: slug 'same' is also used by" in message and "s3.md:2: slug 'same'" in message
    assert "'article' names 'nope1'" in message and "'article' names 'nope2'" in message


def test_windows_line_ends_and_long_code_fences_keep_a_heading_s_given_id(tmp_path: Path) -> None:
    data = site(tmp_path)
    (data / "articles" / "crlf.md").write_bytes(
        b"---\r\ntitle: Bike\r\n---\r\n\r\nSome text.\r\n\r\n## Tyre pressure {#pressure}\r\n\r\nKeep it.\r\n"
    )
    (data / "articles" / "fences.md").write_text(
        "---\ntitle: Fences\n---\n\nText.\n\n````\n```\n````\n\n## Real heading {#real}\n\nMore.\n"
    )
    anchors = {a.slug: [(s.title, s.anchor) for s in a.sections] for a in load_corpus(data).articles}
    assert ("Tyre pressure", "pressure") in anchors["crlf"]
    assert ("Real heading", "real") in anchors["fences"]


def test_a_link_that_would_run_code_is_refused_in_front_matter_and_faq_files(tmp_path: Path) -> None:
    data = site(tmp_path)
    guide_with(data, 'title: Guide\nurl: "javascript:alert(1)"')
    with pytest.raises(DataError, match=r"guide.md:3: 'url' 'javascript:alert\(1\)': a link is a web address"):
        load_corpus(data)
    guide_with(data, "title: Guide\nurl: [a, b]")
    with pytest.raises(DataError, match=r"guide.md:3: 'url' must be text"):
        load_corpus(data)
    guide_with(data, "title: Guide\nurl: https://example.org/guide")
    faq = data / "faq" / "links.yaml"
    faq.write_text("- question: Q?\n  answer: a\n  url: 'data:text/html,<script>x</script>'\n")
    with pytest.raises(DataError, match=r"links.yaml:1 \(entry 1\): 'url' 'data:text/html"):
        load_corpus(data)
    faq.write_text(
        "- question: Q?\n  answer: a\n  url: mailto:help@example.org\n- question: R?\n  answer: b\n  url: /faq#r\n"
    )
    corpus = load_corpus(data)
    assert corpus.articles[0].url == "https://example.org/guide"
    assert [e.url for e in corpus.faq] == ["mailto:help@example.org", "/faq#r"]


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("title: 1984", r"guide.md:2: 'title' must be text: quote it"),
        ("title: Guide\nslug: yes", r"guide.md:3: 'slug' must be text: quote it"),
        ("title: Guide\ndate: [2024-01-01]", r"guide.md:3: 'date' must be one date such as 2024-05-01"),
        ("title: Guide\ndate : yesterday", r"guide.md:3: 'date' must be a date such as 2024-05-01 \(got 'yesterday'\)"),
    ],
)
def test_front_matter_values_yaml_reads_as_no_text_are_named_at_their_line(
    tmp_path: Path, front: str, message: str
) -> None:
    data = site(tmp_path)
    guide_with(data, front)
    with pytest.raises(DataError, match=message):
        load_corpus(data)


def test_an_faq_id_that_cannot_end_a_link_is_refused(tmp_path: Path) -> None:
    data = site(tmp_path)
    (data / "faq" / "ids.yaml").write_text("- question: Q?\n  answer: a\n  id: 'opening hours#2'\n")
    with pytest.raises(DataError, match=r"ids.yaml:1 \(entry 1\): 'id' 'opening hours#2' must be letters"):
        load_corpus(data)
    (data / "faq" / "ids.yaml").write_text("- question: Q?\n  answer: a\n  id: часы_работы.v2\n")
    assert [e.id for e in load_corpus(data).faq] == ["часы_работы.v2"]


def test_a_key_written_twice_is_named_with_both_lines_not_the_last_kept(tmp_path: Path) -> None:
    """YAML keeps the last of a repeated key without a word: a second 'question:' replaced the first."""
    data = site(tmp_path)
    guide_with(data, "title: Guide\nslug: guide\ntitle: Other")
    (data / "faq" / "f.yaml").write_text("- question: What is x?\n  answer: X.\n  question: What is y?\n")
    (data / "smalltalk.yaml").write_text("intents:\n- intent: thanks\n  examples: [ta]\n  examples: [cheers]\n")
    with pytest.raises(DataError) as caught:
        load_corpus(data)
    assert "guide.md:4: the front matter is not valid YAML (the key 'title' is written twice (first on line 2))" in str(
        caught.value
    )
    assert "f.yaml:3: invalid YAML: the key 'question' is written twice (first on line 1)" in str(caught.value)
    assert "smalltalk.yaml:4: invalid YAML: the key 'examples' is written twice (first on line 3)" in str(caught.value)


def test_merge_keys_are_no_repeat_and_merge_in_every_data_file(tmp_path: Path) -> None:
    """A mapping merged into another (`<<: *base`) and then overridden is YAML, not a key written twice;
    FAQ files read every value as text, and merge too."""
    data = site(tmp_path)
    guide_with(data, "title: Guide\na: &a {k: 1}\nouter:\n  mid: &b {<<: *a, k: 2}\ntop: {<<: *b}")
    (data / "faq" / "f.yaml").write_text(
        "- &base\n  question: What is x?\n  answer: X.\n- <<: *base\n  question: What is y?\n"
    )
    corpus = load_corpus(data)
    assert [(e.question, e.answer) for e in corpus.faq] == [("What is x?", "X."), ("What is y?", "X.")]


def test_a_small_talk_intent_given_twice_or_a_misspelt_field_is_named(tmp_path: Path) -> None:
    """The second item for an intent replaced the first, and 'exmaples' was ignored, without a word."""
    data = site(tmp_path)
    talk = data / "smalltalk.yaml"
    talk.write_text("intents:\n- intent: thanks\n  answer: A.\n- intent: thanks\n  answer: B.\n")
    with pytest.raises(DataError, match=r"smalltalk.yaml:4: 'thanks' is given twice \(first on line 2\)"):
        load_corpus(data)
    talk.write_text("intents:\n- intent: thanks\n  exmaples: [ta]\n  answer: A.\n")
    with pytest.raises(DataError, match=r"smalltalk.yaml:2: unknown field\(s\) exmaples"):
        load_corpus(data)
