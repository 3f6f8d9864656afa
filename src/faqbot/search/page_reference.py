"""Questions about the page itself: "what is this page about?", "summarise this article".

A reader who asks the widget what "this page" is about means the article on the screen, whose
subject the question never names; nothing in the index resembles such a question (the launch
article's lead scored 0.18 for "what is this page about", far below the decline threshold). So
when a question refers to the page and asks for its subject or a summary, the reference is
replaced by the title of the article the reader is on, and the question is answered from that
article's own passages (faqbot.answering.answerer): "what is The Future of Open Source AI Models
about" finds the article's lead.

Only that kind of question is rewritten. A title put into "who wrote this article?" would make it
match the article's lead just as well, and the bot would answer what the article never says.
The article is the one at the request's `page` (the widget sends its own path: the article's
URL, or faqbot's page for it, /articles/<slug>), else the site's only article; on a page that is
not an article of a site with several, nothing is rewritten.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

from faqbot.content.articles import Article

# The words these questions are made of, for spelling correction to aim at even where the corpus
# never uses them ("this artcle" -> "this article"): detection runs on the corrected question.
WORDS = (
    "page article post text piece site website about cover covers summary summarise summarize overview topics subject"
)
# "this page", not "this page's author": a possessive names some other subject of the question.
_REFERENCE = re.compile(
    r"\b(?:this|the|current)\s+(?:page|article|post|text|piece|site|website)\b(?!['’]s)", re.IGNORECASE
)
# Asking for the subject: the question ends on "about" or "cover(s)", or asks for a summary.
_SUBJECT = re.compile(
    r"\b(?:about|covers?)\W*$|\b(?:summar\w*|overview|gist|tl\W?dr|main (?:points?|ideas?)|topics?|subject)\b",
    re.IGNORECASE,
)


class PageReferences:
    """Resolves "this page" in a question to an article of the index."""

    def __init__(self, articles: Sequence[Article]):
        # An article is at its own URL (the live page's, for an imported one) and at faqbot's page for it.
        self._by_path = {_path(f"/articles/{article.slug}"): article for article in articles}
        self._by_path.update({_path(article.url): article for article in articles})
        self._only = articles[0] if len(articles) == 1 else None

    def article_for(self, question: str, page: str | None = None) -> Article | None:
        """The article a question about "this page" means, or None when it is not such a question."""
        if not (_REFERENCE.search(question) and _SUBJECT.search(question)):
            return None
        return self.article_at(page) or self._only

    def article_at(self, page: str | None) -> Article | None:
        """The article whose page is `page` (a path or URL), if any."""
        return self._by_path.get(_path(page)) if page else None

    @staticmethod
    def rewrite(question: str, article: Article) -> str:
        """The question with its reference to the page replaced by the article's title."""
        return _REFERENCE.sub(lambda _: article.title, question, count=1)


def _path(url: str | None) -> str:
    """A page's path without query, fragment or trailing slash, percent-escapes decoded (a browser's
    `location.pathname` for `/articles/йога` is `/articles/%D0%B9...`), `/a/index.html` as `/a`: what an
    article URL is matched on."""
    try:
        path = urlsplit(url or "").path
    except ValueError:  # not a URL at all
        return ""
    path = re.sub(r"/index\.html?$", "/", unicodedata.normalize("NFC", unquote(path)))  # a folder's page
    return path.rstrip("/") or "/"
