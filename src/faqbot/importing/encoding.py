"""A page's bytes as text: the charset it declares (HTTP header, byte order mark, `<meta charset>`),
else UTF-8. A page that does not decode in its charset is refused with the offset of the bad byte,
never imported with replacement characters in its answers.
"""

from __future__ import annotations

import codecs
import re

from faqbot.importing.page import PageProblem

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
# What browsers decode these labels as (the WHATWG Encoding Standard).
_BROWSER_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode(body: bytes, declared: str | None, *, html: bool) -> str:
    """`body` as text. Raises PageProblem naming the charset when it does not decode.

    `declared` is the charset of the Content-Type header (None for a file); `html` also reads a
    `<meta charset>` in the first 4 KB.
    """
    charset = next((name for bom, name in _BOMS if body.startswith(bom)), None) or declared
    if charset is None and html:
        match = _META_CHARSET.search(body[:4096])
        charset = match.group(1).decode("ascii") if match else None
    label = (charset or "utf-8").strip().lower()
    label = _BROWSER_ALIASES.get(label, label)
    try:
        codecs.lookup(label)
    except LookupError:
        raise PageProblem(f"declares an unknown charset {charset!r}") from None
    try:
        return body.decode(label)
    except UnicodeDecodeError as exc:
        said = f"declared {charset}" if charset else "UTF-8, and it declares no charset"
        raise PageProblem(f"broken encoding: not valid {said} (a bad byte at offset {exc.start})") from None
