"""HTTP routes besides asking: /api/feedback, /api/faq, /healthz, /readyz, /metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from faqbot.server.deps import AnswererDep, EngineDep, LogDep, MetricsDep, SettingsDep
from faqbot.server.metrics import CONTENT_TYPE
from faqbot.server.schemas import (
    ERRORS,
    MAX_PAGE_CHARS,
    FaqEntryOut,
    FeedbackRequest,
    FeedbackResponse,
    Health,
    Readiness,
    WidgetConfig,
)

router = APIRouter()


@router.post("/api/feedback", response_model=FeedbackResponse, responses=ERRORS, tags=["answers"])
def feedback(body: FeedbackRequest, question_log: LogDep, metrics: MetricsDep) -> FeedbackResponse:
    """Record whether an answer helped (thumbs up or down), with an optional comment."""
    question_log.record_feedback(answer_id=body.answer_id, helpful=body.helpful, comment=body.comment)
    metrics.feedback.labels(helpful=str(body.helpful).lower()).inc()
    return FeedbackResponse(recorded=question_log.enabled)


@router.get("/api/faq", response_model=list[FaqEntryOut], responses=ERRORS, tags=["answers"])
def faq(
    request: Request, answerer: AnswererDep, page: Annotated[str | None, Query(max_length=MAX_PAGE_CHARS)] = None
) -> list[FaqEntryOut]:
    """Every FAQ entry in the index; with `page` (the path the reader is on), that page's article's
    entries come first (what the widget offers as starter questions)."""
    unknown = sorted(set(request.query_params) - {"page"})
    if unknown or len(request.query_params.getlist("page")) > 1:
        raise HTTPException(status_code=422, detail=f"the only query parameter is one 'page' (got {unknown or 'two'})")
    entries = answerer.index.faq_docs()
    article = answerer.pages.article_at(page)
    if article is not None:
        entries = sorted(entries, key=lambda d: d.article != article.slug)  # stable: file order otherwise
    return [
        FaqEntryOut(
            id=d.id,
            question=d.question,
            answer=d.text,
            answer_html=d.answer_html(),
            url=d.url,
            alternates=list(d.alternates),
        )
        for d in entries
    ]


@router.get("/api/widget", response_model=WidgetConfig, responses=ERRORS, tags=["answers"])
def widget_config(answerer: AnswererDep, settings: SettingsDep) -> WidgetConfig:
    """What the chat widget shows besides answers: where a reader can reach a person, if anywhere."""
    contact = settings.contact_url or answerer.index.smalltalk.contact
    return WidgetConfig(contact_url=contact or None)


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
