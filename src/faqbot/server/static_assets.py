"""Static files under `web/static/`, served with a content hash for cache-busting.

Pages link `/static/<name>?v=<hash>`; a request whose `v` matches the file's current hash may be
cached for a year, any other gets `no-cache`. Only files found at start-up are served, by exact
name, so no request can reach outside the folder.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

LONG_CACHE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"


@dataclass(frozen=True)
class Asset:
    name: str
    body: bytes
    digest: str
    media_type: str


class StaticAssets:
    def __init__(self, root: Path):
        self.root = root
        self._assets: dict[str, Asset] = {}
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            body = path.read_bytes()
            media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if media_type.startswith("text/") or media_type.endswith("javascript"):
                media_type += "; charset=utf-8"
            self._assets[name] = Asset(name, body, hashlib.sha256(body).hexdigest()[:12], media_type)

    def get(self, name: str) -> Asset | None:
        return self._assets.get(name)

    def url(self, name: str) -> str:
        asset = self._assets[name]
        return f"/static/{name}?v={asset.digest}"
