"""Evaluation sets: labelled questions, read from YAML or JSON.

A set has `in_scope` questions, each `q` with `expect` (the FAQ entry id or section anchor that
answers it) and/or `spans` (short exact texts a right answer contains), and `out_of_scope`
questions, each `q` with `kind` `far` (nothing to do with the site) or `near` (on its subject, but
not answered by its content). A plain list of `{q, expect}` is an in-scope-only query file (as
made from StackFAQ).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from faqbot.content.yaml_files import TextLoader, yaml_mistake
from faqbot.errors import DataError
from faqbot.text import has_text, lone_surrogate, read_utf8

Kind = Literal["in", "far", "near"]


@dataclass(frozen=True)
class EvalQuestion:
    q: str
    kind: Kind
    expect: str | None = None  # an FAQ id or a section anchor (None: only spans are known)
    spans: tuple[str, ...] = ()  # a right answer contains one of them (case-insensitive)


def read_set_file(path: Path) -> object:
    """An evaluation or dialogue file's YAML (or JSON), read as FAQ files are: every value the text
    written ("expect: 007" names the entry "007", "q: yes" asks "yes"). DataError, with the line where
    YAML gives one, when it cannot be read."""
    try:
        # read_utf8: a FIFO given as the set is refused, not waited on; a UTF-16 or Latin-1 file is named so.
        return yaml.load(read_utf8(path), Loader=TextLoader)  # noqa: S506
    except RecursionError:
        raise DataError(path, "lists or mappings are nested too deeply to read") from None
    except yaml.YAMLError as exc:
        raise yaml_mistake(path, exc, unknown_line=None) from None


def load_questions(path: Path) -> list[EvalQuestion]:
    """The questions of the set in `path`; DataError naming the entry when one is malformed."""
    data = read_set_file(path)
    if isinstance(data, list):
        data = {"in_scope": data}
    if not isinstance(data, dict):
        raise DataError(path, "an evaluation set has 'in_scope' and 'out_of_scope' lists")
    for part in ("in_scope", "out_of_scope"):
        if not isinstance(data.get(part) or [], list):
            raise DataError(path, f"'{part}' must be a list of questions")
    asked = [
        item.get("q")
        for part in ("in_scope", "out_of_scope")
        for item in data.get(part) or []
        if isinstance(item, dict)
    ]
    if any(lone_surrogate(q) for q in asked):
        raise DataError(path, "a question holds a lone surrogate escape (such as \\ud800): remove it")
    questions: list[EvalQuestion] = []
    for number, item in enumerate(data.get("in_scope") or [], start=1):
        spans = item.get("spans") if isinstance(item, dict) else None
        if spans is not None and (
            not isinstance(spans, list) or not all(isinstance(s, str) and has_text(s) for s in spans)
        ):
            raise DataError(path, "'spans' must be a list of texts", entry=f"in_scope {number}")
        if not isinstance(item, dict) or not has_text(str(item.get("q") or "")) or not (item.get("expect") or spans):
            raise DataError(
                path, "each in-scope question needs 'q' and 'expect' or 'spans'", entry=f"in_scope {number}"
            )
        expect = str(item["expect"]) if item.get("expect") else None
        questions.append(EvalQuestion(str(item["q"]), "in", expect, tuple(spans or ())))
    for number, item in enumerate(data.get("out_of_scope") or [], start=1):
        if (
            not isinstance(item, dict)
            or not has_text(str(item.get("q") or ""))
            or item.get("kind") not in ("far", "near")
        ):
            raise DataError(
                path, "each out-of-scope question needs 'q' and kind 'far' or 'near'", entry=f"out {number}"
            )
        questions.append(EvalQuestion(str(item["q"]), item["kind"], None))
    if not questions:
        raise DataError(path, "the evaluation set has no questions")
    return questions


def holds_span(text: str, spans: tuple[str, ...]) -> bool:
    """Whether `text` contains one of `spans`, ignoring case and runs of white space."""
    folded = " ".join(text.split()).casefold()
    return any(" ".join(span.split()).casefold() in folded for span in spans)
