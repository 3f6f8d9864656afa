"""`POST /api/ask`: a reader's question in, an answer with its sources (or an honest decline) out.

This function is the endpoint, whichever way a request reaches it: FastAPI's routing, or for a
well-formed JSON request the fast path in front of it (faqbot.server.fast_path), which calls this
same function.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from faqbot.analytics.question_log import QuestionLog, QuestionRow
from faqbot.answering.answerer import Answerer
from faqbot.answering.conversation import Turn
from faqbot.server.batching import EncodeBatcher
from faqbot.server.deps import AnswererDep, BatcherDep, ClientDep, LogDep, MetricsDep
from faqbot.server.fast_path import fast_json
from faqbot.server.metrics import Metrics
from faqbot.server.schemas import ERRORS, AskRequest, AskResponse

router = APIRouter()


@dataclass(frozen=True)
class AskContext:
    """What answering a question needs besides the question."""

    answerer: Answerer
    batcher: EncodeBatcher
    question_log: QuestionLog
    metrics: Metrics
    client: str

    @classmethod
    def from_state(cls, state: Any, client: str) -> AskContext | None:
        """From the app's state (the fast path); None while no index is loaded (the route says 503)."""
        answerer = state.engine.answerer
        if answerer is None:
            return None
        return cls(answerer, state.batcher, state.question_log, state.metrics, client)


def get_context(
    answerer: AnswererDep, batcher: BatcherDep, question_log: LogDep, metrics: MetricsDep, client: ClientDep
) -> AskContext:
    return AskContext(answerer, batcher, question_log, metrics, client)


@router.post("/api/ask", response_model=AskResponse, responses=ERRORS, tags=["answers"])
@fast_json(AskRequest, context=AskContext.from_state)
async def ask(body: AskRequest, context: Annotated[AskContext, Depends(get_context)]) -> Response:
    """Answer a reader's question from the site's articles and FAQ, with sources, or decline."""
    started = time.perf_counter()
    # The encode is the slow part: the batcher joins concurrent questions in one model call.
    history = [Turn(t.question, t.answer, t.source_id) for t in body.history or ()]
    answer = await context.answerer.answer_batched(
        body.question, top_k=body.top_k, encode=context.batcher.encode, page=body.page, history=history
    )
    elapsed = time.perf_counter() - started
    metrics = context.metrics
    metrics.answer_latency.observe(elapsed)
    metrics.answers.labels(outcome="answered" if answer.answered else "declined").inc()
    if answer.from_cache:
        metrics.answer_cache_hits.inc()
    log = context.question_log
    if log.enabled:
        log.record_question(
            QuestionRow(
                question=body.question,
                normalized=answer.question,
                answered=answer.answered,
                kind=answer.kind,
                confidence=answer.confidence,
                top_source=answer.sources[0].id if answer.sources else None,
                answer_id=answer.answer_id,
                latency_ms=round(elapsed * 1000, 3),
                index_version=answer.index_version,
                client=log.client_hash(context.client),
                conversation_id=body.conversation_id,
                turn=len(body.history or ()) + 1 if body.conversation_id else None,
            )
        )
    # Serialised once: returning the model would make FastAPI validate it a second time.
    return Response(AskResponse.model_validate(answer).model_dump_json(), media_type="application/json")
