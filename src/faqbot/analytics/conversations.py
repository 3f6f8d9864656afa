"""Conversations in the question log: how many, which ended in a decline, which suggested
questions readers asked next.

The widget gives each conversation a random id and numbers its turns (faqbot.server.routes.ask).
A suggested next question is one of the site's FAQ questions (faqbot.answering.answerer), so a
later turn that is an FAQ question word for word is counted as a suggestion taken: readers rarely
type one exactly.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from faqbot.analytics.store import LoggedQuestion


def summarise(rows: list[LoggedQuestion], faq_questions: set[str], limit: int = 10) -> dict[str, Any]:
    """{conversations, turns, ended_in_decline: [{conversation, questions}], suggestions_taken: [{question, count}]}."""
    by_conversation: dict[str, list[LoggedQuestion]] = defaultdict(list)
    for row in rows:
        if row.conversation_id:
            by_conversation[row.conversation_id].append(row)
    ended = []
    taken: Counter[str] = Counter()
    for conversation, turns in by_conversation.items():
        turns.sort(key=lambda r: (r.turn or 0, r.time))
        if not turns[-1].answered:
            ended.append({"conversation": conversation, "questions": [t.question for t in turns]})
        taken.update(t.normalized for t in turns[1:] if t.normalized.strip().lower() in faq_questions)
    return {
        "conversations": len(by_conversation),
        "turns": sum(len(t) for t in by_conversation.values()),
        "ended_in_decline": ended[-limit:],
        "suggestions_taken": [{"question": q, "count": n} for q, n in taken.most_common(limit)],
    }
