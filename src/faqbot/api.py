"""HTTP routes: /api/ask, /api/faq, /healthz, /readyz."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from faqbot.answering import Answerer
from faqbot.batching import EncodeBatcher
from faqbot.engine import Engine
from faqbot.metrics import CONTENT_TYPE, Metrics
from faqbot.question_log import QuestionLog, QuestionRow
from faqbot.schemas import (
    AskRequest,
    AskResponse,
    ErrorBody,
    FaqEntryOut,
    FeedbackRequest,
    FeedbackResponse,
    Health,
    Readiness,
)

router = APIRouter()


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_answerer(engine: Annotated[Engine, Depends(get_engine)]) -> Answerer:
    if engine.answerer is None:
        raise HTTPException(status_code=503, detail=f"faqbot is not ready: {engine.reason}")
    return engine.answerer


async def get_question_log(request: Request) -> QuestionLog:
    question_log: QuestionLog = request.app.state.question_log
    return question_log


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def get_batcher(request: Request) -> EncodeBatcher:
    batcher: EncodeBatcher = request.app.state.batcher
    return batcher


EngineDep = Annotated[Engine, Depends(get_engine)]
AnswererDep = Annotated[Answerer, Depends(get_answerer)]
LogDep = Annotated[QuestionLog, Depends(get_question_log)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
BatcherDep = Annotated[EncodeBatcher, Depends(get_batcher)]
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "The body could not be read (not UTF-8 or not parseable)."},
    413: {"model": ErrorBody, "description": "The body is larger than the limit (FAQBOT_MAX_BODY_BYTES)."},
    422: {"model": ErrorBody, "description": "The request is malformed: the message says what is wrong."},
    429: {"model": ErrorBody, "description": "Too many requests from this client: see the Retry-After header."},
    503: {"model": ErrorBody, "description": "No index is loaded yet."},
}


@router.post("/api/ask", response_model=AskResponse, responses=ERRORS, tags=["answers"])
async def ask(
    body: AskRequest,
    request: Request,
    answerer: AnswererDep,
    batcher: BatcherDep,
    question_log: LogDep,
    metrics: MetricsDep,
) -> Response:
    """Answer a reader's question from the site's articles and FAQ, with sources, or decline."""
    # Well-formed requests are answered before routing (faqbot.fast_ask); this route answers the
    # rest that are valid (a body sent as another JSON type, like application/x+json) and documents the API.
    client = getattr(request.state, "client", "unknown")
    payload = await answer_request(body, client, answerer, batcher, question_log, metrics)
    return Response(payload, media_type="application/json")


async def answer_request(
    body: AskRequest,
    client: str,
    answerer: Answerer,
    batcher: EncodeBatcher,
    question_log: QuestionLog,
    metrics: Metrics,
) -> bytes:
    """The JSON answer to one request, counted and logged: shared by the route and the fast path."""
    started = time.perf_counter()
    # The encode is the slow part: the batcher joins concurrent questions in one model call.
    answer = await answerer.answer_batched(body.question, top_k=body.top_k, encode=batcher.encode, page=body.page)
    elapsed = time.perf_counter() - started
    metrics.answer_latency.observe(elapsed)
    metrics.answers.labels(outcome="answered" if answer.answered else "declined").inc()
    if answer.from_cache:
        metrics.answer_cache_hits.inc()
    if question_log.enabled:
        question_log.record_question(
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
                client=question_log.client_hash(client),
            )
        )
    # Serialised once: returning the model would make FastAPI validate it a second time.
    return AskResponse.model_validate(answer).model_dump_json().encode()


@router.post("/api/feedback", response_model=FeedbackResponse, responses=ERRORS, tags=["answers"])
def feedback(body: FeedbackRequest, question_log: LogDep, metrics: MetricsDep) -> FeedbackResponse:
    """Record whether an answer helped (thumbs up or down), with an optional comment."""
    question_log.record_feedback(answer_id=body.answer_id, helpful=body.helpful, comment=body.comment)
    metrics.feedback.labels(helpful=str(body.helpful).lower()).inc()
    return FeedbackResponse(recorded=question_log.enabled)


@router.get("/api/faq", response_model=list[FaqEntryOut], responses=ERRORS, tags=["answers"])
def faq(answerer: AnswererDep) -> list[FaqEntryOut]:
    """Every FAQ entry in the index."""
    return [
        FaqEntryOut(id=d.id, question=d.question, answer=d.text, url=d.url, alternates=list(d.alternates))
        for d in answerer.index.docs
        if d.kind == "faq"
    ]


@router.get("/healthz", response_model=Health, tags=["operations"])
def healthz() -> Health:
    """The process is up (it may still be without an index: see /readyz)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}}, tags=["operations"])
def readyz(engine: EngineDep) -> Readiness:
    """Ready when an index is loaded: its version, model and counts; else 503 with the reason."""
    if engine.answerer is None:
        raise HTTPException(status_code=503, detail=engine.reason or "no index loaded")
    manifest = engine.answerer.index.manifest
    return Readiness(
        ready=True,
        index_version=manifest.version,
        model=manifest.model,
        counts=manifest.counts,
        last_reload_error=engine.last_reload_error,
    )


@router.get("/metrics", tags=["operations"], response_class=Response, responses={200: {"content": {CONTENT_TYPE: {}}}})
def metrics_endpoint(metrics: MetricsDep) -> Response:
    """Prometheus metrics: requests, answer latency, answered and declined, feedback, the index."""
    return Response(metrics.render(), media_type=CONTENT_TYPE)
