"""A build's documents are read as asked for, and its words counted for the speller at build time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from faqbot.answering.answerer import Answerer
from faqbot.content.corpus import load_corpus
from faqbot.embedding.embedder import Embedder
from faqbot.index import docs as docs_module
from faqbot.index.build import build_index
from faqbot.index.docs import DocsById, DocTable, DocWriter, counted, top_words
from faqbot.index.read import iter_docs
from faqbot.index.store import load_index
from faqbot.settings import Settings
from faqbot.text import split_sentences
from tests.fakes import HashingEmbedder


def test_the_loaded_documents_are_the_built_ones_parsed_as_asked_for(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder], monkeypatch: pytest.MonkeyPatch
) -> None:
    build_index(fake_settings, embedder_factory=fake_factory)
    built = list(iter_docs(load_corpus(fake_settings.data_dir), fake_settings))
    monkeypatch.setattr(docs_module, "CACHED_DOCS", 3)  # the cache stays bounded
    index = load_index(fake_settings.index_dir, model="fake-model")
    table = index.docs
    assert isinstance(table, DocTable) and len(table) == len(built)
    assert [table[i] for i in range(len(table))] == built and list(table) == built
    assert table[-1] == built[-1] and table[2:5] == built[2:5] and len(table._cache) <= 3
    with pytest.raises(IndexError):
        table[len(built)]
    assert list(index.faq_rows) == [i for i, d in enumerate(built) if d.kind == "faq"]
    assert index.docs_by_id[built[4].id] == built[4] and built[0].id in index.docs_by_id
    assert "no-such-id" not in index.docs_by_id and len(index.docs_by_id) == len(built)


def test_an_id_given_twice_is_the_last_document_with_it_as_a_dict_would_say(tmp_path: Path) -> None:
    settings = Settings(data_dir=Path("tests/fixtures/site"), index_dir=tmp_path)
    built = list(iter_docs(load_corpus(settings.data_dir), settings))[:6]
    twice = [*built, replace(built[1], text="another text")]
    with DocWriter(tmp_path) as out:
        for doc in twice:
            out.add(doc)
    by_id = DocsById(DocTable(tmp_path))
    assert by_id[built[1].id].text == "another text" and by_id[built[2].id] == built[2]
    with pytest.raises(KeyError):
        by_id["nothing"]


def test_the_speller_words_are_the_most_frequent_and_say_when_some_were_left_out() -> None:
    texts = ["Bikes and bikes, tyres", "tyres tyres brakes 42 x_y"]
    counts: Counter[str] = Counter()
    assert list(counted(texts, counts)) == texts  # passed on as they are, counted on the way
    assert top_words(counts) == (["tyres", "bikes", "and", "brakes", "x", "y"], False)
    assert top_words(counts, limit=2) == (["tyres", "bikes"], True)


def test_past_the_bound_the_word_index_still_knows_a_rare_site_word(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder], monkeypatch: pytest.MonkeyPatch
) -> None:
    build_index(fake_settings, embedder_factory=fake_factory)
    index = load_index(fake_settings.index_dir, model="fake-model")
    full = Answerer(index, HashingEmbedder(), threshold=0.0)
    assert index.words is not None and not index.words_bounded
    assert full.speller.in_corpus("sustainability") and full.prepare("sustainablity") == "sustainability"
    bounded = replace(index, words=index.words[:50], words_bounded=True)
    speller = Answerer(bounded, HashingEmbedder(), threshold=0.0).speller
    rare = next(w for w in index.words[50:] if len(w) >= 6 and w.isalpha() and index.lexical.knows(w))
    assert not speller.in_corpus(rare) and speller.known(rare)  # not a correction's target, not "misspelt"


def test_a_section_is_split_into_sentences_when_first_asked_for(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    build_index(fake_settings, embedder_factory=fake_factory)
    index = load_index(fake_settings.index_dir, model="fake-model")
    sections = Answerer(index, HashingEmbedder(), threshold=0.0)._sections
    article = index.articles[0]
    section = article.sections[1]
    assert sections._split == {}
    expected = tuple(s for p in section.paragraphs for s in split_sentences(p))
    found = sections.get((article.slug, section.anchor))
    assert found is not None and found.sentences == expected and len(sections._split) == 1
    assert sections.get(("no-such-article", "x")) is None
