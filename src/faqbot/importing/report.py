"""What `faqbot import` is asked to do (`ImportOptions`) and what it did (`ImportReport`)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ImportOptions:
    into: Path  # the data directory: articles/ and faq/ are written below it
    dry_run: bool = False  # read everything, write nothing
    prune: bool = False  # remove the files of pages that are gone
    max_pages: int = 200  # per source (a crawl or a sitemap)
    max_depth: int = 3  # links followed from a crawl's start page
    delay: float = 1.0  # seconds between two requests to a host
    max_bytes: int = 5_000_000  # a larger page is refused
    base_url: str = ""  # where a folder of HTML files is served (for the links answers give)


@dataclass
class ImportReport:
    """Page locations by what happened to them; `written`/`removed`/`kept` are data-relative files."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # the import's files edited by hand: left alone
    notes: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return len(self.added) + len(self.changed) + len(self.unchanged)

    def closing(self, options: ImportOptions, *, builds: Path | None = None) -> list[str]:
        """The report's last lines: the counts, and what was written and what to do next. `builds`: the
        data folder a bare `faqbot build` reads here; when the import wrote elsewhere, the next step names it."""
        lines = [f"pages: {self.summary()}"]
        if options.dry_run:
            lines.append("dry run: nothing was written")
        elif self.written or self.removed:
            lines.append(f"wrote {len(self.written)} and removed {len(self.removed)} files under {options.into}")
            same = builds is None or builds.resolve() == options.into.resolve()
            build = "faqbot build" if same else f"faqbot build --data-dir {shlex.quote(str(options.into))}"
            lines.append(f"next: '{build} --check' to review, then '{build}'")
        return lines

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.unchanged)} unchanged, "
            f"{len(self.gone)} gone; {len(self.problems)} not imported"
        )
