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
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from faqbot.content.corpus import Corpus, load_corpus
from faqbot.embedding.cache import EmbeddingCache, TokenCache
from faqbot.embedding.embedder import Embedder, load_embedder
from faqbot.embedding.injected import injected_embedder
from faqbot.embedding.onnx_export import CHECK_TEXTS, EXPORT_VERSION
from faqbot.embedding.query_encoder import install_encoder, prepare_encoder
from faqbot.errors import BuildLockedError, FaqbotError, IndexUnavailable
from faqbot.index.builds import BUILDS, check_current_link, current_build, swap_in
from faqbot.index.changes import previous_docs
from faqbot.index.embed import KeyVectors, all_hashes, embed_vectors, write_token_store, write_vectors
from faqbot.index.plan import spread
from faqbot.index.progress import Progress, Quiet
from faqbot.index.read import iter_docs, read_docs
from faqbot.index.report import BuildReport
from faqbot.index.store import CACHE, FORMAT_VERSION, Manifest, load_index, write_articles, write_build
from faqbot.index.tokens import rerank_decision
from faqbot.index.vectors import build_from_rows, choose_kind, save_vector_index
from faqbot.settings import Settings
from faqbot.text import content_counts

LOCK_FILE = ".build.lock"
ARTICLES_PART = ".articles.json"  # the articles, until records.json takes them in


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


@contextmanager
def _unfinished(directory: Path) -> Iterator[Path]:
    """The new build's directory while it is written; removed if the build ends before it is moved
    into place (up to date after all, or stopped by an error), and any a killed build left before
    it: their documents alone can take GBs."""
    # A build killed outright (SIGKILL, power) could not remove its own; the lock says none is running.
    for stale in directory.parent.glob(".tmp-*") if directory.parent.is_dir() else ():
        shutil.rmtree(stale, ignore_errors=True)
    directory.mkdir(parents=True)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)  # nothing left to remove once it is in place


def check_data(settings: Settings) -> tuple[Corpus, int]:
    """Read and validate the data directory without touching the index (`faqbot build --check`): the
    site as read and how many passages it makes. Each document is made and let go (a million passages
    held at once take gigabytes; the build does not hold them either)."""
    corpus = load_corpus(settings.data_dir)
    return corpus, sum(doc.kind == "passage" for doc in iter_docs(corpus, settings))


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
    corpus = load_corpus(settings.data_dir)  # raises DataError before anything is written
    index_dir = settings.index_dir
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    check_current_link(index_dir)  # before the work, not at the swap
    with build_lock(index_dir), _unfinished(index_dir / BUILDS / f".tmp-{stamp}-{os.getpid()}") as tmp:
        previous_dir = current_build(index_dir)
        read = read_docs(corpus, settings, tmp, previous_docs(previous_dir), say)
        docs, plan, counts = read.docs, read.plan, read.counts
        say.step(content_counts(counts["articles"], counts["faq"], counts["passages"]))
        kind = choose_kind(len(plan.key_docs), settings.index_type)
        rerank = rerank_decision(settings.rerank, len(docs), plan.tokens)
        # The embedded keys are part of the version: a faqbot that embeds differently rebuilds.
        version = _version(
            str(FORMAT_VERSION),
            str(EXPORT_VERSION),  # a better export recipe is worth a rebuild
            settings.model,
            settings.encoder,
            kind,
            f"rerank={rerank['on']}",
            *([f"embedder={settings.embedder}"] if settings.embedder else []),
            read.fingerprint,
            plan.keys_described,
        )
        if not force and previous_dir is not None and _manifest_version(previous_dir) == version and _loads(settings):
            return BuildReport(
                version, True, counts, read.faq, read.passages, 0, 0, previous_dir, warnings=corpus.warnings
            )

        # The site as read is done with once its articles are written for the records (~1 GB at 1M).
        write_articles(tmp / ARTICLES_PART, corpus.articles)
        smalltalk, warnings = corpus.smalltalk, corpus.warnings
        del corpus
        smalltalk_texts = list(smalltalk.examples)
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

        if settings.embedder:  # before a text is embedded: a mismatch found after would cost the whole run
            _check_injected_dimension(settings, embedder(), model())  # the model stays for the encoder's check
        embedded = embed_vectors(cache, plan, docs, smalltalk_texts, embedder, say)
        dimension = cache.dimension or embedder().dimension
        check_texts = spread(docs, CHECK_TEXTS)
        say.step("preparing the query encoder")
        if settings.embedder and settings.encoder != "torch":  # checked against the model itself
            reference = model().encode(check_texts)
        else:
            reference = cache.get(check_texts, dimension)
        encoder, encoder_files = prepare_encoder(
            settings.encoder, settings.model, index_dir / CACHE, model, check_texts, reference
        )

        final = index_dir / BUILDS / f"{version}-{stamp}"
        rerank = write_token_store(
            rerank, tmp, TokenCache(index_dir / CACHE, source), plan, docs, dimension, embedder, say
        )
        write_vectors(tmp / "sentences.npy", cache, plan.sentences, dimension)
        if smalltalk_texts:
            np.save(tmp / "smalltalk.npy", cache.get(smalltalk_texts, dimension))
        loaded.clear()
        _release_memory()  # the model's, before the largest steps
        vectors = KeyVectors(cache, plan, dimension)
        say.step(f"building the vector index ({kind}, {len(vectors):,} vectors)")
        with say.counter("vector index", len(vectors), "vectors") as added:
            vector_index = build_from_rows(vectors, len(vectors), dimension, kind, added)
        save_vector_index(vector_index, tmp / "vectors.faiss")
        del vectors, vector_index  # out of memory before the word index is built
        _release_memory()
        say.step("writing the word index and the records")
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            version=version,
            model=settings.model,
            dimension=dimension,
            counts={**counts, "vectors": len(plan.key_docs), "sentences": len(plan.sentences)},
            corpus_hash=read.fingerprint,
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
            key_docs=plan.key_docs,
            key_fields=plan.key_fields,
            field_names=plan.field_names,
            sentence_offsets=plan.sentence_offsets,
            articles=tmp / ARTICLES_PART,
            smalltalk=smalltalk.to_dict(),
        )
        if encoder_files is not None:
            install_encoder(encoder_files, tmp)
        os.replace(tmp, final)
        swap_in(index_dir, final)
        kept = all_hashes(plan, smalltalk_texts)
        cache.save(keep=kept)
        return BuildReport(
            version,
            False,
            counts,
            read.faq,
            read.passages,
            embedded,
            len(np.unique(kept)) - embedded,
            final,
            encoder,
            rerank,
            warnings,
            settings.embedder,
        )


def _release_memory() -> None:
    """Give what was freed back to the system (glibc keeps it for the process otherwise)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _check_injected_dimension(settings: Settings, documents: Embedder, questions: Embedder) -> None:
    """Documents embedded by FAQBOT_EMBEDDER are compared with questions the model encodes: the two
    must have one width, or no question could be answered (the server would refuse the index).

    Raises FaqbotError."""
    if documents.dimension != questions.dimension:
        raise FaqbotError(
            f"FAQBOT_EMBEDDER={settings.embedder!r} gives {documents.dimension}-dimensional vectors, but questions "
            f"are encoded by {settings.model} in {questions.dimension}: they cannot be compared"
        )


def embedder_factory_for(injected: str) -> Callable[[str], Embedder]:
    """What embeds the documents: the model, or the callable FAQBOT_EMBEDDER names."""
    return injected_embedder(injected) if injected else load_embedder


def _version(*parts: str) -> str:
    """`content_hash(*parts, length=12)`, hashed part by part: a million passages' keys are a lot of text."""
    digest = hashlib.sha256()
    for n, part in enumerate(parts):
        digest.update(("\x1f" if n else "").encode() + part.encode("utf-8"))
    return digest.hexdigest()[:12]


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
