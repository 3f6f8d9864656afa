"""The word index built a chunk at a time is the one bm25s's own `index` builds, file for file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import bm25s
import numpy as np
import pytest

from faqbot.index import bm25_build
from faqbot.index.lexical import NO_WORD, TOKEN_BEST, LexicalIndex, _token_best, tokenize

# Words that stem together, stop words, words too short to index, numbers, and non-ASCII words.
WORDS = (
    "run running runs runner gmail filters filtering filtered label labels mail sender inbox dropbox "
    "space files file sync share password reset account billing invoice the of and a is what how i "
    "x y 42 2024 x_y café naïve straße zürich résumé niño 東京 ελληνικά москва façade über"
).split()
QUERIES = [
    "running filters",
    "gmail gmail mail",
    "café straße 東京",
    "password reset zeppelin",
    "the of",
    "2024 x_y invoice billing share sync",
    "zeppelin",
]


def corpus() -> list[str]:
    rng = np.random.default_rng(3)
    # And a long tail of made-up words: a vocabulary of thousands, whose order (a set's) is bm25s's.
    tail = ["".join(rng.choice(list("abcdefghijklmnopqrstuvwxyzé"), rng.integers(3, 9))) for _ in range(3000)]
    words = [*WORDS, *tail]
    weights = 1 / np.arange(1, len(words) + 1)  # Zipf: many repeats of a few words
    texts = []
    for _ in range(600):
        length = int(rng.choice([1, 3, 10, 40, 120, 400]) * rng.uniform(0.5, 1.5))
        texts.append(" ".join(rng.choice(words, length, p=weights / weights.sum())))
    # An empty text, texts with no indexable word, one word many times, non-ASCII only.
    texts[5], texts[77], texts[78], texts[300] = "", "The of and a, I? x", "Mail " * 60, "Café NAÏVE über 東京"
    return texts


def bm25s_index(texts: list[str]) -> LexicalIndex:
    """The build as it was: every document's tokens at once, into bm25s's `index`."""
    retriever = bm25s.BM25()
    retriever.index([tokenize(text) or [NO_WORD] for text in texts], show_progress=False)
    return LexicalIndex(retriever, len(texts), _token_best(retriever))


def saved(directory: Path) -> dict[str, object]:
    arrays = {f.name: np.load(f) for f in sorted(directory.glob("*.npy"))}
    params = json.loads((directory / "params.index.json").read_text())
    vocabulary = (directory / "vocab.index.json").read_text(encoding="utf-8")  # as text: its order too
    return {"files": sorted(f.name for f in directory.iterdir()), "params": params, "vocab": vocabulary, **arrays}


@pytest.mark.parametrize("chunk", [1, 7, 10_000])
def test_the_chunked_build_saves_the_files_bm25s_saves(
    chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = corpus()
    bm25s_index(texts).save(tmp_path / "bm25s")
    monkeypatch.setattr(bm25_build, "CHUNK", chunk)
    LexicalIndex.build(iter(texts)).save(tmp_path / "chunked")  # an iterator: read once
    expected, built = saved(tmp_path / "bm25s"), saved(tmp_path / "chunked")
    assert built["files"] == expected["files"]
    assert built["params"] == expected["params"] and built["params"]["num_docs"] == len(texts)
    assert built["vocab"] == expected["vocab"]
    vocabulary = json.loads(str(built["vocab"]))
    assert NO_WORD in vocabulary and vocabulary[""] == len(vocabulary) - 1  # '' after the last word
    for name in ("indices.csc.index.npy", "indptr.csc.index.npy", TOKEN_BEST):
        assert np.array_equal(built[name], expected[name]) and built[name].dtype == expected[name].dtype, name
    data, reference = built["data.csc.index.npy"], expected["data.csc.index.npy"]
    assert isinstance(data, np.ndarray) and isinstance(reference, np.ndarray)
    assert data.dtype == reference.dtype == np.float32
    assert np.array_equal(data, reference)  # not merely close: the same float operations as bm25s's


def test_the_chunked_build_answers_as_bm25s_index_did(tmp_path: Path) -> None:
    texts = corpus()
    bm25s_index(texts).save(tmp_path / "bm25s")
    LexicalIndex.build(text for text in texts).save(tmp_path / "chunked")
    expected = LexicalIndex.load(tmp_path / "bm25s", len(texts))
    built = LexicalIndex.load(tmp_path / "chunked", len(texts))
    for query in QUERIES:
        assert np.array_equal(built.relevance(query), expected.relevance(query)), query
        assert np.array_equal(built.scores(query), expected.scores(query)), query
        assert sorted_pairs(built.sparse_relevance(query)) == sorted_pairs(expected.sparse_relevance(query)), query
    assert built.relevance("running filters").any() and not built.relevance("zeppelin").any()
    assert built.knows("café") and built.knows("Running") and not built.knows("zeppelin")


def sorted_pairs(sparse: tuple[np.ndarray, np.ndarray]) -> list[tuple[int, float]]:
    docs, values = sparse
    return sorted(zip(docs.tolist(), values.tolist(), strict=True))


def test_documents_without_words_keep_their_places(tmp_path: Path) -> None:
    texts = ["", "Gmail filters", "the of and", "Dropbox space"]
    index = LexicalIndex.build(one_at_a_time(texts))
    assert index.size == 4 and list(np.flatnonzero(index.relevance("dropbox"))) == [3]
    assert list(np.flatnonzero(index.relevance("gmail"))) == [1]


def one_at_a_time(texts: list[str]) -> Iterator[str]:
    yield from texts
