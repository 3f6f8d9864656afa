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
            (
                "Flats happen to everyone.",
                "Carry these on every ride:",
                "A spare tube.",
                "Two tyre levers.",
                "Later.",
                "Much later.",
            ),
            1,
            blocks=(
                PLAIN,
                PLAIN,
                Block((Container("ul", 1), Container("li", 2))),
                Block((Container("ul", 1), Container("li", 3))),
                PLAIN,
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


def steps_section(items: int) -> SplitSection:
    """Prose, a lead-in, an ordered list of `items` steps, prose after it."""
    paragraphs = ("Starters take a week.", "They keep for years.", "Before you begin, gather the following:")
    paragraphs += tuple(f"Step number {n} of the recipe." for n in range(1, items + 1))
    paragraphs += ("You can buy a jar at any kitchen shop.", "Feed it daily.")
    blocks = (PLAIN, PLAIN, PLAIN) + tuple(
        Block((Container("ol", 1), Container("li", 3 + n, n))) for n in range(1, items + 1)
    )
    return split_section(Section("Starter", "starter", paragraphs, 1, blocks=blocks + (PLAIN, PLAIN)))


def test_an_answer_touching_a_list_shows_it_whole_with_the_sentence_that_announces_it() -> None:
    section = steps_section(4)
    after = section.sentences.index("You can buy a jar at any kitchen shop.")
    doc = Doc("p", "passage", "S", "Starter", "/a#starter", "", article="a", sentences=section.sentences[after - 1 :])
    text, html = excerpt(doc, np.array([0.1, 0.9, 0.2]), section)  # best: the sentence after the list
    assert text.splitlines() == [
        "Before you begin, gather the following:",
        *(f"{n}. Step number {n} of the recipe." for n in range(1, 5)),
        "You can buy a jar at any kitchen shop.",
        "Feed it daily.",
    ]
    assert html is not None and html.count("<li>") == 4 and "<ol>" in html
    # The best sentence inside the list: never step 3 without steps 1 and 2.
    doc = Doc("p", "passage", "S", "Starter", "/a#starter", "", article="a", sentences=section.sentences[4:7])
    text, _ = excerpt(doc, np.array([0.1, 0.9, 0.2]), section)
    assert text.splitlines()[0] == "Before you begin, gather the following:" and "4. Step number 4" in text


def test_a_long_list_is_not_shown_whole() -> None:
    section = steps_section(20)
    doc = Doc("p", "passage", "S", "Starter", "/a#starter", "", article="a", sentences=section.sentences[11:14])
    text, html = excerpt(doc, np.array([0.1, 0.9, 0.2]), section)
    assert text.splitlines() == [f"{n}. Step number {n} of the recipe." for n in (9, 10, 11)]
    assert html is not None and html.startswith('<ol start="9">')


def test_an_excerpt_that_would_leave_out_one_sentence_of_its_section_is_the_section() -> None:
    """ "do you deliver" came closest to "We do not ship by post.": the sentence before it and it were
    the answer, without the first, which says who gets deliveries, where and when."""
    sentences = (
        "We deliver orders over 25 euros within 5 km of the shop, on Thursdays and Saturdays only.",
        "Delivery costs 4 euros.",
        "We do not ship by post.",
    )
    short = split_section(Section("Delivery", "delivery", (" ".join(sentences),), 1))
    doc = Doc(
        "p", "passage", "Ordering", "Delivery", "/a#delivery", " ".join(sentences), article="a", sentences=sentences
    )
    assert excerpt(doc, np.array([0.2, 0.3, 0.6]), short).text == " ".join(sentences)
    # Of a longer section, the excerpt stays three sentences.
    assert excerpt(passage(3, 6), np.array([0.1, 0.1, 0.9]), split()).text == " ".join(SECTION[4:6])
