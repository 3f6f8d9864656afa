"""The index on disk: one directory per build, and a `current` link swapped atomically.

    indexes/
      current -> builds/<version>-<time>      (a symlink, replaced with one rename)
      builds/<version>-<time>/
        manifest.json        model, dimension, counts, corpus hash, format version, build time
        vectors.faiss        FAISS inner-product index, one row per key (a unit vector, or a
                             weighted mean of some: Doc.keys; flat, HNSW or IVF by size:
                             faqbot.index.vectors)
        key_docs.npy         for each vector row, the document it belongs to
        sentences.npy        unit vectors of passage sentences, for trimming answers
        smalltalk.npy        unit vectors of the small-talk examples (faqbot.content.smalltalk)
        records.json         documents, key fields, sentence offsets, articles
        bm25/                the lexical index
        tokens.npy           documents' token embeddings, int8, for re-ranking (faqbot.search.rerank),
        token_scales.npy     each token's scale, and token_offsets.npy, where each document's rows
                             start (all three absent when re-ranking is off)
        encoder/             the ONNX query encoder, when the build chose one
      cache/                 vectors and token embeddings by content hash, reused by the next build

Readers resolve `current` once and read everything from that one directory, so a build that
swaps in a new index never mixes two versions, and a build that dies never touches `current`.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from faqbot.content.articles import Article
from faqbot.content.documents import Doc, article_from_dict
from faqbot.content.smalltalk import SmallTalk, built_in
from faqbot.errors import IndexUnavailable
from faqbot.index.lexical import LexicalIndex
from faqbot.index.tokens import TokenStore
from faqbot.index.vectors import build_vector_index, tune

FORMAT_VERSION = 4  # 2: the manifest records the query encoder; 3: BM25 keeps its per-word best scores; 4: small talk
CURRENT = "current"
BUILDS = "builds"
CACHE = "cache"
KEEP_BUILDS = 2  # the serving build and the one before it


@dataclass(frozen=True)
class Manifest:
    format_version: int
    version: str
    model: str
    dimension: int
    counts: dict[str, int]
    corpus_hash: str
    built_at: str
    index_type: str
    encoder: dict[str, Any]  # the query encoder the build chose (query_encoder.prepare_encoder)
    rerank: dict[str, Any] = field(default_factory=dict)  # token re-ranking: on or off, and why

    @classmethod
    def read(cls, build: Path) -> Manifest:
        """The manifest of the build in `build`; IndexUnavailable if it is missing, unreadable, or of
        another format."""
        try:
            data = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
            optional = {"rerank"}  # absent from builds made before it existed
            manifest = cls(
                **{name: data[name] for name in cls.__dataclass_fields__ if name in data or name not in optional}
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexUnavailable(
                f"the index in {build} has no readable manifest ({exc}); run 'faqbot build'"
            ) from None
        if manifest.format_version != FORMAT_VERSION:
            raise IndexUnavailable(
                f"the index in {build} has format {manifest.format_version}, this faqbot reads {FORMAT_VERSION}: "
                "run 'faqbot build' to rebuild it"
            )
        return manifest


@dataclass
class LoadedIndex:
    directory: Path
    manifest: Manifest
    vectors: faiss.Index
    key_docs: np.ndarray  # int32, one per vector row
    key_fields: list[str]
    docs: list[Doc]
    sentence_vectors: np.ndarray
    sentence_offsets: list[int]  # start row in sentence_vectors of each doc (-1 for none)
    lexical: LexicalIndex
    articles: list[Article]
    tokens: TokenStore | None = None  # None: the build has no token store, answers are not re-ranked
    smalltalk: SmallTalk = field(default_factory=built_in)  # the site's small talk (built-in before it was stored)
    smalltalk_vectors: np.ndarray | None = None  # one row per small-talk example, in its order (None: not stored)

    @property
    def version(self) -> str:
        return self.manifest.version

    @cached_property
    def faq_rows(self) -> np.ndarray:
        """Positions in `docs` of the FAQ entries (int64), in index order."""
        return np.array([i for i, doc in enumerate(self.docs) if doc.kind == "faq"], dtype=np.int64)

    @cached_property
    def faq_mask(self) -> np.ndarray:
        """Per document, whether it is an FAQ entry (bool): `Scores.top(among=...)` looks candidates up in it."""
        mask = np.zeros(len(self.docs), dtype=bool)
        mask[self.faq_rows] = True
        return mask

    def faq_docs(self, *, article: str | None = None) -> list[Doc]:
        """The FAQ entries, all or only those of one article (by slug)."""
        entries = [self.docs[i] for i in self.faq_rows]
        return entries if article is None else [d for d in entries if d.article == article]


def write_build(
    directory: Path,
    *,
    manifest: Manifest,
    docs: list[Doc],
    key_docs: np.ndarray,
    key_fields: list[str],
    key_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    sentence_offsets: list[int],
    articles: list[dict[str, Any]],
    smalltalk: dict[str, object] | None = None,
    smalltalk_vectors: np.ndarray | None = None,
    tokens: TokenStore | None = None,
) -> None:
    directory.mkdir(parents=True)
    index = build_vector_index(key_vectors, manifest.dimension, manifest.index_type)
    faiss.write_index(index, str(directory / "vectors.faiss"))
    np.save(directory / "key_docs.npy", key_docs.astype(np.int32))
    np.save(directory / "sentences.npy", sentence_vectors.astype(np.float32))
    if smalltalk_vectors is not None:
        np.save(directory / "smalltalk.npy", smalltalk_vectors.astype(np.float32))
    LexicalIndex.build([doc.lexical_text() for doc in docs]).save(directory / "bm25")
    if tokens is not None:
        tokens.save(directory)
    records = {
        "docs": [doc.to_dict() for doc in docs],
        "key_fields": key_fields,
        "sentence_offsets": sentence_offsets,
        "articles": articles,
        "smalltalk": smalltalk,
    }
    (directory / "records.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    # The manifest goes last: a directory without one is an unfinished build.
    (directory / "manifest.json").write_text(json.dumps(manifest.__dict__, indent=2), encoding="utf-8")


def current_build(index_dir: Path) -> Path | None:
    link = index_dir / CURRENT
    if not link.exists():
        return None
    return link.resolve()


def swap_in(index_dir: Path, build: Path) -> None:
    """Point `current` at `build` with one atomic rename, then drop old builds."""
    tmp_link = index_dir / f".{CURRENT}.tmp"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(build.relative_to(index_dir))
    os.replace(tmp_link, index_dir / CURRENT)
    _prune(index_dir, keep=build)


def _prune(index_dir: Path, *, keep: Path) -> None:
    builds = sorted((p for p in (index_dir / BUILDS).iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    finished = [p for p in builds if (p / "manifest.json").exists() and p != keep]
    for old in finished[: max(0, len(finished) - (KEEP_BUILDS - 1))]:
        shutil.rmtree(old, ignore_errors=True)
    for unfinished in (p for p in builds if not (p / "manifest.json").exists()):
        shutil.rmtree(unfinished, ignore_errors=True)


def load_index(index_dir: Path, *, model: str | None = None) -> LoadedIndex:
    """Load the current build; refuse one that is missing, damaged, of another format or model."""
    build = current_build(index_dir)
    if build is None:
        raise IndexUnavailable(f"no index in {index_dir}: run 'faqbot build' first")
    manifest = Manifest.read(build)
    if model is not None and manifest.model != model:
        raise IndexUnavailable(
            f"the index was built with model {manifest.model!r} but faqbot is set to {model!r}: "
            "rebuild with 'faqbot build' or set FAQBOT_MODEL to the index's model"
        )
    try:
        records = json.loads((build / "records.json").read_text(encoding="utf-8"))
        docs = [Doc.from_dict(d) for d in records["docs"]]
        vectors = faiss.read_index(str(build / "vectors.faiss"))
        tune(vectors)
        key_docs = np.load(build / "key_docs.npy")
        sentence_vectors = np.load(build / "sentences.npy")
        lexical = LexicalIndex.load(build / "bm25", len(docs))
        articles = [article_from_dict(a) for a in records["articles"]]
        tokens = TokenStore.load(build, len(docs))
        smalltalk = SmallTalk.from_dict(records["smalltalk"]) if records.get("smalltalk") else built_in()
        stored = build / "smalltalk.npy"
        smalltalk_vectors = np.load(stored) if stored.exists() and records.get("smalltalk") else None
    except Exception as exc:  # any damage at all must become one clear line, not a traceback
        raise IndexUnavailable(
            f"the index in {build} is damaged ({type(exc).__name__}: {exc}); run 'faqbot build'"
        ) from None
    if vectors.d != manifest.dimension or vectors.ntotal != len(key_docs):
        raise IndexUnavailable(f"the index in {build} does not match its manifest; run 'faqbot build'")
    return LoadedIndex(
        directory=build,
        manifest=manifest,
        vectors=vectors,
        key_docs=key_docs,
        key_fields=list(records["key_fields"]),
        docs=docs,
        sentence_vectors=sentence_vectors,
        sentence_offsets=list(records["sentence_offsets"]),
        lexical=lexical,
        articles=articles,
        tokens=tokens,
        smalltalk=smalltalk,
        smalltalk_vectors=smalltalk_vectors,
    )
