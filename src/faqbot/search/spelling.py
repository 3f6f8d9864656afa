"""Query spelling correction against the corpus's own words ("sustainablity" -> "sustainability").

Only misspelt words are touched: a word the corpus contains, or that an English dictionary knows,
stays as it is. Knowing the corpus's words is not enough: a correct word the corpus happens not to
use would be "corrected" into the closest one that it does, often into a different or opposite
meaning ("uninstall" -> "install", "invisible" -> "visible", "expensive" -> "extensive"); on
StackFAQ that rewrote 178 different correct words. A misspelt word is corrected only towards a
corpus word that is very close, so a typo of an off-topic word stays as it is (and is declined).
Two neighbouring letters swapped ("modle", "recieve") are one slip, as in Damerau's count (1964),
though difflib's ratio counts them as two: a corpus word one swap away is the correction.

A question in another language is left alone: its words are not typos of English ones ("¿Qué es
un modelo de IA?" must not become "... un model de IA"). A question is taken for another language
when more than half of its words of three letters or more are known neither to the corpus nor to
the English dictionary, and either three of them are, or it has letters English does not use (é,
ü, ñ...). Two typos in a short English question ("sumarize this webiste") are still typos.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cache

_WORD = re.compile(r"[^\W\d_]+")
MIN_LENGTH = 5  # shorter words have too many close neighbours to correct safely
LANGUAGE_WORD_LENGTH = 3  # words this long or longer tell English from another language
MAX_UNKNOWN_SHARE = 0.5  # of those, unknown to the corpus and the dictionary, in an English question
MIN_UNKNOWN_FOREIGN = 3  # unknown words it takes to call a question another language (2 with accents)
_NOT_ENGLISH_LETTER = re.compile(r"[^\W\d_a-zA-Z]")
SIMILARITY = 0.85  # difflib ratio: one slip in a word of 7+ letters passes, two in a short word do not
CACHE_SIZE = 4096  # corrections remembered (difflib over the corpus's words is the slow part)


@cache
def english_words() -> frozenset[str]:
    """The words of pyspellchecker's English dictionary (with their inflections), in lower case, letters
    only: what the speller never corrects, and what tells an English question from another language.

    Loaded once per process, when the first answerer is made (~0.3 s, ~20 MB), not at import.
    """
    from spellchecker import SpellChecker

    words = SpellChecker(language="en", case_sensitive=False).word_frequency.keys()
    return frozenset(w for w in words if w.isalpha())


class Speller:
    def __init__(
        self,
        texts: Iterable[str],
        *,
        dictionary: frozenset[str] = frozenset(),
        words: Iterable[str] = (),
        also_known: Callable[[str], bool] | None = None,
    ):
        """`texts` are the corpus (what corrections aim at), or its `words` already found (in lower
        case: faqbot.index.docs.top_words); `dictionary` the words never to correct, and
        `also_known` another test for them (the word index, when `words` are only the most frequent)."""
        words = {w.lower() for text in texts for w in _WORD.findall(text)} | set(words)
        self._known = frozenset(words)
        self._dictionary = dictionary
        self._also_known = also_known
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in sorted(w for w in words if len(w) >= MIN_LENGTH - 1):
            by_length[len(word)].append(word)
        self._by_length = dict(by_length)
        # A plain dict, not functools.lru_cache on a bound method: that would hold the speller in a
        # reference cycle, which only the cyclic collector frees (and the server freezes it out of
        # that collector's sight while an index is loaded: faqbot.server.reload.settle_memory).
        self._corrections: dict[str, str | None] = {}

    def _closest(self, word: str) -> str | None:
        if word in self._corrections:
            return self._corrections[word]
        swapped = sorted(w for w in _swaps(word) if w in self._known)
        candidates = [w for n in range(len(word) - 2, len(word) + 3) for w in self._by_length.get(n, ())]
        match = swapped[:1] or difflib.get_close_matches(word, candidates, n=1, cutoff=SIMILARITY)
        if len(self._corrections) >= CACHE_SIZE:
            self._corrections.clear()  # bounded: the words of a day's questions, not every typo ever seen
        self._corrections[word] = match[0] if match else None
        return self._corrections[word]

    def known(self, word: str) -> bool:
        return (
            word in self._known or word in self._dictionary or (self._also_known is not None and self._also_known(word))
        )

    def in_corpus(self, word: str) -> bool:
        """Whether the site's own text uses `word` (lower case)."""
        return word in self._known

    def looks_english(self, text: str) -> bool:
        """Whether the question reads as English (see the module docstring); always, without a dictionary."""
        words = [w.lower() for w in _WORD.findall(text) if len(w) >= LANGUAGE_WORD_LENGTH]
        unknown = sum(not self.known(w) for w in words)
        enough = MIN_UNKNOWN_FOREIGN - (1 if _NOT_ENGLISH_LETTER.search(text) else 0)
        return not self._dictionary or unknown < enough or unknown <= MAX_UNKNOWN_SHARE * len(words)

    def correct(self, text: str) -> str:
        if not self.looks_english(text):
            return text

        def fix(found: re.Match[str]) -> str:
            word = found.group(0)
            lower = word.lower()
            if len(lower) < MIN_LENGTH or self.known(lower):
                return word
            return self._closest(lower) or word

        return _WORD.sub(fix, text)


def _swaps(word: str) -> set[str]:
    """The word with two neighbouring letters swapped, every way but the word itself."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)} - {word}
