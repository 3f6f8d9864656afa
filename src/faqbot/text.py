"""Small text helpers shared by ingestion, chunking and answering."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

from faqbot.errors import DataError

_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[]?[A-Z0-9])")
_NON_SLUG = re.compile(r"[^a-z0-9\u0080-\U0010ffff]+")  # kept non-ASCII is letters
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences: a full stop, ! or ? followed by space and a capital or digit."""
    text = _SPACE.sub(" ", text).strip()
    if not text:
        return []
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def slugify(text: str, *, max_length: int = 80) -> str:
    """A URL-safe anchor: 'The Role of Sustainability in AI' -> 'the-role-of-sustainability-in-ai'.

    Letters of scripts with no ASCII form are kept as they are, lower-cased ('Как это работает?' ->
    'как-это-работает', '使い方' -> '使い方'), as GitHub's heading anchors keep them: dropped,
    every Cyrillic, Greek, Arabic or CJK heading of an article had the same anchor. Latin text gives
    the anchors it always gave, which are published links and FAQ ids: accents dropped ('Café' ->
    'cafe'), and so are Latin letters with no ASCII form and symbols ('Straße' -> 'strae', 'Don’t'
    -> 'dont'); ASCII punctuation and spaces separate words. Empty: 'section'.
    """
    pieces: list[str] = []
    in_letter = False  # the last piece is a kept non-ASCII letter (its marks stay with it)
    for char in unicodedata.normalize("NFC", text).lower():
        folded = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode().lower()
        mark = unicodedata.category(char).startswith("M")
        if folded:
            pieces.append(folded)
            in_letter = False
        elif (char.isalnum() and not unicodedata.name(char, "").startswith("LATIN")) or (mark and in_letter):
            pieces.append(char)  # a vowel sign or virama stays with its letter
            in_letter = True
        elif not mark:  # dropped, as they always were
            in_letter = False
    slug = unicodedata.normalize("NFC", _NON_SLUG.sub("-", "".join(pieces))).strip("-")
    return slug[:max_length].rstrip("-") or "section"


# Characters that show nothing and are not whitespace or format characters (category Cf): Unicode's
# other default-ignorable code points (variation selectors, the combining grapheme joiner, Hangul
# fillers) and the blank braille pattern, which renders as a space.
_BLANK = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]")


def has_text(text: str) -> bool:
    """Whether `text` has a character that shows: not only whitespace, invisible format characters (a
    zero-width space, a joiner, a byte order mark, a soft hyphen: category Cf) and the other characters
    Unicode says to leave unseen (variation selectors, fillers: `_BLANK`)."""
    return any(not char.isspace() and unicodedata.category(char) != "Cf" and not _BLANK.match(char) for char in text)


@functools.cache
def visible_pattern() -> str:
    """A regular expression that matches where `has_text` is true, for schemas (the API's OpenAPI
    schema publishes what a question must hold): any character but whitespace, control characters
    and those `has_text` leaves out. Made once, from the planes that hold such characters (0, 1, 14)."""
    unseen = [
        code
        for plane in (range(0x0000, 0x20000), range(0xE0000, 0xF0000))
        for code in plane
        # Surrogates (Cs) are left to the API's own check: in a class, "\\ud800-\\udfff" makes schema
        # tools (schemathesis) drop the whole pattern.
        if not has_text(chr(code)) or unicodedata.category(chr(code)) == "Cc"
    ]
    ranges: list[tuple[int, int]] = []
    for code in unseen:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "[^" + "".join(_escape(a) if a == b else f"{_escape(a)}-{_escape(b)}" for a, b in ranges) + "]"


def _escape(code: int) -> str:
    """A character in a regular expression's class: \\uXXXX (read alike by Python and ECMAScript), or
    itself past the BMP (where ECMAScript needs the u flag for an escape)."""
    return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)


def normalize_question(text: str) -> str:
    """The form a question is answered in: NFKC, no control characters, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def content_hash(*parts: str, length: int = 16) -> str:
    """A stable short hash of some strings (order matters)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


def data_files(directory: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The files below `directory` whose names end in one of `suffixes` (any case), in path order,
    leaving out hidden ones and those in hidden folders: an editor's lock file (".#guide.md"), a
    Mac's "._faq.yaml", a ".git" folder are no content."""
    return sorted(
        path
        for path in directory.rglob("*")
        if path.suffix.lower() in suffixes
        and not any(part.startswith(".") for part in path.relative_to(directory).parts)
    )


def read_utf8(path: Path) -> str:
    """A data file's text; not UTF-8 is a DataError at the line of the first bad byte, and so is a
    file that cannot be read (a dangling link, a folder, no permission)."""
    if path.exists() and not path.is_file() and not path.is_dir():  # a pipe would block the build forever
        raise DataError(path, "this is not a regular file (a pipe, socket or device): remove it")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(path, f"cannot read the file ({exc.strerror or exc})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(path, "the file is UTF-16 text: save it as UTF-8", line=1)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            path, f"the file is not UTF-8 text{_likely_encoding(data)}: save it as UTF-8", line=line
        ) from None


def _likely_encoding(data: bytes) -> str:
    """What a file that is not UTF-8 most likely is, said as a clause (or nothing)."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    return " (it looks like Windows-1252 or Latin-1, as older spreadsheet programs save)"


_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(value: object) -> bool:
    """Whether a parsed value (a text, a list of them) holds half of a UTF-16 pair: "\\ud800" is valid
    JSON and YAML escape syntax, but no UTF-8 text can hold it, so nothing could store or hash it."""
    texts = value if isinstance(value, list) else [value]
    return any(isinstance(text, str) and _SURROGATE.search(text) is not None for text in texts)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # a surrogate's escape, as written in YAML or JSON


def surrogate_escape_line(text: str, *, first: int = 1) -> int | None:
    """The number of the first line of `text` that writes a surrogate's escape ("\\ud800"), counting
    `text`'s first line as `first`; None when none does (where `lone_surrogate` found one)."""
    return next((n for n, line in enumerate(text.splitlines(), start=first) if _SURROGATE_ESCAPE.search(line)), None)


def link_problem(url: str) -> str | None:
    """Why `url` cannot be a source's link (None when it can): readers and integrators follow these
    links, so only web addresses (http, https), paths on this site ("/faq", "guide#setup") and mailto:
    or tel: are; a javascript: or data: link would run or show whatever it holds."""
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in url):
        return "a link has no spaces or control characters"
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError as exc:  # "http://[::1": an address no browser opens
        return f"a link that cannot be read ({exc})"
    if scheme not in ("", "http", "https", "mailto", "tel"):
        return f"a link is a web address (http, https), a path on this site, mailto: or tel:, not {scheme}:"
    return None


_RUNNABLE = re.compile(r"\s*(?:javascript|vbscript|data)\s*:", re.IGNORECASE)


def contact_problem(contact: str) -> str | None:
    """Why `contact` cannot be the "talk to a person" address (None when it can): any text ("call 555
    1234", an e-mail address, a URL) but a link that would run or show what it holds when followed."""
    # A browser drops tabs, line ends and leading controls from a URL: "java\tscript:" runs too.
    if _RUNNABLE.match(re.sub(r"[\x00-\x20\x7f]", "", contact)):
        return "the contact is a web address, an e-mail address or a phone number, not a javascript: or data: link"
    return None


def counted(number: int, one: str, many: str = "") -> str:
    """ "1 article", "2 articles", "1 FAQ entry" / "3 FAQ entries" (`many`, when not `one` + "s")."""
    return f"{number:,} {one if number == 1 else many or one + 's'}"


def content_counts(articles: int, faq: int, passages: int) -> str:
    """ "1 article, 5 FAQ entries, 7 passages": what a site holds, as the CLI and build report say it."""
    return f"{counted(articles, 'article')}, {counted(faq, 'FAQ entry', 'FAQ entries')}, {counted(passages, 'passage')}"
