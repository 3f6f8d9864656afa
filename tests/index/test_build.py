"""Build, rebuild and incremental rebuild, with the fake embedder (the pipeline, not the model)."""

import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from faqbot.content.corpus import Corpus
from faqbot.content.documents import faq_doc
from faqbot.content.faq import FaqEntry
from faqbot.embedding.embedder import Embedder
from faqbot.errors import BuildLockedError, DataError, IndexUnavailable
from faqbot.index.build import build_index, build_lock
from faqbot.index.builds import current_build
from faqbot.index.store import FORMAT_VERSION, load_index
from faqbot.settings import Settings
from tests.fakes import HashingEmbedder

Factory = Callable[[str], Embedder]


def test_a_build_writes_a_complete_index_with_its_manifest(fake_settings: Settings, fake_factory: Factory) -> None:
    report = build_index(fake_settings, embedder_factory=fake_factory)
    assert not report.up_to_date
    assert report.counts == {"articles": 1, "faq": 5, "passages": 7}
    assert len(report.faq.added) == 5 and len(report.passages.added) == 7
    index = load_index(fake_settings.index_dir, model="fake-model")
    manifest = index.manifest
    assert manifest.format_version == FORMAT_VERSION
    assert manifest.model == "fake-model" and manifest.dimension == 64
    assert manifest.counts["faq"] == 5 and manifest.counts["passages"] == 7
    # FAQ: 5 question+answer pairs, 6 alternate+answer pairs; passages: 7 windows + 21 sentences
    assert manifest.counts["vectors"] == index.vectors.ntotal == 39
    assert len(manifest.corpus_hash) == 32 and manifest.built_at.endswith("+00:00")
    assert index.version == report.version
    assert [a.slug for a in index.articles] == ["future-of-open-source-ai-models"]
    assert (fake_settings.index_dir / "current").is_symlink()


def test_unchanged_data_embeds_nothing(
    fake_settings: Settings, fake_factory: Factory, fake_embedder: HashingEmbedder
) -> None:
    first = build_index(fake_settings, embedder_factory=fake_factory)
    fake_embedder.calls.clear()
    again = build_index(fake_settings, embedder_factory=fake_factory)
    assert again.up_to_date and again.embedded == 0 and fake_embedder.calls == []
    assert again.version == first.version
    forced = build_index(fake_settings, embedder_factory=fake_factory, force=True)
    assert forced.embedded == 0 and forced.reused > 0 and fake_embedder.calls == []


def test_changing_one_faq_entry_embeds_only_that_entry(
    fake_settings: Settings, fake_factory: Factory, fake_embedder: HashingEmbedder
) -> None:
    build_index(fake_settings, embedder_factory=fake_factory)
    faq_file = fake_settings.data_dir / "faq" / "future-of-open-source-ai-models.yaml"
    old = "Some well-known projects include TensorFlow, PyTorch, and Apache MXNet, among others."
    new = "Well-known projects include TensorFlow, PyTorch, JAX and Apache MXNet."
    faq_file.write_text(faq_file.read_text().replace(old, new))
    fake_embedder.calls.clear()
    report = build_index(fake_settings, embedder_factory=fake_factory)
    question = "What are some popular open source AI projects?"
    alternate = "Which open source AI frameworks are well known?"
    assert sorted(fake_embedder.texts_embedded) == sorted([f"{question} {new}", f"{alternate} {new}"])
    assert report.faq.changed == ["popular-open-source-ai-projects"]
    assert report.faq.added == report.faq.removed == [] and report.passages.summary() == "0 added, 0 changed, 0 removed"
    index = load_index(fake_settings.index_dir, model="fake-model")
    assert any(d.text == new for d in index.docs)


def test_editing_a_section_reports_changed_passages(fake_settings: Settings, fake_factory: Factory) -> None:
    build_index(fake_settings, embedder_factory=fake_factory)
    article = fake_settings.data_dir / "articles" / "future-of-open-source-ai-models.md"
    article.write_text(article.read_text().replace("has surged", "has grown sharply"))
    report = build_index(fake_settings, embedder_factory=fake_factory)
    assert report.passages.changed == ["future-of-open-source-ai-models#the-role-of-sustainability-in-ai/0"]
    # the window, and its one changed sentence both as a key and as a vector for trimming
    assert report.embedded == 3


def built_state(settings: Settings) -> tuple[Path | None, list[str]]:
    """The serving build and every directory under builds/."""
    return current_build(settings.index_dir), sorted(os.listdir(settings.index_dir / "builds"))


def built(settings: Settings, factory: Factory) -> tuple[Path | None, list[str]]:
    """`settings`' data built; the state a failed build must leave as it was."""
    build_index(settings, embedder_factory=factory)
    return built_state(settings)


def test_a_malformed_file_stops_the_build_and_leaves_the_index_as_it_was(
    fake_settings: Settings, fake_factory: Factory
) -> None:
    serving = built(fake_settings, fake_factory)
    (fake_settings.data_dir / "faq" / "broken.json").write_text('[\n{"question": "Q?"}\n]')
    with pytest.raises(DataError, match=r"broken\.json:2 \(entry 1\): missing 'answer'"):
        build_index(fake_settings, embedder_factory=fake_factory)
    assert built_state(fake_settings) == serving
    assert load_index(fake_settings.index_dir, model="fake-model").manifest.counts["faq"] == 5


def test_a_build_stopped_part_way_leaves_the_index_and_no_unfinished_build(
    fake_settings: Settings, fake_factory: Factory
) -> None:
    serving = built(fake_settings, fake_factory)
    (fake_settings.data_dir / "faq" / "extra.csv").write_text("question,answer\nA new question?,Its answer.\n")

    class Failing(HashingEmbedder):
        def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
            raise RuntimeError("the model stopped")

    with pytest.raises(RuntimeError, match="the model stopped"):
        build_index(fake_settings, embedder_factory=lambda model: Failing())
    assert built_state(fake_settings) == serving  # its documents went with it
    assert build_index(fake_settings, embedder_factory=fake_factory).counts["faq"] == 6


def test_a_second_build_at_once_is_refused(fake_settings: Settings, fake_factory: Factory) -> None:
    with build_lock(fake_settings.index_dir), pytest.raises(BuildLockedError, match="another 'faqbot build'"):
        build_index(fake_settings, embedder_factory=fake_factory)


def test_old_builds_are_pruned(fake_settings: Settings, fake_factory: Factory) -> None:
    for n in range(4):
        (fake_settings.data_dir / "faq" / "extra.csv").write_text(f"question,answer\nQuestion {n}?,Answer {n}.\n")
        build_index(fake_settings, embedder_factory=fake_factory)
    assert len(list((fake_settings.index_dir / "builds").iterdir())) == 2


def test_pruning_keeps_the_build_that_was_serving_over_a_newer_one_never_served(
    fake_settings: Settings, fake_factory: Factory
) -> None:
    """A build a killed run finished and moved into place but never served is the newest on disk; the
    next build must still keep the one that was serving (the build to go back to), not that one."""
    serving = built(fake_settings, fake_factory)[0]
    assert serving is not None
    never_served = serving.parent / "never-served"
    shutil.copytree(serving, never_served)
    os.utime(never_served, (serving.stat().st_mtime + 60, serving.stat().st_mtime + 60))
    (fake_settings.data_dir / "faq" / "extra.csv").write_text("question,answer\nA new question?,An answer.\n")
    now, remaining = built(fake_settings, fake_factory)
    assert now is not None and sorted(remaining) == sorted([now.name, serving.name])


def test_a_current_that_is_not_a_link_stops_the_swap_with_one_line(
    fake_settings: Settings, fake_factory: Factory
) -> None:
    (fake_settings.index_dir / "current").mkdir(parents=True)
    with pytest.raises(IndexUnavailable, match="current is not the link faqbot keeps"):
        build_index(fake_settings, embedder_factory=fake_factory)
    assert sorted(os.listdir(fake_settings.index_dir)) == ["current"]  # said before any work, nothing left


def test_loading_refuses_another_model_another_format_and_damage(
    fake_settings: Settings, fake_factory: Factory
) -> None:
    with pytest.raises(IndexUnavailable, match="no index"):
        load_index(fake_settings.index_dir)
    build_index(fake_settings, embedder_factory=fake_factory)
    with pytest.raises(IndexUnavailable, match="built with model 'fake-model' but faqbot is set to 'other'"):
        load_index(fake_settings.index_dir, model="other")
    build = current_build(fake_settings.index_dir)
    assert build is not None
    manifest_path = build / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "format_version": 0}))
    with pytest.raises(IndexUnavailable, match="format 0"):
        load_index(fake_settings.index_dir)
    manifest_path.write_text(json.dumps(manifest))
    (build / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexUnavailable, match="damaged"):
        load_index(fake_settings.index_dir)
    # A rebuild repairs it: the damaged build is replaced, not patched.
    build_index(fake_settings, embedder_factory=fake_factory, force=True)
    assert load_index(fake_settings.index_dir).manifest.counts["faq"] == 5


def test_a_different_model_rebuilds_with_its_own_cache(tmp_path: Path, fake_settings: Settings) -> None:
    a, b = HashingEmbedder("model-a"), HashingEmbedder("model-b", dimension=32)
    build_index(fake_settings.model_copy(update={"model": "model-a"}), embedder_factory=lambda m: a)
    report = build_index(fake_settings.model_copy(update={"model": "model-b"}), embedder_factory=lambda m: b)
    assert not report.up_to_date and report.embedded == len(b.texts_embedded) > 0
    assert load_index(fake_settings.index_dir, model="model-b").manifest.dimension == 32


def test_a_change_in_what_is_embedded_rebuilds_even_on_the_same_data(
    fake_settings: Settings, fake_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faqbot.content.documents import Doc, Key

    first = build_index(fake_settings, embedder_factory=fake_factory)
    original = Doc.keys

    def changed(self: Doc) -> list[Key]:
        return [k._replace(texts=(*k.texts[:-1], k.texts[-1] + " (v2)")) for k in original(self)]

    monkeypatch.setattr(Doc, "keys", changed)
    again = build_index(fake_settings, embedder_factory=fake_factory)
    assert not again.up_to_date and again.version != first.version and again.embedded > 0


def test_an_unfinished_build_a_killed_build_left_goes_with_the_next_build(
    fake_settings: Settings, fake_factory: Factory
) -> None:
    build_index(fake_settings, embedder_factory=fake_factory)
    left = fake_settings.index_dir / "builds" / ".tmp-20260101T000000000000-1"
    (left / "docs.jsonl").parent.mkdir(parents=True)
    (left / "docs.jsonl").write_text("{}\n")
    assert build_index(fake_settings, embedder_factory=fake_factory).up_to_date
    assert not left.exists()


def test_a_document_changes_with_its_id_and_its_article() -> None:
    """An FAQ entry with its own url: a new id or article changes nothing else it is made of."""
    entry = FaqEntry(id="one", question="Q?", answer="A.", url="/help#fix", article="alpha")
    variants = [entry, replace(entry, id="two"), replace(entry, article="beta")]
    assert len({faq_doc(e, Corpus((), ())).hash for e in variants}) == 3
