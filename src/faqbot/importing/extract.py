"""An HTML page's main content, title, date and canonical URL, as a `Page`.

The main content is trafilatura's (a library kept for exactly this): it drops navigation,
breadcrumbs, cookie banners, share buttons, asides and footers by the page's structure, which no
list of phrases could. faqbot reads trafilatura's XML result (headings, paragraphs, lists, quotes,
code, tables) into blocks, and adds what trafilatura does not keep: the ids of the page's headings
(answers link to them) and the FAQ markup (`faq_markup`). trafilatura is given the tree parsed
here, never a URL, so it fetches nothing.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
import trafilatura
from lxml.etree import ParserError, _Element
from lxml.html import HtmlElement

from faqbot.importing.encoding import decode
from faqbot.importing.faq_markup import markup_faq, squash
from faqbot.importing.page import Block, Page, PageProblem, normal
from faqbot.importing.sections import assemble
from faqbot.text import has_text, link_problem

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Dates only where the page marks them up (meta tags, <time>, JSON-LD): htmldate's "extensive"
# search would guess one from any date-like text, and a wrong date is worse than none.
_DATE_PARAMS = {"original_date": True, "extensive_search": False}
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def load_html(body: bytes, charset: str | None) -> HtmlElement:
    """The parsed page; PageProblem when it does not decode or parse."""
    text = decode(body, charset, html=True)
    if not text.strip():
        raise PageProblem("the page is empty")
    try:
        # Re-encoded so that an XML declaration naming another encoding cannot mislead lxml.
        parser = lxml.html.HTMLParser(encoding="utf-8")
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (ParserError, ValueError) as exc:
        raise PageProblem(f"not readable as HTML ({exc})") from None


def robots_directives(tree: HtmlElement) -> set[str]:
    """The page's own `<meta name="robots">` words ("noindex", "nofollow"), lower-case."""
    words: set[str] = set()
    for meta in tree.xpath("//meta[@name and @content]"):
        if str(meta.get("name")).strip().lower() in ("robots", "faqbot-import"):
            words |= {w.strip().lower() for w in str(meta.get("content")).split(",")}
    return words


def joined(base: str, href: str) -> str | None:
    """`href` resolved against `base`; None for one that is no URL (`http://[::1`: a page's typo)."""
    try:
        urlsplit(href)
        return urljoin(base, href) if base else href
    except ValueError:
        return None


def canonical_url(tree: HtmlElement, url: str) -> str:
    """The page's `<link rel="canonical">`, resolved against where it was read and without its
    fragment (answers add their section's); else `url`. Only a web page's address counts: not a link
    no source may have (javascript:, ftp:: text.link_problem), a mailto: or tel:, or http:// with no host."""
    for link in tree.xpath("//link[@href]"):
        if "canonical" in str(link.get("rel") or "").lower().split():
            canonical = joined(url, urldefrag(str(link.get("href")).strip()).url)
            return canonical if canonical and _is_page_address(canonical) else url
    return url


def _is_page_address(url: str) -> bool:
    if link_problem(url) is not None or "#" in url:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) or (not parts.scheme and not parts.netloc)


def page_from_html(tree: HtmlElement, *, url: str, source: str) -> Page:
    """The page as sections and FAQ pairs. PageProblem when it has no main content at all.

    `url` is the page's canonical URL (what answers link to); `source` where it was read.
    """
    if "noindex" in robots_directives(tree):
        raise PageProblem("the page asks not to be indexed (meta robots noindex)")
    faq = markup_faq(tree)
    ids = _heading_ids(tree)
    # A page date no calendar has ("+25:00") fails the metadata, and with it the whole reading (None, or
    # ValueError): read again without it, the text still counts. Twice the work on pages of no text only.
    document = _extract(tree, url, with_metadata=True) or _extract(tree, url, with_metadata=False)
    body = getattr(document, "body", None)
    blocks = _blocks(body, ids) if body is not None else []
    # The first title that shows something: an <h1> of a zero-width space is none.
    titles = (getattr(document, "title", None), _first_heading(tree), tree.findtext(".//title"))
    title = next((squash(str(t)) for t in titles if t and has_text(str(t))), "")
    date = str(getattr(document, "date", None) or "")
    sections, pairs = assemble(blocks, faq, title=title)
    if not any(section.blocks for section in sections) and not pairs:
        raise PageProblem("no main content found (an empty page, or only navigation)")
    notes = tuple(
        f"heading {s.title!r} has the id #{s.page_anchor}, which a heading cannot carry; faqbot links to #{s.anchor}"
        for s in sections
        if s.title and s.page_anchor and s.page_anchor != s.anchor
    )
    return Page(
        url=url,
        source=source,
        title=title or "Untitled",
        date=date if _DATE.match(date) else "",
        sections=sections,
        faq=pairs,
        notes=notes,
    )


def _extract(tree: HtmlElement, url: str, *, with_metadata: bool) -> Any:
    """trafilatura's reading of the page (None when it finds none, or fails on what it reads)."""
    try:
        return trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=with_metadata,
            include_comments=False,
            # Less text rather than chrome: in its default mode trafilatura falls back to the
            # whole page's text when it finds no article, so a page of links came out as passages
            # of navigation ("Home Articles FAQ Tags …").
            favor_precision=True,
            include_tables=True,
            include_formatting=True,
            date_extraction_params=_DATE_PARAMS,
        )
    except ValueError:
        return None


def _first_heading(tree: HtmlElement) -> str:
    found = tree.xpath("//h1")
    return str(found[0].text_content()) if found else ""


def _heading_ids(tree: HtmlElement) -> dict[str, str]:
    """Each heading's text (normalised) -> the id the page gives it: its own, an anchor's inside it,
    or that of the section it opens."""
    ids: dict[str, str] = {}
    for heading in tree.iter(*_HEADINGS):
        anchor = heading.get("id")
        if not anchor:
            inner = heading.xpath(".//a[@id or @name]")
            anchor = (inner[0].get("id") or inner[0].get("name")) if inner else None
        parent = heading.getparent()
        if not anchor and parent is not None and parent.get("id") and len(parent) and parent[0] is heading:
            anchor = parent.get("id")
        if anchor:
            ids.setdefault(normal(heading.text_content()), str(anchor))
    return ids


def _text(element: _Element) -> str:
    for line_break in element.iter("lb"):
        line_break.tail = " " + (line_break.tail or "")
    return squash("".join(str(t) for t in element.itertext()))


def _blocks(body: _Element, ids: dict[str, str]) -> list[Block]:
    """trafilatura's XML elements as blocks, in order."""
    blocks: list[Block] = []
    for element in body:
        tag = element.tag
        if tag == "head":
            text = _text(element)
            rend = str(element.get("rend") or "")
            level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 0
            if level:
                blocks.append(Block("heading", text, level=level, page_anchor=ids.get(normal(text), "")))
            elif text:  # a heading without a level (a <summary>): text, not a section
                blocks.append(Block("paragraph", text))
        elif tag == "p":
            blocks.append(Block("paragraph", _text(element)))
        elif tag == "list":
            blocks.extend(_items(element))
        elif tag == "quote":
            blocks.append(Block("quote", _text(element)))
        elif tag == "code":
            blocks.append(Block("code", "".join(str(t) for t in element.itertext()).strip("\n")))
        elif tag == "table":
            for row in element.iter("row"):
                cells = [_text(cell) for cell in row.iter("cell")]
                blocks.append(Block("paragraph", " | ".join(c for c in cells if c)))
        elif tag not in ("graphic", "lb"):
            blocks.extend(_blocks(element, ids))
    return [b for b in blocks if b.text.strip()]


def _items(element: _Element) -> list[Block]:
    items: list[Block] = []
    for item in element.iterchildren("item"):
        nested = list(item.iterchildren("list"))
        for child in nested:
            item.remove(child)
        items.append(Block("item", _text(item)))
        for child in nested:
            items.extend(_items(child))
    return items


def links_of(tree: HtmlElement) -> list[str]:
    """The page's links (`<a href>`), resolved against its `<base href>` when it has one, else as
    written; none when the page says `nofollow`."""
    if "nofollow" in robots_directives(tree):
        return []
    base = tree.xpath("//base[@href]")
    base_url = str(base[0].get("href")) if base else ""
    hrefs = (str(a.get("href")).strip() for a in tree.xpath("//a[@href]") if "nofollow" not in str(a.get("rel") or ""))
    links = (joined(base_url, href) for href in hrefs if href and not href.startswith("#"))
    return [link for link in links if link is not None]
