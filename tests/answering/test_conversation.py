"""Conversations: follow-ups in context, small talk, suggested next questions."""

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from faqbot.answering.answerer import Answerer
from faqbot.answering.conversation import Turn, leans_back
from faqbot.content.smalltalk import load_smalltalk
from faqbot.embedding.embedder import Embedder
from faqbot.errors import DataError
from faqbot.index.build import build_index
from faqbot.index.lexical import STOP_WORDS
from faqbot.index.store import load_index
from faqbot.settings import Settings
from tests.conftest import FIXTURES

BIKESHOP = Path(__file__).resolve().parents[2] / "data" / "eval" / "sets" / "bikeshop"
LEDGERLY = BIKESHOP.parent / "ledgerly"

CORPUS = {"green", "ai", "energy", "privacy", "model", "models", "contribute", "sustainability", "cut"}


@pytest.mark.parametrize(
    ("question", "leans"),
    [
        ("why does it matter?", True),
        ("and privacy?", True),
        ("who contributes to them?", True),
        ("why?", True),
        ("What is green AI?", False),  # stands on its own
        ("and the weather this weekend?", False),  # brings words the site never uses
        ("how do i install it on my mac?", False),
        ("thanks, that's helpful", False),  # refers back, but asks nothing
        ("MXNet?", False),  # a bare keyword is its own question
    ],
)
def test_a_question_leans_on_the_conversation_only_when_it_needs_it(question: str, leans: bool) -> None:
    assert leans_back(question, STOP_WORDS, CORPUS.__contains__) is leans


def test_a_follow_up_counts_the_sites_words_in_any_form(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    """A bakery's page says "Delivery costs 4 euros": "how much does it cost?" after it leans back (two
    words new to the site, "much" and "cost", made it a question of its own, declined)."""
    (fake_settings.data_dir / "faq" / "shop.yaml").write_text(
        "- id: delivery\n  question: Do you deliver?\n  answer: Yes, within 5 km. Delivery costs 4 euros.\n"
    )
    build_index(fake_settings, embedder_factory=fake_factory)
    shop = Answerer(load_index(fake_settings.index_dir), fake_factory("fake-model"), threshold=fake_settings.threshold)
    query = shop.reader.read("how much does it cost?", history=[Turn("do you deliver?", None, "delivery")])
    assert query.interpreted_as == "how much does it cost? (about: Do you deliver?)"


def test_a_question_the_sites_faq_asks_is_answered_by_it_not_as_small_talk(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    """'Who are you?' and 'How can I contact you?' are built-in small-talk examples; a shop whose FAQ
    asks them answers with its own entries (the built-in reply said it had no way to reach a person)."""
    (fake_settings.data_dir / "faq" / "shop.yaml").write_text(
        "- question: Who are you?\n  answer: A bicycle co-op run by volunteers since 2011.\n"
        "- question: How can I contact you?\n  answer: Call 555-0100 or write to hello@example.org.\n"
    )
    build_index(fake_settings, embedder_factory=fake_factory)
    index = load_index(fake_settings.index_dir)
    shop = Answerer(index, fake_factory("fake-model"), threshold=fake_settings.threshold)
    for question, says in (("who are you?", "co-op"), ("How can I contact you", "555-0100")):
        answer = shop.answer(question)
        assert answer.kind == "faq" and says in answer.answer, question
    assert shop.answer("hello").kind == "smalltalk"  # the rest of small talk is as it was


@pytest.mark.model
def test_a_follow_up_with_questions_only_in_the_history_is_read_with_the_last_question(
    real_answerer: Answerer,
) -> None:
    """A client that sends no source ids (or one from an index since replaced) still gets follow-ups
    read in context, with the reader's last question; small talk in between is no topic."""
    for history in (
        [Turn("What is green AI?")],
        [Turn("What is green AI?", "…", "p-gone"), Turn("thanks!")],
    ):
        answer = real_answerer.answer("why does it matter?", history=history)
        assert answer.answered and answer.sources[0].url.endswith("#the-role-of-sustainability-in-ai"), history
        assert answer.interpreted_as == "why does it matter? (about: What is green AI?)"
    assert not real_answerer.answer("and the weather tomorrow?", history=[Turn("What is green AI?")]).answered
    # A question that itself leaned back names no topic: the one before it does.
    later = real_answerer.answer("what does it cost?", history=[Turn("What is green AI?"), Turn("why does it matter?")])
    assert later.interpreted_as == "what does it cost? (about: What is green AI?)"
    # interpreted_as quotes the reader's words, not the spelling-corrected ones that were matched.
    typo = real_answerer.answer("why does it mattr?", history=[Turn("What is green AI?")])
    assert typo.interpreted_as == "why does it mattr? (about: What is green AI?)"


@pytest.mark.model
def test_thanks_followed_by_a_word_or_two_is_thanks_and_a_question_after_it_is_answered(
    real_answerer: Answerer,
) -> None:
    for message in ("great, thanks a lot!", "thanks so much!", "thanks again", "cheers mate", "hi, how are you?"):
        assert real_answerer.answer(message).kind == "smalltalk", message
    assert real_answerer.answer("thanks, what is green AI?").kind == "passage"
    assert not real_answerer.answer("hi, what's the weather in berlin?").answered  # a question, declined


def test_smalltalk_is_read_from_the_sites_file_over_the_built_in_replies(tmp_path: Path) -> None:
    (tmp_path / "smalltalk.yaml").write_text(
        'contact: "mailto:help@example.org"\nintents:\n  - intent: greeting\n    examples: ["ahoy"]\n'
        '    answer: "Ahoy! Ask away."\n'
    )
    talk = load_smalltalk(tmp_path)
    assert talk.reply("Ahoy!") == "Ahoy! Ask away."
    assert talk.reply("thanks") is not None  # built-in intents stay
    assert "mailto:help@example.org" in (talk.reply("can I talk to a person?") or "")
    assert talk.reply("what is green ai?") is None
    assert talk.strip_greeting("ahoy, what is green AI?") == "what is green AI?"
    assert talk.reply("hello") == "Ahoy! Ask away."  # the built-in examples stay with the new reply
    (tmp_path / "smalltalk.yaml").write_text('intents:\n  - intent: thanks\n    answer: "Any time!"\n')
    assert load_smalltalk(tmp_path).reply("thank you") == "Any time!"  # a reply alone changes the reply


def test_without_a_contact_talk_to_a_person_says_so_plainly(tmp_path: Path) -> None:
    reply = load_smalltalk(tmp_path).reply("can I talk to a person?") or ""
    assert "not given me a way to reach a person" in reply


def test_a_malformed_smalltalk_file_stops_the_build_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "smalltalk.yaml").write_text("intents:\n  - intent: greeting\n    examples: [hi]\n    answer: no\n")
    with pytest.raises(DataError, match=r"smalltalk.yaml:2 \(intent 1\): 'answer' must be text"):
        load_smalltalk(tmp_path)
    (tmp_path / "smalltalk.yaml").write_text('intents:\n  - intent: greeting\n    examples: ["?"]\n    answer: x\n')
    with pytest.raises(DataError, match="'examples' must be a list of texts"):  # "?" would answer any "?"
        load_smalltalk(tmp_path)
    (tmp_path / "smalltalk.yaml").write_text(
        'intents:\n  - intent: greeting\n    examples: [hi]\n    answer: "\\u200b"\n'
    )
    with pytest.raises(DataError, match="'answer' must be text"):
        load_smalltalk(tmp_path)
    (tmp_path / "smalltalk.yaml").write_text("intents:\n  - intent: chitchat\n    examples: [hi]\n    answer: x\n")
    with pytest.raises(DataError, match="one of greeting"):
        load_smalltalk(tmp_path)
    (tmp_path / "smalltalk.yaml").write_text("intents: &a [*a]\n")
    with pytest.raises(DataError, match="holds itself"):
        load_smalltalk(tmp_path)
    (tmp_path / "smalltalk.yaml").write_text('contact: " JavaScript:alert(1)"\n')
    with pytest.raises(DataError, match=r"smalltalk.yaml:1: the contact is a web address"):
        load_smalltalk(tmp_path)


@pytest.mark.model
def test_a_follow_up_is_answered_about_what_the_conversation_is_about(real_answerer: Answerer) -> None:
    first = real_answerer.answer("What is green AI?")
    assert first.answered and first.sources[0].url.endswith("#the-role-of-sustainability-in-ai")
    history = [Turn(first.question, first.answer, first.sources[0].id)]
    alone = real_answerer.answer("why does it matter?")
    follow_up = real_answerer.answer("why does it matter?", history=history)
    assert not alone.answered or not alone.sources[0].url.endswith("#the-role-of-sustainability-in-ai")
    assert follow_up.answered and follow_up.sources[0].url.endswith("#the-role-of-sustainability-in-ai")
    assert follow_up.interpreted_as and "Sustainability" in follow_up.interpreted_as


@pytest.mark.model
def test_a_follow_up_in_words_of_its_own_is_read_in_context_by_its_best_match(real_answerer: Answerer) -> None:
    # No pronoun, no ellipsis and a word the site never uses: the words alone do not say it leans
    # back, but its best match alone is the conversation's source, so it is matched in context.
    first = real_answerer.answer("Who can contribute to open source AI?")
    history = [Turn(first.question, first.answer, first.sources[0].id)]
    alone = real_answerer.answer("is a teenager welcome?")
    assert not alone.answered and alone.sources[0].url == first.sources[0].url
    follow_up = real_answerer.answer("is a teenager welcome?", history=history)
    assert follow_up.answered and follow_up.sources[0].url == first.sources[0].url
    assert follow_up.interpreted_as == (
        "is a teenager welcome? (about: Can anyone contribute to open source AI projects?)"
    )
    green = real_answerer.answer("What is green AI?")  # another topic: its best match alone is not that one
    elsewhere = [Turn(green.question, green.answer, green.sources[0].id)]
    assert not real_answerer.answer("is a teenager welcome?", history=elsewhere).answered


@pytest.mark.model
def test_a_new_question_switches_topic_and_an_off_topic_one_is_still_declined(real_answerer: Answerer) -> None:
    first = real_answerer.answer("What is green AI?")
    history = [Turn(first.question, first.answer, first.sources[0].id)]
    switch = real_answerer.answer("What are the economic implications of open source AI?", history=history)
    assert switch.kind == "faq" and switch.interpreted_as is None
    off_topic = real_answerer.answer("and the weather this weekend?", history=history)
    assert not off_topic.answered


@pytest.mark.model
def test_small_talk_is_answered_and_never_takes_a_real_question(real_answerer: Answerer) -> None:
    for message in ("hi", "Thanks!", "bye now", "who are you?", "what can you do?"):
        answer = real_answerer.answer(message)
        assert answer.answered and answer.kind == "smalltalk" and answer.sources == [], message
    mixed = real_answerer.answer("hi, what is green AI?")
    assert mixed.kind == "passage" and mixed.sources[0].url.endswith("#the-role-of-sustainability-in-ai")


@pytest.mark.model
def test_real_questions_worded_like_small_talk_are_answered_as_questions(real_answerer: Answerer) -> None:
    questions = yaml.safe_load((FIXTURES / "near_smalltalk.yaml").read_text(encoding="utf-8"))["launch"]
    taken = [q for q in questions if real_answerer.answer(q).kind == "smalltalk"]
    assert len(questions) >= 30 and taken == []


@pytest.mark.model
def test_small_talk_in_a_sites_own_words_is_small_talk_and_its_real_questions_are_not(
    real_embedder: Embedder, tmp_path: Path
) -> None:
    """A shop's pages say "talk", "person" and "help": small talk that shares them is still small talk
    when its meaning is far closer to an example than to any page; the shop's real questions worded
    like small talk are answered as questions."""
    settings = Settings(data_dir=BIKESHOP, index_dir=tmp_path / "indexes")
    build_index(settings, embedder_factory=lambda model: real_embedder)
    shop = Answerer(load_index(settings.index_dir, model=settings.model), real_embedder, threshold=settings.threshold)
    for message in ("can i talk to a human please", "are you a real person?", "who am i talking to btw"):
        assert shop.answer(message).kind == "smalltalk", message
    questions = yaml.safe_load((FIXTURES / "near_smalltalk.yaml").read_text(encoding="utf-8"))["bikeshop"]
    taken = [q for q in questions if shop.answer(q).kind == "smalltalk"]
    assert len(questions) >= 30 and taken == []


@pytest.mark.model
def test_small_talk_the_site_would_answer_by_confidence_alone_is_small_talk(
    real_embedder: Embedder, tmp_path: Path
) -> None:
    """Confidence is a lead over the runner-up, not a closeness: an invoicing app's help centre answered
    "bye for now" from its page on closing an account (0.49) and "who am i speaking with" from its
    contact entry. Their meaning is far nearer a small-talk example than any page."""
    settings = Settings(data_dir=LEDGERLY, index_dir=tmp_path / "indexes")
    build_index(settings, embedder_factory=lambda model: real_embedder)
    help_centre = Answerer(
        load_index(settings.index_dir, model=settings.model), real_embedder, threshold=settings.threshold
    )
    for message in ("bye for now", "bye bye then", "who am i speaking with"):
        assert help_centre.answer(message).kind == "smalltalk", message
    assert help_centre.answer("how do i close my account?").kind != "smalltalk"


@pytest.mark.model
def test_every_answer_suggests_next_questions_not_yet_asked(real_answerer: Answerer) -> None:
    answer = real_answerer.answer("What is green AI?")
    assert 1 <= len(answer.follow_ups) <= 3
    asked = answer.follow_ups[0]
    later = real_answerer.answer("What is green AI?", history=[Turn(asked)])
    assert asked not in later.follow_ups
    faq = real_answerer.answer(asked)
    assert faq.answered  # answerable by construction: they are the site's own FAQ questions
