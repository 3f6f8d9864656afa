"""The FAISS index over key vectors: exact while small, approximate for large corpora.

`auto` keeps an exact inner-product index (`flat`) up to FLAT_LIMIT vectors, where one query
takes a millisecond or two on one core, and uses `ivf` beyond: inverted lists over k-means cells
(4·sqrt(n) of them, at most IVF_MAX_CELLS; a share of them searched, see `probes`), the vectors
stored as float16, which halves the memory, the disk and what a search reads, and moves a cosine
by ~1e-3 (bench/README.md: recall@10 against exact search). `hnsw` is faster to
search but finds fewer of the exact top 10 at a million vectors and takes longer to build; it
stays available. The choice is written to the manifest and can be forced with FAQBOT_INDEX_TYPE.
A loaded index is memory-mapped (faqbot.index.store): a search reads only the cells it probes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np

FLAT_LIMIT = 20_000
HNSW_M = 32  # graph degree: more is better recall and more memory (about 8*M bytes a vector)
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 128  # candidates explored per query; raised to k when a search asks for more
IVF_NPROBE = 64  # cells searched at least
IVF_PROBE_SHARE = 1 / 32  # of the cells searched at least
IVF_MIN_SCAN = 20_000  # vectors a search reads at least
IVF_MAX_CELLS = 4096  # 4·sqrt(vectors) cells up to this: past ~1M vectors, more cells cost build time (k-means)
ADD_ROWS = 65_536  # vectors added to an index at a time while it is built


def choose_kind(count: int, setting: str = "auto") -> str:
    if setting != "auto":
        return setting
    return "flat" if count <= FLAT_LIMIT else "ivf"


def build_vector_index(vectors: np.ndarray, dimension: int, kind: str) -> faiss.Index:
    """An inner-product index holding `vectors` (unit vectors or means of them, see Doc.keys)."""
    return build_from_rows(lambda rows: vectors[rows], len(vectors), dimension, kind)


def build_from_rows(
    rows: Callable[[np.ndarray], np.ndarray],
    count: int,
    dimension: int,
    kind: str,
    added: Callable[[int], None] = lambda n: None,
) -> faiss.Index:
    """The index of `count` vectors that `rows(positions)` gives, added ADD_ROWS at a time, so they are
    never all in memory outside the index itself; `added(n)` after each n."""
    index: faiss.Index
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    elif kind == "ivf":
        cells = max(1, min(int(4 * math.sqrt(count)), IVF_MAX_CELLS, count // 39))
        index = faiss.IndexIVFScalarQuantizer(
            faiss.IndexFlatIP(dimension), dimension, cells, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        )
        # Spherical k-means (unit centroids), so a search picks cells by angle, not by a cluster's spread.
        # FAISS's IndexIVF already sets this for inner product; said here so it stays so.
        index.cp.spherical = True
        # k-means on a sample: 64 points a cell is plenty, and training on a million costs minutes.
        rng = np.random.default_rng(0)
        index.train(rows(rng.choice(count, min(count, cells * 64), replace=False)))
    else:
        index = faiss.IndexFlatIP(dimension)
    for start in range(0, count, ADD_ROWS):
        stop = min(count, start + ADD_ROWS)
        index.add(np.ascontiguousarray(rows(np.arange(start, stop)), dtype=np.float32))
        added(stop - start)
    tune(index)
    return index


def save_vector_index(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def tune(index: faiss.Index) -> None:
    """Search-time settings, applied after building and after loading."""
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    elif isinstance(index, faiss.IndexIVF):
        index.nprobe = probes(index.nlist, index.ntotal)


def probes(cells: int, vectors: int) -> int:
    """Cells an IVF search reads: enough to scan IVF_MIN_SCAN vectors, and at least IVF_PROBE_SHARE
    of the cells and IVF_NPROBE of them.

    Recall depends on the share of the index a search reads, not the count of cells. Measured with
    bench/scale_e2e.py, questions embedded as the documents were: at 75k vectors embedded by the
    model (1,099 cells) recall@10 against exact search was 0.86 reading 64 cells, 0.957 reading the
    291 this gives (scanning 20,000 float16 vectors costs about a millisecond on one core). At a
    million passages (4M vectors, 4,096 cells) 0.93 with 64 cells, 0.943 with 128 (a 32nd), 0.953
    with 256, which halved the answers a second at 16 clients (115 -> 73 on 2 cores): a 32nd it is.
    """
    per_cell = max(1.0, vectors / max(1, cells))
    return min(cells, max(IVF_NPROBE, round(cells * IVF_PROBE_SHARE), math.ceil(IVF_MIN_SCAN / per_cell)))


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (similarities, rows); an HNSW search looks at no fewer candidates than it returns."""
    if isinstance(index, faiss.IndexHNSW) and index.hnsw.efSearch < k:
        index.hnsw.efSearch = k
    similarities, rows = index.search(queries, k)
    return similarities, rows
