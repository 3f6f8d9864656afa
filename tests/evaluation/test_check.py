"""`faqbot check`: a site owner's own check of their site, data first, then their evaluation file."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from faqbot.cli import app
from faqbot.embedding.embedder import Embedder
from faqbot.errors import DataError
from faqbot.evaluation import runs
from faqbot.settings import Settings
from tests.conftest import LAUNCH_SET

runner = CliRunner()
QUESTIONS = """\
in_scope:
  - q: What is an open source AI model?
    expect: what-is-open-source-ai-model
  - q: Can anyone contribute to open source AI projects?
    expect: who-can-contribute
  - q: What are some popular open source AI projects?
    expect: popular-open-source-ai-projects
  - q: What are the economic implications of open source AI?
    spans: ["reduce costs"]
out_of_scope:
  - q: tapioca kumquat gizzard
    kind: far
  - q: qwzx vbnm plokij
    kind: far
"""


@pytest.fixture
def env(
    fake_settings: Settings, monkeypatch: pytest.MonkeyPatch, fake_factory: Callable[[str], Embedder]
) -> dict[str, str]:
    # The fake embedder stands in for the model, to build and to encode questions (plumbing only).
    monkeypatch.setattr(runs, "load_embedder", fake_factory)
    return {
        "FAQBOT_DATA_DIR": str(fake_settings.data_dir),
        "FAQBOT_INDEX_DIR": str(fake_settings.index_dir),
        "FAQBOT_MODEL": "fake-model",
        "FAQBOT_ENCODER": "torch",
    }


def test_a_valid_site_with_its_evaluation_file_gets_figures_and_a_threshold(
    env: dict[str, str], fake_settings: Settings
) -> None:
    owners = fake_settings.data_dir / "eval" / "site.yaml"  # where check looks without --set
    owners.parent.mkdir()
    owners.write_text(QUESTIONS)
    result = runner.invoke(app, ["check"], env=env)
    assert result.exit_code == 0, result.output
    assert "data ok: 1 article, 5 FAQ entries, 7 passages" in result.output
    assert f"(built from the data); evaluation file {owners}" in result.output
    assert "questions: 4 in scope, 2 out of scope" in result.output
    for figure in (
        "hit@1 (right source first)",
        "span@1 (right text first)",
        "answered right",
        "out of scope declined",
    ):
        assert re.search(rf"  {re.escape(figure)} +[01]\.\d{{3}}\n", result.output), (figure, result.output)
    assert re.search(r"recommended threshold: 0\.\d\d ", result.output), result.output
    # What other thresholds trade, the one in use marked: the owner may prefer fewer declines.
    assert "threshold  answered right  out of scope declined" in result.output
    assert re.search(r"\n +0\.45 +[01]\.\d{3} +[01]\.\d{3}  \(in use", result.output), result.output
    again = runner.invoke(app, ["check"], env=env)  # the index is used as it is when the data did not change
    assert again.exit_code == 0 and "(up to date)" in again.output


def test_invalid_data_exits_non_zero_with_file_and_line_and_builds_nothing(
    env: dict[str, str], fake_settings: Settings, tmp_path: Path
) -> None:
    bad = fake_settings.data_dir / "faq" / "bad.yaml"
    bad.write_text("- question: Q?\n  answer: a\n- question: R?\n")
    questions = tmp_path / "mine.yaml"
    questions.write_text(QUESTIONS)
    result = runner.invoke(app, ["check", "--set", str(questions)], env=env)
    assert result.exit_code == 1
    assert f"error: {bad}:3 (entry 2): missing 'answer'" in result.output and "Traceback" not in result.output
    assert not fake_settings.index_dir.exists()


def test_warnings_are_all_listed_with_file_and_line(env: dict[str, str], fake_settings: Settings) -> None:
    twice = fake_settings.data_dir / "faq" / "twice.yaml"
    twice.write_text("- question: What is an open source AI model?\n  answer: Something else entirely.\n")
    (fake_settings.data_dir / "articles" / "draft.md").write_text("---\ntitle: Draft\n---\n\n## Soon\n")
    result = runner.invoke(app, ["check"], env=env)
    assert result.exit_code == 0, result.output
    assert f"warning: {twice}:1: the question 'What is an open source AI model?'" in result.output
    assert "draft.md:" in result.output and "skipped" in result.output
    assert (
        "no evaluation file at" in result.output and str(fake_settings.data_dir / "eval" / "site.yaml") in result.output
    )


def test_a_stale_label_is_named_and_no_threshold_is_recommended(
    env: dict[str, str], fake_settings: Settings, tmp_path: Path
) -> None:
    questions = tmp_path / "mine.yaml"
    questions.write_text(
        QUESTIONS.replace("in_scope:\n", "in_scope:\n  - q: Who wrote it?\n    expect: a-section-since-removed\n")
    )
    result = runner.invoke(app, ["check", "--set", str(questions)], env=env)
    assert result.exit_code == 1, result.output  # something to fix
    assert "stale labels: 1 questions expect a source the index no longer has" in result.output
    assert "'Who wrote it?' expects 'a-section-since-removed'" in result.output
    assert "recommended threshold:" not in result.output


def test_a_set_written_for_other_content_is_refused_not_scored_zero(
    env: dict[str, str], fake_settings: Settings, fake_factory: Callable[[str], Embedder], tmp_path: Path
) -> None:
    """A site owner who replaced the launch article and runs `faqbot eval` (the launch set by default)
    or `faqbot check --set` with another site's questions is told so, not shown figures of 0."""
    questions = tmp_path / "other-site.yaml"
    questions.write_text(  # "introduction" is every article's opening: found on any site
        "in_scope:\n  - q: How do I patch a tube?\n    expect: fixing-a-flat\n  - q: What is the shop?\n"
        "    expect: introduction\n  - q: Do you sell chains?\n    expect: buy-parts\nout_of_scope: []\n"
    )
    result = runner.invoke(app, ["check", "--set", str(questions)], env=env)
    assert result.exit_code == 1, result.output
    assert f"error: {questions}: 2 of the 3 sources it expects are not in the index (buy-parts, fixing-a-flat)" in (
        result.output
    )
    assert "hit@1" not in result.output and "Traceback" not in result.output
    settings = fake_settings.model_copy(update={"eval_set": questions, "model": "fake-model", "encoder": "torch"})
    with pytest.raises(DataError, match="2 of the 3 sources it expects are not in the index"):
        runs.evaluate_index(settings, embedder_factory=fake_factory)  # what `faqbot eval` runs


def test_a_missing_or_malformed_evaluation_file_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    missing = runner.invoke(app, ["check", "--set", str(tmp_path / "nope.yaml")], env=env)
    assert missing.exit_code == 1 and "nope.yaml" in missing.output and "Traceback" not in missing.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("in_scope:\n  - q: no label\n")
    malformed = runner.invoke(app, ["check", "--set", str(bad)], env=env)
    assert malformed.exit_code == 1 and "needs 'q' and 'expect' or 'spans'" in malformed.output
    bad.write_text('in_scope:\n  - q: "\\u200b"\n    expect: introduction\n')  # a question that shows nothing
    invisible = runner.invoke(app, ["check", "--set", str(bad)], env=env)
    assert invisible.exit_code == 1 and "needs 'q' and 'expect' or 'spans'" in invisible.output
    bad.write_text("in_scope:\n  - q: one\n  expect: [x\n")
    broken = runner.invoke(app, ["check", "--set", str(bad)], env=env)
    assert broken.exit_code == 1 and re.search(r"bad\.yaml:\d+: invalid YAML", broken.output), broken.output
    assert "<unicode string>" not in broken.output


@pytest.mark.model
def test_check_on_the_launch_site_with_the_real_model(real_settings: Settings) -> None:
    env = {"FAQBOT_DATA_DIR": str(real_settings.data_dir), "FAQBOT_INDEX_DIR": str(real_settings.index_dir)}
    result = runner.invoke(app, ["check", "--set", str(LAUNCH_SET)], env=env)
    assert result.exit_code == 0, result.output
    assert "(up to date)" in result.output  # the session's index, used as it is
    hit = float(re.search(r"hit@1 \(right source first\) +([01]\.\d{3})", result.output).group(1))  # type: ignore[union-attr]
    assert hit >= 0.85 and re.search(r"recommended threshold: 0\.\d\d ", result.output), result.output
