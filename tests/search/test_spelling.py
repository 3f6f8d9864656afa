"""Query spelling correction: typos are fixed towards the corpus, correct words are left alone."""

import pytest

from faqbot.search.spelling import Speller, english_words

CORPUS = [
    "The Role of Sustainability in AI. Install models and keep progress visible.",
    "Small startups and extensive collaboration encourages community development.",
]


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(CORPUS, dictionary=english_words())


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        ("sustainablity in ai", "sustainability in ai"),
        ("Colaboration between teams", "collaboration between teams"),
        ("What about startpus?", "What about startups?"),
        ("a smlal team", "a small team"),  # two letters swapped in a short word: one slip, not two
    ],
)
def test_a_misspelt_word_is_corrected_to_the_close_corpus_word(speller: Speller, typed: str, corrected: str) -> None:
    assert speller.correct(typed) == corrected


@pytest.mark.parametrize(
    "question",
    [
        # Each of these was once "corrected" into a corpus word of another, even opposite, meaning.
        "How do I uninstall it?",
        "Why is my post invisible?",
        "Is it expensive?",
        # Inflections of corpus words are words too, and the dense model reads them as written.
        "My startup has no money",
        "Why does publishing encourage community development?",
    ],
)
def test_a_correct_english_word_the_corpus_lacks_is_left_alone(speller: Speller, question: str) -> None:
    assert speller.correct(question) == question


def test_without_the_dictionary_the_same_words_would_be_rewritten() -> None:
    """The dictionary is what saves them: the corpus alone pulls them to its nearest words."""
    corpus_only = Speller(CORPUS)
    assert corpus_only.correct("How do I uninstall it?") == "How do I install it?"
    assert corpus_only.correct("Why is my post invisible?") == "Why is my post visible?"


def test_a_typo_of_an_off_topic_word_stays_as_typed(speller: Speller) -> None:
    assert speller.correct("recieve my pasport") == "recieve my pasport"


def test_short_words_and_known_words_are_never_touched(speller: Speller) -> None:
    assert speller.correct("teh AI") == "teh AI"  # under five letters: too many near neighbours
    assert speller.correct("Sustainability") == "Sustainability"


def test_the_english_dictionary_is_loaded_once_and_knows_inflections() -> None:
    words = english_words()
    assert english_words() is words
    assert len(words) > 100_000
    assert {"startup", "startups", "encourage", "uninstall", "invisible"} <= words
    assert not {"sustainablity", "recieve", "untill"} & words


def test_a_question_in_another_language_is_left_as_it_is() -> None:
    speller = Speller(
        ["An open source AI model is a model whose code and weights are published."], dictionary=english_words()
    )
    spanish = "¿Qué es un modelo de IA de código abierto?"
    assert speller.correct(spanish) == spanish
    german = "Was ist ein offenes Modell der künstlichen Intelligenz?"
    assert speller.correct(german) == german
    assert speller.correct("what is an open source modell?") == "what is an open source model?"
