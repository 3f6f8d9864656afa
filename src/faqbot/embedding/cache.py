"""Embeddings cached on disk by the content hash of their text, so a rebuild embeds only what changed.

One directory per model (`cache/embeddings-<model hash>/`, `cache/tokens-<model hash>/`) holds
segments, each three .npy files: the texts' hashes (the first 16 bytes of their SHA-256), where
each text's rows start, and the rows. A build writes a segment every SEGMENT_ROWS rows or
SEGMENT_SECONDS as it embeds, so its memory stays flat however large the corpus, and a build that
is stopped keeps every segment it finished. Rows are memory-mapped when read. Only the hashes are held in memory
(24 bytes a text), sorted, to find a text's rows.

`save(keep)` drops what the last build no longer uses, rewriting the segments only once they are
more dead than alive. A cache from before segments (one .npz file) is read once and converted.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from faqbot.text import content_hash

_EMPTY = np.zeros(0, dtype=np.int64)
SEGMENT_ROWS = 65_536  # rows per segment file: ~100 MB of float32 vectors, ~50 MB of float16 tokens
SEGMENT_SECONDS = 60.0  # or what a minute embedded, whichever comes first: a stopped build loses at most that


def digests(texts: Sequence[str]) -> np.ndarray:
    """Each text's 16-byte hash (the cache's key; the hex form is `content_hash(text, length=32)`)."""
    joined = b"".join(hashlib.sha256(t.encode("utf-8")).digest()[:16] for t in texts)
    return np.frombuffer(joined, dtype="S16") if texts else np.zeros(0, dtype="S16")


def _prefixes(keys: np.ndarray) -> np.ndarray:
    """The hashes' first 8 bytes as numbers (big-endian: they sort as the hashes do)."""
    return np.frombuffer(np.ascontiguousarray(keys, dtype="S16").tobytes(), dtype=">u8")[::2].astype(np.uint64)


def _within(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Which of `keys` are in `wanted` (sorted)."""
    if not len(wanted):
        return np.zeros(len(keys), dtype=bool)
    return np.asarray(wanted[np.minimum(np.searchsorted(wanted, keys), len(wanted) - 1)] == keys, dtype=bool)


class Segment:
    def __init__(self, directory: Path, name: str):
        self.name = name
        self.keys = np.load(directory / f"{name}.keys.npy")
        self.offsets = np.load(directory / f"{name}.offsets.npy")
        self.rows: np.ndarray = np.load(directory / f"{name}.rows.npy", mmap_mode="r")

    def files(self, directory: Path) -> list[Path]:
        return [directory / f"{self.name}.{part}.npy" for part in ("keys", "offsets", "rows")]


class ArrayCache:
    """Rows of numbers by the hash of the text they came from, in segments on disk."""

    def __init__(self, directory: Path, dtype: type[np.floating[Any]]):
        self.directory = directory
        self.dtype = dtype
        self._segments: list[Segment] = []
        self._legacy = directory.with_name(directory.name + ".npz")
        if directory.is_dir():
            for keys in sorted(directory.glob("*.keys.npy")):  # the keys file is written last
                try:
                    self._segments.append(Segment(directory, keys.name.removesuffix(".keys.npy")))
                except (OSError, ValueError):
                    pass  # a damaged segment only costs re-embedding its texts
            complete = {path for s in self._segments for path in s.files(directory)}
            for path in directory.iterdir():  # what a stopped build left unfinished
                if path not in complete:
                    path.unlink(missing_ok=True)
        if not self._segments and self._legacy.exists():
            self._convert_legacy()
        self._index()

    def _index(self) -> None:
        """The sorted hashes of every cached text, with the segment and entry each is in."""
        keys = [s.keys for s in self._segments]
        self._keys = np.concatenate(keys) if keys else np.zeros(0, dtype="S16")
        self._segment_of = np.concatenate([np.full(len(k), n, dtype=np.int32) for n, k in enumerate(keys)] + [_EMPTY])
        self._entry_of = np.concatenate([np.arange(len(k), dtype=np.int64) for k in keys] + [_EMPTY])
        order = np.argsort(self._keys, kind="stable")
        self._keys, self._segment_of, self._entry_of = self._keys[order], self._segment_of[order], self._entry_of[order]
        self._prefixes = _prefixes(self._keys)  # sorted as the keys are: searched 4x faster

    def _find(self, keys: np.ndarray) -> np.ndarray:
        """Where each hash is in the sorted index; -1 for a text that is not cached."""
        if not len(self._keys):
            return np.full(len(keys), -1, dtype=np.int64)
        wanted = _prefixes(keys)
        at = np.searchsorted(self._prefixes, wanted)
        clipped = np.minimum(at, len(self._keys) - 1)
        found = np.where(self._keys[clipped] == keys, at, -1)
        shared = (found < 0) & (self._prefixes[clipped] == wanted)  # another hash with the same first 8 bytes
        for n in np.flatnonzero(shared).tolist():
            at_n = int(at[n])
            while at_n < len(self._keys) and self._prefixes[at_n] == wanted[n]:
                if self._keys[at_n] == keys[n]:
                    found[n] = at_n
                    break
                at_n += 1
        return found

    def missing(self, texts: Sequence[str]) -> list[str]:
        """The distinct texts with nothing cached, in first-seen order."""
        distinct = list(dict.fromkeys(texts))
        absent = self._find(digests(distinct)) < 0
        return [t for t, gone in zip(distinct, absent.tolist(), strict=True) if gone]

    def cached(self, keys: np.ndarray) -> np.ndarray:
        """Per hash (`digests`), whether its text is cached (bool)."""
        return self._find(np.asarray(keys, dtype="S16")) >= 0

    def locate(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each text's segment and the start and end of its rows there (KeyError when one is missing)."""
        return self.locate_digests(digests(texts))

    def locate_digests(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`locate` by the texts' hashes (`digests`): the build keeps hashes, not texts."""
        found = self._find(np.asarray(keys, dtype="S16"))
        if (found < 0).any():
            raise KeyError(f"{int((found < 0).sum())} texts are not in the embedding cache")
        segment, entry = self._segment_of[found], self._entry_of[found]
        starts, ends = np.zeros(len(found), dtype=np.int64), np.zeros(len(found), dtype=np.int64)
        for n in np.unique(segment).tolist():
            mine = segment == n
            offsets = self._segments[n].offsets
            starts[mine], ends[mine] = offsets[entry[mine]], offsets[entry[mine] + 1]
        return segment, starts, ends

    def rows(self, segment: int) -> np.ndarray:
        return self._segments[segment].rows

    def release(self) -> None:
        """Let go of the rows read so far: their pages leave this process's memory (they stay in the
        page cache until the kernel needs it). A build reads gigabytes of rows once each; mapped and
        kept, they counted in its resident memory as if it needed them all at once."""
        for segment in self._segments:
            mapped = getattr(segment.rows, "_mmap", None)  # np.memmap's own map (none for an empty file)
            if mapped is not None:
                mapped.madvise(mmap.MADV_DONTNEED)

    @contextmanager
    def writer(self) -> Iterator[SegmentWriter]:
        """Add embedded texts: written out a segment at a time, indexed when the block ends."""
        self.directory.mkdir(parents=True, exist_ok=True)
        writer = SegmentWriter(self.directory, self.dtype)
        try:
            yield writer
        finally:
            writer.flush()
            self._segments += [Segment(self.directory, name) for name in writer.written]
            self._index()

    def save(self, keep: Sequence[str] | np.ndarray) -> None:
        """Forget the texts not in `keep` (texts, or their hashes: `digests`): the segments are rewritten
        once most of their rows are unused."""
        keys = keep if isinstance(keep, np.ndarray) else digests(list(dict.fromkeys(keep)))
        wanted = np.unique(np.asarray(keys, dtype="S16"))
        live = [_within(s.keys, wanted) for s in self._segments]
        rows = [np.diff(s.offsets) for s in self._segments]
        used = sum(int(r[m].sum()) for r, m in zip(rows, live, strict=True))
        if sum(int(r.sum()) for r in rows) <= 2 * used:
            return
        old = self._segments
        with self.writer() as writer:
            self._segments = []
            for segment, mine in zip(old, live, strict=True):
                for entry in np.flatnonzero(mine).tolist():
                    start, end = segment.offsets[entry], segment.offsets[entry + 1]
                    writer.add_one(segment.keys[entry], segment.rows[start:end])
        for segment in old:
            for path in segment.files(self.directory):
                path.unlink(missing_ok=True)

    @property
    def dimension(self) -> int | None:
        shaped = next((s.rows for s in self._segments if s.rows.ndim == 2 and len(s.rows)), None)
        return None if shaped is None else int(shaped.shape[1])

    def _convert_legacy(self) -> None:
        """Turn the single-file cache of before into a segment (keys were the hashes' hex)."""
        try:
            with np.load(self._legacy, allow_pickle=False) as data:
                keys = np.array([bytes.fromhex(k) for k in data["keys"].tolist()], dtype="S16")
                offsets, rows = data["offsets"], data["rows"]
        except (OSError, ValueError, KeyError):
            return
        with self.writer() as writer:
            for n, key in enumerate(keys):
                writer.add_one(key, rows[offsets[n] : offsets[n + 1]])
        self._legacy.unlink(missing_ok=True)


class SegmentWriter:
    def __init__(self, directory: Path, dtype: type[np.floating[Any]]):
        self.directory = directory
        self.dtype = dtype
        self.written: list[str] = []
        self._keys: list[bytes] = []
        self._lengths: list[int] = []
        self._rows: list[np.ndarray] = []
        self._pending = 0
        self._since = time.monotonic()

    def add(self, texts: Sequence[str], rows: Sequence[np.ndarray] | np.ndarray) -> None:
        """Each text's rows (a vector as one row, token embeddings as one row a token)."""
        for key, block in zip(digests(texts).tolist(), rows, strict=True):
            self.add_one(key, np.asarray(block).reshape(-1, np.shape(block)[-1]))

    def add_one(self, key: bytes, rows: np.ndarray) -> None:
        self._keys.append(key)
        self._lengths.append(len(rows))
        self._rows.append(np.asarray(rows, dtype=self.dtype))
        self._pending += len(rows)
        if self._pending >= SEGMENT_ROWS or time.monotonic() - self._since >= SEGMENT_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self._keys:
            return
        name = f"{content_hash(os.urandom(8).hex())}"
        offsets = np.zeros(len(self._lengths) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum(self._lengths)
        parts = {"rows": np.concatenate(self._rows), "offsets": offsets, "keys": np.array(self._keys, dtype="S16")}
        for part, array in parts.items():  # the keys last: a segment without them is unfinished
            tmp = self.directory / f".{name}.{part}.tmp.npy"
            np.save(tmp, array)
            os.replace(tmp, self.directory / f"{name}.{part}.npy")
        self.written.append(name)
        self._keys, self._lengths, self._rows, self._pending = [], [], [], 0
        self._since = time.monotonic()


class EmbeddingCache(ArrayCache):
    """Each text's vector (one row), one directory per model."""

    def __init__(self, directory: Path, model: str):
        super().__init__(directory / f"embeddings-{content_hash(model)}", np.float32)

    def get(self, texts: Sequence[str], dimension: int) -> np.ndarray:
        """The texts' vectors, in order (float32, one row a text)."""
        return self.get_digests(digests(texts), dimension)

    def get_digests(self, keys: np.ndarray, dimension: int) -> np.ndarray:
        """`get` by the texts' hashes (`digests`)."""
        out = np.zeros((len(keys), dimension), dtype=np.float32)
        if not len(keys):
            return out
        segment, starts, _ = self.locate_digests(keys)
        for n in np.unique(segment).tolist():
            mine = np.flatnonzero(segment == n)
            out[mine] = self.rows(n)[starts[mine]]
        return out


class TokenCache(ArrayCache):
    """Each text's token embeddings (one row a token, float16), one directory per model (faqbot.index.tokens)."""

    def __init__(self, directory: Path, model: str):
        super().__init__(directory / f"tokens-{content_hash(model)}", np.float16)

    def get(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Each text's token rows (read from the memory-mapped segments)."""
        segment, starts, ends = self.locate(texts)
        return [self.rows(s)[a:b] for s, a, b in zip(segment.tolist(), starts.tolist(), ends.tolist(), strict=True)]
