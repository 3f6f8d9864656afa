"""Readers' feedback on answers, appended as JSON lines under the state directory.

Kept deliberately small: it validates and records; reading and reporting come with analytics.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path


class FeedbackStore:
    def __init__(self, state_dir: Path):
        self.path = state_dir / "feedback.jsonl"
        self._lock = threading.Lock()

    def record(self, *, answer_id: str, helpful: bool, comment: str | None) -> None:
        row = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "answer_id": answer_id,
            "helpful": helpful,
            "comment": comment,
        }
        line = json.dumps(row, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)

    def rows(self) -> list[dict[str, object]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
