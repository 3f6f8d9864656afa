"""`faqbot import` on a folder of HTML files (a static site's build output), then `faqbot build`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from faqbot.cli import app
from faqbot.content.corpus import load_corpus
from tests.conftest import FIXTURES

runner = CliRunner()
FOLDER = FIXTURES / "import" / "site"


def test_import_a_folder_then_check_it_builds(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = runner.invoke(app, ["import", str(FOLDER), "--into", str(data), "--base-url", "https://techidevs.example"])
    assert result.exit_code == 0, result.output
    legacy = FOLDER / "articles" / "legacy-notes" / "index.html"
    assert f"skipped {legacy}: broken encoding" in result.output
    assert f"skipped {FOLDER / 'index.html'}: no main content found" in result.output
    assert "pages: 6 added, 0 changed, 0 unchanged, 0 gone; 3 not imported" in result.output
    # Written elsewhere than the data folder a bare 'faqbot build' reads: the next step names it.
    assert f"next: 'faqbot build --data-dir {data} --check' to review, then 'faqbot build --data-dir {data}'" in (
        result.output
    )
    plain = tmp_path / "plain"
    again = runner.invoke(
        app, ["import", str(FOLDER), "--base-url", "https://techidevs.example"], env={"FAQBOT_DATA_DIR": str(plain)}
    )
    assert "next: 'faqbot build --check' to review, then 'faqbot build'" in again.output, again.output

    corpus = load_corpus(data)
    launch = corpus.article("future-of-open-source-ai-models")
    assert launch is not None
    assert launch.url == "https://techidevs.example/articles/future-of-open-source-ai-models/"
    assert launch.section_url("looking-ahead").endswith("/articles/future-of-open-source-ai-models/#looking-ahead")
    # robots.txt is for crawlers: a folder is the owner's own, drafts included.
    assert corpus.article("drafts") is not None
    community = [entry for entry in corpus.faq if entry.article == "community"]
    assert [entry.url for entry in community] == [
        "https://techidevs.example/help/community/#join-the-forum",
        "https://techidevs.example/help/community/#community-questions",
    ]
    checked = runner.invoke(app, ["build", "--check", "--data-dir", str(data)])
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("data ok: 6 articles, 12 FAQ entries")

    again = runner.invoke(app, ["import", str(FOLDER), "--into", str(data), "--base-url", "https://techidevs.example"])
    assert again.exit_code == 0 and "pages: 0 added, 0 changed, 6 unchanged, 0 gone" in again.output
    assert "wrote" not in again.output


def test_without_a_base_url_links_are_the_site_paths(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = runner.invoke(app, ["import", str(FOLDER), "--into", str(data)])
    assert result.exit_code == 0 and "--base-url https://your.site makes those links whole" in result.output
    article = load_corpus(data).article("green-ai-in-practice")
    assert article is not None and article.url == "/articles/green-ai-in-practice/"


def test_nothing_imported_exits_non_zero(tmp_path: Path) -> None:
    missing, data = tmp_path / "no-such-site", tmp_path / "data"
    result = runner.invoke(app, ["import", str(missing), str(FOLDER / "files" / "price-list.pdf"), "--into", str(data)])
    assert result.exit_code == 1 and not data.exists()
    assert f"skipped {missing}: no such file or folder" in result.output
    assert "not an HTML, text or sitemap file" in result.output
    assert "nothing could be imported" in result.output


def test_a_file_url_is_its_folder_and_another_scheme_is_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = runner.invoke(app, ["import", (FOLDER / "help").as_uri(), "ftp://example.com/site/", "--into", str(data)])
    assert result.exit_code == 0 and "skipped ftp://example.com/site/: ftp: cannot be read" in result.output
    assert (data / "articles").is_dir()


def test_a_dry_run_says_so_and_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = runner.invoke(app, ["import", str(FOLDER / "help"), "--into", str(data), "--dry-run"])
    assert result.exit_code == 0 and "dry run: nothing was written" in result.output
    assert not data.exists()


def test_into_a_file_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    into = tmp_path / "data"
    into.write_text("a file where the data folder goes")
    result = runner.invoke(app, ["import", str(FOLDER), "--into", str(into)])
    assert result.exit_code == 2 and f"error: {into} is a file: --into names the data folder" in result.output
    assert "Traceback" not in result.output
    below = runner.invoke(app, ["import", str(FOLDER), "--into", str(into / "data")])  # a folder under the file
    assert below.exit_code == 2 and f"error: {into} is a file" in below.output
    empty = runner.invoke(app, ["import", "", "--into", str(tmp_path / "d")])  # an unset shell variable
    assert empty.exit_code == 2 and "an empty SOURCE" in empty.output and not (tmp_path / "d").exists()


PAGE = "<html><head><title>{title}</title></head><body><main><h1>{title}</h1><p>{text}</p>{extra}</main></body></html>"


def test_a_link_that_is_no_url_or_a_name_not_in_utf8_is_no_traceback(tmp_path: Path) -> None:
    """A page's typo (`http://[::1`) is a link left out; a file name in Latin-1 is imported with its
    bytes escaped where they are shown and %-escaped in its URL."""
    src = tmp_path / "src"
    src.mkdir()
    text = "We bake bread every morning and sell it until it is gone, usually by noon."
    (src / "bread.html").write_text(PAGE.format(title="Bread", text=text, extra='<a href="http://[::1">x</a>'))
    (src / "cafe.html").write_text(
        PAGE.format(title="Cafe", text="Coffee and cake all day long, six days a week.", extra="")
    )
    latin = Path(os.fsdecode(bytes(src) + b"/caf\xe9.html"))
    (src / "cafe.html").rename(latin)
    data = tmp_path / "data"
    result = runner.invoke(app, ["import", str(src), "--into", str(data)])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    written = {p.name: p.read_text(encoding="utf-8") for p in (data / "articles").iterdir()}
    cafe = next(text for text in written.values() if "title: Cafe" in text)
    assert "url: /caf%E9.html" in cafe and "caf\\xe9.html" in cafe
    again = runner.invoke(app, ["import", str(src), "--into", str(data)])  # the manifest reads back what it wrote
    assert again.exit_code == 0 and "0 added, 0 changed, 2 unchanged" in again.output


def test_sources_that_are_no_file_and_no_http_url_are_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sources = ["https://[::1", "mailto:a@b.org", "file://example.org/site", "localhost:8000/", str(FOLDER / "help")]
    result = runner.invoke(app, ["import", *sources, "--into", str(data)])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert "skipped https://[::1: not a valid URL" in result.output
    assert "skipped mailto:a@b.org: mailto: cannot be read" in result.output
    assert "skipped file://example.org/site: a file: URL names a file on this machine" in result.output
    assert (
        "skipped localhost:8000/: localhost: cannot be read" in result.output
        and "(http://localhost:8000/?)" in result.output
    )


def test_a_pages_clashing_ids_are_imported_as_anchors_the_build_takes(tmp_path: Path) -> None:
    """id="introduction" over a heading after some text, the same id on two headings, a heading whose
    slug another's id took: each section still gets an anchor of its own (the build refused the files)."""
    src, data = tmp_path / "src", tmp_path / "data"
    src.mkdir()
    sections = (
        '<h2 id="introduction">Intro id</h2><p>One.</p><h2 id="dup">First</h2><p>Two.</p>'
        '<h2 id="dup">Second</h2><p>Three.</p><h2 id="setup">Other</h2><p>Four.</p><h2>Setup</h2><p>Five.</p>'
    )
    (src / "ids.html").write_text(PAGE.format(title="Ids", text="Text before the first heading.", extra=sections))
    result = runner.invoke(app, ["import", str(src), "--into", str(data)])
    assert result.exit_code == 0, result.output
    [article] = load_corpus(data).articles
    anchors = [section.anchor for section in article.sections]
    assert len(set(anchors)) == len(anchors) and {"introduction", "dup", "setup"} <= set(anchors), anchors


def test_a_manifest_slug_that_is_no_slug_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    record = {"url": "/x", "origin": "x", "slug": "../../evil"}
    (data / "import-manifest.json").write_text(json.dumps({"format": 1, "pages": {"x": record}}))
    result = runner.invoke(app, ["import", str(FOLDER / "help"), "--into", str(data)])
    assert result.exit_code == 1 and "the slug '../../evil' is not a slug" in result.output
    assert not (tmp_path / "evil.md").exists()


def test_a_folder_imported_again_by_another_path_is_not_imported_twice(tmp_path: Path) -> None:
    """The manifest knows pages by where they were read: the same folder by another path (here a link
    to it) is pages it has, not new ones."""
    data, other = tmp_path / "data", tmp_path / "same-folder"
    other.symlink_to(FOLDER / "help", target_is_directory=True)
    assert runner.invoke(app, ["import", str(FOLDER / "help"), "--into", str(data)]).exit_code == 0
    before = sorted(p.name for p in data.rglob("*.md"))
    again = runner.invoke(app, ["import", str(other), "--into", str(data)])
    assert "0 added" in again.output and sorted(p.name for p in data.rglob("*.md")) == before, again.output


def test_what_the_build_would_refuse_is_mended_or_the_page_skipped_naming_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A heading of a zero-width space, an FAQ question "???", a heading that reads like an id ("{#x}"),
    a javascript: canonical link: each imported as the build reads it. A page rendered as files the
    build would refuse anyway is skipped with the build's message, and the rest of the site builds."""
    src, data = tmp_path / "src", tmp_path / "data"
    src.mkdir()
    odd = "<h2>Setup {#x}</h2><p>Install it.</p><h2>&#8203;</h2><p>Hidden heading.</p>"
    (src / "odd.html").write_text(PAGE.format(title="Odd", text="Some intro text.", extra=odd))
    faq = (
        "<details><summary>???</summary><p>Nothing.</p></details><details><summary>Real?</summary><p>Yes.</p></details>"
    )
    (src / "faq.html").write_text(
        PAGE.format(title="Faq", text="Intro.", extra=faq).replace(
            "<head>", '<head><link rel="canonical" href="javascript:alert(1)">'
        )
    )
    assert runner.invoke(app, ["import", str(src), "--into", str(data)]).exit_code == 0
    corpus = load_corpus(data)
    odd_article = corpus.article("odd")
    assert odd_article is not None
    assert [s.title for s in odd_article.sections][-1] == "Setup {#x}"
    assert [e.question for e in corpus.faq] == ["Real?"] and corpus.faq[0].url == "/faq.html"

    import faqbot.importing.run as run_module

    broken = "---\ntitle: x\n---\n\n## \u200b\n\nText.\n"
    rendered = run_module.render_article
    monkeypatch.setattr(
        run_module, "render_article", lambda page, slug: broken if slug == "late" else rendered(page, slug)
    )
    (src / "late.html").write_text(PAGE.format(title="Late", text="Text.", extra=""))
    result = runner.invoke(app, ["import", str(src), "--into", str(data)])
    assert "skipped" in result.output and "its files would stop 'faqbot build', so none was written" in result.output
    assert "articles/late.md:5: a heading has no text" in result.output and "not imported" in result.output
    assert result.output.count("skipped") == 1
    assert not (data / "articles" / "late.md").exists() and load_corpus(data).article("odd") is not None


def test_odd_markup_from_a_second_attack_imports_as_the_build_reads_it(tmp_path: Path) -> None:
    """JSON-LD with half a UTF-16 pair or nested a thousand deep (tracebacks that ended the run), an
    answer of a zero-width space (lost the page), a code block holding fences (closed early, the rest
    of the page read as code), a canonical link that is a fragment, a mailto: or a host-less http://
    (written as the page's address)."""
    src, data = tmp_path / "src", tmp_path / "data"
    src.mkdir()
    lone = (
        '<script type="application/ld+json">{"@type": "FAQPage", "mainEntity": [{"@type": "Question", '
        '"name": "What \\ud800 is it?", "acceptedAnswer": {"@type": "Answer", "text": "ok"}}]}</script>'
    )
    deep = '<script type="application/ld+json">' + "[" * 1000 + "]" * 1000 + "</script>"
    blank = (
        "<details><summary>Need help?</summary><p>&#8203;</p></details>"
        "<details><summary>Real?</summary><p>Yes.</p></details>"
    )
    code = "<h2>Code</h2><p>Look:</p><pre><code>~~~~~\nx\n```\n## Injected\n````</code></pre><h2>After</h2><p>Text.</p>"
    for name, extra, canonical in (
        ("lone", lone, "#frag"),
        ("deep", deep, "mailto:a@b.example"),
        ("blank", blank, "http:///path"),
        ("code", code, "https://example.org/code#top"),
    ):
        page = PAGE.format(title=name.title(), text="Some intro text.", extra=extra)
        (src / f"{name}.html").write_text(page.replace("<head>", f'<head><link rel="canonical" href="{canonical}">'))
    result = runner.invoke(app, ["import", str(src), "--into", str(data)])
    assert result.exit_code == 0 and "skipped" not in result.output, result.output
    corpus = load_corpus(data)
    urls = {article.slug: article.url for article in corpus.articles}
    assert urls == {
        "lone": "/lone.html",
        "deep": "/deep.html",
        "blank": "/blank.html",
        "code": "https://example.org/code",
    }
    assert [entry.question for entry in corpus.faq] == ["Real?"]
    code_article = corpus.article("code")
    assert code_article is not None and [s.title for s in code_article.sections][-2:] == ["Code", "After"]


def test_an_imported_page_leaves_a_hand_written_faq_files_name_alone(tmp_path: Path) -> None:
    """`faq/pricing.yaml` belongs to the article `pricing`: an imported page named so took its links over."""
    src, data = tmp_path / "src", tmp_path / "data"
    src.mkdir()
    (data / "faq").mkdir(parents=True)
    (data / "faq" / "pricing.yaml").write_text("- id: x\n  question: How much is it?\n  answer: Ten euros.\n")
    (src / "pricing.html").write_text(PAGE.format(title="Pricing", text="Prices.", extra="<h2>FAQ x</h2><p>Text.</p>"))
    assert runner.invoke(app, ["import", str(src), "--into", str(data)]).exit_code == 0
    corpus = load_corpus(data)
    assert [article.slug for article in corpus.articles] == ["pricing-2"]
    assert corpus.faq[0].url == "/faq#faq-x"  # the FAQ page, as before the import


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("example.org", "(https://example.org?)"),
        ("http://", "http:// or https:// and a host"),
        ("mailto:a@b.c", "http:// or https:// and a host"),
        ("https://example.org/#frag", "no ?query or #fragment"),
        ("https://example.org:99999", "Port out of range"),
    ],
)
def test_a_base_url_that_is_no_sites_address_is_refused_before_anything_is_read(
    tmp_path: Path, base_url: str, message: str
) -> None:
    """Every answer's link starts with it: "example.org" made relative links and the slug example-org."""
    result = runner.invoke(app, ["import", str(FOLDER), "--into", str(tmp_path / "data"), "--base-url", base_url])
    assert result.exit_code == 2 and message in result.output and not (tmp_path / "data").exists(), result.output
