"""The corpus: every article and FAQ entry under the data directory, checked as a whole."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from faqbot.content.articles import Article, load_articles
from faqbot.content.faq import FaqEntry, load_faq
from faqbot.errors import DataError

FAQ_ANCHOR_PREFIX = "faq-"


@dataclass(frozen=True)
class Corpus:
    articles: tuple[Article, ...]
    faq: tuple[FaqEntry, ...]

    def article(self, slug: str) -> Article | None:
        return next((a for a in self.articles if a.slug == slug), None)


def load_corpus(data_dir: Path) -> Corpus:
    """Read and validate `data_dir/articles` and `data_dir/faq`; raise DataError on any mistake."""
    if not data_dir.is_dir():
        raise DataError(data_dir, "the data directory does not exist")
    articles = load_articles(data_dir / "articles")
    by_slug: dict[str, Article] = {}
    for article in articles:
        if article.slug in by_slug:
            raise DataError(article.path, f"slug {article.slug!r} is also used by {by_slug[article.slug].path}", line=2)
        by_slug[article.slug] = article
    faq = [_link(entry, by_slug) for entry in load_faq(data_dir / "faq")]
    if not articles and not faq:
        raise DataError(data_dir, "no content: add articles/*.md or FAQ files under faq/")
    return Corpus(articles=tuple(articles), faq=tuple(faq))


def _link(entry: FaqEntry, by_slug: dict[str, Article]) -> FaqEntry:
    """Attach an entry to its article (its own 'article' field, else its file's name) and give it a url."""
    slug = entry.article or (Path(entry.path).stem if Path(entry.path).stem in by_slug else "")
    if slug and slug not in by_slug:
        raise DataError(entry.path, f"'article' names {slug!r}, which is not an article's slug", line=entry.line)
    url = entry.url
    if not url:
        url = f"{by_slug[slug].url}#{FAQ_ANCHOR_PREFIX}{entry.id}" if slug else f"/faq#{FAQ_ANCHOR_PREFIX}{entry.id}"
    return replace(entry, article=slug, url=url)
