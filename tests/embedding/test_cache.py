"""The embedding cache on disk: segments written as texts are embedded, read back memory-mapped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from faqbot.embedding import cache as cache_module
from faqbot.embedding.cache import EmbeddingCache, TokenCache, digests
from faqbot.text import content_hash


def vectors(texts: list[str]) -> np.ndarray:
    return np.array([[len(t), sum(map(ord, t)) % 97, 1.0] for t in texts], dtype=np.float32)


def test_texts_written_in_segments_are_found_again_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "SEGMENT_ROWS", 4)  # a segment every 4 rows
    texts = [f"text {n}" for n in range(11)]
    cache = EmbeddingCache(tmp_path, "model")
    assert cache.missing(texts + texts[:2]) == texts and cache.dimension is None
    with cache.writer() as writer:
        writer.add(texts[:5], vectors(texts[:5]))
        writer.add(texts[5:], vectors(texts[5:]))
    assert len(list(cache.directory.glob("*.keys.npy"))) == 3
    again = EmbeddingCache(tmp_path, "model")
    asked = [texts[7], texts[0], texts[10], texts[0]]
    assert np.array_equal(again.get(asked, 3), vectors(asked)) and again.missing(texts) == []
    assert again.dimension == 3 and again.missing(["new"]) == ["new"]
    with pytest.raises(KeyError):
        again.get(["new"], 3)


def test_a_stopped_build_keeps_the_segments_it_finished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "SEGMENT_ROWS", 2)
    texts = [f"t{n}" for n in range(5)]
    cache = EmbeddingCache(tmp_path, "model")
    with pytest.raises(RuntimeError), cache.writer() as writer:
        writer.add(texts[:4], vectors(texts[:4]))
        (cache.directory / ".half.rows.tmp.npy").write_bytes(b"unfinished")
        raise RuntimeError("killed")
    again = EmbeddingCache(tmp_path, "model")
    assert again.missing(texts) == ["t4"]
    assert not (cache.directory / ".half.rows.tmp.npy").exists()


def test_tokens_keep_each_texts_rows(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path, "model")
    rows = [np.full((n + 1, 2), n, dtype=np.float32) for n in range(3)]
    with cache.writer() as writer:
        writer.add(["a", "b", "c"], rows)
    got = TokenCache(tmp_path, "model").get(["c", "a"])
    assert [g.shape for g in got] == [(3, 2), (1, 2)] and got[0].dtype == np.float16 and (got[0] == 2).all()


def test_unused_texts_are_dropped_once_most_rows_are_unused(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "model")
    texts = [f"t{n}" for n in range(10)]
    with cache.writer() as writer:
        writer.add(texts, vectors(texts))
    cache.save(keep=texts[:6])  # 6 of 10 used: kept as it is
    assert EmbeddingCache(tmp_path, "model").missing(texts) == []
    cache.save(keep=texts[:3])
    again = EmbeddingCache(tmp_path, "model")
    assert again.missing(texts) == texts[3:] and np.array_equal(again.get(texts[:3], 3), vectors(texts[:3]))


def test_a_cache_from_before_segments_is_converted_not_lost(tmp_path: Path) -> None:
    texts = ["old one", "old two"]
    legacy = tmp_path / f"embeddings-{content_hash('model')}.npz"
    keys = np.array([content_hash(t, length=32) for t in texts], dtype="U32")
    np.savez(legacy, keys=keys, offsets=np.array([0, 1, 2]), rows=vectors(texts))
    cache = EmbeddingCache(tmp_path, "model")
    assert cache.missing(texts) == [] and np.array_equal(cache.get(texts[::-1], 3), vectors(texts[::-1]))
    assert not legacy.exists()


def test_the_key_is_the_hex_content_hash_of_before() -> None:
    assert digests(["héllo"])[0].hex() == content_hash("héllo", length=32)


def test_hashes_that_share_their_first_bytes_are_told_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index searches the hashes' first 8 bytes, then compares them whole."""
    forced = {"one": b"AAAAAAAA" + b"1" * 8, "two": b"AAAAAAAA" + b"2" * 8, "three": b"B" * 16}
    monkeypatch.setattr(
        cache_module, "digests", lambda texts: np.array([forced.get(t, b"C" * 16) for t in texts], dtype="S16")
    )
    cache = EmbeddingCache(tmp_path, "model")
    with cache.writer() as writer:
        writer.add(["two", "three"], vectors(["two", "three"]))
    assert cache.missing(["one", "two", "three", "other"]) == ["one", "other"]
    assert np.array_equal(cache.get(["three", "two"], 3), vectors(["three", "two"]))
