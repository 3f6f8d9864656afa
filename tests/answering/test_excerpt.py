"""The excerpt of a passage that answers keeps the sentence that answers and what it leans on."""

import numpy as np

from faqbot.answering.excerpt import SplitSection, excerpt, leans_back, split_section
from faqbot.content.articles import Section
from faqbot.content.blocks import PLAIN, Block, Container
from faqbot.content.documents import Doc

SECTION = (
    "Running models at home has become easy.",
    "The llama.cpp project runs quantized models on an ordinary laptop CPU.",
    "Ollama wraps it in a one-line installer.",
    "It also keeps a library of ready models.",
    "Either way, a reader can try an open model in minutes.",
    "Costs are the next question.",
)


def split() -> SplitSection:
    return split_section(Section("Running locally", "running-locally", (" ".join(SECTION),), 1))


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
    text = excerpt(doc, np.array([0.9, 0.2, 0.1]), split()).text
    assert text.startswith("Ollama wraps it") or text.startswith("The llama.cpp project")
    assert "It also keeps a library" in text
    # Ollama's sentence leans on nothing, but "it" there is llama.cpp: the sentence before comes too.
    doc = passage(2, 5)
    assert excerpt(doc, np.array([0.9, 0.3, 0.1]), split()).text.startswith("The llama.cpp project")


def test_without_its_section_an_excerpt_stays_inside_its_window() -> None:
    doc = passage(1, 4)
    assert excerpt(doc, np.array([0.1, 0.2, 0.9]), None) == (" ".join(SECTION[2:4]), None)


def test_an_answer_ending_on_the_colon_that_announces_a_list_goes_on_with_the_list() -> None:
    section = split_section(
        Section(
            "Carry",
            "carry",
            ("Flats happen to everyone.", "Carry these on every ride:", "A spare tube.", "Two tyre levers.", "Later."),
            1,
            blocks=(
                PLAIN,
                PLAIN,
                Block((Container("ul", 1), Container("li", 2))),
                Block((Container("ul", 1), Container("li", 3))),
                PLAIN,
            ),
        )
    )
    doc = Doc("p", "passage", "Flats", "Carry", "/a#carry", "", article="a", sentences=section.sentences[:3])
    text, html = excerpt(doc, np.array([0.9, 0.2, 0.1]), section)  # best: the first sentence
    assert text == "Flats happen to everyone.\nCarry these on every ride:\n- A spare tube.\n- Two tyre levers."
    assert html == (
        "<p>Flats happen to everyone.</p><p>Carry these on every ride:</p>"
        "<ul><li>A spare tube.</li><li>Two tyre levers.</li></ul>"
    )
