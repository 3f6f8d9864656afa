"""Query spelling correction against the corpus's own words ("sustainablity" -> "sustainability").

Only misspelt words are touched: a word the corpus contains, or that an English dictionary knows,
stays as it is. Knowing the corpus's words is not enough: a correct word the corpus happens not to
use would be "corrected" into the closest one that it does, often into a different or opposite
meaning ("uninstall" -> "install", "invisible" -> "visible", "expensive" -> "extensive"); on
StackFAQ that rewrote 178 different correct words. A misspelt word is corrected only towards a
corpus word that is very close, so a typo of an off-topic word stays as it is (and is declined).
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import cache

_WORD = re.compile(r"[^\W\d_]+")
MIN_LENGTH = 5  # shorter words have too many close neighbours to correct safely
SIMILARITY = 0.85  # difflib ratio: one slip in a word of 7+ letters passes, two in a short word do not
CACHE_SIZE = 4096  # corrections remembered (difflib over the corpus's words is the slow part)


@cache
def english_words() -> frozenset[str]:
    """The words of pyspellchecker's English dictionary (with their inflections), in lower case: only
    those the speller could ever be asked about (letters only, MIN_LENGTH or longer; 123k of 161k).

    Loaded once per process, when the first answerer is made (~0.3 s, ~18 MB; all 161k took 32 MB),
    not at import.
    """
    from spellchecker import SpellChecker

    words = SpellChecker(language="en", case_sensitive=False).word_frequency.keys()
    return frozenset(w for w in words if len(w) >= MIN_LENGTH and w.isalpha())


class Speller:
    def __init__(self, texts: Iterable[str], *, dictionary: frozenset[str] = frozenset()):
        """`texts` are the corpus (what corrections aim at); `dictionary` the words never to correct."""
        words = {w.lower() for text in texts for w in _WORD.findall(text)}
        self._known = frozenset(words)
        self._dictionary = dictionary
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in sorted(w for w in words if len(w) >= MIN_LENGTH - 1):
            by_length[len(word)].append(word)
        self._by_length = dict(by_length)
        # A plain dict, not functools.lru_cache on a bound method: that would hold the speller in a
        # reference cycle, which only the cyclic collector frees (and the server freezes it out of
        # that collector's sight while an index is loaded: faqbot.engine.settle_memory).
        self._corrections: dict[str, str | None] = {}

    def _closest(self, word: str) -> str | None:
        if word in self._corrections:
            return self._corrections[word]
        candidates = [w for n in range(len(word) - 2, len(word) + 3) for w in self._by_length.get(n, ())]
        match = difflib.get_close_matches(word, candidates, n=1, cutoff=SIMILARITY)
        if len(self._corrections) >= CACHE_SIZE:
            self._corrections.clear()  # bounded: the words of a day's questions, not every typo ever seen
        self._corrections[word] = match[0] if match else None
        return self._corrections[word]

    def correct(self, text: str) -> str:
        def fix(found: re.Match[str]) -> str:
            word = found.group(0)
            lower = word.lower()
            if len(lower) < MIN_LENGTH or lower in self._known or lower in self._dictionary:
                return word
            return self._closest(lower) or word

        return _WORD.sub(fix, text)
