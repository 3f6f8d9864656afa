"""Importing the test site over HTTP: sitemaps, crawls, politeness, bad pages, re-imports."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from faqbot.content.corpus import load_corpus
from faqbot.importing.fetch import USER_AGENT, Fetcher
from faqbot.importing.report import ImportOptions, ImportReport
from faqbot.importing.run import import_sources
from tests.conftest import FIXTURES
from tests.importing.site import Site, serve_site
from tests.support import free_port

IMPORTED = [
    "/articles/future-of-open-source-ai-models/",
    "/articles/green-ai-in-practice/",
    "/articles/running-models-locally/",
    "/help/faq/",
    "/help/community/",
]
FILES = sorted(
    [
        "articles/future-of-open-source-ai-models.md",
        "faq/future-of-open-source-ai-models.yaml",
        "articles/green-ai-in-practice.md",
        "articles/running-models-locally.md",
        "faq/running-models-locally.yaml",
        "articles/faq.md",
        "faq/faq.yaml",
        "articles/community.md",
        "faq/community.yaml",
    ]
)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "import" / "site", root)
    with serve_site(root) as served:
        yield served


def run(sources: list[str], into: Path, **options: object) -> ImportReport:
    lines: list[str] = []
    report = import_sources(sources, ImportOptions(into=into, delay=0, **options), say=lines.append)  # type: ignore[arg-type]
    report.notes.extend(lines)  # every line said, for the assertions below
    return report


def files(data: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(data)): p.read_bytes()
        for p in sorted(data.rglob("*"))
        if p.is_file() and p.name != "import-manifest.json"
    }


def test_sitemap_import_reports_each_bad_page_and_goes_on(site: Site, tmp_path: Path) -> None:
    data = tmp_path / "data"
    report = run([site.url("/sitemap.xml")], data)
    assert report.added == [site.url(p) for p in IMPORTED]
    assert sorted(files(data)) == FILES
    assert dict(report.problems) == {
        site.url("/private/drafts/"): "disallowed by robots.txt",
        site.url("/old-docs/"): "redirects to http://docs.elsewhere.invalid/, another host: not followed",
        site.url("/articles/deleted-post/"): "404 Not Found",
        site.url("/files/price-list.pdf"): "not an HTML page (application/pdf)",
        site.url("/articles/legacy-notes/"): "broken encoding: not valid declared utf-8 (a bad byte at offset 1190)",
        site.url("/tags/"): "no main content found (an empty page, or only navigation)",
    }
    for location, reason in report.problems:  # one line each, naming the page and the reason
        assert f"skipped {location}: {reason}" in report.notes
    assert site.fetched("/private/drafts/") == []  # robots.txt is read first and obeyed
    assert site.user_agents == {USER_AGENT}


def test_a_gzipped_sitemap_behind_a_sitemap_index(site: Site, tmp_path: Path) -> None:
    report = run([site.url("/sitemap_index.xml")], tmp_path / "data")
    assert report.added == [site.url(p) for p in IMPORTED]
    assert site.fetched("/sitemap.xml.gz") == [200]


def test_a_crawl_stays_on_the_host_within_its_bounds(site: Site, tmp_path: Path) -> None:
    report = run([site.url("/")], tmp_path / "data")
    # Nav links: /articles/green-ai-in-practice redirects (301) to the page within the host, read once.
    assert sorted(files(tmp_path / "data")) == FILES
    assert site.fetched("/articles/green-ai-in-practice") == [301]
    assert (site.url("/"), "no main content found (an empty page, or only navigation)") in report.problems
    assert (site.url("/private/drafts/"), "disallowed by robots.txt") in report.problems
    assert site.fetched("/files/price-list.pdf") == []  # links to files are not followed

    shallow = run([site.url("/")], tmp_path / "shallow", max_depth=0)
    assert shallow.imported == 0 and shallow.problems == [(site.url("/"), shallow.problems[0][1])]
    few = run([site.url("/")], tmp_path / "few", max_pages=3)
    assert len(few.added) + len(few.problems) == 3
    assert f"note: {site.url('/')}: stopped at 3 pages (--max-pages)" in few.notes


def test_one_page_under_two_urls_is_imported_once(site: Site, tmp_path: Path) -> None:
    """`/a/` and `/a/index.html` (a static host serves both) are one page, as a link may name either,
    also when the page names no canonical URL."""
    home, page = site.root / "index.html", site.root / "articles" / "running-models-locally" / "index.html"
    link = '<li><a href="/articles/running-models-locally/index.html">Local models, again</a></li>'
    home.write_text(home.read_text().replace('<li><a href="/tags/">', link + '<li><a href="/tags/">'))
    page.write_text(page.read_text().replace('<link rel="canonical" href="/articles/running-models-locally/">', ""))
    report = run([site.url("/")], tmp_path / "data")
    assert site.fetched("/articles/running-models-locally/index.html") == [200]
    assert sorted(files(tmp_path / "data")) == FILES
    again, first = (
        site.url("/articles/running-models-locally/index.html"),
        site.url("/articles/running-models-locally/"),
    )
    assert (again, f"the same page as {first} (the same title and text)") in report.problems
    # Imported again: the first URL answers 304 (unchanged, not read), and the second is still the same page.
    rerun = run([site.url("/")], tmp_path / "data")
    assert rerun.added == [] and sorted(files(tmp_path / "data")) == FILES
    assert (again, f"the same page as {first} (the same title and text)") in rerun.problems


def test_a_second_import_changes_nothing(site: Site, tmp_path: Path) -> None:
    data = tmp_path / "data"
    run([site.url("/sitemap.xml")], data)
    before = files(data)
    mtimes = {p: (data / p).stat().st_mtime_ns for p in before}
    asked = len(site.requests)
    again = run([site.url("/sitemap.xml")], data)
    assert (again.added, again.changed, again.gone) == ([], [], [])
    assert again.unchanged == [site.url(p) for p in IMPORTED]
    assert files(data) == before and {p: (data / p).stat().st_mtime_ns for p in before} == mtimes
    # The pages were asked for with their ETags, and the server had nothing new to send.
    assert all(site.fetched(p)[-1] == 304 for p in IMPORTED)
    assert all(conditional for path, _, conditional in site.requests[asked:] if path in IMPORTED)


def test_a_changed_page_is_reimported_alone(site: Site, tmp_path: Path) -> None:
    data = tmp_path / "data"
    run([site.url("/sitemap.xml")], data)
    before = files(data)
    page = site.root / "articles" / "green-ai-in-practice" / "index.html"
    page.write_text(page.read_text().replace("rarely worth repeating", "seldom worth repeating"))
    report = run([site.url("/sitemap.xml")], data)
    assert report.changed == [site.url("/articles/green-ai-in-practice/")]
    assert report.written == ["articles/green-ai-in-practice.md"]
    after = files(data)
    assert {p for p in after if after[p] != before[p]} == {"articles/green-ai-in-practice.md"}
    assert b"seldom worth repeating" in after["articles/green-ai-in-practice.md"]


def test_a_page_whose_chrome_changed_is_unchanged(site: Site, tmp_path: Path) -> None:
    data = tmp_path / "data"
    run([site.url("/sitemap.xml")], data)
    page = site.root / "help" / "faq" / "index.html"
    page.write_text(page.read_text().replace("All rights reserved.", "All rights reserved, 2027."))
    report = run([site.url("/sitemap.xml")], data)
    assert site.url("/help/faq/") in report.unchanged and not report.written


def test_gone_pages_are_reported_and_pruned_only_when_asked(site: Site, tmp_path: Path) -> None:
    data = tmp_path / "data"
    run([site.url("/sitemap.xml")], data)
    sitemap = site.root / "sitemap.xml"
    sitemap.write_text(sitemap.read_text().replace("<url><loc>{{base}}/help/community/</loc></url>", ""))
    shutil.rmtree(site.root / "articles" / "running-models-locally")  # now a 404
    report = run([site.url("/sitemap.xml")], data)
    gone = [site.url("/articles/running-models-locally/"), site.url("/help/community/")]
    assert sorted(report.gone) == gone
    assert (data / "articles" / "community.md").exists() and (data / "faq" / "running-models-locally.yaml").exists()
    assert any(line.startswith(f"gone {site.url('/help/community/')}") for line in report.notes)

    edited = data / "faq" / "community.yaml"  # the owner's hand is in it: pruning keeps it, and says so
    edited.write_text(edited.read_text() + "\n# checked by hand\n")
    pruned = run([site.url("/sitemap.xml")], data, prune=True)
    assert sorted(pruned.gone) == gone
    assert sorted(pruned.removed) == [
        "articles/community.md",
        "articles/running-models-locally.md",
        "faq/running-models-locally.yaml",
    ]
    assert not (data / "articles" / "community.md").exists() and edited.exists()
    said = "(no longer listed or linked): removed articles/community.md; kept faq/community.yaml"
    assert f"gone {site.url('/help/community/')} {said}" in pruned.notes
    assert "kept faq/community.yaml: edited by hand since it was imported (its page is gone" in "\n".join(pruned.notes)
    assert run([site.url("/sitemap.xml")], data).gone == []  # pruned pages are forgotten


def test_files_it_did_not_write_or_that_were_edited_are_left_alone(site: Site, tmp_path: Path) -> None:
    data = tmp_path / "data"
    own = data / "articles" / "faq.md"
    own.parent.mkdir(parents=True)
    own.write_text("---\ntitle: The owner's own FAQ page\n---\n\nWritten by hand.\n")
    # An article written by hand under another file name, with the slug a page would take.
    notes = "---\ntitle: Notes\nslug: running-models-locally\n---\n\nBy hand.\n"
    (data / "articles" / "notes.md").write_text(notes)
    report = run([site.url("/sitemap.xml")], data)
    assert all("faq.md" not in reason for _, reason in report.problems)
    assert own.read_text().startswith("---\ntitle: The owner's own FAQ page")
    assert (data / "articles" / "help-faq.md").exists() and not (data / "faq" / "faq.yaml").exists()
    # The page's own slug is the owner's: imported under its whole path (two of one slug stop a build).
    assert not (data / "articles" / "running-models-locally.md").exists()
    assert (data / "articles" / "articles-running-models-locally.md").exists()
    load_corpus(data)  # and builds

    edited = data / "articles" / "green-ai-in-practice.md"
    edited.write_text(edited.read_text() + "\nA paragraph the owner added.\n")
    page = site.root / "articles" / "green-ai-in-practice" / "index.html"
    page.write_text(page.read_text().replace("rarely worth", "seldom worth"))
    again = run([site.url("/sitemap.xml")], data)
    assert again.kept == ["articles/green-ai-in-practice.md"]
    assert "A paragraph the owner added." in edited.read_text() and "rarely worth" in edited.read_text()
    edited.unlink()  # deleting an edited file asks for a fresh copy
    fresh = run([site.url("/sitemap.xml")], data)
    assert "seldom worth" in edited.read_text() and fresh.kept == []


def test_a_dry_run_writes_nothing(site: Site, tmp_path: Path) -> None:
    data = tmp_path / "data"
    report = run([site.url("/sitemap.xml")], data, dry_run=True)
    assert len(report.added) == len(IMPORTED) and sorted(report.written) == FILES
    assert not data.exists()


def test_too_large_and_unreachable(site: Site, tmp_path: Path) -> None:
    report = run([site.url("/sitemap.xml")], tmp_path / "data", max_bytes=5_000)
    too_large = dict(report.problems)[site.url("/articles/future-of-open-source-ai-models/")]
    size = len((site.root / "articles" / "future-of-open-source-ai-models" / "index.html").read_bytes())
    assert too_large == f"too large ({size:,} bytes; the limit is 5,000)"
    nowhere = f"http://127.0.0.1:{free_port()}/sitemap.xml"
    unreachable = run([nowhere], tmp_path / "none")
    assert unreachable.imported == 0
    assert unreachable.problems[0][0] == nowhere and unreachable.problems[0][1].startswith("unreachable")


def test_requests_to_a_host_are_spaced_by_the_delay(site: Site) -> None:
    slept: list[float] = []
    with Fetcher(delay=0.5, sleep=slept.append) as fetcher:
        for path in ("/help/faq/", "/help/community/", "/articles/green-ai-in-practice/"):
            fetcher.fetch(site.url(path))
    # robots.txt, then three pages: every request after the first waited most of the half second.
    assert len(slept) == 3 and all(0.3 < wait <= 0.5 for wait in slept)


def test_robots_crawl_delay_is_honoured(site: Site) -> None:
    robots = site.root / "robots.txt"
    robots.write_text(robots.read_text() + "Crawl-delay: 3\n")
    slept: list[float] = []
    with Fetcher(delay=0, sleep=slept.append) as fetcher:
        fetcher.fetch(site.url("/help/faq/"))
        fetcher.fetch(site.url("/help/community/"))
    assert len(slept) == 2 and all(2.5 < wait <= 3 for wait in slept)
