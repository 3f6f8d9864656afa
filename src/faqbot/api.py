"""HTTP routes: /api/ask, /api/faq, /healthz, /readyz."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request

from faqbot.answering import Answerer
from faqbot.engine import Engine
from faqbot.feedback import FeedbackStore
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


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_answerer(engine: Annotated[Engine, Depends(get_engine)]) -> Answerer:
    if engine.answerer is None:
        raise HTTPException(status_code=503, detail=f"faqbot is not ready: {engine.reason}")
    return engine.answerer


def get_feedback_store(request: Request) -> FeedbackStore:
    store: FeedbackStore = request.app.state.feedback
    return store


EngineDep = Annotated[Engine, Depends(get_engine)]
AnswererDep = Annotated[Answerer, Depends(get_answerer)]
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "The body could not be read (not UTF-8 or not parseable)."},
    413: {"model": ErrorBody, "description": "The body is larger than the limit (FAQBOT_MAX_BODY_BYTES)."},
    422: {"model": ErrorBody, "description": "The request is malformed: the message says what is wrong."},
    429: {"model": ErrorBody, "description": "Too many requests from this client: see the Retry-After header."},
    503: {"model": ErrorBody, "description": "No index is loaded yet."},
}


@router.post("/api/ask", response_model=AskResponse, responses=ERRORS, tags=["answers"])
def ask(body: AskRequest, answerer: AnswererDep) -> AskResponse:
    """Answer a reader's question from the site's articles and FAQ, with sources, or decline."""
    return AskResponse.model_validate(answerer.answer(body.question, top_k=body.top_k))


@router.post("/api/feedback", response_model=FeedbackResponse, responses=ERRORS, tags=["answers"])
def feedback(body: FeedbackRequest, store: Annotated[FeedbackStore, Depends(get_feedback_store)]) -> FeedbackResponse:
    """Record whether an answer helped (thumbs up or down), with an optional comment."""
    store.record(answer_id=body.answer_id, helpful=body.helpful, comment=body.comment)
    return FeedbackResponse(recorded=True)


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
