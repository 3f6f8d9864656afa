"""`faqbot build`: corpus -> documents -> embeddings (cached) -> a new index, swapped in atomically.

Nothing under the index directory changes until the data has been read and checked in full,
and `current` moves only once a complete build is on disk. Embeddings stream through the cache
on disk (faqbot.index.embed), so the build's memory does not grow with what it embeds; it says
what it does as it goes (faqbot.index.progress).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import fcntl
import gc
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from faqbot.content.corpus import Corpus, load_corpus
from faqbot.content.documents import Doc, Key, article_to_dict, faq_doc, passage_doc
from faqbot.content.passages import make_passages
from faqbot.embedding.cache import EmbeddingCache, TokenCache
from faqbot.embedding.embedder import Embedder, load_embedder
from faqbot.embedding.injected import injected_embedder
from faqbot.embedding.onnx_export import CHECK_TEXTS, EXPORT_VERSION
from faqbot.embedding.query_encoder import install_encoder, prepare_encoder
from faqbot.errors import BuildLockedError, FaqbotError, IndexUnavailable
from faqbot.index.changes import changes, previous_docs
from faqbot.index.embed import KeyVectors, embed_vectors, write_token_store, write_vectors
from faqbot.index.progress import Progress, Quiet
from faqbot.index.report import BuildReport
from faqbot.index.store import BUILDS, CACHE, FORMAT_VERSION, Manifest, current_build, load_index, swap_in, write_build
from faqbot.index.tokens import match_text, rerank_decision
from faqbot.index.vectors import build_from_rows, choose_kind, save_vector_index
from faqbot.settings import Settings
from faqbot.text import content_hash

LOCK_FILE = ".build.lock"


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
    embedder_factory: Callable[[str], Embedder] | None = None,
    force: bool = False,
    progress: bool | Progress = False,
) -> BuildReport:
    """Build the index of the data directory. Documents are embedded by `embedder_factory` (default:
    the model, or what FAQBOT_EMBEDDER names); `progress` True reports on stderr."""
    say = progress if isinstance(progress, Progress) else Progress() if progress else Quiet()
    say.step(f"reading {settings.data_dir}")
    corpus, docs = check_data(settings)  # raises DataError before anything is written
    fingerprint = corpus_hash(docs, corpus)
    keys: list[tuple[int, Key]] = [(i, key) for i, d in enumerate(docs) for key in d.keys()]
    key_texts = list(dict.fromkeys(text for _, key in keys for text in key.texts))
    # The embedded keys are part of the version: a faqbot that embeds differently rebuilds.
    kind = choose_kind(len(keys), settings.index_type)
    token_texts = [match_text(d) for d in docs]
    rerank = rerank_decision(settings.rerank, token_texts)
    version = _version(
        str(FORMAT_VERSION),
        str(EXPORT_VERSION),  # a better export recipe is worth a rebuild
        settings.model,
        settings.encoder,
        kind,
        f"rerank={rerank['on']}",
        *([f"embedder={settings.embedder}"] if settings.embedder else []),
        fingerprint,
        *(key.describe() for _, key in keys),
    )
    index_dir = settings.index_dir
    counts = {
        "articles": len(corpus.articles),
        "faq": sum(d.kind == "faq" for d in docs),
        "passages": sum(d.kind == "passage" for d in docs),
    }
    say.step(f"{counts['articles']} articles, {counts['faq']} FAQ entries, {counts['passages']} passages")
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
        # Vectors an injected embedder made are cached apart from the model's own.
        source = settings.model + (f" via {settings.embedder}" if settings.embedder else "")
        cache = EmbeddingCache(index_dir / CACHE, source)
        loaded: dict[str, Embedder] = {}
        factory = embedder_factory or embedder_factory_for(settings.embedder)

        def embedder() -> Embedder:
            if "documents" not in loaded:
                loaded["documents"] = factory(settings.model)
            return loaded["documents"]

        def model() -> Embedder:
            """The model itself, to export and check the query encoder against (documents may be embedded
            by another embedder: FAQBOT_EMBEDDER)."""
            if not settings.embedder:
                return embedder()
            if "model" not in loaded:
                loaded["model"] = load_embedder(settings.model)
            return loaded["model"]

        all_texts = key_texts + sentence_texts + smalltalk_texts
        embedded = embed_vectors(cache, all_texts, embedder, say)
        dimension = cache.dimension or embedder().dimension
        check_texts = _spread(sentence_texts + key_texts, CHECK_TEXTS)
        say.step("preparing the query encoder")
        if settings.embedder and settings.encoder != "torch":  # checked against the model itself
            reference = model().encode(check_texts)
        else:
            reference = cache.get(check_texts, dimension)
        encoder, encoder_files = prepare_encoder(
            settings.encoder, settings.model, index_dir / CACHE, model, check_texts, reference
        )

        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        tmp = index_dir / BUILDS / f".tmp-{stamp}-{os.getpid()}"
        final = index_dir / BUILDS / f"{version}-{stamp}"
        tmp.mkdir(parents=True)
        rerank = write_token_store(
            rerank, tmp, TokenCache(index_dir / CACHE, source), token_texts, dimension, embedder, say
        )

        offsets, row = [], 0
        for d in docs:
            offsets.append(row if d.sentences else -1)
            row += len(d.sentences)
        write_vectors(tmp / "sentences.npy", cache, sentence_texts, dimension)
        if smalltalk_texts:
            np.save(tmp / "smalltalk.npy", cache.get(smalltalk_texts, dimension))
        loaded.clear()
        _release_memory()  # the model's, before the largest steps
        key_docs = np.array([i for i, _ in keys], dtype=np.int32)
        key_fields = [key.field for _, key in keys]
        vectors = KeyVectors(cache, [key for _, key in keys], dimension)
        del keys
        say.step(f"building the vector index ({kind}, {len(key_docs):,} vectors)")
        with say.counter("vector index", len(key_docs), "vectors") as added:
            vector_index = build_from_rows(vectors, len(key_docs), dimension, kind, added)
        save_vector_index(vector_index, tmp / "vectors.faiss")
        del vectors, vector_index  # out of memory before the word index is built
        say.step("writing the word index and the documents")
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            version=version,
            model=settings.model,
            dimension=dimension,
            counts={**counts, "vectors": len(key_docs), "sentences": len(sentence_texts)},
            corpus_hash=fingerprint,
            built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            index_type=kind,
            encoder=encoder,
            rerank=rerank,
            embedder=settings.embedder,
        )
        write_build(
            tmp,
            manifest=manifest,
            docs=docs,
            key_docs=key_docs,
            key_fields=key_fields,
            sentence_offsets=offsets,
            articles=[article_to_dict(a) for a in corpus.articles],
            smalltalk=corpus.smalltalk.to_dict(),
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
            settings.embedder,
        )


def _release_memory() -> None:
    """Give what was freed back to the system (glibc keeps it for the process otherwise)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def embedder_factory_for(injected: str) -> Callable[[str], Embedder]:
    """What embeds the documents: the model, or the callable FAQBOT_EMBEDDER names."""
    return injected_embedder(injected) if injected else load_embedder


def _version(*parts: str) -> str:
    """`content_hash(*parts, length=12)`, hashed part by part: a million passages' keys are a lot of text."""
    digest = hashlib.sha256()
    for n, part in enumerate(parts):
        digest.update(("\x1f" if n else "").encode() + part.encode("utf-8"))
    return digest.hexdigest()[:12]


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
