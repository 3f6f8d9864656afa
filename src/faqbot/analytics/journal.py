"""The question log's journal: each row on local disk the moment it is recorded, until the
database has it, so a process killed outright (SIGKILL, a crash, the host's OOM killer) loses none.

A row is one JSON line appended to the process's current segment (`<state dir>/journal/`) with one
`write` call: no fsync, so it survives the process, and the operating system keeps it; a power cut
can still lose the last moments. The writer rotates to a new segment each time it takes the
buffered rows, and deletes a segment once everything in it is written. A segment is locked
(flock) by the process that writes it; one that nobody holds belongs to a process that died, and
the next process to start on the same state directory writes its rows. Questions are written once
whatever the replays (keyed by answer id); a replayed segment could repeat feedback that was
written just before the process died.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict
from pathlib import Path

from faqbot.analytics.store import FeedbackRow, QuestionRow

Item = tuple[float, QuestionRow | FeedbackRow]
DIRECTORY = "journal"


def _line(item: Item) -> bytes:
    at, row = item
    kind = "q" if isinstance(row, QuestionRow) else "f"
    return (json.dumps([at, kind, asdict(row)], ensure_ascii=False) + "\n").encode()


def _item(line: bytes) -> Item | None:
    try:
        at, kind, fields = json.loads(line)
        return float(at), QuestionRow(**fields) if kind == "q" else FeedbackRow(**fields)
    except (ValueError, TypeError):  # a line cut short by a crash mid-write
        return None


class Journal:
    def __init__(self, state_dir: Path):
        self.directory = state_dir / DIRECTORY
        self._fd = -1
        self._segment: Path | None = None
        self._number = 0
        self._rotated: dict[Path, int] = {}  # kept open, so locked, until their rows are written

    def open(self) -> list[tuple[Path, list[Item]]]:
        """Start this process's first segment; return the segments of dead processes, with their rows."""
        self.directory.mkdir(parents=True, exist_ok=True)
        orphans = []
        for path in sorted(self.directory.glob("*.jsonl")):
            try:
                with path.open("rb") as handle:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    items = [item for line in handle if (item := _item(line)) is not None]
            except BlockingIOError:
                continue  # a live writer's segment
            except FileNotFoundError:
                continue  # written and deleted by its owner since the listing
            orphans.append((path, items))
        self._start_segment()
        return orphans

    def append(self, item: Item) -> None:
        """Journal one row (on the answer path: one write call)."""
        if self._fd >= 0:
            os.write(self._fd, _line(item))

    def rotate(self) -> Path | None:
        """Close the current segment (returned, for `done` once its rows are written) and start a new one."""
        finished, fd = self._segment, self._fd
        self._fd = -1
        self._start_segment()
        if finished is not None:
            self._rotated[finished] = fd
        return finished

    def done(self, segments: list[Path]) -> None:
        """Everything in `segments` is written: delete them."""
        for path in segments:
            path.unlink(missing_ok=True)
            fd = self._rotated.pop(path, -1)
            if fd >= 0:
                os.close(fd)

    def close(self) -> None:
        # Closing releases the locks: a segment left with rows in it is replayed by the next start.
        if self._segment is not None and self._fd >= 0 and os.fstat(self._fd).st_size == 0:
            self._segment.unlink(missing_ok=True)
        for fd in [self._fd, *self._rotated.values()]:
            if fd >= 0:
                os.close(fd)
        self._fd, self._rotated = -1, {}

    def _start_segment(self) -> None:
        self._number += 1
        self._segment = self.directory / f"{os.uname().nodename}-{os.getpid()}-{self._number:08d}.jsonl"
        self._fd = os.open(self._segment, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
