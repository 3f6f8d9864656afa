"""The site's pages (Jinja2 under `faqbot/web/templates/`), its static files and the widget script."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markdown_it.token import Token

from faqbot.content.anchors import INTRODUCTION_ANCHOR, given_anchors, heading_anchor
from faqbot.content.articles import Article, inline_text
from faqbot.content.corpus import FAQ_ANCHOR_PREFIX
from faqbot.content.markdown import markdown_parser, sanitise
from faqbot.server.deps import AnswererDep, AssetsDep, TemplatesDep
from faqbot.server.static_assets import LONG_CACHE, NO_CACHE

router = APIRouter(include_in_schema=False)

# No inline script anywhere, no third-party origin: everything the pages need is served here.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)


_SECTION_MARK = "faqbot-section:"  # before a section heading's id until the page's ids are checked


def render_article_html(article: Article) -> str:
    """The article's Markdown as HTML through the article allow-list (faqbot.content.markdown), an id on
    every section heading (a heading inside a list or quote starts no section: no id, as no anchor; any
    heading may give itself one, `### Deep {#deep}`), and
    the introduction's anchor before the text when no heading has it. The page's own elements carry no
    id, so a heading such as "## FAQ" or "## Main" is the only element with its anchor."""
    parser = markdown_parser()
    body, given, _ = given_anchors(article.body)  # "## Tyre pressure {#pressure}": the id is no part of the text
    tokens = parser.parse(body)
    anchors = set()
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        if token.tag in ("h1", "h2") and token.level == 0:  # as faqbot.content.articles reads sections
            heading: Token = tokens[index + 1]
            anchors.add(anchor := heading_anchor(token, inline_text(heading), given))
            token.attrSet("id", _SECTION_MARK + anchor)  # told apart from an id of the article's HTML
        elif token.map and token.map[0] in given:  # "### Deep {#deep}": an id as the article's HTML would give it
            token.attrSet("id", given[token.map[0]])
        if token.tag == "h1":
            token.tag = tokens[index + 2].tag = "h2"  # the page title is the only h1
    html: str = parser.renderer.render(tokens, parser.options, {})
    introduction = "" if INTRODUCTION_ANCHOR in anchors else f'<div id="{INTRODUCTION_ANCHOR}"></div>'
    # An id written in the article's own HTML (<h3 id="lamps">) is kept unless the page has it: a
    # section's anchor (the link answers give), an FAQ entry's, the introduction's, or an earlier one.
    taken = anchors | {INTRODUCTION_ANCHOR}
    placed: set[str] = set()  # the section anchors given so far (the HTML might write the mark too)

    def page_id(value: str) -> str | None:
        if value.startswith(_SECTION_MARK):
            anchor = value[len(_SECTION_MARK) :]
            if anchor not in anchors or anchor in placed:
                return None
            placed.add(anchor)
            return anchor
        if value in taken or value.startswith(FAQ_ANCHOR_PREFIX):
            return None
        taken.add(value)
        return value

    return introduction + sanitise(html, article=True, ids=page_id)


def _page(
    templates: Jinja2Templates, request: Request, name: str, context: Mapping[str, object], *, status_code: int = 200
) -> HTMLResponse:
    site_name = request.app.state.settings.site_name or "faqbot"
    response = templates.TemplateResponse(request, name, {"site_name": site_name, **context}, status_code=status_code)
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, answerer: AnswererDep, templates: TemplatesDep) -> HTMLResponse:
    articles = sorted(answerer.index.articles, key=lambda a: a.date, reverse=True)
    return _page(templates, request, "index.html", {"articles": articles})


@router.get("/articles/{slug}", response_class=HTMLResponse)
def article_page(slug: str, request: Request, answerer: AnswererDep, templates: TemplatesDep) -> HTMLResponse:
    article = next((a for a in answerer.index.articles if a.slug == slug), None)
    if article is None:
        if "text/html" not in request.headers.get("accept", ""):  # a script or a link checker: the JSON error
            raise HTTPException(status_code=404, detail=f"no article {slug!r}")
        return _page(templates, request, "not_found.html", {}, status_code=404)  # a reader, from an old link
    context = {
        "article": article,
        "body": render_article_html(article),
        "faq": answerer.index.faq_docs(article=slug),
        "faq_prefix": FAQ_ANCHOR_PREFIX,
    }
    return _page(templates, request, "article.html", context)


@router.get("/faq", response_class=HTMLResponse)
def faq_page(request: Request, answerer: AnswererDep, templates: TemplatesDep) -> HTMLResponse:
    titles = {a.slug: a for a in answerer.index.articles}
    context = {"faq": answerer.index.faq_docs(), "articles": titles, "faq_prefix": FAQ_ANCHOR_PREFIX}
    return _page(templates, request, "faq.html", context)


@router.get("/static/{name:path}")
def static_file(name: str, request: Request, assets: AssetsDep) -> Response:
    asset = assets.get(name)
    if asset is None:
        raise HTTPException(status_code=404, detail="no such file")
    fresh = request.query_params.get("v") == asset.digest
    headers = {"Cache-Control": LONG_CACHE if fresh else NO_CACHE, "ETag": f'"{asset.digest}"'}
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


@router.get("/widget.js")
def widget_script(request: Request, assets: AssetsDep) -> Response:
    """The embeddable widget at a fixed URL (sites paste this tag once): revalidated, never stale."""
    return static_file("widget.js", request, assets)
