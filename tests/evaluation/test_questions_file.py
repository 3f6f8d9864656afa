"""An evaluation set as an owner writes it: read as FAQ files are, its mistakes named, never a traceback."""

from collections.abc import Callable
from pathlib import Path

import pytest

from faqbot.errors import DataError
from faqbot.evaluation.dialogues import load_dialogues
from faqbot.evaluation.questions import load_questions
from faqbot.evaluation.suite import load_suite


def test_values_are_the_text_written_as_in_faq_files(tmp_path: Path) -> None:
    """An FAQ entry "id: 007" is the entry "007"; an eval set's "expect: 007" named entry 7."""
    path = tmp_path / "set.yaml"
    path.write_text("in_scope:\n  - q: 0\n    expect: 007\n  - q: Which version?\n    spans: [1.10]\n")
    first, second = load_questions(path)
    assert (first.q, first.expect) == ("0", "007") and second.spans == ("1.10",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("in_scope: 5\n", "'in_scope' must be a list of questions"),
        ("out_of_scope: true\n", "'out_of_scope' must be a list of questions"),
        ('in_scope:\n  - q: "\\ud800"\n    expect: x\n', "a question holds a lone surrogate escape"),
        ("in_scope: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply to read"),
    ],
)
def test_a_malformed_set_is_named_not_a_traceback(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        load_questions(path)


TWICE = "  - {id: x, turns: [{q: hi, kind: smalltalk}]}\n"
NOT_A_LIST = "needs 'conversations:', a list of conversations"


@pytest.mark.parametrize(
    ("load", "text", "message"),
    [
        (load_dialogues, "conversations:\n", NOT_A_LIST),
        (load_dialogues, "conversations: 5\n", NOT_A_LIST),
        (load_dialogues, "conversations: []\n", NOT_A_LIST),
        (load_dialogues, "conversations:\n" + TWICE * 2, "two conversations have the id 'x'"),
        (load_dialogues, "conversations: &a [*a]\n", "a conversation needs 'id' and a list of 'turns'"),
        (load_dialogues, "conversations:\n  - {id: c, turns: [{q: x, kind: question, expect: [a]}]}\n", "as text"),
        (load_dialogues, "conversations:\n  - {id: c, turns: [{q: [a, b], kind: smalltalk}]}\n", "each turn needs 'q'"),
        (
            load_dialogues,
            "conversations:\n  - {id: c, turns: [{q: hi, kind: smalltalk, rewrite: hello}]}\n",
            "'rewrite' is",
        ),
        (
            load_dialogues,
            "conversations:\n  - {id: c, turns: [{q: x, kind: follow_up, expect: a, rewrite: [b]}]}\n",
            "'rewrite' is",
        ),
        (load_suite, "sets: {a: {data: 5, questions: q.yaml}}\n", "are texts \\(paths\\)"),
        (load_suite, "sets: {../x: {data: ., questions: q.yaml}}\n", "a set's name is letters"),
        (load_suite, "sets:\n", "'sets' must name at least one set"),
        (load_suite, "sets: [1]\n", "'sets' must name at least one set"),
        (load_suite, "sets: {a: {data: ., questions: q.yaml, peers: {x: lots}}}\n", "'peers' must map each"),
        (load_suite, "sets:\n  a: {benchmark: stackfaq}\n  a: {benchmark: squad-normans}\n", "file.yaml:3: .*'a' is"),
        (load_dialogues, "conversations:\n  - id: c\n    id: d\n", "file.yaml:3: .*'id' is written twice"),
    ],
)
def test_a_malformed_dialogue_or_suite_file_is_named_not_a_traceback(
    tmp_path: Path, load: Callable[[Path], object], text: str, message: str
) -> None:
    path = tmp_path / "file.yaml"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        load(path)


def test_a_dialogue_turn_is_the_text_written(tmp_path: Path) -> None:
    """ "q: yes" is asked as "yes" (plain YAML made it True, asked as "True")."""
    path = tmp_path / "dialogues.yaml"
    path.write_text("conversations:\n  - id: c\n    turns:\n      - {q: yes, kind: smalltalk}\n")
    assert load_dialogues(path)["c"][0].q == "yes"


def test_a_set_that_is_a_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    """`faqbot eval --set <(...)` or a FIFO left in place: reading it waited forever."""
    import os

    fifo = tmp_path / "set.yaml"
    os.mkfifo(fifo)
    for load in (load_questions, load_dialogues, load_suite):
        with pytest.raises(DataError, match="not a regular file"):
            load(fifo)
