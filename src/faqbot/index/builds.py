"""The builds on disk: `builds/<version>-<time>/` each, `current` the link to the one served.

A build is swapped in by replacing the link in one rename (readers see the old build or the new
one, never a mix), then builds past KEEP_BUILDS are dropped.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from faqbot.errors import IndexUnavailable

CURRENT = "current"
BUILDS = "builds"
KEEP_BUILDS = 2  # the serving build and the one before it


def current_build(index_dir: Path) -> Path | None:
    link = index_dir / CURRENT
    if not link.exists():
        return None
    return link.resolve()


def check_current_link(index_dir: Path) -> None:
    """Raises IndexUnavailable when `current` is there but is not the link faqbot keeps (a folder, a
    file): the swap could not replace it."""
    link = index_dir / CURRENT
    if link.exists() and not link.is_symlink():
        raise IndexUnavailable(f"{link} is not the link faqbot keeps to the serving build: move it away, build again")


def swap_in(index_dir: Path, build: Path) -> None:
    """Point `current` at `build` with one atomic rename, then drop old builds (the one served until
    now is kept: the build to go back to).

    Raises IndexUnavailable, changing nothing, when `current` is not the link faqbot keeps."""
    check_current_link(index_dir)
    link = index_dir / CURRENT
    previous = current_build(index_dir)
    tmp_link = index_dir / f".{CURRENT}.tmp"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(build.relative_to(index_dir))
    os.replace(tmp_link, link)
    _prune(index_dir, keep=[build] if previous is None else [build, previous.resolve()])


def _prune(index_dir: Path, *, keep: list[Path]) -> None:
    """Builds past KEEP_BUILDS dropped, newest kept, and every unfinished one. `keep` (the new serving
    build and the one before it) always stays: by age alone, a build a killed run finished but never
    served would outlive the one that was serving."""
    kept = {p.resolve() for p in keep}
    builds = sorted((p for p in (index_dir / BUILDS).iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    finished = [p for p in builds if (p / "manifest.json").exists() and p.resolve() not in kept]
    for old in finished[: max(0, len(finished) - max(0, KEEP_BUILDS - len(kept)))]:
        shutil.rmtree(old, ignore_errors=True)
    for unfinished in (p for p in builds if not (p / "manifest.json").exists() and p.resolve() not in kept):
        shutil.rmtree(unfinished, ignore_errors=True)
