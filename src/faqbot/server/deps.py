"""The dependencies routes share, as `Annotated` aliases: what a route needs reads as a typed
parameter, and tests swap any of them with `app.dependency_overrides`.

Everything comes from `app.state`, which `create_app` fills; nothing is global.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates

from faqbot.analytics.question_log import QuestionLog
from faqbot.answering.answerer import Answerer
from faqbot.answering.engine import Engine
from faqbot.server.batching import EncodeBatcher
from faqbot.server.metrics import Metrics
from faqbot.server.static_assets import StaticAssets
from faqbot.settings import Settings


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_answerer(engine: Annotated[Engine, Depends(get_engine)]) -> Answerer:
    """The serving answerer; 503 with the reason while no index is loaded."""
    if engine.answerer is None:
        raise HTTPException(status_code=503, detail=f"faqbot is not ready: {engine.reason}")
    return engine.answerer


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_question_log(request: Request) -> QuestionLog:
    question_log: QuestionLog = request.app.state.question_log
    return question_log


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def get_batcher(request: Request) -> EncodeBatcher:
    batcher: EncodeBatcher = request.app.state.batcher
    return batcher


async def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


async def get_assets(request: Request) -> StaticAssets:
    assets: StaticAssets = request.app.state.assets
    return assets


async def get_client(request: Request) -> str:
    """Who is asking: the address `RequestContext` settled on (a trusted proxy's X-Forwarded-For)."""
    return str(getattr(request.state, "client", "unknown"))


EngineDep = Annotated[Engine, Depends(get_engine)]
AnswererDep = Annotated[Answerer, Depends(get_answerer)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
LogDep = Annotated[QuestionLog, Depends(get_question_log)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
BatcherDep = Annotated[EncodeBatcher, Depends(get_batcher)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
AssetsDep = Annotated[StaticAssets, Depends(get_assets)]
ClientDep = Annotated[str, Depends(get_client)]
