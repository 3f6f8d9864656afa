"""Query spelling correction against the corpus's own words ("sustainablity" -> "sustainability").

Only words the corpus does not contain are touched, and only towards a corpus word that is
very close, so a correct off-topic word stays as it is (and is declined as before).
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[^\W\d_]+")
MIN_LENGTH = 5  # shorter words have too many close neighbours to correct safely
SIMILARITY = 0.85  # difflib ratio: one slip in a word of 7+ letters passes, two in a short word do not


class Speller:
    def __init__(self, texts: Iterable[str]):
        words = {w.lower() for text in texts for w in _WORD.findall(text)}
        self._known = frozenset(words)
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in sorted(w for w in words if len(w) >= MIN_LENGTH - 1):
            by_length[len(word)].append(word)
        self._by_length = dict(by_length)
        self._closest = lru_cache(maxsize=4096)(self._closest_uncached)

    def _closest_uncached(self, word: str) -> str | None:
        candidates = [w for n in range(len(word) - 2, len(word) + 3) for w in self._by_length.get(n, ())]
        match = difflib.get_close_matches(word, candidates, n=1, cutoff=SIMILARITY)
        return match[0] if match else None

    def correct(self, text: str) -> str:
        def fix(found: re.Match[str]) -> str:
            word = found.group(0)
            lower = word.lower()
            if len(lower) < MIN_LENGTH or lower in self._known:
                return word
            return self._closest(lower) or word

        return _WORD.sub(fix, text)
