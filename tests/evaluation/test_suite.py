"""The quality suite: its sets are sound, it runs end to end, and it holds a floor on every set."""

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from faqbot.content.corpus import load_corpus
from faqbot.embedding.embedder import Embedder
from faqbot.evaluation.format import format_suite
from faqbot.evaluation.metrics import label
from faqbot.evaluation.questions import holds_span, load_questions
from faqbot.evaluation.runs import EVAL_INDEXES, evaluate_suite
from faqbot.evaluation.squad import convert as convert_squad
from faqbot.evaluation.suite import load_suite
from faqbot.index.read import iter_docs
from faqbot.settings import Settings
from tests.conftest import REPO, require_benchmark

SUITE = REPO / "data" / "eval" / "suite.yaml"
SITE = REPO / "tests" / "fixtures" / "site"  # the launch content, as data/ ships it


def fixture_suite(tmp_path: Path) -> Path:
    """The suite with its launch set read from the tests' copy of the launch content: a site owner's
    own articles in data/ must not move the tests' figures."""
    suite = yaml.safe_load(SUITE.read_text())
    for entry in suite["sets"].values():
        for key in ("data", "questions", "dialogues"):
            if key in entry:
                entry[key] = str((SUITE.parent / entry[key]).resolve())
    suite["sets"]["launch"]["data"] = str(SITE)
    path = tmp_path / "suite.yaml"
    path.write_text(yaml.safe_dump(suite))
    return path


# What the answerer must keep on each set (its main figure: hit@1 where sources are labelled,
# span@1 where only the answering text is known), with the torch encoder. The suite's figures in
# the README are ONNX int8, as served; these sit a question or two below them.
FLOORS = {"launch": 0.93, "bikeshop": 0.80, "ledgerly": 0.72, "stackfaq": 0.955, "squad-normans": 0.80}


def test_every_content_set_labels_real_sources_and_its_spans_are_in_them(tmp_path: Path) -> None:
    for eval_set in load_suite(fixture_suite(tmp_path)):
        if eval_set.benchmark is not None:
            continue
        assert eval_set.data is not None and eval_set.questions is not None
        settings = Settings(data_dir=eval_set.data)
        docs = list(iter_docs(load_corpus(eval_set.data), settings))
        texts: dict[str, list[str]] = {}
        for doc in docs:
            texts.setdefault(label(doc), []).append(doc.text)
        for question in load_questions(eval_set.questions):
            if question.expect is not None:
                assert question.expect in texts, (eval_set.name, question.q)
            if question.spans and question.expect is not None:
                assert any(holds_span(t, question.spans) for t in texts[question.expect]), (eval_set.name, question.q)


def test_a_set_written_for_other_content_is_skipped_with_the_reason(
    tmp_path: Path, fake_factory: Callable[[str], Embedder]
) -> None:
    """The launch set reads data/: on a site owner's own content (here the bikeshop's) its questions
    name sources that are not there, and scoring them would read as the bot's failure."""
    suite = yaml.safe_load(fixture_suite(tmp_path).read_text())
    suite["sets"]["launch"]["data"] = str(SUITE.parent / "sets" / "bikeshop")
    (tmp_path / "suite.yaml").write_text(yaml.safe_dump(suite))
    settings = Settings(index_dir=tmp_path / "indexes", eval_suite=tmp_path / "suite.yaml", model="fake-model")
    result = evaluate_suite(settings, only=["launch"], embedder_factory=fake_factory)
    assert result.reports == {} and "sources it expects are not in the index" in result.skipped["launch"]


def test_a_set_with_a_few_stale_labels_is_scored_and_names_them(
    tmp_path: Path, fake_factory: Callable[[str], Embedder]
) -> None:
    questions = tmp_path / "q.yaml"
    questions.write_text(
        "in_scope:\n  - {q: how much is membership, expect: membership-cost}\n"
        "  - {q: when are you open, expect: shop-hours}\n  - {q: where are you, expect: no-such-entry}\n"
    )
    suite = {"sets": {"shop": {"data": str(SUITE.parent / "sets" / "bikeshop"), "questions": str(questions)}}}
    (tmp_path / "suite.yaml").write_text(yaml.safe_dump(suite))
    settings = Settings(index_dir=tmp_path / "indexes", eval_suite=tmp_path / "suite.yaml", model="fake-model")
    text = format_suite(evaluate_suite(settings, embedder_factory=fake_factory))
    assert (
        "shop: 1 questions expect a source the index does not have:\n  'where are you' expects 'no-such-entry'" in text
    )


def test_a_dialogue_turn_with_a_stale_label_is_named_not_only_scored(
    tmp_path: Path, fake_factory: Callable[[str], Embedder], capsys: pytest.CaptureFixture[str]
) -> None:
    from faqbot.evaluation.runs import evaluate_dialogues

    dialogues = tmp_path / "d.yaml"
    turns = [
        {"q": "how much is membership", "kind": "question", "expect": "membership-cost"},
        {"q": "and for students?", "kind": "follow_up", "expect": "membershp-cost"},
    ]
    dialogues.write_text(yaml.safe_dump({"conversations": [{"id": "c", "turns": turns}]}))
    bikeshop = str(SUITE.parent / "sets" / "bikeshop")
    suite = {
        "sets": {
            "shop": {
                "data": bikeshop,
                "questions": str(SUITE.parent / "sets/bikeshop/questions.yaml"),
                "dialogues": str(dialogues),
            }
        }
    }
    (tmp_path / "suite.yaml").write_text(yaml.safe_dump(suite))
    settings = Settings(index_dir=tmp_path / "indexes", eval_suite=tmp_path / "suite.yaml", model="fake-model")
    evaluate_dialogues(settings, embedder_factory=fake_factory)
    said = capsys.readouterr().err
    assert "shop: 1 turn expects a source the index does not have (scored as wrong):" in said
    assert "  [c] 'and for students?' expects 'membershp-cost'" in said


def test_squad_becomes_an_article_and_span_questions(tmp_path: Path) -> None:
    source = require_benchmark("squad-normans", "squad2-normans.json")
    paragraphs, questions = convert_squad(source, tmp_path / "data", tmp_path / "q.yaml")
    assert (paragraphs, questions) == (39, 96)
    corpus = load_corpus(tmp_path / "data")
    assert len(corpus.articles) == 1 and corpus.articles[0].title == "Normans"
    assert all(q.spans and q.expect is None for q in load_questions(tmp_path / "q.yaml"))


@pytest.mark.model
def test_the_suite_holds_its_floor_on_every_set(tmp_path: Path, real_embedder: Embedder) -> None:
    for name, file in (("stackfaq", "stackExchange-FAQ.json"), ("squad-normans", "squad2-normans.json")):
        require_benchmark(name, file)
    settings = Settings(
        index_dir=tmp_path / "indexes",
        eval_suite=fixture_suite(tmp_path),
        benchmarks_dir=REPO / "benchmarks",
        encoder="torch",
    )
    result = evaluate_suite(settings, embedder_factory=lambda model: real_embedder)
    assert result.skipped == {}
    figures = {}
    for name, report in result.reports.items():
        main = "hit@1" if "hit@1" in report.retrieval["answerer"] else "span@1"
        figures[name] = (report.retrieval["answerer"][main], report.retrieval["dense"][main])
    assert set(figures) == set(FLOORS)
    low = {name: f for name, f in figures.items() if f[0] < FLOORS[name]}
    assert low == {}, f"below the floor: {low} (floors {FLOORS})"
    launch = result.reports["launch"].answering
    assert launch["out_declined"] >= 0.95


@pytest.mark.model
def test_conversations_hold_their_floor_and_beat_history_ignored(tmp_path: Path, real_embedder: Embedder) -> None:
    from faqbot.evaluation.dialogues import dialogue_metrics
    from faqbot.evaluation.runs import evaluate_dialogues

    settings = Settings(
        index_dir=tmp_path / "indexes",
        eval_suite=fixture_suite(tmp_path),
        encoder="torch",
    )
    played = evaluate_dialogues(settings, embedder_factory=lambda model: real_embedder)
    assert set(played) == {"launch", "bikeshop", "ledgerly"}
    ours, baseline, asked, rewritten = played["launch"]
    with_history, without = dialogue_metrics(ours), dialogue_metrics(baseline)
    assert len({r.conversation for r in ours}) >= 25 and len(ours) >= 80
    # Every follow-up's rewrite asked alone: a person's reading of the conversation gets more than none.
    assert len(rewritten) == sum(r.turn.kind == "follow_up" for r in ours)
    assert dialogue_metrics(rewritten)["follow_up"] >= without["follow_up"] + 0.2
    # A client that sends the questions alone: follow-ups read with the last question, between the two.
    questions_only = dialogue_metrics(asked)
    assert without["follow_up"] + 0.15 <= questions_only["follow_up"] <= with_history["follow_up"]
    assert questions_only["off_topic"] == 1.0 and questions_only["false_smalltalk"] == 0
    assert with_history["turns"] >= 0.83 and with_history["follow_up"] >= without["follow_up"] + 0.25
    assert with_history["smalltalk"] >= 0.95 and with_history["false_smalltalk"] == 0
    assert with_history["off_topic"] == 1.0 and with_history["switch"] >= without["switch"]
    # A site owner's own dialogue file (`faqbot eval --dialogues --set FILE`), played on their index:
    # here the launch file on the index the suite built of the launch content, with the same figures.
    own = settings.model_copy(update={"index_dir": settings.index_dir / EVAL_INDEXES / "launch"})
    file = SUITE.parent / "dialogues.yaml"
    [(name, again)] = evaluate_dialogues(own, embedder_factory=lambda model: real_embedder, dialogues=file).items()
    assert name == "dialogues.yaml" and dialogue_metrics(again.with_history) == with_history
    # Written blind to the method, in another domain: history helps, and never costs an off-topic decline.
    ours, baseline, asked, _ = played["bikeshop"]
    with_history, without = dialogue_metrics(ours), dialogue_metrics(baseline)
    assert dialogue_metrics(asked)["follow_up"] >= without["follow_up"] + 0.10
    assert with_history["follow_up"] >= without["follow_up"] + 0.10 and with_history["false_smalltalk"] == 0
    assert with_history["smalltalk"] >= 0.9
    assert with_history["off_topic"] >= without["off_topic"] and with_history["switch"] >= without["switch"]
    # The third set, also written blind, in a third domain: history helps follow-ups as much; but two of
    # its 15 off-topic turns after an answer are answered in context ("can they pay in crypto instead"
    # leans back by its words), one more than with history ignored (docs/quality.md).
    ours, baseline, asked, _ = played["ledgerly"]
    with_history, without = dialogue_metrics(ours), dialogue_metrics(baseline)
    assert dialogue_metrics(asked)["follow_up"] >= without["follow_up"] + 0.10
    assert with_history["follow_up"] >= without["follow_up"] + 0.15 and with_history["false_smalltalk"] == 0
    assert with_history["smalltalk"] >= 0.85 and with_history["switch"] >= without["switch"]
    assert with_history["off_topic"] >= without["off_topic"] - 0.1
