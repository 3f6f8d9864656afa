"""From a SOURCE argument to the pages it names: a sitemap, a start URL to crawl, a folder of
HTML files, or single HTML or text files.

`Discovery.read(source, handle)` calls `handle(document)` once per page, in order, and returns
what the source covered. `handle` reads the page and returns the links it has (used only when
crawling). Whatever cannot be fetched is reported through `problem` and the rest goes on.

A crawl stays on the start URL's host, goes at most `max_depth` links deep and fetches at most
`max_pages` pages, breadth first; links to files (images, PDFs, scripts…) are not followed.
A sitemap's pages must be on the sitemap's host (the protocol says so).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal
from urllib.parse import quote, urljoin, urlsplit, urlunsplit
from urllib.request import url2pathname

from faqbot.importing.fetch import PAGE_TYPES, SITEMAP_TYPES, Fetched, Fetcher, FetchProblem, same_site
from faqbot.importing.page import PageProblem
from faqbot.importing.sitemap import parse_sitemap
from faqbot.text import lone_surrogate

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt", ".text")
SITEMAP_SUFFIXES = (".xml", ".gz")
MAX_SITEMAPS = 50
ASSET_SUFFIXES = frozenset(
    ".jpg .jpeg .png .gif .svg .webp .ico .bmp .css .js .mjs .map .json .pdf .zip .gz .tgz .tar .rar .7z .mp3 .wav"
    " .ogg .mp4 .webm .mov .avi .woff .woff2 .ttf .otf .eot .rss .atom .doc .docx .xls .xlsx .ppt .pptx .exe .dmg"
    " .apk .csv .xml".split()
)


@dataclass(frozen=True)
class Document:
    """A page to import. `url`: where it lives (a URL, or a path for a file; "" when unknown);
    `location`: what was read (the URL fetched or the file); `fetched`: the response, or for a
    file a 200 with its bytes. A 304 has no body: the page is as last imported."""

    url: str
    location: str
    kind: Literal["html", "text"]
    fetched: Fetched
    depth: int = 0


@dataclass
class Covered:
    """What a source covered: every page location it named, and whether that is all of them (a
    failed sitemap or start page, or a crawl cut at its limits, is not: its missing pages are not
    reported as gone)."""

    locations: set[str] = field(default_factory=set)
    complete: bool = True
    notes: list[str] = field(default_factory=list)


Handle = Callable[[Document], Sequence[str]]
Problem = Callable[[str, PageProblem], None]
Validators = Callable[[str], tuple[str | None, str | None]]


class Discovery:
    def __init__(
        self,
        fetcher: Fetcher,
        *,
        problem: Problem,
        validators: Validators,
        max_pages: int = 200,
        max_depth: int = 3,
        base_url: str = "",
    ) -> None:
        self.fetcher = fetcher
        self.problem = problem
        self.validators = validators
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.base_url = base_url

    def read(self, source: str, handle: Handle) -> Covered:
        """Import from `source` as origin_of gave it: an http(s) URL, or a path."""
        scheme = _scheme(source)
        why = None
        if scheme in ("http", "https"):
            try:
                urlsplit(source)
            except ValueError:  # "http://[::1"
                why = "not a valid URL"
            else:
                return self._url(source, handle)
        elif scheme == "file":  # what origin_of could not read as a path: file://host/...
            why = "a file: URL names a file on this machine: file:///absolute/path"
        elif scheme is not None:  # ftp://, mailto:, or "localhost:8000" (a host and port, without http://)
            why = f"{scheme}: cannot be read: import http(s) URLs, files and folders"
            if source[len(scheme) + 1 : len(scheme) + 2].isdigit():
                why += f" (http://{source}?)"
        if why is not None:
            self.problem(source, PageProblem(why))
            return Covered(complete=False)
        return self._path(Path(source), handle)

    # --- URLs ------------------------------------------------------------------------------------

    def _url(self, url: str, handle: Handle) -> Covered:
        covered = Covered()
        try:
            first = self._fetch(url, accept=PAGE_TYPES + SITEMAP_TYPES)
        except PageProblem as exc:
            self.problem(url, exc)
            return Covered(complete=False)
        sitemap = parse_sitemap(first.body) if first.status == 200 and first.content_type != "text/html" else None
        if sitemap is not None:
            return self._sitemap(url, first, handle)
        kind: Literal["html", "text"] = "text" if first.content_type == "text/plain" else "html"
        queue: deque[tuple[str, int, Fetched | None]] = deque([(first.final_url, 0, first)])
        seen = {_normal(url), _normal(first.final_url)}
        read: set[str] = set()  # final URLs, after redirects
        asked = 0
        while queue:
            location, depth, response = queue.popleft()
            if asked >= self.max_pages:
                covered.complete = False
                covered.notes.append(f"{url}: stopped at {self.max_pages} pages (--max-pages)")
                break
            asked += 1
            covered.locations.add(location)
            try:
                response = response or self._fetch(location)
            except PageProblem as exc:
                self.problem(location, exc)
                continue
            if _normal(response.final_url) in read:
                continue  # a redirect to a page already read (`/a` -> `/a/`)
            read.add(_normal(response.final_url))
            seen.add(_normal(response.final_url))
            kind = "text" if response.content_type == "text/plain" else "html"
            links = handle(Document(response.final_url, location, kind, response, depth))
            if depth >= self.max_depth:
                continue
            for link in links:
                target = _normal(urljoin(response.final_url, link))
                if target in seen or not same_site(url, target) or _is_asset(target):
                    continue
                seen.add(target)
                queue.append((target, depth + 1, None))
        return covered

    def _sitemap(self, url: str, first: Fetched, handle: Handle) -> Covered:
        covered = Covered()
        pages: list[str] = []
        pending: list[tuple[str, Fetched | None]] = [(url, first)]
        read = 0
        while pending:
            location, response = pending.pop(0)
            read += 1
            try:
                response = response or self._fetch(location, accept=SITEMAP_TYPES + PAGE_TYPES)
                sitemap = parse_sitemap(response.body)
                if sitemap is None:
                    raise PageProblem("not a sitemap")
            except PageProblem as exc:
                self.problem(location, exc)
                covered.complete = False
                continue
            pages += sitemap.pages
            for child in sitemap.sitemaps:
                if read + len(pending) < MAX_SITEMAPS and same_site(url, child):
                    pending.append((child, None))
        return self._pages(url, pages, covered, handle)

    def _pages(self, origin: str, pages: list[str], covered: Covered, handle: Handle) -> Covered:
        unique = list(dict.fromkeys(pages))
        if len(unique) > self.max_pages:
            covered.complete = False
            covered.notes.append(f"{origin}: {len(unique)} pages listed, only the first {self.max_pages} read")
        for location in unique[: self.max_pages]:
            covered.locations.add(location)
            if origin.startswith(("http://", "https://")) and not same_site(origin, location):
                self.problem(location, PageProblem(f"not on the sitemap's host ({urlsplit(origin).netloc})"))
                continue
            try:
                response = self._fetch(location)
            except PageProblem as exc:
                self.problem(location, exc)
                continue
            kind: Literal["html", "text"] = "text" if response.content_type == "text/plain" else "html"
            handle(Document(response.final_url, location, kind, response))
        return covered

    def _fetch(self, url: str, *, accept: tuple[str, ...] = PAGE_TYPES) -> Fetched:
        etag, modified = self.validators(url)
        return self.fetcher.fetch(url, accept=accept, etag=etag, last_modified=modified)

    # --- files -----------------------------------------------------------------------------------

    def _path(self, path: Path, handle: Handle) -> Covered:
        covered = Covered()
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in HTML_SUFFIXES and not _hidden(p.relative_to(path))
            )
            for file in files:
                self._file(file, self._site_url(file.relative_to(path)), handle, covered)
            return covered
        if not path.is_file():
            self.problem(str(path), PageProblem("no such file or folder"))
            return Covered(complete=False)
        suffix = path.suffix.lower()
        if suffix in SITEMAP_SUFFIXES:
            sitemap = parse_sitemap(path.read_bytes())
            if sitemap is not None:
                return self._pages(str(path), sitemap.pages, covered, handle)
        if suffix not in HTML_SUFFIXES + TEXT_SUFFIXES:
            self.problem(str(path), PageProblem("not an HTML, text or sitemap file"))
            return Covered(complete=False)
        url = urljoin(self.base_url.rstrip("/") + "/", path.name) if self.base_url else ""
        self._file(path, url, handle, covered)
        return covered

    def _file(self, path: Path, url: str, handle: Handle, covered: Covered) -> None:
        location = str(path)
        covered.locations.add(location)
        size = path.stat().st_size
        if size > self.fetcher.max_bytes:
            self.problem(location, FetchProblem(f"too large ({size:,} bytes; the limit is {self.fetcher.max_bytes:,})"))
            return
        kind: Literal["html", "text"] = "text" if path.suffix.lower() in TEXT_SUFFIXES else "html"
        media = "text/plain" if kind == "text" else "text/html"
        fetched = Fetched(location, location, 200, media, None, path.read_bytes())
        handle(Document(url, location, kind, fetched))

    def _site_url(self, relative: Path) -> str:
        """A file's URL in the folder of a built site: `a/index.html` is served as `/a/`."""
        parts = PurePosixPath(relative.as_posix())
        path = "/" + (str(parts.parent) + "/" if parts.name.lower() in ("index.html", "index.htm") else str(parts))
        path = path.replace("/./", "/")
        if lone_surrogate(path):  # a file name not in UTF-8 ("caf\xe9.html" in Latin-1): its bytes, %-escaped
            path = quote(path, safe="/", errors="surrogateescape")
        return urljoin(self.base_url.rstrip("/") + "/", path.lstrip("/")) if self.base_url else path


def origin_of(source: str) -> str:
    """A source as the import reads and records it: a URL as given, a path (or a file:/// URL) as a path."""
    scheme = _scheme(source)
    if scheme is None:
        return str(Path(source))
    if scheme not in ("file", "http", "https"):
        return source
    try:
        parts = urlsplit(source)
    except ValueError:  # "http://[::1": Discovery.read names it
        return source
    if scheme == "file":
        return str(Path(url2pathname(parts.path))) if parts.netloc in ("", "localhost") else source
    # "HTTP://Example.org/a" is http://example.org/a
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, parts.fragment))


def _scheme(source: str) -> str | None:
    """The URL scheme `source` opens with, in lower case ("HTTP://" is http); None for a path (and for
    "C:\\site", a Windows drive: a scheme has two letters or more)."""
    found = _SCHEME.match(source)
    return found.group(1).lower() if found else None


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):")


def _normal(url: str) -> str:
    """A URL without its fragment, scheme and host in lower case."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _is_asset(url: str) -> bool:
    return PurePosixPath(urlsplit(url).path).suffix.lower() in ASSET_SUFFIXES


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)
