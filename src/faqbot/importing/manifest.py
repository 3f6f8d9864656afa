"""The import's own record, `<data>/import-manifest.json`: which files it wrote, for which page.

It is what makes a re-import safe and incremental:
- A file is the import's only when the manifest lists it; any other file is never written over
  or removed.
- Each file's SHA-256 as written: a file whose bytes differ now was edited by hand, and is left
  alone (deleting it asks for a fresh copy).
- Each page's ETag and Last-Modified, sent back as If-None-Match / If-Modified-Since, and for a
  crawled page its links, so a crawl goes on past a page the server says is unchanged (304).
Commit it with the data files: a fresh clone then knows which files the import owns.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from faqbot.content.faq import FAQ_SUFFIXES
from faqbot.content.front_matter import read_front_matter
from faqbot.errors import DataError
from faqbot.importing.files import write_atomic
from faqbot.text import data_files, lone_surrogate, read_utf8, slugify

MANIFEST_NAME = "import-manifest.json"
FORMAT = 1


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class PageRecord:
    """One imported page. `origin`: the SOURCE argument that named it; `files`: data-relative
    path -> SHA-256 of the text written."""

    url: str
    origin: str
    slug: str
    files: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    links: list[str] = field(default_factory=list)
    content: str = ""  # SHA-256 of the page's title and text (Page.content_key): one page under two URLs


class Manifest:
    """Pages by location (the URL fetched, or the file as named on the command line)."""

    def __init__(self, data_dir: Path, pages: dict[str, PageRecord] | None = None) -> None:
        self.data_dir = data_dir
        self.pages = pages or {}

    @property
    def path(self) -> Path:
        return self.data_dir / MANIFEST_NAME

    @classmethod
    def load(cls, data_dir: Path) -> Manifest:
        """The manifest of `data_dir` (empty when there is none). DataError when it is unreadable:
        guessing would risk overwriting the owner's files."""
        path = data_dir / MANIFEST_NAME
        if not path.exists():
            return cls(data_dir)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            pages = {location: PageRecord(**record) for location, record in data["pages"].items()}
            unsafe = next(
                (r.slug for r in pages.values() if not isinstance(r.slug, str) or slugify(r.slug) != r.slug), None
            )
            if unsafe is not None:  # "../../evil" would write outside the data folder
                raise ValueError(f"the slug {unsafe!r} is not a slug")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            message = f"the import manifest is unreadable ({exc}); fix it, or delete it to disown every imported file"
            raise DataError(path, message) from None
        return cls(data_dir, pages)

    def save(self) -> None:
        pages = {location: asdict(record) for location, record in sorted(self.pages.items())}
        text = json.dumps({"format": FORMAT, "pages": pages}, indent=2, ensure_ascii=False)
        if lone_surrogate(text):  # a file name not in UTF-8, as read: escaped (\udce9), read back as it was
            text = json.dumps({"format": FORMAT, "pages": pages}, indent=2)
        write_atomic(self.path, text + "\n")

    def owner(self, relative: str) -> str | None:
        """The location of the page whose file `relative` is, or None when the import did not write it."""
        return next((location for location, r in self.pages.items() if relative in r.files), None)

    def edited(self, relative: str) -> bool:
        """Whether the import's file `relative` was changed by hand since it was written. A deleted
        file is not edited: deleting is how an owner asks for a fresh copy of a page."""
        location = self.owner(relative)
        path = self.data_dir / relative
        if location is None or not path.is_file():
            return False
        return digest(path.read_text(encoding="utf-8", errors="replace")) != self.pages[location].files[relative]

    def validators(self, location: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified to send for `location`; none when one of its files is missing or
        edited (the page must then be read in full to decide)."""
        record = self.pages.get(location)
        if record is None or any(self.edited(f) or not (self.data_dir / f).is_file() for f in record.files):
            return None, None
        return record.etag, record.last_modified

    def slugs(self) -> dict[str, str]:
        return {record.slug: location for location, record in self.pages.items()}


def hand_written_slugs(data_dir: Path, manifest: Manifest) -> set[str]:
    """The slugs (and file names) of the articles under `data_dir` that the import did not write: a
    page imported with one of them would stop the next build (two articles, one slug). And the names
    of hand-written FAQ files: an FAQ file belongs to the article of its name (faqbot.content.faq), so
    an imported `pricing` article would take over `faq/pricing.yaml`'s links."""
    slugs = {
        path.stem
        for path in data_files(data_dir / "faq", FAQ_SUFFIXES)
        if manifest.owner(path.relative_to(data_dir).as_posix()) is None
    }
    for path in data_files(data_dir / "articles", (".md",)):
        if manifest.owner(path.relative_to(data_dir).as_posix()) is not None:
            continue
        try:
            slug = str(read_front_matter(path, read_utf8(path)).meta.get("slug") or path.stem)
        except DataError:  # the build names what is wrong with it; its name is still taken
            slug = path.stem
        slugs |= {slug.strip(), path.stem}
    return slugs
