"""The build keeps of each document only fixed-size rows (faqbot.index.plan), and they say what the
documents as Python objects said: each key's document, field, texts and weights; each sentence; each
document's sentence rows and token text. The documents themselves go to disk as they are read."""

from __future__ import annotations

from pathlib import Path

import pytest

from faqbot.content.corpus import load_corpus
from faqbot.content.documents import Doc
from faqbot.embedding.cache import digests
from faqbot.index.changes import ChangeTracker
from faqbot.index.docs import DOCS_FILE, DocTable, DocWriter
from faqbot.index.plan import KEY_WIDTH, PlanBuilder, StreamHash, spread
from faqbot.index.read import iter_docs
from faqbot.index.tokens import count_tokens, match_text
from faqbot.settings import Settings
from faqbot.text import content_hash


def test_the_plan_says_what_the_documents_said(fake_settings: Settings) -> None:
    docs = list(iter_docs(load_corpus(fake_settings.data_dir), fake_settings))
    builder = PlanBuilder()
    for doc in docs:
        builder.add(doc)
    plan = builder.finish()

    keys = [(n, key) for n, doc in enumerate(docs) for key in doc.keys()]
    assert plan.key_docs.tolist() == [n for n, _ in keys]
    assert plan.field_names == sorted({key.field for _, key in keys})
    assert [plan.field_names[c] for c in plan.key_fields] == [key.field for _, key in keys]
    for row, (_, key) in enumerate(keys):
        width = len(key.texts)
        assert plan.key_texts[row, :width].tolist() == digests(list(key.texts)).tolist()
        assert plan.key_weights[row].tolist() == [*key.weights, *[0.0] * (KEY_WIDTH - width)]
    assert plan.key_text_hashes.tolist() == digests([t for _, key in keys for t in key.texts]).tolist()
    assert plan.sentences.tolist() == digests([s for doc in docs for s in doc.sentences]).tolist()
    starts, row = [], 0
    for doc in docs:
        starts.append(row if doc.sentences else -1)
        row += len(doc.sentences)
    assert plan.sentence_offsets.tolist() == starts
    assert plan.token_texts.tolist() == digests([match_text(d) for d in docs]).tolist()
    assert plan.tokens == sum(count_tokens(match_text(d)) for d in docs)


def test_a_stream_hash_is_the_content_hash_of_its_parts() -> None:
    parts = ["a", "", "b\x1fc", "é"]
    streamed = StreamHash()
    for part in parts:
        streamed.update(part)
    assert streamed.hexdigest(32) == content_hash(*parts, length=32)


def test_documents_written_one_at_a_time_read_back_the_same(fake_settings: Settings, tmp_path: Path) -> None:
    docs = list(iter_docs(load_corpus(fake_settings.data_dir), fake_settings))
    with DocWriter(tmp_path) as out:
        for doc in docs:
            out.add(doc)
    table = DocTable(tmp_path)
    assert list(table) == docs and table[len(docs) - 1] == docs[-1]
    assert [table.position(d.id) for d in docs[:3]] == [0, 1, 2]


def test_a_table_left_unfinished_by_an_error_is_no_table(fake_settings: Settings, tmp_path: Path) -> None:
    docs = list(iter_docs(load_corpus(fake_settings.data_dir), fake_settings))
    with pytest.raises(RuntimeError), DocWriter(tmp_path) as out:
        out.add(docs[0])
        raise RuntimeError("the build stopped")
    assert (tmp_path / DOCS_FILE).exists() and not (tmp_path / "doc_offsets.npy").exists()


def test_changes_told_one_document_at_a_time_are_those_of_the_whole(fake_settings: Settings) -> None:
    docs = list(iter_docs(load_corpus(fake_settings.data_dir), fake_settings))
    before = {d.position: d.hash for d in docs[2:]}
    before[docs[3].position] = "edited"
    before["faq:gone"] = before["gone#section/0"] = "x"
    tracker = ChangeTracker(before)
    for doc in docs:
        tracker.add(doc)
    faq, passages = tracker.finish()

    def named(kind: str, chosen: list[Doc]) -> list[str]:
        prefix = "faq:" if kind == "faq" else ""
        return sorted(d.position.removeprefix(prefix) for d in chosen if d.kind == kind)

    for kind, told in (("faq", faq), ("passage", passages)):
        assert told.added == named(kind, docs[:2]) and told.changed == named(kind, [docs[3]])
    assert faq.removed == ["gone"] and passages.removed == ["gone#section/0"]
    assert before["faq:gone"] == "x"  # the previous build's record is left as it was


def test_the_encoder_is_checked_on_texts_from_all_over_the_site(fake_settings: Settings) -> None:
    docs = list(iter_docs(load_corpus(fake_settings.data_dir), fake_settings))
    texts = spread(docs, 64)
    assert len(texts) == len(set(texts)) and len(texts) >= min(64, len(docs))
    assert {d.article for d in docs if d.kind == "passage" and set(d.sentences) & set(texts)} == {
        d.article for d in docs if d.kind == "passage"
    }
    assert len(spread(docs, 3)) == 3 and all(spread(docs, 3))
