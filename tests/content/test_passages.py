from faqbot.content.articles import parse_article
from faqbot.content.passages import make_passages
from faqbot.text import split_sentences
from tests.conftest import SITE

LAUNCH = SITE / "articles" / "future-of-open-source-ai-models.md"


def test_windows_stay_inside_sections_and_cover_every_sentence() -> None:
    article = parse_article(LAUNCH)
    passages = make_passages(article, window=3, stride=2)
    for section in article.sections:
        sentences = [s for p in section.paragraphs for s in split_sentences(p)]
        mine = [p for p in passages if p.anchor == section.anchor]
        assert mine, section.title
        assert {s for p in mine for s in p.sentences} == set(sentences)
        assert all(len(p.sentences) <= 3 for p in mine)
        assert all(p.url == f"{article.url}#{section.anchor}" and p.section == section.title for p in mine)


def test_passage_ids_are_stable_content_hashes() -> None:
    article = parse_article(LAUNCH)
    first = make_passages(article)
    again = make_passages(article)
    assert [p.id for p in first] == [p.id for p in again]
    assert len({p.id for p in first}) == len(first)
    assert {p.id for p in make_passages(article, window=2, stride=1)} != {p.id for p in first}


def test_sentence_splitting_keeps_quotes_and_abbreviations_with_their_sentence() -> None:
    text = 'It set new standards for "green AI." Then it ended. Version 2.0 is out! Is it?'
    assert split_sentences(text) == [
        'It set new standards for "green AI."',
        "Then it ended.",
        "Version 2.0 is out!",
        "Is it?",
    ]
