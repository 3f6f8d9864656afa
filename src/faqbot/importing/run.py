"""`faqbot import`: read every SOURCE, write each page's data files, say what happened.

For each page it reads: the article and FAQ files are rendered (`files`) and compared with what
the import wrote last time (`manifest`): a page is added, changed (some file's text differs) or
unchanged (the server answered 304, or every file would be the same). Only files the manifest
lists are written, and only while their bytes are still those written (hand edits are kept).
Pages a source no longer names are gone: reported, and their files removed only with `prune`.

Nothing a page does stops the others: each problem is one line naming the page and the reason
(`ImportReport.problems`), and `ImportReport.imported` is 0 only when no page could be imported.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from tqdm import tqdm

from faqbot.importing.buildable import build_problem
from faqbot.importing.crawl import Discovery, Document, origin_of
from faqbot.importing.extract import canonical_url, joined, links_of, load_html, page_from_html
from faqbot.importing.fetch import Fetcher, FetchProblem
from faqbot.importing.files import render_article, render_faq, shown_source, write_atomic
from faqbot.importing.manifest import Manifest, PageRecord, digest, hand_written_slugs
from faqbot.importing.page import Page, PageProblem
from faqbot.importing.report import ImportOptions, ImportReport
from faqbot.importing.text_page import page_from_text
from faqbot.text import slugify

GONE_STATUSES = (404, 410)


def import_sources(
    sources: Sequence[str],
    options: ImportOptions,
    *,
    say: Callable[[str], None] = lambda line: None,
    progress: bool = False,
) -> ImportReport:
    """Import every source into `options.into`; `say` gets each line of the report as it happens.
    DataError only when the import manifest is unreadable; everything else is in the report."""
    manifest = Manifest.load(options.into)
    report = ImportReport()
    with (
        Fetcher(delay=options.delay, max_bytes=options.max_bytes) as fetcher,
        tqdm(disable=not (progress and sys.stderr.isatty()), unit=" pages", desc="import", leave=False) as bar,
    ):

        def speak(line: str) -> None:
            with bar.external_write_mode():  # the line above the progress bar, not through it
                say(shown_source(line))  # a file name not in UTF-8 cannot be printed as read

        run = _Run(manifest, options, report, speak, bar)
        for source in sources:
            origin = origin_of(source)
            discovery = Discovery(
                fetcher,
                problem=run.problem,
                validators=manifest.validators,
                max_pages=options.max_pages,
                max_depth=options.max_depth,
                base_url=options.base_url,
            )
            covered = discovery.read(origin, partial(run.handle, origin))
            for note in covered.notes:
                run.note(note)
            if covered.complete:
                run.find_gone(origin, covered.locations)
        if not options.base_url and any("://" not in origin_of(s) for s in sources) and report.imported:
            # Links answers give are the files' paths, as the site they were built for serves them.
            run.note(
                "the pages read from files link to their paths (/a/ for a/index.html) on the site they"
                " were built for: --base-url https://your.site makes those links whole"
            )
        run.finish()
    return report


class _Run:
    def __init__(
        self,
        manifest: Manifest,
        options: ImportOptions,
        report: ImportReport,
        say: Callable[[str], None],
        bar: tqdm,  # type: ignore[type-arg]
    ) -> None:
        self.manifest, self.options, self.report, self.say, self.bar = manifest, options, report, say, bar
        self.seen: dict[str, str] = {}  # location -> slug, pages read in this run
        self.canonical: dict[str, str] = {}  # canonical URL -> the location it was read from
        # A page's title and text (digest) -> the location it was read from: the manifest's pages, then
        # this run's (kept as they change, so a page is compared with each other page once, not all).
        self.contents: dict[str, str] = {}
        for location, record in manifest.pages.items():
            if record.content:
                self.contents.setdefault(record.content, location)
        self.gone: set[str] = set()
        self.orphans: set[str] = set()  # edited files kept when their gone page was pruned
        self.dirty = False  # the manifest changed: saved at the end (a run that imports nothing writes nothing)
        self._hand_written: set[str] | None = None

    def note(self, line: str) -> None:
        self.report.notes.append(line)
        self.say(f"note: {line}")

    def problem(self, location: str, problem: PageProblem) -> None:
        status = problem.status if isinstance(problem, FetchProblem) else None
        if status in GONE_STATUSES and location in self.manifest.pages:
            self._gone(location, problem.reason)
            return
        self.report.problems.append((location, problem.reason))
        self.say(f"skipped {location}: {problem.reason}")

    def handle(self, origin: str, document: Document) -> list[str]:
        """Import one page; returns its links (for a crawl)."""
        self.bar.update(1)
        location = document.location
        record = self.manifest.pages.get(location)
        if document.fetched.status == 304 and record is not None:
            self.seen[location] = record.slug
            self.report.unchanged.append(location)
            return list(record.links)
        links: list[str] = []
        try:
            if document.kind == "html":
                tree = load_html(document.fetched.body, document.fetched.charset)
                base = document.fetched.final_url
                links = [link for link in dict.fromkeys(joined(base, link) for link in links_of(tree)) if link]
                page = page_from_html(tree, url=canonical_url(tree, document.url), source=location)
            else:
                fallback = PurePosixPath(urlsplit(location).path).stem.replace("-", " ").strip() or "Untitled"
                page = page_from_text(
                    document.fetched.body,
                    document.fetched.charset,
                    url=document.url,
                    source=location,
                    fallback_title=fallback,
                )
            self._store(origin, document, page, links)
        except PageProblem as exc:
            self.problem(location, exc)
        return links

    def _store(self, origin: str, document: Document, page: Page, links: list[str]) -> None:
        location = document.location
        first = self.canonical.setdefault(page.url, location) if page.url else location
        if first != location:
            raise PageProblem(f"the same page as {first} (its canonical URL)")
        # A page under two URLs with no canonical link (`/a/` and `/a/index.html`, a tracking query): its content.
        content = digest(page.content_key())
        # Imported before under another name too (the folder by another path, "?x=1", a link order
        # that reads /a/index.html first): the page the manifest has. A page that moved is imported
        # under its new URL once its old one is gone and pruned.
        first = self.contents.setdefault(content, location)
        if first != location:
            raise PageProblem(f"the same page as {first} (the same title and text)")
        record = self.manifest.pages.get(location)
        slug = record.slug if record is not None else self._new_slug(page, location)
        rendered = {f"articles/{slug}.md": render_article(page, slug), f"faq/{slug}.yaml": render_faq(page)}
        texts = {relative: text for relative, text in rendered.items() if text is not None}
        for relative in texts:
            if (self.options.into / relative).exists() and self.manifest.owner(relative) != location:
                raise PageProblem(f"{relative} exists and was not written by faqbot import: left alone")
        refused = build_problem(texts)  # after the cheap checks: it writes and reads the files (~10 ms)
        if refused is not None:  # a page unlike any the import was tested on: skipped, the site still builds
            raise PageProblem(f"its files would stop 'faqbot build', so none was written ({refused})")
        old = record.files if record is not None else {}
        files: dict[str, str] = {}
        touched = len(self.report.written) + len(self.report.removed)
        for relative in sorted(set(old) | set(texts)):
            if self.manifest.edited(relative):
                self.report.kept.append(relative)
                files[relative] = old[relative]  # still what was written: it stays "edited"
            elif relative in texts:
                files[relative] = self._write(relative, texts[relative])
            else:
                self._remove(relative)
        touched -= len(self.report.written) + len(self.report.removed)
        same = record is not None and not touched and old == {r: digest(t) for r, t in texts.items()}
        status = "added" if record is None else "unchanged" if same else "changed"
        getattr(self.report, status).append(location)
        if status != "unchanged":
            self.say(f"{status} {location} -> {', '.join(sorted(texts))}")
        for note in page.notes:
            self.note(f"{location}: {note}")
        self.seen[location] = slug
        if record is not None and record.content != content:
            self._forget_content(record.content, location)
        self.manifest.pages[location] = PageRecord(
            url=page.url,
            origin=origin,
            slug=slug,
            files=files,
            etag=document.fetched.etag,
            last_modified=document.fetched.last_modified,
            links=links,
            content=content,
        )
        self.dirty = True
        if not self.options.dry_run:
            self.manifest.save()  # after every page: an interrupted import still knows its files

    def _write(self, relative: str, text: str) -> str:
        """Write one of the import's files unless it already holds `text`; returns its digest."""
        path = self.options.into / relative
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            self.report.written.append(relative)
            if not self.options.dry_run:
                write_atomic(path, text)
        return digest(text)

    def _remove(self, relative: str) -> None:
        path = self.options.into / relative
        if path.exists():
            self.report.removed.append(relative)
            if not self.options.dry_run:
                path.unlink()

    def _new_slug(self, page: Page, location: str) -> str:
        """From the page's URL path (`/blog/intro/` -> `intro`), else its file name; the whole
        path (`blog-intro`) when another page has that slug, then a number."""
        path = urlsplit(page.url).path if page.url else ""
        segments = [s for s in path.split("/") if s] or ([PurePosixPath(location).stem] if not page.url else [])
        if segments:
            last = PurePosixPath(segments[-1])
            segments[-1] = last.stem if last.suffix.lower() in (".html", ".htm", ".php", ".asp", ".aspx") else last.name
            if segments[-1].lower() == "index":
                segments.pop()
        if self._hand_written is None:  # read once a run
            self._hand_written = hand_written_slugs(self.options.into, self.manifest)
        taken = set(self.manifest.slugs()) | set(self.seen.values()) | self._hand_written
        candidates = [slugify(segments[-1]), slugify("-".join(segments))] if segments else ["home"]
        for candidate in candidates:
            if candidate not in taken:
                return candidate
        number = 2
        while f"{candidates[-1]}-{number}" in taken:
            number += 1
        return f"{candidates[-1]}-{number}"

    def find_gone(self, origin: str, locations: set[str]) -> None:
        for location, record in list(self.manifest.pages.items()):
            if record.origin == origin and location not in locations and location not in self.seen:
                self._gone(location, "no longer listed or linked")

    def _gone(self, location: str, reason: str) -> None:
        if location in self.gone:
            return
        self.gone.add(location)
        self.report.gone.append(location)
        record = self.manifest.pages[location]
        if not self.options.prune:
            self.say(f"gone {location} ({reason}): its files stay until 'faqbot import --prune'")
            return
        edited = {relative for relative in record.files if self.manifest.edited(relative)}
        for relative in sorted(set(record.files) - edited):
            self._remove(relative)
        self.report.kept.extend(sorted(edited))
        self.orphans |= edited
        self._forget_content(record.content, location)
        del self.manifest.pages[location]
        self.dirty = True
        removed = ", ".join(sorted(set(record.files) - edited)) or "nothing"
        self.say(
            f"gone {location} ({reason}): removed {removed}" + (f"; kept {', '.join(sorted(edited))}" if edited else "")
        )

    def _forget_content(self, content: str, location: str) -> None:
        """`location` holds `content` no more (it changed, or its page was pruned)."""
        if self.contents.get(content) == location:
            del self.contents[content]

    def finish(self) -> None:
        for relative in sorted(set(self.report.kept)):
            why = (
                "its page is gone: delete it if it should go too"
                if relative in self.orphans
                else "delete it for a fresh copy"
            )
            self.say(f"kept {relative}: edited by hand since it was imported ({why})")
        if self.dirty and not self.options.dry_run:
            self.manifest.save()
