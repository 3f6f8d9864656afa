"""The excerpt of a passage that answers keeps the sentence that answers and what it leans on."""

import numpy as np

from faqbot.answering.excerpt import excerpt, leans_back
from faqbot.content.documents import Doc

SECTION = (
    "Running models at home has become easy.",
    "The llama.cpp project runs quantized models on an ordinary laptop CPU.",
    "Ollama wraps it in a one-line installer.",
    "It also keeps a library of ready models.",
    "Either way, a reader can try an open model in minutes.",
    "Costs are the next question.",
)


def passage(start: int, end: int) -> Doc:
    return Doc(
        "p",
        "passage",
        "Local",
        "Running locally",
        "/a#running-locally",
        " ".join(SECTION[start:end]),
        article="a",
        sentences=SECTION[start:end],
    )


def test_a_sentence_that_refers_back_is_recognised() -> None:
    assert leans_back("It also keeps a library of ready models.")
    assert leans_back("However, costs matter.") and leans_back('"This is why," she said.')
    assert not leans_back("Ollama wraps it in a one-line installer.")
    assert not leans_back("Items in stock ship today.")  # a word that starts like "it" is not "it"


def test_the_answer_never_starts_on_a_sentence_that_leans_on_one_the_reader_cannot_see() -> None:
    # The window starts at "It also keeps...": the best sentence, whose "it" is Ollama, two sentences back.
    doc = passage(3, 6)
    text = excerpt(doc, np.array([0.9, 0.2, 0.1]), SECTION)
    assert text.startswith("Ollama wraps it") or text.startswith("The llama.cpp project")
    assert "It also keeps a library" in text
    # Ollama's sentence leans on nothing, but "it" there is llama.cpp: the sentence before comes too.
    doc = passage(2, 5)
    assert excerpt(doc, np.array([0.9, 0.3, 0.1]), SECTION).startswith("The llama.cpp project")


def test_without_its_section_an_excerpt_stays_inside_its_window() -> None:
    doc = passage(1, 4)
    assert excerpt(doc, np.array([0.1, 0.2, 0.9]), None) == " ".join(SECTION[2:4])
