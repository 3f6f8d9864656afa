"""FAQ pairs on a page: schema.org FAQPage (JSON-LD and microdata), `<details>`/`<summary>`,
definition lists, and "Q: … A: …" paragraphs.

Two kinds of markup, two rules:
- FAQPage markup is the site saying "these are this page's questions": every pair counts.
- `<details>` and `<dl>` are only layout: a pair counts when its question ends with "?" (a
  `<details>` "Show the table" is not a question) and the main content holds it, so an FAQ widget
  in a sidebar or footer of every page is not imported from every page.
"Q: … A: …" paragraphs (one paragraph, or a "Q:" paragraph and the "A:" paragraph after it) are
found in the main content's blocks, so they are never chrome.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import lxml.html
from lxml.etree import ParserError
from lxml.html import HtmlElement

from faqbot.importing.page import QA, Block, normal
from faqbot.text import has_text, lone_surrogate, slugify

_Q = r"(?:Q|Question)\s?[:.)]"
_A = r"(?:A|Answer)\s?[:.)]"
# The answer marker right after the question mark first: "Q: Is plan A. better? A: …".
_PAIR = (
    re.compile(rf"^\s*{_Q}\s*(?P<q>.+?\?)\s*{_A}\s*(?P<a>.+)$", re.S),
    re.compile(rf"^\s*{_Q}\s*(?P<q>.+?)\s+{_A}\s*(?P<a>.+)$", re.S),
)
_QUESTION = re.compile(rf"^\s*{_Q}\s*(?P<q>.+)$", re.S)
_ANSWER = re.compile(rf"^\s*{_A}\s*(?P<a>.+)$", re.S)


def squash(text: str) -> str:
    return " ".join(text.split())


def markup_faq(tree: HtmlElement) -> list[QA]:
    """Pairs declared or laid out in the page's markup, in page order, each question once.

    Pairs from `<details>` and `<dl>` have `visible_only` set: `mark_faq_blocks` keeps them only
    where the main content shows them.
    """
    pairs = [*_json_ld(tree), *_microdata(tree), *_details(tree), *_definition_lists(tree)]
    return _unique(pairs)


def mark_faq_blocks(blocks: list[Block], markup: list[QA]) -> list[QA]:
    """Every FAQ pair of the page, with the blocks that show them marked `faq`.

    "Q: … A: …" paragraphs become pairs here. A markup pair marks the block of its question and
    the blocks right after it that are parts of its answer.
    """
    pairs = _text_pairs(blocks)
    for pair in markup:
        shown = _mark_shown(blocks, pair)
        if shown or not pair.visible_only:
            pairs.append(pair)
    return _unique(pairs)


def _unique(pairs: list[QA]) -> list[QA]:
    """Each question once, by the id faqbot will derive from it (content.faq: its slug). A question
    with no letter or digit ("???"), or an answer that shows nothing, is none: the build refuses them."""
    seen: set[str] = set()
    unique = []
    for pair in pairs:
        # JSON-LD's "\ud800" escapes make half a UTF-16 pair: no text a file can hold.
        text = not lone_surrogate(pair.question) and not lone_surrogate(pair.answer)
        askable = text and any(char.isalnum() for char in pair.question)
        key = slugify(pair.question, max_length=60) if askable else ""
        if key and has_text(pair.answer) and key not in seen:  # an answer of a zero-width space is none
            seen.add(key)
            unique.append(pair)
    return unique


def _text_pairs(blocks: list[Block]) -> list[QA]:
    pairs: list[QA] = []
    for number, block in enumerate(blocks):
        if block.kind not in ("paragraph", "item") or block.faq:
            continue
        match = next((m for pattern in _PAIR if (m := pattern.match(block.text))), None)
        if match:
            block.faq = True
            pairs.append(QA(squash(match["q"]), squash(match["a"])))
            continue
        question = _QUESTION.match(block.text)
        following = blocks[number + 1] if number + 1 < len(blocks) else None
        answer = _ANSWER.match(following.text) if following is not None and following.kind == block.kind else None
        if question and answer and following is not None:
            block.faq = following.faq = True
            pairs.append(QA(squash(question["q"]), squash(answer["a"])))
    return pairs


def _mark_shown(blocks: list[Block], pair: QA) -> bool:
    question, answer = normal(pair.question), normal(pair.answer)
    for number, block in enumerate(blocks):
        text = normal(block.text)
        if text == question or text == f"{question} {answer}":
            block.faq = True
            for follower in blocks[number + 1 :]:
                part = normal(follower.text)
                if follower.kind == "heading" or not part or part not in answer:
                    break
                follower.faq = True
            return True
    return False


# --- schema.org FAQPage as JSON-LD -------------------------------------------------------------


def _json_ld(tree: HtmlElement) -> Iterator[QA]:
    for script in tree.iter("script"):
        if (script.get("type") or "").split(";")[0].strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue  # a broken (or absurdly nested) JSON-LD block is the site's bug; the rest of the page imports
        for node in _nodes(data):
            if "FAQPage" in _types(node):
                for question in _as_list(node.get("mainEntity")):
                    if isinstance(question, dict) and "Question" in _types(question):
                        answer = next(iter(_as_list(question.get("acceptedAnswer"))), None) or next(
                            iter(_as_list(question.get("suggestedAnswer"))), None
                        )
                        text = answer.get("text") if isinstance(answer, dict) else None
                        name = question.get("name") or question.get("text")
                        if isinstance(name, str) and isinstance(text, str):
                            yield QA(_plain(name), _plain(text))


def _nodes(data: object) -> Iterator[dict[str, object]]:
    """Every JSON object in a JSON-LD document (top level, lists and @graph alike)."""
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _nodes(value)
    elif isinstance(data, list):
        for value in data:
            yield from _nodes(value)


def _types(node: dict[str, object]) -> set[str]:
    return {str(t).rsplit("/", 1)[-1] for t in _as_list(node.get("@type"))}


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _plain(text: str) -> str:
    """Text of an answer that may hold HTML ("<p>No, never.</p>")."""
    if "<" in text:
        try:
            text = lxml.html.fragment_fromstring(text, create_parent="div").text_content()
        except (ParserError, ValueError):
            pass
    return squash(text)


# --- schema.org FAQPage as microdata -----------------------------------------------------------


def _microdata(tree: HtmlElement) -> Iterator[QA]:
    for page in tree.xpath('//*[@itemscope][contains(@itemtype, "FAQPage")]'):
        for question in page.xpath('.//*[@itemscope][contains(@itemprop, "mainEntity")]'):
            name = _prop(question, "name")
            answers = question.xpath('.//*[@itemscope][contains(@itemprop, "acceptedAnswer")]')
            text = _prop(answers[0], "text") if answers else ""
            if name and text:
                yield QA(name, text, str(question.get("id") or ""))


def _prop(scope: HtmlElement, name: str) -> str:
    found = scope.xpath(".//*[@itemprop=$name]", name=name)
    if not found:
        return ""
    element = found[0]
    return squash(element.get("content") or element.text_content())


# --- layout: <details> and <dl> ----------------------------------------------------------------


def _details(tree: HtmlElement) -> Iterator[QA]:
    for details in tree.iter("details"):
        summary = details.find("summary")
        if summary is None:
            continue
        question = squash(summary.text_content())
        whole = squash(details.text_content())
        answer = whole[len(question) :].strip() if whole.startswith(question) else ""
        if question.endswith("?") and answer:
            anchor = details.get("id") or summary.get("id") or ""
            yield QA(question, answer, anchor, visible_only=True)


def _definition_lists(tree: HtmlElement) -> Iterator[QA]:
    for dl in tree.iter("dl"):
        question, anchor = "", ""
        answer: list[str] = []
        for child in dl.xpath("./dt | ./dd | ./div/dt | ./div/dd"):
            if child.tag == "dt":
                if question and answer:
                    yield QA(question, " ".join(answer), anchor, visible_only=True)
                question, anchor, answer = squash(child.text_content()), str(child.get("id") or ""), []
            elif question.endswith("?"):
                answer.append(squash(child.text_content()))
        if question and answer:
            yield QA(question, " ".join(answer), anchor, visible_only=True)
