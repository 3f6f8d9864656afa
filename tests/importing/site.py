"""The import tests' own web site, served on 127.0.0.1 from a folder (a copy of
tests/fixtures/import/site, so a test can change a page), the way a static host would:

- `/a/` serves `a/index.html`; `/a` redirects (301) to `/a/`, a redirect within the host;
- ETag and Last-Modified on every file, and 304 for a matching If-None-Match;
- `/old-docs/` redirects to another host (which the import must not follow);
- `{{base}}` in an XML file is the server's own address (sitemaps need absolute URLs);
- `/sitemap.xml.gz` is the sitemap gzipped, `/sitemap_index.xml` a sitemap index naming it;
- anything else that is not a file is 404.
Every request is logged as (path, status, whether it was conditional), and its user agent.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

OFF_HOST = "http://docs.elsewhere.invalid/"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".gz": "application/gzip",
}


@dataclass
class Site:
    base: str
    root: Path
    requests: list[tuple[str, int, bool]] = field(default_factory=list)
    user_agents: set[str] = field(default_factory=set)

    def url(self, path: str) -> str:
        return self.base + path

    def fetched(self, path: str) -> list[int]:
        """Statuses served for `path`, in order."""
        return [status for p, status, _ in self.requests if p == path]


@contextmanager
def serve_site(root: Path) -> Iterator[Site]:
    site = Site("", root)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            path = urlsplit(self.path).path
            status, headers, body = self._answer(path)
            site.requests.append((path, status, "If-None-Match" in self.headers))
            site.user_agents.add(self.headers.get("User-Agent", ""))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
            if path == "/old-docs/":
                return 302, {"Location": OFF_HOST}, b""
            if path == "/sitemap.xml.gz":
                return self._file_response(gzip.compress(self._xml(root / "sitemap.xml")), ".gz", root / "sitemap.xml")
            if path == "/sitemap_index.xml":
                index = (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<sitemap><loc>{site.base}/sitemap.xml.gz</loc></sitemap></sitemapindex>"
                )
                return 200, {"Content-Type": TYPES[".xml"]}, index.encode()
            target = (root / path.lstrip("/")).resolve()
            if root.resolve() not in (target, *target.parents):
                return 404, {"Content-Type": "text/plain"}, b"not found"
            if target.is_dir():
                if not path.endswith("/"):
                    return 301, {"Location": path + "/"}, b""
                target = target / "index.html"
            if not target.is_file():
                return 404, {"Content-Type": "text/html"}, b"<html><body><h1>Not found</h1></body></html>"
            body = self._xml(target) if target.suffix == ".xml" else target.read_bytes()
            return self._file_response(body, target.suffix, target)

        def _xml(self, path: Path) -> bytes:
            return path.read_bytes().replace(b"{{base}}", site.base.encode())

        def _file_response(self, body: bytes, suffix: str, path: Path) -> tuple[int, dict[str, str], bytes]:
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            headers = {
                "Content-Type": TYPES.get(suffix, "application/octet-stream"),
                "ETag": etag,
                "Last-Modified": formatdate(path.stat().st_mtime, usegmt=True),
            }
            if self.headers.get("If-None-Match") == etag:
                return 304, headers, b""
            return 200, headers, body

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
