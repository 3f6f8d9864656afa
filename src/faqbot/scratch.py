"""Per-thread scratch arrays, all zero between uses.

An answer adds into one over the documents and resets the entries it touched, so no array as long
as the corpus is allocated per question (faqbot.index.lexical's BM25 sums, faqbot.search.retrieval's
candidate slots). One array per name and thread: the server answers on several threads at once.
"""

from __future__ import annotations

import threading

import numpy as np
from numpy.typing import DTypeLike

_local = threading.local()


def scratch(name: str, size: int, dtype: DTypeLike) -> np.ndarray:
    """This thread's array `name` of at least `size` zeros; the caller sets back to 0 what it wrote."""
    array: np.ndarray | None = getattr(_local, name, None)
    if array is None or len(array) < size:
        array = np.zeros(size, dtype=dtype)
        setattr(_local, name, array)
    return array
