"""`faqbot build`: corpus -> documents -> embeddings (cached) -> a new index, swapped in atomically.

Nothing under the index directory changes until the data has been read and checked in full,
and `current` moves only once a complete build is on disk.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from faqbot.content.corpus import Corpus, load_corpus
from faqbot.content.documents import Doc, Key, article_to_dict, faq_doc, passage_doc
from faqbot.content.passages import make_passages
from faqbot.embedding.cache import EmbeddingCache, TokenCache
from faqbot.embedding.embedder import Embedder, TokenEncoder, load_embedder
from faqbot.embedding.onnx_export import CHECK_TEXTS, EXPORT_VERSION
from faqbot.embedding.query_encoder import install_encoder, prepare_encoder
from faqbot.errors import BuildLockedError, FaqbotError, IndexUnavailable
from faqbot.index.changes import Changes, changes, previous_docs
from faqbot.index.store import BUILDS, CACHE, FORMAT_VERSION, Manifest, current_build, load_index, swap_in, write_build
from faqbot.index.tokens import MAX_STORE_DOCS, TokenStore, match_text
from faqbot.index.vectors import choose_kind
from faqbot.settings import Settings
from faqbot.text import content_hash

LOCK_FILE = ".build.lock"


@dataclass
class BuildReport:
    version: str
    up_to_date: bool
    counts: dict[str, int]
    faq: Changes
    passages: Changes
    embedded: int  # texts sent to the model
    reused: int  # texts found in the embedding cache
    directory: Path | None
    encoder: dict[str, Any] | None = None  # the query encoder chosen (None: nothing was built)
    rerank: dict[str, Any] | None = None  # token re-ranking on or off, and why (None: nothing was built)
    warnings: tuple[str, ...] = ()  # what the data's reading skipped or doubts (faqbot.content.corpus)


def collect_docs(corpus: Corpus, settings: Settings) -> list[Doc]:
    docs = [faq_doc(entry, corpus) for entry in corpus.faq]
    for article in corpus.articles:
        passages = make_passages(article, window=settings.window_sentences, stride=settings.window_stride)
        docs.extend(passage_doc(p) for p in passages)
    return docs


def corpus_hash(docs: list[Doc], corpus: Corpus) -> str:
    # Where the data directory lives is not content: moving it must not change the version.
    article_parts = [json.dumps({**article_to_dict(a), "path": ""}, sort_keys=True) for a in corpus.articles]
    smalltalk = json.dumps(corpus.smalltalk.to_dict(), sort_keys=True)
    return content_hash(*(d.hash for d in docs), *article_parts, smalltalk, length=32)


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index directory: a second one is refused, never interleaved."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK_FILE, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLockedError(
                f"another 'faqbot build' is running on {index_dir}; try again when it ends"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_data(settings: Settings) -> tuple[Corpus, list[Doc]]:
    """Read and validate the data directory without touching the index (`faqbot build --check`)."""
    corpus = load_corpus(settings.data_dir)
    return corpus, collect_docs(corpus, settings)


def build_index(
    settings: Settings,
    *,
    embedder_factory: Callable[[str], Embedder] = load_embedder,
    force: bool = False,
    progress: bool = False,
) -> BuildReport:
    corpus, docs = check_data(settings)  # raises DataError before anything is written
    fingerprint = corpus_hash(docs, corpus)
    keys: list[tuple[int, Key]] = [(i, key) for i, d in enumerate(docs) for key in d.keys()]
    key_texts = list(dict.fromkeys(text for _, key in keys for text in key.texts))
    # The embedded keys are part of the version: a faqbot that embeds differently rebuilds.
    kind = choose_kind(len(keys), settings.index_type)
    rerank = _rerank_decision(settings.rerank, len(docs))
    version = content_hash(
        str(FORMAT_VERSION),
        str(EXPORT_VERSION),  # a better export recipe is worth a rebuild
        settings.model,
        settings.encoder,
        kind,
        f"rerank={rerank['on']}",
        fingerprint,
        *(key.describe() for _, key in keys),
        length=12,
    )
    index_dir = settings.index_dir
    counts = {
        "articles": len(corpus.articles),
        "faq": sum(d.kind == "faq" for d in docs),
        "passages": sum(d.kind == "passage" for d in docs),
    }
    with build_lock(index_dir):
        previous_dir = current_build(index_dir)
        before = previous_docs(previous_dir)
        faq_changes = changes(before, docs, "faq")
        passage_changes = changes(before, docs, "passage")
        if not force and previous_dir is not None and _manifest_version(previous_dir) == version and _loads(settings):
            return BuildReport(
                version, True, counts, faq_changes, passage_changes, 0, 0, previous_dir, warnings=corpus.warnings
            )

        sentence_texts = [s for d in docs for s in d.sentences]
        smalltalk_texts = list(corpus.smalltalk.examples)
        cache = EmbeddingCache(index_dir / CACHE, settings.model)
        todo = cache.missing(key_texts + sentence_texts + smalltalk_texts)
        dimension = cache.dimension
        loaded: list[Embedder] = []

        def embedder() -> Embedder:
            if not loaded:
                loaded.append(embedder_factory(settings.model))
            return loaded[0]

        if todo or dimension is None:
            cache.add(todo, embedder().encode(todo, progress=progress))
            dimension = embedder().dimension
        all_texts = key_texts + sentence_texts + smalltalk_texts
        embedded = len(todo)
        check_texts = _spread(sentence_texts + key_texts, CHECK_TEXTS)
        encoder, encoder_files = prepare_encoder(
            settings.encoder,
            settings.model,
            index_dir / CACHE,
            embedder,
            check_texts,
            cache.get(check_texts, dimension),
        )

        token_texts = [match_text(d) for d in docs]
        tokens, rerank = _token_store(rerank, index_dir, settings.model, token_texts, embedder, progress)

        offsets, row = [], 0
        for d in docs:
            offsets.append(row if d.sentences else -1)
            row += len(d.sentences)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            version=version,
            model=settings.model,
            dimension=dimension,
            counts={**counts, "vectors": len(keys), "sentences": len(sentence_texts)},
            corpus_hash=fingerprint,
            built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            index_type=kind,
            encoder=encoder,
            rerank=rerank,
        )
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        tmp = index_dir / BUILDS / f".tmp-{stamp}-{os.getpid()}"
        final = index_dir / BUILDS / f"{version}-{stamp}"
        write_build(
            tmp,
            manifest=manifest,
            docs=docs,
            key_docs=np.array([i for i, _ in keys], dtype=np.int32),
            key_fields=[key.field for _, key in keys],
            key_vectors=_key_vectors(cache, [key for _, key in keys], dimension),
            sentence_vectors=cache.get(sentence_texts, dimension),
            sentence_offsets=offsets,
            articles=[article_to_dict(a) for a in corpus.articles],
            smalltalk=corpus.smalltalk.to_dict(),
            smalltalk_vectors=cache.get(smalltalk_texts, dimension),
            tokens=tokens,
        )
        if encoder_files is not None:
            install_encoder(encoder_files, tmp)
        os.replace(tmp, final)
        swap_in(index_dir, final)
        cache.save(keep=all_texts)
        return BuildReport(
            version,
            False,
            counts,
            faq_changes,
            passage_changes,
            embedded,
            len(set(all_texts)) - embedded,
            final,
            encoder,
            rerank,
            corpus.warnings,
        )


def _rerank_decision(setting: str, documents: int) -> dict[str, Any]:
    """Whether this build stores token embeddings for re-ranking (faqbot.search.rerank), and why."""
    if setting == "off":
        return {"on": False, "reason": "FAQBOT_RERANK=off"}
    if setting == "auto" and documents > MAX_STORE_DOCS:
        return {"on": False, "reason": f"{documents} documents, more than auto stores tokens for ({MAX_STORE_DOCS})"}
    return {"on": True}


def _token_store(
    rerank: dict[str, Any],
    index_dir: Path,
    model: str,
    texts: list[str],
    embedder: Callable[[], Embedder],
    progress: bool,
) -> tuple[TokenStore | None, dict[str, Any]]:
    """The documents' token embeddings (cached by text like the vectors), or None when off."""
    if not rerank["on"]:
        return None, rerank
    cache = TokenCache(index_dir / CACHE, model)
    todo = cache.missing(texts)
    if todo:
        encoder = embedder()
        encoded = encoder.encode_with_tokens(todo, progress=progress) if isinstance(encoder, TokenEncoder) else []
        tokens = [e.tokens for e in encoded if e.tokens is not None]
        if len(tokens) != len(todo):
            return None, {"on": False, "reason": "the embedder gives no token embeddings"}
        cache.add(todo, tokens)
    store = TokenStore.from_tokens(cache.get(texts))
    cache.save(keep=texts)
    return store, {"on": True, "tokens": len(store.codes)}


def _key_vectors(cache: EmbeddingCache, keys: list[Key], dimension: int) -> np.ndarray:
    """One vector per key: the weighted mean of its texts' embeddings (not renormalised, see Doc.keys)."""
    vectors = np.zeros((len(keys), dimension), dtype=np.float32)
    for row, key in enumerate(keys):
        vectors[row] = np.asarray(key.weights, dtype=np.float32) @ cache.get(list(key.texts), dimension)
    return vectors


def _spread(texts: list[str], count: int) -> list[str]:
    """Up to `count` distinct texts taken evenly from the whole list (every article, not the first)."""
    distinct = list(dict.fromkeys(texts))
    step = max(1, len(distinct) // count)
    return distinct[::step][:count]


def _loads(settings: Settings) -> bool:
    """Whether the serving index loads: a damaged one is rebuilt even when its manifest looks current."""
    try:
        load_index(settings.index_dir, model=settings.model)
    except FaqbotError:
        return False
    return True


def _manifest_version(build: Path) -> str | None:
    try:
        return Manifest.read(build).version
    except IndexUnavailable:
        return None
