"""Articles: Markdown files with YAML front matter under `data/articles/`.

Each `## heading` starts a section (its anchor is the slug of the heading); text before the first
heading is the introduction. Deeper headings, lists and quotes belong to the enclosing section.
A section's paragraphs are plain text: a link's text without its address, no inline HTML tag
(faqbot.content.markdown renders the page, through its allow-list); its blocks keep which list or
quote holds each paragraph and its markup (faqbot.content.blocks), for answers cut from it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from faqbot.content.anchors import INTRODUCTION_ANCHOR, given_anchors, heading_anchor, same_anchor
from faqbot.content.blocks import PLAIN, Block, Container
from faqbot.content.front_matter import read_front_matter
from faqbot.content.markdown import inline_pieces, markdown_parser
from faqbot.content.sentence_markup import sentence_html
from faqbot.errors import DataError
from faqbot.text import data_files, has_text, link_problem, read_utf8, slugify


@dataclass(frozen=True)
class Section:
    title: str
    anchor: str
    paragraphs: tuple[str, ...]
    line: int  # 1-based line of the heading (or of the first paragraph for the introduction)
    blocks: tuple[Block, ...] = ()  # one a paragraph; () when every paragraph is plain prose

    def block(self, paragraph: int) -> Block:
        return self.blocks[paragraph] if self.blocks else PLAIN


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    url: str
    date: str
    sections: tuple[Section, ...]
    body: str = field(repr=False)  # the Markdown after the front matter, for rendering pages
    path: str = ""

    def section_url(self, anchor: str) -> str:
        return f"{self.url}#{anchor}"


def load_articles(
    directory: Path, warnings: list[str] | None = None, errors: list[DataError] | None = None
) -> list[Article]:
    """Every `*.md` below `directory`, sorted by path so builds are deterministic.

    An article with no text at all is skipped, and a section with none noted, in `warnings`
    (`file:line: message`): one empty draft must not stop a whole site's build. With `errors`, an
    article's mistake is added there and the next article read (every mistake of a site at once);
    without, the first one is raised.
    """
    if not directory.is_dir():
        return []
    articles = []
    for path in data_files(directory, (".md",)):  # ".MD" too
        try:
            article = parse_article(path, warnings)
        except EmptyArticle as exc:
            if warnings is not None:
                warnings.append(f"{exc}: skipped")
            continue
        except DataError as exc:
            if errors is None:
                raise
            errors.append(exc)
            continue
        if warnings is not None:
            warnings += [
                f"{path}:{s.line}: the section {s.title!r} has no text: nothing is answered from it"
                for s in article.sections
                if not s.paragraphs and s.anchor != INTRODUCTION_ANCHOR
            ]
        articles.append(article)
    return articles


class EmptyArticle(DataError):
    """An article with front matter and headings, but no text under any of them."""


def parse_article(path: Path, warnings: list[str] | None = None) -> Article:
    """One article; DataError with `file:line` when it cannot be read. A front matter key that looks
    like a misspelling of one faqbot reads ("tittle", "Date") is noted in `warnings`."""
    text = read_utf8(path)
    if not text.strip():
        raise DataError(path, "the file is empty", line=1)
    front = read_front_matter(path, text)
    meta, body, body_start = front.meta, front.body, front.body_start
    if warnings is not None:
        warnings += front.misspelt
    title = front.required_str("title")
    # NFC: a file name stored decomposed (as macOS stores them) is the same slug as one typed composed.
    if meta.get("slug") is not None and not isinstance(meta["slug"], str):  # "slug: yes" read as True
        raise DataError(path, "'slug' must be text: quote it (slug: \"...\")", line=front.line("slug"))
    slug = unicodedata.normalize("NFC", str(meta.get("slug") or path.stem).strip())
    if slugify(slug) != slug:
        if meta.get("slug"):
            message = f"slug {slug!r} must be lower-case letters, digits and hyphens"
            raise DataError(path, message, line=front.line("slug"))
        raise DataError(
            path,
            f"the file's name makes the slug {slug!r}, which must be lower-case letters, digits and hyphens: "
            "rename the file or give a 'slug' in the front matter",
            line=1,
        )
    given_url = meta.get("url")
    if given_url is not None and not isinstance(given_url, str):
        raise DataError(path, "'url' must be text (a link)", line=front.line("url"))
    url = (given_url or f"/articles/{slug}").strip()
    bad_link = link_problem(url)
    if bad_link:
        raise DataError(path, f"'url' {url!r}: {bad_link}", line=front.line("url"))
    date_text = front.date()
    sections = _sections(path, body, body_start, title, warnings)
    if not any(section.paragraphs for section in sections):
        raise EmptyArticle(path, "the article has no text after its front matter", line=body_start)
    return Article(slug=slug, title=title, url=url, date=date_text, sections=tuple(sections), body=body, path=str(path))


def inline_text(token: Token) -> str:
    """The plain text of an inline token: its text and code, no markup, no inline HTML (nor what a
    raw `<script>` or `<style>` holds)."""
    return "".join(inline_pieces(token.children or [])).strip()


def _check_read_to_the_end(path: Path, body: str, body_start: int, parser: MarkdownIt, tokens: list[Token]) -> None:
    """markdown-it stops reading an article at lists or quotes nested past its limit (20 levels: a
    list and its item are two) and drops the rest silently; say so instead of losing the text. Only
    an article that reaches the limit is parsed again, without it, to compare."""
    limit = int(parser.options["maxNesting"])
    if max((t.level for t in tokens), default=0) < limit - 1:
        return
    unlimited = markdown_parser()
    unlimited.options["maxNesting"] = 10 * limit
    try:
        complete = unlimited.parse(body)
    except RecursionError:
        complete = []
    if len(complete) != len(tokens):
        deepest = next((t for t in tokens if t.level >= limit - 1 and t.map), None)
        raise DataError(
            path,
            "lists or quotes are nested too deeply here (at most 9 lists inside each other): the text "
            "after them cannot be read; flatten them",
            line=body_start + (deepest.map[0] if deepest and deepest.map else 0),
        )


_LIST_OPEN = {"bullet_list_open", "ordered_list_open"}
_CLOSE = {"bullet_list_close", "ordered_list_close", "list_item_close", "blockquote_close"}


def _sections(path: Path, body: str, body_start: int, title: str, warnings: list[str] | None) -> list[Section]:
    parser = markdown_parser()
    body, given, unusable = given_anchors(body)
    if warnings is not None:
        warnings += [
            f"{path}:{body_start + line}: {{#{text}}} is no id (letters, digits, _ . : - only): the heading shows it"
            for line, text in unusable
        ]
    tokens = parser.parse(body)
    _check_read_to_the_end(path, body, body_start, parser, tokens)
    sections: list[Section] = []
    current_title, current_anchor, current_line = "Introduction", INTRODUCTION_ANCHOR, body_start
    paragraphs: list[str] = []
    blocks: list[Block] = []
    containers: list[Container] = []  # the lists, items and quotes open where the walk is
    serial = 0
    seen_anchors: dict[str, tuple[int, str | None]] = {}  # anchor -> its line and heading (None: the intro)

    def close_section() -> None:
        kept = tuple(blocks) if any(b != PLAIN for b in blocks) else ()
        sections.append(Section(current_title, current_anchor, tuple(paragraphs), current_line, kept))

    index = 0
    while index < len(tokens):
        token = tokens[index]
        line = body_start + (token.map[0] if token.map else 0)
        if token.type == "heading_open" and token.tag in ("h1", "h2") and not containers:
            heading = inline_text(tokens[index + 1])
            anchor = heading_anchor(token, heading, given)
            if not has_text(heading):
                raise DataError(path, "a heading has no text", line=line)
            if paragraphs or current_anchor != INTRODUCTION_ANCHOR:
                if current_anchor == INTRODUCTION_ANCHOR:  # the text before the first heading has this anchor
                    seen_anchors[INTRODUCTION_ANCHOR] = (current_line, None)
                close_section()
            if anchor in seen_anchors:
                raise DataError(path, same_anchor(heading, anchor, *seen_anchors[anchor]), line=line)
            seen_anchors[anchor] = (line, heading)
            current_title, current_anchor, current_line, paragraphs, blocks = heading, anchor, line, [], []
            index += 3
            continue
        serial += 1
        if token.type in _LIST_OPEN:
            start = token.attrGet("start") if token.tag == "ol" else 0
            containers.append(Container(token.tag, serial, int(start) if isinstance(start, int | str) else 1))
        elif token.type == "list_item_open":
            parent = containers[-1]
            containers.append(Container("li", serial, parent.number if parent.tag == "ol" else 0))
            if parent.tag == "ol":  # the next item's number
                containers[-2] = parent._replace(number=parent.number + 1)
        elif token.type == "blockquote_open":
            containers.append(Container("blockquote", serial))
        elif token.type in _CLOSE and containers:
            containers.pop()
        elif token.type == "inline":
            text = inline_text(token)
            if has_text(text):
                paragraphs.append(text)
                blocks.append(Block(_as_shown(containers), sentence_html(parser, token)))
        index += 1
    if paragraphs or current_anchor != INTRODUCTION_ANCHOR:
        close_section()
    return sections


def _as_shown(containers: list[Container]) -> tuple[Container, ...]:
    """The containers as a paragraph inside them sees them: an ordered list's start, not its next number."""
    shown: list[Container] = []
    for position, container in enumerate(containers):
        inner = containers[position + 1] if position + 1 < len(containers) else None
        if container.tag == "ol" and inner is not None and inner.tag == "li":
            container = container._replace(number=1)  # serial tells lists apart; the item carries its number
        shown.append(container)
    return tuple(shown)
