"""A long build: embedded in batches through the cache on disk, reported as it goes, vectors injectable."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from faqbot.embedding.embedder import Embedder
from faqbot.errors import FaqbotError
from faqbot.index import embed, vectors
from faqbot.index.build import build_index
from faqbot.index.progress import Progress
from faqbot.index.store import CACHE, Manifest, load_index
from faqbot.settings import DEFAULT_MODEL, Settings
from tests.fakes import HashingEmbedder, ModelWidthEmbedder


def test_batches_and_chunks_build_the_index_one_pass_did(
    fake_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = HashingEmbedder()
    build_index(fake_settings, embedder_factory=lambda model: whole)
    reference = load_index(fake_settings.index_dir, model="fake-model")

    monkeypatch.setattr(embed, "VECTOR_BATCH", 7)
    monkeypatch.setattr(embed, "TOKEN_BATCH", 3)
    monkeypatch.setattr(embed, "READ_ROWS", 5)
    monkeypatch.setattr(embed, "RELEASE_ROWS", 3)
    monkeypatch.setattr(vectors, "ADD_ROWS", 4)
    batched = HashingEmbedder()
    settings = fake_settings.model_copy(update={"index_dir": tmp_path / "batched"})
    build_index(settings, embedder_factory=lambda model: batched)
    index = load_index(settings.index_dir, model="fake-model")
    assert max(len(call) for call in batched.calls) <= 7 and max(len(c) for c in batched.token_calls) <= 3
    assert sum(len(call) for call in batched.calls) == sum(len(call) for call in whole.calls)
    rows = np.arange(index.vectors.ntotal)
    assert np.array_equal(index.vectors.reconstruct_batch(rows), reference.vectors.reconstruct_batch(rows))
    assert np.array_equal(index.sentence_vectors, reference.sentence_vectors)
    assert index.tokens is not None and reference.tokens is not None
    assert np.array_equal(index.tokens.codes, reference.tokens.codes)
    assert np.array_equal(index.tokens.scales, reference.tokens.scales)


def test_a_build_logs_a_line_every_few_seconds_when_not_on_a_terminal(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embed, "VECTOR_BATCH", 10)
    log = io.StringIO()  # not a terminal: lines, no bar
    build_index(fake_settings, embedder_factory=fake_factory, progress=Progress(log, interval=0.0))
    lines = log.getvalue().splitlines()
    assert lines[0].startswith("build: [0 s] reading")
    during = [line for line in lines if line.startswith("build: embedding texts:") and "%" in line]
    assert len(during) > 3 and all(" of " in line and "texts/s" in line for line in during)
    assert any("left" in line for line in during)
    assert any(line.startswith("build: vector index:") for line in lines)
    assert "\r" not in log.getvalue()


@pytest.mark.model
def test_vectors_from_an_injected_embedder_are_cached_apart_and_recorded(fake_settings: Settings) -> None:
    spec = "tests.fakes:ModelWidthEmbedder"
    settings = fake_settings.model_copy(update={"embedder": spec, "encoder": "torch", "model": DEFAULT_MODEL})
    plain = build_index(settings.model_copy(update={"embedder": ""}), embedder_factory=ModelWidthEmbedder)
    report = build_index(settings)  # FAQBOT_EMBEDDER names the embedder: nothing passed in
    assert report.version != plain.version and report.embedded == plain.embedded  # not the model's cache
    assert report.directory is not None and Manifest.read(report.directory).embedder == spec
    assert len(list((settings.index_dir / CACHE).glob("embeddings-*"))) == 2


@pytest.mark.parametrize("spec", ["tests.fakes:NoSuchThing", "no_such_module:x", "tests.fakes"])
def test_an_embedder_that_cannot_be_imported_is_one_clear_error(fake_settings: Settings, spec: str) -> None:
    with pytest.raises(FaqbotError, match="FAQBOT_EMBEDDER"):
        build_index(fake_settings.model_copy(update={"embedder": spec, "encoder": "torch"}))


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("json:loads", "could not be made: JSONDecodeError"),
        ("builtins:str", "has no dimension"),
        pytest.param("tests.fakes:NanEmbedder", "gave vectors that are not finite", marks=pytest.mark.model),
        pytest.param("tests.fakes:NanTokensEmbedder", "gave token embeddings that are not", marks=pytest.mark.model),
    ],
)
def test_an_embedder_that_fails_is_one_line_and_the_index_stays(fake_settings: Settings, spec: str, says: str) -> None:
    """Callables that raise when called or give no embedder, or vectors that are not numbers: one line
    naming the setting, no traceback. (The NaN one is checked against the model's width first.)"""
    built = build_index(fake_settings, embedder_factory=lambda m: HashingEmbedder())
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FAQBOT_")},
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "FAQBOT_DATA_DIR": str(fake_settings.data_dir),
        "FAQBOT_INDEX_DIR": str(fake_settings.index_dir),
        "FAQBOT_MODEL": DEFAULT_MODEL if spec.startswith("tests.") else "fake-model",
        "FAQBOT_EMBEDDER": spec,
        "FAQBOT_ENCODER": "torch",
    }
    failed = subprocess.run([sys.executable, "-m", "faqbot", "build"], env=env, capture_output=True, text=True)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert f"error: FAQBOT_EMBEDDER={spec!r} {says}" in failed.stderr
    assert (fake_settings.index_dir / "current").resolve() == built.directory


@pytest.mark.model
@pytest.mark.parametrize("encoder", ["onnx-int8", "torch"])
def test_an_embedder_of_another_dimension_than_the_model_is_refused_before_it_embeds(
    fake_settings: Settings, encoder: str
) -> None:
    """Documents in 64 dimensions, questions by the model in 384: no question could be answered. The
    build says so before it embeds anything, and the serving index stays (it was swapped in)."""
    built = build_index(fake_settings, embedder_factory=lambda m: HashingEmbedder())
    update = {"embedder": "tests.fakes:HashingEmbedder", "model": DEFAULT_MODEL, "encoder": encoder}
    with pytest.raises(FaqbotError, match=r"gives 64-dimensional vectors, but questions are encoded by .* in 384"):
        build_index(fake_settings.model_copy(update=update))
    assert (fake_settings.index_dir / "current").resolve() == built.directory
    embedded = list((fake_settings.index_dir / CACHE).glob("embeddings-*/*.rows.npy"))
    assert len(embedded) == 1  # the first build's: nothing was embedded by the refused one


@pytest.mark.model
def test_a_build_stopped_half_way_keeps_what_it_embedded(tmp_path: Path) -> None:
    from tests.search.test_candidates import site

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FAQBOT_")},
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "FAQBOT_DATA_DIR": str(site(tmp_path / "data", 40)),
        "FAQBOT_INDEX_DIR": str(tmp_path / "indexes"),
        "FAQBOT_MODEL": DEFAULT_MODEL,  # questions by the model: the build checks it is as wide
        "FAQBOT_EMBEDDER": "tests.fakes:StoppingEmbedder",
        "FAQBOT_ENCODER": "torch",
    }
    build = [sys.executable, "-m", "faqbot", "build"]
    stopped = subprocess.run(build, env={**env, "FAQBOT_TEST_STOP": "1"}, capture_output=True, text=True, timeout=120)
    assert stopped.returncode == 128 + signal.SIGTERM, stopped.stderr
    assert "build stopped: what it embedded is kept" in stopped.stderr and "Traceback" not in stopped.stderr
    assert not (tmp_path / "indexes" / "current").exists()
    done = subprocess.run(build, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"texts, {embed.VECTOR_BATCH} from the cache" in done.stdout  # the first batch, kept


def test_the_version_is_the_content_hash_of_its_parts_hashed_one_by_one() -> None:
    from faqbot.index.build import _version
    from faqbot.text import content_hash

    parts = ["5", "model", "é", "", "a\x1fb"]
    assert _version(*parts) == content_hash(*parts, length=12)
