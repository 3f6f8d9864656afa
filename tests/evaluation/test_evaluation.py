"""The evaluation harness: metrics arithmetic, the sweep, StackFAQ conversion, and `faqbot eval`."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from faqbot.answering.answerer import Answerer
from faqbot.cli import app
from faqbot.content.faq import parse_faq_file
from faqbot.evaluation.metrics import (
    QuestionResult,
    answering_metrics,
    evaluate,
    retrieval_metrics,
    sweep,
)
from faqbot.evaluation.questions import EvalQuestion, load_questions
from faqbot.evaluation.stackfaq import convert
from faqbot.settings import Settings
from tests.conftest import LAUNCH_SET, require_benchmark


def result(kind: str, expect: str | None, ranked: list[str], confidence: float) -> QuestionResult:
    question = EvalQuestion("q", kind, expect)  # type: ignore[arg-type]
    strategies = ("bm25", "dense", "hybrid", "answerer")
    return QuestionResult(
        question, dict.fromkeys(strategies, ranked), dict.fromkeys(strategies, ""), confidence, True, "faq"
    )


def test_retrieval_metrics_are_computed_from_ranks() -> None:
    results = [
        result("in", "a", ["a", "b"], 0.9),
        result("in", "a", ["b", "c", "a"], 0.9),
        result("in", "a", ["b"], 0.9),
    ]
    m = retrieval_metrics(results, "hybrid")
    assert m["hit@1"] == pytest.approx(1 / 3) and m["hit@3"] == pytest.approx(2 / 3)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 3) / 3)
    assert m["ndcg@10"] == pytest.approx((1 + 1 / 2) / 3)  # 1/log2(3+1) = 1/2


def test_answering_metrics_and_the_sweep_pick_the_threshold_from_data() -> None:
    results = [
        result("in", "a", ["a"], 0.8),
        result("in", "a", ["a"], 0.6),
        result("in", "a", ["b"], 0.7),  # wrong even when answered
        result("far", None, ["a"], 0.2),
        result("near", None, ["a"], 0.5),
    ]
    m = answering_metrics(results, 0.55)
    assert m["answered_right"] == pytest.approx(2 / 3)
    assert m["out_declined"] == 1.0 and m["far_declined"] == 1.0 and m["near_declined"] == 1.0
    assert m["decline_precision"] == 1.0
    assert answering_metrics(results, 0.4)["near_declined"] == 0.0
    rows, recommended = sweep(results)
    assert recommended is not None and 0.5 < recommended <= 0.6  # declines "near" (0.5), keeps 0.6
    assert len(rows) == 101


def test_the_evaluation_set_is_big_enough_and_labels_real_sources() -> None:
    questions = load_questions(LAUNCH_SET)
    in_scope = [q for q in questions if q.kind == "in"]
    assert len(in_scope) >= 80 and len([q for q in questions if q.kind != "in"]) >= 25
    assert {q.kind for q in questions} == {"in", "far", "near"}
    assert len({q.expect for q in in_scope}) == 11  # six sections and five FAQ entries


def test_stackfaq_becomes_an_ordinary_faq_file(tmp_path: Path) -> None:
    source = require_benchmark("stackfaq", "stackExchange-FAQ.json")
    entries, queries = convert(source, tmp_path / "stackfaq.json", tmp_path / "q.yaml")
    assert (entries, queries) == (125, 1249)
    parsed = parse_faq_file(tmp_path / "stackfaq.json")
    assert len(parsed) == 125 and parsed[0].question == "Strikethrough with GitHub Markdown"
    assert len(load_questions(tmp_path / "q.yaml")) == 1249


@pytest.mark.model
def test_the_answerer_beats_each_single_strategy_on_the_evaluation_set(real_answerer: Answerer) -> None:
    report = evaluate(real_answerer, load_questions(LAUNCH_SET))
    hit = {s: m["hit@1"] for s, m in report.retrieval.items()}
    assert hit["hybrid"] >= max(hit["bm25"], hit["dense"])
    assert hit["answerer"] >= hit["hybrid"]
    assert hit["answerer"] >= 0.95  # the evaluation issue's target, met with token re-ranking
    assert report.answering["out_declined"] >= 0.95
    # The configured threshold is the measured one: on the sweep's best plateau (its middle can move
    # by a hundredth between the torch encoder here and the ONNX one `faqbot eval` uses).
    assert report.recommended_threshold is not None
    row = {r["threshold"]: r for r in report.sweep}
    best, configured = row[report.recommended_threshold], row[real_answerer.threshold]
    assert configured["answered_right"] == best["answered_right"] and configured["out_declined"] >= 0.95


@pytest.mark.model
def test_faqbot_eval_prints_a_table_and_json(real_settings: Settings) -> None:
    env = {"FAQBOT_INDEX_DIR": str(real_settings.index_dir), "FAQBOT_EVAL_SET": str(LAUNCH_SET)}
    runner = CliRunner()
    text = runner.invoke(app, ["eval"], env=env)
    assert text.exit_code == 0, text.output
    assert "answerer" in text.output and "recommended threshold" in text.output
    as_json = runner.invoke(app, ["eval", "--json"], env=env)
    body = json.loads(as_json.stdout[as_json.stdout.index("{") :])
    assert set(body["retrieval"]) == {"bm25", "dense", "hybrid", "answerer"}
    assert body["counts"]["in"] >= 80 and "failures" in body
    wrong = runner.invoke(app, ["eval", "--dataset", "nope"], env=env)
    assert wrong.exit_code == 2 and "unknown dataset" in wrong.output


def test_stale_labels_are_named_and_no_threshold_is_recommended_from_them(
    fake_settings: Settings, tmp_path: Path
) -> None:
    from faqbot.evaluation.format import format_report
    from faqbot.evaluation.runs import evaluate_index
    from faqbot.index.build import build_index
    from tests.fakes import HashingEmbedder

    embedder = HashingEmbedder()
    build_index(fake_settings, embedder_factory=lambda model: embedder)
    questions = tmp_path / "mine.yaml"
    questions.write_text(
        "in_scope:\n  - q: What is green AI?\n    expect: the-role-of-sustainability-in-ai\n"
        "  - q: Who wrote it?\n    expect: a-section-since-removed\n"
        "out_of_scope:\n  - q: Best pizza in town?\n    kind: far\n"
    )
    settings = fake_settings.model_copy(update={"eval_set": questions, "encoder": "torch"})
    report = evaluate_index(settings, embedder_factory=lambda model: embedder)
    assert report.stale == ["'Who wrote it?' expects 'a-section-since-removed'"]
    assert report.recommended_threshold is None and "stale labels: 1 questions" in format_report(report)
