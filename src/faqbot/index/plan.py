"""What a build embeds and stores, kept as arrays of fixed-size rows while the documents stay on disk.

The build reads the site's documents once, writing them to disk as it goes (faqbot.index.docs),
and keeps of each only what its later steps need: per key (Doc.keys) its document, field, weights
and its texts' hashes (the embedding cache's keys, faqbot.embedding.cache.digests); per sentence
its text's hash; per document its sentence count and its token text's hash (faqbot.index.tokens).
About 100 bytes a passage, where the documents, keys and texts as Python objects took ~4 KB (5 GB
at a million passages, measured with `bench/build_memory.py`). The steps after reading look texts
up in the cache by hash, and read the documents back from disk only for the words of texts the
cache lacks (faqbot.index.embed).
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from faqbot.content.documents import Doc, KeyField
from faqbot.index.tokens import count_tokens, match_text

KEY_WIDTH = 2  # texts a key is the weighted mean of, at most (Doc.keys: an FAQ phrasing's two)
_NO_TEXT = bytes(16)


def digest(text: str) -> bytes:
    """A text's hash as the embedding cache keys it (faqbot.embedding.cache.digests)."""
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


class StreamHash:
    """`faqbot.text.content_hash` of parts given one at a time: the same value, without the list."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self._first = True

    def update(self, part: str) -> None:
        self._sha.update(("" if self._first else "\x1f").encode() + part.encode("utf-8"))
        self._first = False

    def hexdigest(self, length: int) -> str:
        return self._sha.hexdigest()[:length]


@dataclass(frozen=True)
class Plan:
    """The build's keys, sentences and documents as arrays (see the module docstring)."""

    key_docs: np.ndarray  # int32 (keys,): the document of each key, in key order (a vector row each)
    key_fields: np.ndarray  # uint8 (keys,): each key's field, as a code into `field_names`
    field_names: list[str]  # the fields present, sorted (their codes as stored: faqbot.index.store)
    key_texts: np.ndarray  # S16 (keys, KEY_WIDTH): each key's texts' hashes, empty past its last
    key_weights: np.ndarray  # float32 (keys, KEY_WIDTH): their weights, 0 past its last
    sentences: np.ndarray  # S16 (sentences,): each passage sentence's hash, document after document
    sentence_offsets: np.ndarray  # int64 (documents,): each document's first sentence row, -1 for none
    token_texts: np.ndarray  # S16 (documents,): the hash of each document's match_text
    tokens: int  # the documents' tokens as `auto` re-ranking counts them (faqbot.index.tokens)
    keys_described: str  # a hash of every key's Key.describe(), in order: part of the index version

    @property
    def key_text_hashes(self) -> np.ndarray:
        """Every key text's hash, key after key (S16)."""
        hashes: np.ndarray = self.key_texts[self.key_weights != 0]
        return hashes


class PlanBuilder:
    """Collects the Plan one document at a time (`add`), in index order."""

    def __init__(self) -> None:
        self._key_docs = array("i")
        self._key_fields = bytearray()
        self._key_texts = bytearray()
        self._key_weights = array("f")
        self._sentences = bytearray()
        self._sentence_counts = array("q")
        self._token_texts = bytearray()
        self._tokens = 0
        self._fields: dict[KeyField, int] = {}  # codes in first-seen order, renumbered sorted at the end
        self._described = hashlib.sha256()
        self._docs = 0

    def add(self, doc: Doc) -> None:
        for key in doc.keys():
            self._key_docs.append(self._docs)
            self._key_fields.append(self._fields.setdefault(key.field, len(self._fields)))
            if len(key.texts) > KEY_WIDTH:
                raise ValueError(f"a key of {len(key.texts)} texts; the build plans for {KEY_WIDTH}")
            for n in range(KEY_WIDTH):
                within = n < len(key.texts)
                self._key_texts += digest(key.texts[n]) if within else _NO_TEXT
                self._key_weights.append(key.weights[n] if within else 0.0)
            self._described.update(key.describe().encode("utf-8") + b"\x1e\x1e")
        for sentence in doc.sentences:
            self._sentences += digest(sentence)
        self._sentence_counts.append(len(doc.sentences))
        text = match_text(doc)
        self._token_texts += digest(text)
        self._tokens += count_tokens(text)
        self._docs += 1

    @property
    def keys(self) -> int:
        return len(self._key_docs)

    def finish(self) -> Plan:
        names = sorted(self._fields)
        recode = np.zeros(max(len(self._fields), 1), dtype=np.uint8)
        for name, code in self._fields.items():
            recode[code] = names.index(name)
        counts = np.frombuffer(self._sentence_counts, dtype=np.int64) if self._docs else np.zeros(0, np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if self._docs else counts
        return Plan(
            key_docs=_array(self._key_docs, np.int32),
            key_fields=recode[np.frombuffer(bytes(self._key_fields), dtype=np.uint8)],
            field_names=list(names),
            key_texts=_hashes(self._key_texts).reshape(-1, KEY_WIDTH),
            key_weights=_array(self._key_weights, np.float32).reshape(-1, KEY_WIDTH),
            sentences=_hashes(self._sentences),
            sentence_offsets=np.where(counts > 0, starts, -1).astype(np.int64),
            token_texts=_hashes(self._token_texts),
            tokens=self._tokens,
            keys_described=self._described.hexdigest(),
        )


def _array(values: array[int] | array[float], dtype: type[np.generic]) -> np.ndarray:
    return np.frombuffer(values, dtype=dtype).copy() if len(values) else np.zeros(0, dtype=dtype)


def _hashes(values: bytearray) -> np.ndarray:
    return np.frombuffer(bytes(values), dtype="S16") if values else np.zeros(0, dtype="S16")


def spread(docs: Sequence[Doc], count: int) -> list[str]:
    """Up to `count` distinct texts the build embeds (passage sentences and keys), from documents
    spread evenly over all of them (every article, not the first), as many from each as it takes:
    what the query encoder is checked on (faqbot.embedding.query_encoder)."""
    chosen = range(0, len(docs), max(1, len(docs) // count))[:count]
    each = -(-count // max(1, len(chosen)))
    texts: list[str] = []
    for n in chosen:
        doc = docs[n]
        texts += [*doc.sentences, *(text for key in doc.keys() for text in key.texts)][:each]
    return list(dict.fromkeys(texts))[:count]
