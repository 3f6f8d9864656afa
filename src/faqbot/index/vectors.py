"""The FAISS index over key vectors: exact while small, approximate for large corpora.

`auto` keeps an exact inner-product index (`flat`) up to FLAT_LIMIT vectors, where one query
takes a millisecond or two on one core, and uses `ivfpq` beyond: inverted lists over k-means cells
(4·sqrt(n) of them, at most IVF_MAX_CELLS), each vector in a cell coded by 4-bit product
quantization of 4-dimension pieces and scanned with FAISS's fast-scan kernels, then the best
REFINE_FACTOR·k of those re-scored exactly against the vectors kept as float16 (IndexRefine; float16
moves a cosine by ~1e-3). A coded vector scans about five times faster than a float16 one, so a
search reads four times the cells for less time: on the scale benchmark at 100k passages (408k
vectors) recall@10 against exact search went from 0.90 to 0.95 at half the time of a search
(bench/README.md). `ivf` (the float16 vectors scanned as they are) and `hnsw` (faster to search,
fewer of the exact top 10 at a million vectors, longer to build) stay available. The choice is
written to the manifest and can be forced with FAQBOT_INDEX_TYPE. A loaded index is memory-mapped
(faqbot.index.store): a search reads only the cells it probes and the vectors it re-scores.
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
PQ_PIECE = 4  # dimensions one 4-bit product-quantization code stands for (a 384-d vector: 96 codes)
PQ_PROBE_SHARE = 1 / 6  # of the cells an `ivfpq` search reads at least
PQ_MIN_SCAN = 80_000  # coded vectors an `ivfpq` search reads at least
PQ_MIN_VECTORS = 39 * 16  # a code's 16 values are learnt by k-means, which FAISS asks 39 points a value for
REFINE_FACTOR = 2  # an `ivfpq` search re-scores this many times the results it returns
REFINE_MIN = 256  # and at least this many (the answerer asks for 256: faqbot.search.retrieval)
IVF_MAX_CELLS = 4096  # 4·sqrt(vectors) cells up to this: past ~1M vectors, more cells cost build time (k-means)
ADD_ROWS = 65_536  # vectors added to an index at a time while it is built


def choose_kind(count: int, setting: str = "auto") -> str:
    """The index for `count` vectors: the setting's, but `ivfpq` needs PQ_MIN_VECTORS to learn its
    codes from (fewer get `ivf`, whose cells need none)."""
    if setting == "ivfpq" and count < PQ_MIN_VECTORS:
        return "ivf"
    if setting != "auto":
        return setting
    return "flat" if count <= FLAT_LIMIT else "ivfpq"


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
    elif kind in ("ivf", "ivfpq"):
        cells = max(1, min(int(4 * math.sqrt(count)), IVF_MAX_CELLS, count // 39))
        quantizer = faiss.IndexFlatIP(dimension)
        ivf: faiss.IndexIVF
        if kind == "ivfpq":
            # A code piece a PQ_PIECE of the dimensions (the most pieces that divide it evenly).
            pieces = next(m for m in range(max(1, dimension // PQ_PIECE), 0, -1) if dimension % m == 0)
            ivf = faiss.IndexIVFPQFastScan(quantizer, dimension, cells, pieces, 4, faiss.METRIC_INNER_PRODUCT)
        else:
            ivf = faiss.IndexIVFScalarQuantizer(
                quantizer, dimension, cells, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
            )
        # Spherical k-means (unit centroids), so a search picks cells by angle, not by a cluster's spread.
        # FAISS's IndexIVF already sets this for inner product; said here so it stays so.
        ivf.cp.spherical = True
        # k-means on a sample: 64 points a cell is plenty, and training on a million costs minutes.
        rng = np.random.default_rng(0)
        ivf.train(rows(rng.choice(count, min(count, cells * 64), replace=False)))
        # Each index owns what it is made of, so nothing is freed while the returned index lives.
        _hand_over(quantizer)
        ivf.own_fields = True
        index = ivf
        if kind == "ivfpq":
            exact = faiss.IndexScalarQuantizer(dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
            index = faiss.IndexRefine(ivf, exact)
            _hand_over(ivf, exact)
            # Two flags: own_fields covers the coded index only; without the second the exact
            # copy (3.1 GB at 4M vectors) outlived the index, for the rest of the build.
            index.own_fields = index.own_refine_index = True
    else:
        index = faiss.IndexFlatIP(dimension)
    for start in range(0, count, ADD_ROWS):
        stop = min(count, start + ADD_ROWS)
        index.add(np.ascontiguousarray(rows(np.arange(start, stop)), dtype=np.float32))
        added(stop - start)
    tune(index)
    return index


def _hand_over(*parts: faiss.Index) -> None:
    """Python lets go of `parts`: the index made of them frees them (SWIG's ownership flag)."""
    for part in parts:
        part.this.disown()  # type: ignore[attr-defined]


def save_vector_index(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def tune(index: faiss.Index) -> None:
    """Search-time settings, applied after building and after loading."""
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    elif isinstance(index, faiss.IndexRefine):
        coded = faiss.extract_index_ivf(index)
        coded.nprobe = probes(coded.nlist, coded.ntotal, coded=True)
        index.k_factor = REFINE_FACTOR
    elif isinstance(index, faiss.IndexIVF):
        index.nprobe = probes(index.nlist, index.ntotal)


def probes(cells: int, vectors: int, *, coded: bool = False) -> int:
    """Cells an IVF search reads: enough to scan IVF_MIN_SCAN vectors (PQ_MIN_SCAN when they are
    `coded`), and at least IVF_PROBE_SHARE of the cells (PQ_PROBE_SHARE) and IVF_NPROBE of them.

    Recall depends on the share of the index a search reads, not the count of cells. Measured with
    bench/scale_e2e.py, questions embedded as the documents were: at 75k vectors embedded by the
    model (1,099 cells) recall@10 against exact search was 0.86 reading 64 cells, 0.957 reading the
    291 this gives (scanning 20,000 float16 vectors costs about a millisecond on one core). At a
    million passages (4M vectors, 4,096 cells) 0.93 with 64 cells, 0.943 with 128 (a 32nd), 0.953
    with 256, which halved the answers a second at 16 clients (115 -> 73 on 2 cores): a 32nd it is.
    Coded vectors scan about five times faster (0.93 ms for 512 of 2,556 cells at 408k vectors,
    recall 0.952, against 1.81 ms for 256 float16 ones, recall 0.920). At a million passages an
    eighth of the cells gave 0.949 at 142 answers a second (16 clients, 2 cores; float16 and a 32nd:
    0.943 at 112); a sixth, the rule, 0.952 at 137.
    """
    per_cell = max(1.0, vectors / max(1, cells))
    share, scan = (PQ_PROBE_SHARE, PQ_MIN_SCAN) if coded else (IVF_PROBE_SHARE, IVF_MIN_SCAN)
    return min(cells, max(IVF_NPROBE, round(cells * share), math.ceil(scan / per_cell)))


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (similarities, rows). An HNSW search looks at no fewer candidates than it returns; an
    `ivfpq` search re-scores at least REFINE_MIN of them, however few it returns (its codes alone
    rank too roughly to find a top 10 among 20)."""
    if isinstance(index, faiss.IndexHNSW) and index.hnsw.efSearch < k:
        index.hnsw.efSearch = k
    if isinstance(index, faiss.IndexRefine) and k < REFINE_MIN:
        similarities, rows = index.search(queries, min(REFINE_MIN, index.ntotal))
        return similarities[:, :k], rows[:, :k]
    similarities, rows = index.search(queries, k)
    return similarities, rows
