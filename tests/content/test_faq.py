import json
from pathlib import Path

import pytest

from faqbot.content.corpus import load_corpus
from faqbot.content.faq import load_faq, parse_faq_file
from faqbot.errors import DataError
from faqbot.text import has_text


def write(directory: Path, name: str, text: str | bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_json_yaml_and_csv_give_the_same_entries(tmp_path: Path) -> None:
    entry = {"id": "q1", "question": "What is X?", "answer": "X is a thing.", "alternates": ["Define X", "X meaning"]}
    json_file = write(tmp_path, "a.json", json.dumps([entry]))
    yaml_file = write(
        tmp_path,
        "b.yaml",
        "- id: q1\n  question: What is X?\n  answer: X is a thing.\n  alternates: [Define X, X meaning]\n",
    )
    csv_file = write(
        tmp_path, "c.csv", 'id,question,answer,alternates\nq1,What is X?,"X is a thing.",Define X|X meaning\n'
    )
    parsed = [parse_faq_file(p)[0] for p in (json_file, yaml_file, csv_file)]
    for e in parsed:
        assert (e.id, e.question, e.answer, e.alternates) == (
            "q1",
            "What is X?",
            "X is a thing.",
            ("Define X", "X meaning"),
        )
    assert [e.line for e in parsed] == [1, 1, 2]


def test_entries_know_their_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path, "f.json", '[\n  {"question": "A?", "answer": "a"},\n\n  {"question": "B?", "answer": "b"}\n]\n'
    )
    assert [e.line for e in parse_faq_file(path)] == [2, 4]
    path = write(tmp_path, "f.yml", "# c\n- question: A?\n  answer: a\n- question: B?\n  answer: b\n")
    assert [e.line for e in parse_faq_file(path)] == [2, 4]
    path = write(tmp_path, "f.csv", 'question,answer\nA?,a\n"B?","multi\nline"\nC?,c\n')
    assert [e.line for e in parse_faq_file(path)] == [2, 3, 5]


def test_ids_without_an_id_are_stable_and_do_not_depend_on_position(tmp_path: Path) -> None:
    first = parse_faq_file(
        write(tmp_path, "site.yaml", "- question: What is X?\n  answer: x\n- question: Why Y?\n  answer: y\n")
    )
    second = parse_faq_file(
        write(tmp_path, "site.yaml", "- question: New one?\n  answer: n\n- question: Why Y?\n  answer: y\n")
    )
    assert first[1].id == second[1].id == "site-why-y"
    assert parse_faq_file(write(tmp_path, "n.json", '[{"id": 7, "question": "Q?", "answer": "A"}]'))[0].id == "7"


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("f.json", '[{"question": "Q?"}]', 1, "missing 'answer'"),
        ("f.csv", "question,answer,answer\nQ?,a,b\n", 1, "the header row names 'answer' twice"),
        (
            "f.yaml",
            '- question: "Q?"\n  answer: a\n- question: "???"\n  answer: b\n',
            3,
            "'???' has no letter or digit",
        ),
        (
            "f.json",
            '[\n{"question": "Q?", "answer": "a"},\n{"question": "R?", "answer": "  "}\n]',
            3,
            "missing 'answer'",
        ),
        ("f.json", '[\n{"question": "Q?", "answer": "a"}\n{"question": "R?"}]', 3, "expected ',' or ']'"),
        ("f.json", '[{"question": "Q?", "answer": "a",}]', 1, "invalid JSON"),
        ("f.json", '{"question": "Q?", "answer": "a"}', 1, "must be a list"),
        ("f.json", "[]", 1, "no entries"),
        ("f.yaml", "- question: Q?\n  answer: a\n- question: R?\n  anwser: b\n", 3, "unknown field(s) anwser"),
        ("f.yaml", "- question: Q?\n  answer: [a\n", 3, "invalid YAML"),
        ("f.yaml", "question: Q?\nanswer: a\n", 1, "must be a list"),
        ("f.yaml", "- just a string\n", 1, "must be an object"),
        ("f.yaml", "- question: Q?\n  answer: a\n  alternates: {a: b}\n", 1, "'alternates' must be a list"),
        ("f.csv", "question\nQ?\n", 1, "header row"),
        ("f.csv", "question,answer\nQ?,a\nR?,\n", 3, "missing 'answer'"),
        ("f.csv", "question,answer\nQ?,a,extra\n", 2, "more cells"),
        ("f.csv", "   \n", 1, "empty"),
    ],
)
def test_bad_faq_files_are_refused_with_file_and_line(
    tmp_path: Path, name: str, text: str, line: int, message: str
) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(DataError) as caught:
        parse_faq_file(path)
    assert caught.value.line == line, str(caught.value)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}")


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "f.csv", b"question,answer\nQ?,caf\xe9\n")
    with pytest.raises(DataError, match=r"f\.csv:2: the file is not UTF-8"):
        parse_faq_file(path)


def test_duplicate_ids_across_files_name_both_places(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "- id: same\n  question: A?\n  answer: a\n")
    write(tmp_path, "b.json", '[\n {"id": "same", "question": "B?", "answer": "b"}\n]')
    with pytest.raises(DataError) as caught:
        load_faq(tmp_path)
    assert (
        "b.json:2" in str(caught.value)
        and "a.yaml:1" in str(caught.value)
        and "duplicate id 'same'" in str(caught.value)
    )


def test_faq_files_are_linked_to_their_article_and_get_a_url(data_dir: Path) -> None:
    corpus = load_corpus(data_dir)
    assert len(corpus.faq) == 5
    entry = corpus.faq[0]
    assert entry.article == "future-of-open-source-ai-models"
    assert entry.url == f"/articles/future-of-open-source-ai-models#faq-{entry.id}"
    write(data_dir / "faq", "general.csv", "question,answer\nWho runs this site?,We do.\n")
    general = [e for e in load_corpus(data_dir).faq if e.path.endswith("general.csv")][0]
    assert general.article == "" and general.url == f"/faq#faq-{general.id}"


def test_an_entry_naming_an_unknown_article_is_refused(data_dir: Path) -> None:
    write(data_dir / "faq", "x.yaml", "- question: Q?\n  answer: a\n  article: no-such-article\n")
    with pytest.raises(DataError, match=r"x\.yaml:1: 'article' names 'no-such-article'"):
        load_corpus(data_dir)


def test_long_questions_alike_up_to_the_cut_get_distinct_ids_when_no_id_is_written(tmp_path: Path) -> None:
    stem = "How do I enable two-factor authentication in Acme Notes on"
    write(
        tmp_path,
        "help.yaml",
        f"- question: {stem} Android?\n  answer: a\n- question: {stem} a school account?\n  answer: b\n",
    )
    first, second = load_faq(tmp_path)
    assert first.id != second.id and second.id.startswith(first.id + "-")
    assert [e.id for e in load_faq(tmp_path)] == [first.id, second.id]  # stable from one build to the next


def test_a_broken_csv_quote_names_its_own_line(tmp_path: Path) -> None:
    path = write(tmp_path, "f.csv", 'question,answer\nq1,a1\nq2,a2\n"q3" x,a3\n')
    with pytest.raises(DataError, match=r"f\.csv:4: invalid CSV"):
        parse_faq_file(path)


def test_a_lone_surrogate_escape_is_refused_at_its_entry(tmp_path: Path) -> None:
    """Valid JSON and YAML syntax, but no character: it failed later, as a traceback."""
    for name, text in (
        ("f.json", '[\n{"question": "Q?", "answer": "A."},\n{"question": "What is \\ud800 this?", "answer": "x"}\n]'),
        ("f.yaml", '- question: "Q?"\n  answer: A.\n  alternates: ["Other \\ud800?"]\n'),
    ):
        path = write(tmp_path, name, text)
        with pytest.raises(DataError, match=r"'(question|alternates)' holds a lone surrogate escape"):
            parse_faq_file(path)


def test_text_of_only_invisible_characters_is_no_text(tmp_path: Path) -> None:
    """A zero-width space, joiner or byte order mark shows nothing: a question, an answer or an
    alternate made of them is refused or left out, as an empty one is."""
    invisible = "\u200b\u2060\ufeff\u00ad"
    with pytest.raises(DataError, match=r"f\.json:1 \(entry 1\): missing 'answer'"):
        parse_faq_file(write(tmp_path, "f.json", json.dumps([{"question": "Q?", "answer": invisible}])))
    with pytest.raises(DataError, match="missing 'question'"):
        parse_faq_file(write(tmp_path, "g.json", json.dumps([{"question": invisible, "answer": "a"}])))
    row = {"id": invisible, "url": invisible, "question": "Q?", "answer": "a", "alternates": [invisible, "Qu?"]}
    entry = parse_faq_file(write(tmp_path, "h.json", json.dumps([row])))[0]
    assert entry.alternates == ("Qu?",) and entry.id == "h-q" and entry.url == ""  # an id made, no url
    for blank in ("\u034f", "\ufe0f", "\u3164", "\u2800"):  # also unseen, though not format characters
        assert not has_text(blank)
    assert has_text("❤️") and has_text("a\u200db")  # a joiner or selector inside text is text
