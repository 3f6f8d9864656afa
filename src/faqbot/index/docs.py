"""A build's documents on disk, read as they are asked for.

`docs.jsonl` holds one document a line; `doc_offsets.npy` where each line starts, `doc_faq.npy`
which are FAQ entries, `doc_ids.npy` the documents' ids, hashed and sorted, with their positions.
The file is memory-mapped and a document is parsed when asked for (an answer asks for a dozen),
the last CACHED_DOCS kept: a million documents as Python objects would take gigabytes and a minute
to load, and an answer touches a handful of them.

The site's words for the speller (faqbot.search.spelling) are counted at build time (`counted`,
`top_words`) so that loading reads a list instead of every document's text.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from faqbot.content.documents import Doc

DOCS_FILE = "docs.jsonl"
CACHED_DOCS = 16_384
# The speller's corpus words: the most frequent this many. A million passages of real text use
# several hundred thousand distinct words (names, codes, typos), and each correction compares a
# misspelt word with the words of about its length; past the bound a word is still known to the
# speller through the word index (faqbot.answering.query), it is only never a correction's target.
MAX_CORPUS_WORDS = 100_000
_WORD = re.compile(r"[^\W\d_]+")  # a word as the speller sees one (faqbot.search.spelling)


def _id_hash(doc_id: str) -> int:
    return int.from_bytes(hashlib.sha256(doc_id.encode("utf-8")).digest()[:8], "little")


class DocWriter:
    """Writes documents one at a time into a DocTable's files (closing it writes the arrays): the
    build never holds them all (a million passages as Python objects take gigabytes). Per document it
    keeps 17 bytes: where its line ends, whether it is an FAQ entry, its id's hash."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._out = open(directory / DOCS_FILE, "wb")  # noqa: SIM115 (closed by close())
        self._ends = array("q")
        self._faq = bytearray()
        self._ids = array("Q")
        self._size = 0

    def add(self, doc: Doc) -> None:
        line = json.dumps(doc.to_dict(), ensure_ascii=False).encode("utf-8") + b"\n"
        self._out.write(line)
        self._size += len(line)
        self._ends.append(self._size)
        self._faq.append(doc.kind == "faq")
        self._ids.append(_id_hash(doc.id))

    def close(self) -> None:
        self._out.close()
        offsets = np.zeros(len(self._ends) + 1, dtype=np.int64)
        offsets[1:] = np.frombuffer(self._ends, dtype=np.int64) if self._ends else []
        hashes = np.frombuffer(self._ids, dtype=np.uint64) if self._ids else np.zeros(0, dtype=np.uint64)
        order = np.argsort(hashes, kind="stable")
        np.save(self.directory / "doc_offsets.npy", offsets)
        np.save(self.directory / "doc_faq.npy", np.frombuffer(bytes(self._faq), dtype=bool))
        np.save(self.directory / "doc_ids.npy", np.stack([hashes[order], order.astype(np.uint64)]))

    def __enter__(self) -> DocWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is None:
            self.close()
        else:  # an unfinished table: its build directory is an unfinished build, dropped later
            self._out.close()


def counted(texts: Iterable[str], counts: Counter[str]) -> Iterator[str]:
    """The texts, passed on one at a time, their words counted into `counts` on the way (the build
    reads the documents once for the word index and the speller's words)."""
    for text in texts:
        counts.update(w.lower() for w in _WORD.findall(text))
        yield text


def top_words(counts: Counter[str], limit: int = MAX_CORPUS_WORDS) -> tuple[list[str], bool]:
    """The words `counted`, the `limit` most frequent (ties alphabetical), and whether that left some out."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [w for w, _ in ranked[:limit]], len(ranked) > limit


class DocTable(Sequence[Doc]):
    """The documents of a build, in index order, parsed when asked for."""

    def __init__(self, directory: Path):
        self._offsets = np.load(directory / "doc_offsets.npy")
        self.faq = np.load(directory / "doc_faq.npy")
        self._hashes, self._rows = np.load(directory / "doc_ids.npy")
        if not len(self._offsets) == len(self.faq) + 1 == len(self._hashes) + 1:
            raise ValueError("the document files do not match")
        with open(directory / DOCS_FILE, "rb") as handle:
            size = int(self._offsets[-1])
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        if len(self._map) != size:
            raise ValueError(f"{DOCS_FILE} does not match its offsets")
        self._cache: dict[int, Doc] = {}

    def __len__(self) -> int:
        return len(self.faq)

    @overload
    def __getitem__(self, i: int) -> Doc: ...

    @overload
    def __getitem__(self, i: slice) -> list[Doc]: ...

    def __getitem__(self, i: int | slice) -> Doc | list[Doc]:
        if isinstance(i, slice):
            return [self[n] for n in range(*i.indices(len(self)))]
        n = int(i) + len(self) if int(i) < 0 else int(i)
        if not 0 <= n < len(self):
            raise IndexError(i)
        doc = self._cache.get(n)
        if doc is None:
            if len(self._cache) >= CACHED_DOCS:
                self._cache.clear()  # bounded: the documents of the latest answers come back at once
            doc = self._cache[n] = self._parse(n)
        return doc

    def __iter__(self) -> Iterator[Doc]:
        """Every document, read through once (not kept)."""
        return (self._cache.get(n) or self._parse(n) for n in range(len(self)))

    def _parse(self, n: int) -> Doc:
        return Doc.from_dict(json.loads(self._map[self._offsets[n] : self._offsets[n + 1]]))

    def position(self, doc_id: str) -> int | None:
        """Where the document with this id is, if the build has it."""
        key = np.uint64(_id_hash(doc_id))
        at, found = int(np.searchsorted(self._hashes, key)), None
        while at < len(self._hashes) and self._hashes[at] == key:  # the last of equal ids, as a dict keeps
            row = int(self._rows[at])
            found = row if self[row].id == doc_id else found
            at += 1
        return found


class DocsById(Mapping[str, Doc]):
    """The documents by id (a conversation names its answers' sources by id)."""

    def __init__(self, docs: DocTable):
        self._docs = docs

    def __getitem__(self, doc_id: str) -> Doc:
        row = self._docs.position(doc_id)
        if row is None:
            raise KeyError(doc_id)
        return self._docs[row]

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self._docs.position(doc_id) is not None

    def __iter__(self) -> Iterator[str]:
        return (doc.id for doc in self._docs)

    def __len__(self) -> int:
        return len(self._docs)
