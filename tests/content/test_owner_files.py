"""Content files as site owners write them: each field case of the first-day issue as a test."""

import json
import unicodedata
from pathlib import Path

import pytest

from faqbot.content.corpus import load_corpus
from faqbot.content.faq import parse_faq_file
from faqbot.errors import DataError

ARTICLE = "---\ntitle: Guide\n---\n\nIntro text.\n\n## Setup\n\nInstall it.\n"


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
    guide = data / "articles" / "guide.md"
    guide.write_text("---\ntags: [setup]\ndraft: false\ntittle: Guide\n---\n\nIntro text.\n")
    with pytest.raises(
        DataError,
        match=r"guide.md:4: the front matter needs a 'title' \(the front matter key "
        r"'tittle' is not one faqbot reads: did you mean 'title'\? \(keys are lower-case\)\)",
    ):
        load_corpus(data)
    guide.write_text("---\ntitle: Guide\ntags: [setup]\nDate: 2024-05-01\n---\n\nIntro text.\n")
    corpus = load_corpus(data)
    assert corpus.warnings == (
        f"{guide}:4: the front matter key 'Date' is not one faqbot reads: did you mean 'date'? (keys are lower-case)",
    )
    assert corpus.articles[0].date == ""


def test_a_date_that_is_no_date_is_refused_and_iso_text_is_read(tmp_path: Path) -> None:
    data = site(tmp_path)
    guide = data / "articles" / "guide.md"
    guide.write_text("---\ntitle: Guide\ndate: yesterday\n---\n\nIntro text.\n")
    with pytest.raises(DataError, match=r"guide.md:3: 'date' must be a date such as 2024-05-01 \(got 'yesterday'\)"):
        load_corpus(data)
    for written, read in (('"2024-05-01T10:30:00"', "2024-05-01T10:30:00"), ("'2024-05-01'", "2024-05-01")):
        guide.write_text(f"---\ntitle: Guide\ndate: {written}\n---\n\nIntro text.\n")
        assert load_corpus(data).articles[0].date == read
