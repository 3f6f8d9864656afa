"""The corpus: every article and FAQ entry under the data directory, checked as a whole."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from faqbot.content.articles import Article, load_articles
from faqbot.content.faq import FaqEntry, load_faq
from faqbot.content.smalltalk import SmallTalk, built_in, load_smalltalk, normalise
from faqbot.errors import DataError, raise_all

FAQ_ANCHOR_PREFIX = "faq-"


@dataclass(frozen=True)
class Corpus:
    articles: tuple[Article, ...]
    faq: tuple[FaqEntry, ...]
    smalltalk: SmallTalk = field(default_factory=built_in)
    warnings: tuple[str, ...] = ()  # `file:line: message`: what the build skipped or doubts, for the owner

    def article(self, slug: str) -> Article | None:
        return self._by_slug.get(slug)

    @cached_property
    def _by_slug(self) -> dict[str, Article]:
        """The articles by slug: each FAQ entry of an article looks its article up (50,000 entries of
        26,544 articles scanned in turn took a minute)."""
        return {a.slug: a for a in self.articles}


def load_corpus(data_dir: Path) -> Corpus:
    """Read and validate `data_dir/articles`, `data_dir/faq` and `data_dir/smalltalk.yaml`; raise
    DataError on any mistake."""
    if not data_dir.is_dir():
        raise DataError(
            data_dir,
            "the data directory is a file, not a folder" if data_dir.exists() else "the data directory does not exist",
        )
    for part, holds in (("articles", "Markdown articles"), ("faq", "FAQ files")):
        # A file or a dangling link in a folder's place would be read as no content at all.
        where = data_dir / part
        if where.is_symlink() and not where.exists():
            raise DataError(where, f"'{part}' is a link to nothing ({where.readlink()})")
        if where.exists() and not where.is_dir():
            raise DataError(where, f"'{part}' must be a folder of {holds}")
    warnings: list[str] = []
    # Each file's own mistakes all at once; those between files (a slug used twice, an entry naming
    # an article) once every file reads, so a broken article is not also reported as missing.
    errors: list[DataError] = []
    articles = load_articles(data_dir / "articles", warnings, errors)
    faq_entries = load_faq(data_dir / "faq", errors)
    try:
        smalltalk = load_smalltalk(data_dir)
    except DataError as exc:
        errors.append(exc)
    raise_all(errors)
    by_slug: dict[str, Article] = {}
    for article in articles:
        if article.slug in by_slug:
            other = by_slug[article.slug].path
            errors.append(DataError(article.path, f"slug {article.slug!r} is also used by {other}", line=2))
        else:
            by_slug[article.slug] = article
    faq = []
    for entry in faq_entries:
        try:
            faq.append(_link(entry, by_slug))
        except DataError as exc:
            errors.append(exc)
    raise_all(errors)
    if not articles and not faq:
        raise DataError(data_dir, "no content: add articles/*.md or FAQ files under faq/")
    warnings += _same_questions(faq)
    return Corpus(tuple(articles), tuple(faq), _unless_asked(smalltalk, faq), tuple(warnings))


def _unless_asked(smalltalk: SmallTalk, faq: list[FaqEntry]) -> SmallTalk:
    """Small talk without the examples the site's FAQ asks itself ("Who are you?", "How can I contact
    you?" as entries of a shop's FAQ): the site's own answer is the one its readers get."""
    asked = {normalise(text) for entry in faq for text in (entry.question, *entry.alternates)}
    if not asked & smalltalk.examples.keys():
        return smalltalk
    return replace(smalltalk, examples={e: intent for e, intent in smalltalk.examples.items() if e not in asked})


def _same_questions(faq: list[FaqEntry]) -> list[str]:
    """One warning per question asked by two entries with different answers: either may answer it."""
    first: dict[str, FaqEntry] = {}
    warnings = []
    for entry in faq:
        key = " ".join(entry.question.casefold().split()).rstrip("?!. ")
        other = first.setdefault(key, entry)
        if other is not entry and " ".join(other.answer.split()) != " ".join(entry.answer.split()):
            warnings.append(
                f"{entry.path}:{entry.line}: the question {entry.question!r} (entry {entry.id!r}) is also entry "
                f"{other.id!r} at {other.path}:{other.line}, with another answer: either may answer it"
            )
    return warnings


def _link(entry: FaqEntry, by_slug: dict[str, Article]) -> FaqEntry:
    """Attach an entry to its article (its own 'article' field, else its file's name) and give it a url."""
    stem = unicodedata.normalize("NFC", Path(entry.path).stem)  # as article slugs are (faqbot.content.articles)
    slug = unicodedata.normalize("NFC", entry.article) or (stem if stem in by_slug else "")
    if slug and slug not in by_slug:
        raise DataError(entry.path, f"'article' names {slug!r}, which is not an article's slug", line=entry.line)
    url = entry.url
    if not url:
        url = f"{by_slug[slug].url}#{FAQ_ANCHOR_PREFIX}{entry.id}" if slug else f"/faq#{FAQ_ANCHOR_PREFIX}{entry.id}"
    anchor = f"{FAQ_ANCHOR_PREFIX}{entry.id}"
    clash = next((s for s in by_slug[slug].sections if s.anchor == anchor), None) if slug else None
    if clash is not None:  # the article's page would hold the id twice, and its link open at the heading
        raise DataError(
            entry.path,
            f"entry {entry.id!r} has the anchor #{anchor} on its article's page, as the heading {clash.title!r} "
            f"({by_slug[slug].path}:{clash.line}) does: give one of them another",
            line=entry.line,
        )
    return replace(entry, article=slug, url=url)
