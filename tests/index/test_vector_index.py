"""The FAISS index type: exact while small, approximate beyond, with recall checked against exact."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
import pytest

from faqbot.answering.engine import load_engine
from faqbot.embedding.embedder import Embedder
from faqbot.index.build import build_index
from faqbot.index.store import load_index
from faqbot.index.vectors import FLAT_LIMIT, IVF_NPROBE, PQ_MIN_VECTORS, build_vector_index, choose_kind, probes, search
from faqbot.settings import Settings


def clustered(count: int, dimension: int = 64, seed: int = 0) -> np.ndarray:
    """Unit vectors around 200 random centres: text embeddings cluster by topic, uniform noise does not."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((200, dimension)).astype(np.float32)
    vectors = centres[rng.integers(0, 200, count)] + 0.6 * rng.standard_normal((count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_auto_is_exact_up_to_the_limit_and_approximate_beyond() -> None:
    assert choose_kind(10, "auto") == "flat"
    assert choose_kind(FLAT_LIMIT, "auto") == "flat"
    assert choose_kind(FLAT_LIMIT + 1, "auto") == "ivfpq"
    assert choose_kind(10, "hnsw") == "hnsw"  # an operator's choice wins
    assert choose_kind(PQ_MIN_VECTORS, "ivfpq") == "ivfpq"
    assert choose_kind(PQ_MIN_VECTORS - 1, "ivfpq") == "ivf"  # too few vectors to learn codes from


def test_an_ivf_search_reads_enough_vectors_and_a_share_of_many_cells() -> None:
    assert probes(10, 500) == 10  # all of a few
    assert probes(808, 40_000) == 404  # 10k passages: 20,000 of their vectors
    assert probes(4096, 4_000_000) == 128  # a million passages: a 32nd of the cells
    assert probes(2048, 10_000_000) == 2048 // 32
    assert probes(100, 100_000) >= IVF_NPROBE
    # Coded vectors scan faster: more cells for the same time.
    assert probes(808, 40_000, coded=True) == 808  # 10k passages: all of them
    assert probes(2556, 408_000, coded=True) == 502  # 100k passages: 80,000 coded vectors
    assert probes(4096, 4_000_000, coded=True) == 683  # a million: a sixth of the cells


@pytest.mark.parametrize("kind", ["hnsw", "ivf", "ivfpq"])
def test_approximate_indexes_find_the_exact_top_10(kind: str) -> None:
    vectors = clustered(20_000)
    # Questions land near the documents that answer them: perturbed corpus vectors.
    rng = np.random.default_rng(1)
    queries = vectors[rng.integers(0, len(vectors), 200)] + 0.05 * rng.standard_normal((200, 64)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = build_vector_index(vectors, 64, "flat")
    approximate = build_vector_index(vectors, 64, kind)
    _, truth = search(exact, queries, 10)
    _, found = search(approximate, queries, 10)
    recall = np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)])
    assert recall >= 0.95, f"{kind} recall@10 {recall:.3f}"
    # Asking for more candidates than efSearch must still return them all.
    _, many = search(approximate, queries[:1], 300)
    assert (many[0] >= 0).sum() == 300


def test_a_built_index_frees_all_it_is_made_of_when_dropped() -> None:
    """The build drops its index once written: a part nobody owned stayed for the rest of the build
    (the re-scoring copy of `ivfpq`, 3.1 GB at 4M vectors). Ownership is what FAISS frees by."""
    refine = build_vector_index(clustered(PQ_MIN_VECTORS), 64, "ivfpq")
    assert isinstance(refine, faiss.IndexRefine) and refine.own_fields and refine.own_refine_index
    coded = faiss.downcast_index(refine.base_index)  # borrowed: `refine` owns it
    assert coded.own_fields and coded.own_invlists


def test_ivf_cells_are_directions_so_a_search_picks_them_by_angle() -> None:
    vectors = clustered(FLAT_LIMIT + 1_000)
    index = build_vector_index(vectors, 64, "ivfpq")
    ivf = faiss.extract_index_ivf(index)
    centroids = ivf.quantizer.reconstruct_n(0, ivf.nlist)
    assert np.allclose(np.linalg.norm(centroids, axis=1), 1.0, atol=1e-4)


def test_the_manifest_records_a_forced_index_type_and_answers_are_unchanged(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder], tmp_path: Path
) -> None:
    build_index(fake_settings, embedder_factory=fake_factory)
    hnsw = fake_settings.model_copy(update={"index_type": "hnsw", "index_dir": tmp_path / "hnsw"})
    build_index(hnsw, embedder_factory=fake_factory)
    assert load_index(fake_settings.index_dir).manifest.index_type == "flat"
    assert load_index(hnsw.index_dir).manifest.index_type == "hnsw"
    flat_answers = load_engine(fake_settings, fake_factory).answerer
    hnsw_answers = load_engine(hnsw, fake_factory).answerer
    assert flat_answers is not None and hnsw_answers is not None
    for question in ["What is green AI?", "Who can contribute?", "economic implications of open models"]:
        assert flat_answers.answer(question).sources == hnsw_answers.answer(question).sources


def test_a_site_too_small_for_product_quantization_builds_ivf_when_it_is_forced(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    forced = fake_settings.model_copy(update={"index_type": "ivfpq"})
    build_index(forced, embedder_factory=fake_factory)
    assert load_index(forced.index_dir).manifest.index_type == "ivf"
    answerer = load_engine(forced, fake_factory).answerer
    assert answerer is not None and answerer.answer("Who can contribute?").sources
