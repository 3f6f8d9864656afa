"""The quality suite: every evaluation set the project has, each built as a site of its own.

`data/eval/suite.yaml` lists the sets. A set is a content folder (`articles/`, `faq/`) with a
question file, or a public benchmark (`benchmark: stackfaq` or `squad-normans`) converted into
one from `benchmarks/` (`make benchmarks`); a benchmark that is not there is reported as skipped.
Each set is built like any site (into `<index dir>/eval/<name>`, so reruns reuse the embedding
cache) and evaluated through the answerer as served (faqbot.evaluation.metrics).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from faqbot.content.yaml_files import UniqueKeyLoader, yaml_mistake
from faqbot.errors import DataError
from faqbot.evaluation import squad, stackfaq
from faqbot.evaluation.metrics import Report
from faqbot.text import read_utf8

BENCHMARK_FILES = {"stackfaq": "stackExchange-FAQ.json", "squad-normans": "squad2-normans.json"}


@dataclass(frozen=True)
class EvalSet:
    name: str
    about: str
    data: Path | None = None  # a content folder (None: made from the benchmark)
    questions: Path | None = None
    benchmark: str | None = None
    peers: dict[str, float] = field(default_factory=dict)  # reference figures from the set's source notes
    dialogues: Path | None = None  # conversations about the set's content (faqbot.evaluation.dialogues)


@dataclass
class SuiteResult:
    reports: dict[str, Report]
    sets: dict[str, EvalSet]
    skipped: dict[str, str]  # set -> why

    def to_json(self) -> dict[str, Any]:
        return {
            "sets": {
                name: {**report.to_json(), "peers": self.sets[name].peers} for name, report in self.reports.items()
            },
            "skipped": self.skipped,
        }


def load_suite(path: Path) -> list[EvalSet]:
    """The sets listed in `path`, their paths made absolute; DataError naming a malformed one."""
    try:
        data = yaml.load(read_utf8(path), Loader=UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
        entries = data["sets"]
    except yaml.YAMLError as exc:
        raise yaml_mistake(path, exc, unknown_line=None) from None
    except (OSError, UnicodeDecodeError, KeyError, TypeError, RecursionError) as exc:
        raise DataError(path, f"cannot read the suite ({exc}): it needs 'sets: {{name: {{...}}}}'") from None
    if not isinstance(entries, dict) or not entries:
        raise DataError(path, "'sets' must name at least one set: 'sets: {name: {data: ..., questions: ...}}'")
    sets = []
    for name, entry in entries.items():
        if not re.fullmatch(r"[\w][\w.-]*", str(name)):  # it names the set's index folder
            raise DataError(path, "a set's name is letters, digits, '_', '.' and '-'", entry=str(name))
        paths = ("data", "questions", "dialogues", "benchmark")
        if isinstance(entry, dict) and any(k in entry and not isinstance(entry[k], str) for k in paths):
            raise DataError(path, "'data', 'questions', 'dialogues' and 'benchmark' are texts (paths)", entry=str(name))
        if not isinstance(entry, dict) or not (
            entry.get("benchmark") or (entry.get("data") and entry.get("questions"))
        ):
            raise DataError(path, "a set needs 'data' and 'questions', or 'benchmark'", entry=str(name))
        if entry.get("dialogues") and not entry.get("data"):
            raise DataError(path, "'dialogues' needs the set's own 'data'", entry=str(name))
        if entry.get("benchmark") and entry["benchmark"] not in BENCHMARK_FILES:
            raise DataError(path, f"unknown benchmark; known: {', '.join(BENCHMARK_FILES)}", entry=str(name))
        peers = entry.get("peers") or {}
        if not isinstance(peers, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in peers.values()
        ):
            raise DataError(path, "'peers' must map each peer's name to its figure (a number)", entry=str(name))
        sets.append(
            EvalSet(
                name=str(name),
                about=str(entry.get("about", "")),
                data=(path.parent / entry["data"]).resolve() if entry.get("data") else None,
                questions=(path.parent / entry["questions"]).resolve() if entry.get("questions") else None,
                benchmark=entry.get("benchmark"),
                peers={str(k): float(v) for k, v in peers.items()},
                dialogues=(path.parent / entry["dialogues"]).resolve() if entry.get("dialogues") else None,
            )
        )
    return sets


def materialise(eval_set: EvalSet, benchmarks: Path, workdir: Path) -> tuple[Path, Path] | str:
    """The set's content folder and question file, converting a benchmark into `workdir`; or why not."""
    if eval_set.benchmark is None:
        assert eval_set.data is not None and eval_set.questions is not None
        return eval_set.data, eval_set.questions
    source = benchmarks / eval_set.benchmark / BENCHMARK_FILES[eval_set.benchmark]
    if not source.is_file():
        return f"{source} is missing: 'make benchmarks' brings it in"
    data, questions = workdir / eval_set.name / "data", workdir / eval_set.name / "questions.yaml"
    if eval_set.benchmark == "stackfaq":
        (data / "faq").mkdir(parents=True, exist_ok=True)
        stackfaq.convert(source, data / "faq" / "stackfaq.json", questions)
    else:
        squad.convert(source, data, questions)
    return data, questions


def scratch() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="faqbot-suite-")
