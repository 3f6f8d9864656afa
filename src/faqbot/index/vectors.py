"""The FAISS index over key vectors: exact while small, approximate for large corpora.

`auto` keeps an exact inner-product index (`flat`) up to FLAT_LIMIT vectors, where one query
takes a millisecond or two on one core, and uses `ivf` (inverted lists over k-means cells,
IVF_NPROBE of them searched) beyond. Measured on clustered synthetic corpora (bench/scale.py,
bench/README.md): at 1M passages IVF builds in ~100 s and answers in ~2.5 ms with recall@10
1.0, while `hnsw` builds in ~200 s and, at efSearch 128, finds only 0.84 of the exact top 10
(it is faster, 0.5 ms, and stays available for those who raise HNSW_EF_SEARCH). The choice is
written to the manifest and can be forced with FAQBOT_INDEX_TYPE.
"""

from __future__ import annotations

import math

import faiss
import numpy as np

FLAT_LIMIT = 20_000
HNSW_M = 32  # graph degree: more is better recall and more memory (about 8*M bytes a vector)
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 128  # candidates explored per query; raised to k when a search asks for more
IVF_NPROBE = 64


def choose_kind(count: int, setting: str = "auto") -> str:
    if setting != "auto":
        return setting
    return "flat" if count <= FLAT_LIMIT else "ivf"


def build_vector_index(vectors: np.ndarray, dimension: int, kind: str) -> faiss.Index:
    """An inner-product index holding `vectors` (unit vectors or means of them, see Doc.keys)."""
    index: faiss.Index
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    elif kind == "ivf":
        cells = max(1, min(int(4 * math.sqrt(len(vectors))), len(vectors) // 39))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, cells, faiss.METRIC_INNER_PRODUCT)
        # k-means on a sample: 64 points a cell is plenty, and training on a million costs minutes.
        rng = np.random.default_rng(0)
        sample = vectors[rng.choice(len(vectors), min(len(vectors), cells * 64), replace=False)]
        index.train(sample)
    else:
        index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(vectors)
    tune(index)
    return index


def tune(index: faiss.Index) -> None:
    """Search-time settings, applied after building and after loading."""
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    elif isinstance(index, faiss.IndexIVF):
        index.nprobe = IVF_NPROBE


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (similarities, rows); an HNSW search looks at no fewer candidates than it returns."""
    if isinstance(index, faiss.IndexHNSW) and index.hnsw.efSearch < k:
        index.hnsw.efSearch = k
    similarities, rows = index.search(queries, k)
    return similarities, rows
