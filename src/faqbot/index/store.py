"""The index on disk: one directory per build, and a `current` link swapped atomically.

    indexes/
      current -> builds/<version>-<time>      (a symlink, replaced with one rename)
      builds/<version>-<time>/
        manifest.json        model, dimension, counts, corpus hash, format version, build time
        vectors.faiss        FAISS inner-product index, one row per key (a unit vector, or a
                             weighted mean of some: Doc.keys; flat, or IVF-PQ re-scored
                             against float16 vectors, by size: faqbot.index.vectors)
        key_docs.npy         for each vector row, the document it belongs to
        sentences.npy        unit vectors of passage sentences, for trimming answers, and
        sentence_offsets.npy where each document's start (-1: none)
        smalltalk.npy        unit vectors of the small-talk examples (faqbot.content.smalltalk)
        docs.jsonl           the documents, one a line, read as asked for (faqbot.index.docs), with
                             doc_offsets.npy, doc_faq.npy, doc_ids.npy
        key_fields.npy       each vector's field (faqbot.content.documents.KeyField), as a code
        records.json         articles, small talk, the key fields' names, the speller's corpus words
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
import shutil
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from faqbot.content.articles import Article
from faqbot.content.documents import Doc, article_from_dict, article_to_dict
from faqbot.content.smalltalk import SmallTalk, built_in
from faqbot.errors import IndexUnavailable
from faqbot.index.builds import current_build
from faqbot.index.docs import DocsById, DocTable, counted, top_words
from faqbot.index.lexical import LexicalIndex
from faqbot.index.tokens import TokenStore
from faqbot.index.vectors import tune

# 2: the manifest records the query encoder; 3: BM25 keeps its per-word best scores; 4: small talk;
# 5: documents read as asked for (docs.jsonl), arrays memory-mapped, IVF vectors as float16
FORMAT_VERSION = 5
CACHE = "cache"


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
    embedder: str = ""  # what embedded the documents instead of the model (FAQBOT_EMBEDDER), if anything

    @classmethod
    def read(cls, build: Path) -> Manifest:
        """The manifest of the build in `build`; IndexUnavailable if it is missing, unreadable, or of
        another format."""
        try:
            data = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
            optional = {"rerank", "embedder"}  # absent from builds made before they existed
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
    key_fields: Sequence[str]
    docs: Sequence[Doc]  # a DocTable when loaded: read as asked for
    sentence_vectors: np.ndarray  # memory-mapped
    sentence_offsets: np.ndarray  # int64: start row in sentence_vectors of each doc (-1 for none)
    lexical: LexicalIndex
    articles: list[Article]
    tokens: TokenStore | None = None  # None: the build has no token store, answers are not re-ranked
    smalltalk: SmallTalk = field(default_factory=built_in)  # the site's small talk (built-in before it was stored)
    smalltalk_vectors: np.ndarray | None = None  # one row per small-talk example, in its order (None: not stored)
    words: list[str] | None = None  # the speller's corpus words (None: take them from the documents)
    words_bounded: bool = False  # whether `words` left some of the corpus's out (faqbot.index.docs)

    @property
    def version(self) -> str:
        return self.manifest.version

    @cached_property
    def faq_rows(self) -> np.ndarray:
        """Positions in `docs` of the FAQ entries (int64), in index order."""
        if isinstance(self.docs, DocTable):
            return np.flatnonzero(self.docs.faq).astype(np.int64)
        return np.array([i for i, doc in enumerate(self.docs) if doc.kind == "faq"], dtype=np.int64)

    @cached_property
    def docs_by_id(self) -> Mapping[str, Doc]:
        """The documents by id."""
        return DocsById(self.docs) if isinstance(self.docs, DocTable) else {doc.id: doc for doc in self.docs}

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
    docs: Iterable[Doc],
    key_docs: np.ndarray,
    key_fields: np.ndarray,
    field_names: list[str],
    sentence_offsets: np.ndarray,
    articles: Path,
    smalltalk: dict[str, object] | None = None,
) -> None:
    """Write the build into `directory`, which already holds its documents (faqbot.index.docs) and
    its large arrays (`vectors.faiss`, `sentences.npy`, `smalltalk.npy`, the token store: the build
    writes them as it reads them from the cache). `docs` is read through once, one document at a
    time; `key_fields` are codes into `field_names`; `articles` is the file `write_articles` wrote
    (taken into records.json, then removed). The manifest goes last: a directory without one is an
    unfinished build."""
    np.save(directory / "key_docs.npy", key_docs.astype(np.int32))
    np.save(directory / "key_fields.npy", key_fields.astype(np.uint8))
    np.save(directory / "sentence_offsets.npy", sentence_offsets.astype(np.int64))
    counts: Counter[str] = Counter()  # the speller's words, counted as the word index reads the texts
    LexicalIndex.build(counted((doc.lexical_text() for doc in docs), counts)).save(directory / "bm25")
    words, bounded = top_words(counts)
    # json.dumps of {key_field_names, articles, smalltalk, words, words_bounded}, the articles copied in.
    with open(directory / "records.json", "w", encoding="utf-8") as out, open(articles, encoding="utf-8") as part:
        out.write(f'{{"key_field_names": {json.dumps(field_names, ensure_ascii=False)}, "articles": ')
        shutil.copyfileobj(part, out)
        out.write(f', "smalltalk": {json.dumps(smalltalk, ensure_ascii=False)}')
        out.write(f', "words": {json.dumps(words, ensure_ascii=False)}, "words_bounded": {json.dumps(bounded)}}}')
    articles.unlink()
    (directory / "manifest.json").write_text(json.dumps(manifest.__dict__, indent=2), encoding="utf-8")


def write_articles(path: Path, articles: Iterable[Article]) -> None:
    """The articles as records.json holds them (a JSON list of `article_to_dict`), one at a time: the
    build writes them once it has read the site, and lets the site go."""
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        for n, article in enumerate(articles):
            out.write((", " if n else "") + json.dumps(article_to_dict(article), ensure_ascii=False))
        out.write("]")


class KeyFields(Sequence[str]):
    """Each vector's field, stored as a code a vector."""

    def __init__(self, codes: np.ndarray, names: list[str]):
        self._codes, self._names = codes, names

    def __len__(self) -> int:
        return len(self._codes)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        return self._names[int(self._codes[i])]


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
        docs = DocTable(build)
        # Memory-mapped: a search reads the cells it probes, an answer its passage's sentences.
        vectors = faiss.read_index(str(build / "vectors.faiss"), faiss.IO_FLAG_MMAP_IFC)
        tune(vectors)
        key_docs = np.load(build / "key_docs.npy")
        key_fields = KeyFields(np.load(build / "key_fields.npy"), list(records["key_field_names"]))
        sentence_vectors = np.load(build / "sentences.npy", mmap_mode="r")
        sentence_offsets = np.load(build / "sentence_offsets.npy")
        words, words_bounded = list(records["words"]), bool(records["words_bounded"])
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
    if not vectors.d == manifest.dimension or not vectors.ntotal == len(key_docs) == len(key_fields):
        raise IndexUnavailable(f"the index in {build} does not match its manifest; run 'faqbot build'")
    # A sentences file cut short or of another model still maps; an answer from a passage past its
    # end would fail, so it is refused here (and `faqbot build` rebuilds what does not load).
    sentences = manifest.counts.get("sentences", len(sentence_vectors))  # the build counted them
    if (
        len(sentence_offsets) != len(docs)
        or sentence_vectors.ndim != 2
        or sentence_vectors.shape[1] != manifest.dimension
        or len(sentence_vectors) != sentences
        or int(sentence_offsets.max(initial=-1)) >= len(sentence_vectors)
        or (smalltalk_vectors is not None and smalltalk_vectors.shape[1:] != (manifest.dimension,))
    ):
        raise IndexUnavailable(f"the index in {build} does not match its manifest; run 'faqbot build'")
    return LoadedIndex(
        directory=build,
        manifest=manifest,
        vectors=vectors,
        key_docs=key_docs,
        key_fields=key_fields,
        docs=docs,
        sentence_vectors=sentence_vectors,
        sentence_offsets=sentence_offsets,
        lexical=lexical,
        articles=articles,
        tokens=tokens,
        smalltalk=smalltalk,
        smalltalk_vectors=smalltalk_vectors,
        words=words,
        words_bounded=words_bounded,
    )
