"""Conversations: the dialogue set (`data/eval/dialogues.yaml`) and how well turns are answered.

Each conversation is a list of turns, each `q` with a `kind`: `question` (self-contained),
`follow_up` (leans on earlier turns), `switch` (a new self-contained topic), `smalltalk` (with its
`intent`) or `off_topic` (must be declined, even after on-topic turns). Answerable turns name the
`expect`ed source, an FAQ id or a section anchor. A conversation is played as the widget plays it:
each turn is sent with the earlier turns and the bot's own answers to them as `history`. The
baseline plays every turn with no history; a third run sends the earlier questions alone (a client
that keeps no source ids).

A follow-up may also carry its `rewrite`: the question as a person rewrote it to stand alone, from
the conversation's earlier questions only ("why does it matter?" -> "why does green AI matter?").
Asked alone, the rewrites measure what a person's reading of the conversation gets from the
retriever, as the manual rewrites of TREC CAsT do for conversational search (Dalton et al. 2020):
a follow-up the rewrite gets right and the bot does not is lost to the bot's reading, one that
neither gets right to the retriever. It is a reference, not a bound: the bot's reading, matched
with the answer's topic, gets some right that the person's wording does not.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

from faqbot.answering.answer import Answer
from faqbot.answering.answerer import Answerer
from faqbot.answering.conversation import Turn
from faqbot.errors import DataError
from faqbot.evaluation.metrics import label
from faqbot.evaluation.questions import read_set_file
from faqbot.text import has_text, lone_surrogate

KINDS = ("question", "follow_up", "switch", "smalltalk", "off_topic")
ANSWERABLE = ("question", "follow_up", "switch")


@dataclass(frozen=True)
class DialogueTurn:
    q: str
    kind: str
    expect: str | None = None
    rewrite: str | None = None  # a follow-up as a person rewrote it to stand alone


@dataclass(frozen=True)
class TurnResult:
    conversation: str
    turn: DialogueTurn
    right: bool
    got: str  # the answer's kind and first source's label
    interpreted_as: str | None


def load_dialogues(path: Path) -> dict[str, list[DialogueTurn]]:
    """The conversations of the dialogue file `path` by id; DataError naming the one that is malformed."""
    data = read_set_file(path)
    conversations = data.get("conversations") if isinstance(data, dict) else None
    if not isinstance(conversations, list) or not conversations:
        raise DataError(path, "a dialogue set needs 'conversations:', a list of conversations")
    out: dict[str, list[DialogueTurn]] = {}
    for number, conversation in enumerate(conversations, start=1):
        name = str(conversation.get("id") or number) if isinstance(conversation, dict) else str(number)
        if name in out:
            raise DataError(path, f"two conversations have the id {name!r}", entry=f"conversation {number}")
        turns = conversation.get("turns") if isinstance(conversation, dict) else None
        if not isinstance(turns, list) or not turns:
            raise DataError(path, "a conversation needs 'id' and a list of 'turns'", entry=name)
        for number, turn in enumerate(turns, start=1):
            asked = turn.get("q") if isinstance(turn, dict) else None
            if not isinstance(asked, str) or not has_text(asked) or turn.get("kind") not in KINDS:
                kinds = ", ".join(KINDS)
                raise DataError(path, f"each turn needs 'q' and a 'kind' among {kinds}", entry=f"{name}, turn {number}")
            if turn["kind"] in ANSWERABLE and not turn.get("expect"):
                raise DataError(path, f"a {turn['kind']} turn needs 'expect'", entry=name)
            if turn.get("expect") is not None and not isinstance(turn["expect"], str):
                raise DataError(path, "'expect' is the id of one FAQ entry or section, as text", entry=name)
            rewrite = turn.get("rewrite")
            if rewrite is not None and (
                turn["kind"] != "follow_up" or not isinstance(rewrite, str) or not has_text(rewrite)
            ):
                raise DataError(
                    path, "'rewrite' is a follow_up's question rewritten to stand alone, as text", entry=name
                )
            if lone_surrogate(str(turn["q"])) or lone_surrogate(str(rewrite or "")):
                raise DataError(
                    path, "a question holds a lone surrogate escape (such as \\ud800): remove it", entry=name
                )
        out[name] = [DialogueTurn(str(t["q"]), t["kind"], t.get("expect"), t.get("rewrite")) for t in turns]
    return out


def _right(turn: DialogueTurn, answer: Answer, labels: dict[str, str]) -> bool:
    if turn.kind == "smalltalk":
        return answer.kind == "smalltalk"
    if turn.kind == "off_topic":
        return not answer.answered
    return answer.kind in ("faq", "passage") and bool(answer.sources) and labels[answer.sources[0].id] == turn.expect


History = Literal["full", "questions", "none"]


class Played(NamedTuple):
    """One dialogue set played three ways: as the widget sends history (each turn's question, answer
    and source id), with the questions alone (a client that keeps no source ids), and with none; and
    its follow-ups' rewrites asked alone (a person's reading: module docstring)."""

    with_history: list[TurnResult]
    baseline: list[TurnResult]
    questions_only: list[TurnResult]
    rewritten: list[TurnResult]


def play(
    answerer: Answerer, conversations: dict[str, list[DialogueTurn]], *, history: History = "full"
) -> list[TurnResult]:
    """Every conversation turn by turn, each with the conversation so far as `history` says."""
    labels = {doc.id: label(doc) for doc in answerer.index.docs}
    results = []
    for name, turns in conversations.items():
        earlier: list[Turn] = []
        for turn in turns:
            answer = answerer.answer(turn.q, history=earlier if history != "none" else ())
            source = answer.sources[0].id if answer.answered and answer.sources else None
            got = f"{answer.kind}:{labels[source]}" if source else answer.kind
            results.append(TurnResult(name, turn, _right(turn, answer, labels), got, answer.interpreted_as))
            earlier.append(Turn(turn.q, answer.answer, source) if history == "full" else Turn(turn.q))
    return results


def play_rewrites(answerer: Answerer, conversations: dict[str, list[DialogueTurn]]) -> list[TurnResult]:
    """Every follow-up that has a `rewrite`, asked as its rewrite with no history."""
    labels = {doc.id: label(doc) for doc in answerer.index.docs}
    results = []
    for name, turns in conversations.items():
        for turn in turns:
            if turn.rewrite is not None:
                answer = answerer.answer(turn.rewrite)
                source = answer.sources[0].id if answer.answered and answer.sources else None
                got = f"{answer.kind}:{labels[source]}" if source else answer.kind
                results.append(TurnResult(name, turn, _right(turn, answer, labels), got, None))
    return results


def dialogue_metrics(results: list[TurnResult]) -> dict[str, float]:
    """The share of turns right, overall and by kind; and real questions answered as small talk."""
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        by_kind[r.turn.kind].append(r.right)
    if not results:  # a set with no rewrites
        return {}
    metrics = {"turns": sum(r.right for r in results) / len(results)}
    metrics.update({kind: sum(v) / len(v) for kind, v in by_kind.items()})
    metrics["false_smalltalk"] = float(sum(r.turn.kind != "smalltalk" and r.got == "smalltalk" for r in results))
    return metrics


def format_dialogues(played: Played) -> str:
    with_history = played.with_history
    ours, base = dialogue_metrics(with_history), dialogue_metrics(played.baseline)
    asked = dialogue_metrics(played.questions_only)
    counts: dict[str, int] = defaultdict(int)
    for r in with_history:
        counts[r.turn.kind] += 1
    lines = [f"{len({r.conversation for r in with_history})} conversations, {len(with_history)} turns", ""]
    lines.append(f"{'turns right':<22} {'with history':>12} {'history ignored':>16} {'questions only':>15}")
    for key in ("turns", *KINDS):
        if key in ours:
            n = len(with_history) if key == "turns" else counts[key]
            lines.append(f"{key + f' ({n})':<22} {ours[key]:>12.3f} {base[key]:>16.3f} {asked[key]:>15.3f}")
    lines.append(f"{'real questions answered as small talk':<38} {ours['false_smalltalk']:.0f}")
    if played.rewritten:
        right = sum(r.right for r in played.rewritten)
        share = right / len(played.rewritten)
        lines.append(
            f"follow-ups asked as a person rewrote them, alone: {share:.3f} ({right} of {len(played.rewritten)}): "
            "what a person's reading of the conversation gets"
        )
    wrong = [r for r in with_history if not r.right]
    if wrong:
        lines += ["", f"wrong turns ({len(wrong)}):"]
        for r in wrong:
            meant = f" (read as {r.interpreted_as!r})" if r.interpreted_as else ""
            lines.append(
                f"  [{r.conversation}/{r.turn.kind}] {r.turn.q!r}: expected {r.turn.expect}, got {r.got}{meant}"
            )
    return "\n".join(lines)
