"""Sitemaps (sitemaps.org): a `<urlset>` of pages, a `<sitemapindex>` of more sitemaps, either of
them gzipped, or the protocol's plain-text form (one URL a line).

`parse_sitemap(body)` returns the page URLs and the child sitemaps in document order, or None when
`body` is not a sitemap at all (so a start URL can be told apart from a sitemap by its content).
XML is parsed without entities or network access, and gunzipping stops at `max_bytes`, so a
hostile sitemap can neither read local files nor expand without bound.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field

from lxml import etree

from faqbot.importing.page import PageProblem

GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Sitemap:
    pages: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # of a sitemap index


def parse_sitemap(body: bytes, *, max_bytes: int = 50_000_000) -> Sitemap | None:
    """The sitemap in `body`, or None when it is not one. PageProblem for a broken gzip file."""
    if body.startswith(GZIP_MAGIC):
        body = _gunzip(body, max_bytes)
    text_start = body.lstrip()[:200].lower()
    if text_start.startswith((b"<?xml", b"<urlset", b"<sitemapindex")) or b"<urlset" in text_start:
        return _xml(body)
    return _plain(body)


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as unzipped:
            data = unzipped.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise PageProblem(f"a broken gzip file ({exc})") from None
    if len(data) > max_bytes:
        raise PageProblem(f"the sitemap unzips to more than {max_bytes:,} bytes")
    return data


def _xml(body: bytes) -> Sitemap | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        return None
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        return None
    entry = "url" if kind == "urlset" else "sitemap"
    locations = []
    for element in root:
        if isinstance(element.tag, str) and etree.QName(element).localname == entry:
            loc = next(
                (c for c in element if isinstance(c.tag, str) and etree.QName(c).localname == "loc"),
                None,
            )
            if loc is not None and (loc.text or "").strip():
                locations.append((loc.text or "").strip())
    return Sitemap(pages=locations) if kind == "urlset" else Sitemap(sitemaps=locations)


def _plain(body: bytes) -> Sitemap | None:
    try:
        lines = [line.strip() for line in body.decode("utf-8").splitlines() if line.strip()]
    except UnicodeDecodeError:
        return None
    if lines and all(line.startswith(("http://", "https://")) and " " not in line for line in lines):
        return Sitemap(pages=lines)
    return None
