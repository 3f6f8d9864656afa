"""Sitemaps: URL sets, indexes, gzip, the plain-text form, and what is not a sitemap."""

from __future__ import annotations

import gzip

import pytest

from faqbot.importing.page import PageProblem
from faqbot.importing.sitemap import Sitemap, parse_sitemap

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc> https://example.org/a/ </loc><lastmod>2026-01-01</lastmod></url>
  <url><loc>https://example.org/b/</loc></url>
</urlset>"""


def test_a_url_set_gzipped_or_not() -> None:
    expected = Sitemap(pages=["https://example.org/a/", "https://example.org/b/"])
    assert parse_sitemap(URLSET) == expected
    assert parse_sitemap(gzip.compress(URLSET)) == expected


def test_a_sitemap_index() -> None:
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://example.org/pages.xml.gz</loc></sitemap></sitemapindex>"""
    assert parse_sitemap(index) == Sitemap(sitemaps=["https://example.org/pages.xml.gz"])


def test_the_plain_text_form() -> None:
    assert parse_sitemap(b"https://example.org/a/\nhttps://example.org/b/\n") == Sitemap(
        pages=["https://example.org/a/", "https://example.org/b/"]
    )


def test_what_is_not_a_sitemap() -> None:
    assert parse_sitemap(b"<html><body><p>A page.</p></body></html>") is None
    assert parse_sitemap(b'<?xml version="1.0"?><rss><channel/></rss>') is None
    assert parse_sitemap(b"Q: What? A: Text.") is None


def test_entities_are_not_expanded() -> None:
    hostile = b"""<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&secret;</loc></url></urlset>"""
    parsed = parse_sitemap(hostile)
    assert parsed is None or parsed.pages == []


def test_a_broken_or_bloated_gzip_is_refused() -> None:
    with pytest.raises(PageProblem, match="broken gzip"):
        parse_sitemap(gzip.compress(URLSET)[:30])
    with pytest.raises(PageProblem, match="unzips to more than"):
        parse_sitemap(gzip.compress(URLSET + b" " * 10_000), max_bytes=1_000)
