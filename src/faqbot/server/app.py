"""The application factory: `create_app(settings)` builds a FastAPI app; nothing happens at import."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline
from markupsafe import Markup

from faqbot import __version__
from faqbot.analytics.question_log import QuestionLog
from faqbot.answering.engine import EmbedderFactory, Engine, load_engine
from faqbot.server.batching import EncodeBatcher, default_workers
from faqbot.server.cors import JsonCorsMiddleware
from faqbot.server.http_errors import install_error_handlers
from faqbot.server.metrics import Metrics
from faqbot.server.middleware import install_middleware
from faqbot.server.reload import Reloader, use_engine, watch_index
from faqbot.server.routes.admin import router as admin_router
from faqbot.server.routes.api import router as api_router
from faqbot.server.routes.ask import router as ask_router
from faqbot.server.routes.pages import router as pages_router
from faqbot.server.static_assets import StaticAssets
from faqbot.settings import Settings

log = logging.getLogger("faqbot.server.app")
# Where /docs loads Swagger UI from: this server, since FastAPI's own page fetches it from a CDN,
# which an offline site cannot reach (the page came up blank). No /redoc: ReDoc still fetches its
# logo from its CDN.
DOCS_ASSETS = "/docs-assets"


def create_app(settings: Settings, *, embedder_factory: EmbedderFactory | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Loaded here, not at import, so tests and tools can build apps on their own data.
        use_engine(app, await asyncio.to_thread(load_engine, settings, embedder_factory))
        app.state.question_log.start()
        app.state.batcher.start()
        watcher = asyncio.create_task(watch_index(app, settings.reload_interval)) if settings.reload_interval else None
        yield
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        app.state.question_log.stop()
        app.state.batcher.stop()

    app = FastAPIOffline(
        static_url=DOCS_ASSETS,
        redoc_url=None,
        title="faqbot",
        version=__version__,
        summary="Answers readers' questions from the site's own articles and FAQ, offline.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = Engine(None, "starting")
    app.state.templates = Jinja2Templates(directory=settings.web_dir / "templates")
    # `{{ entry | answer_html }}`: an FAQ answer's Markdown, already through the allow-list.
    app.state.templates.env.filters["answer_html"] = lambda doc: Markup(doc.answer_html() or "")
    app.state.assets = StaticAssets(settings.web_dir / "static")
    app.state.question_log = QuestionLog.from_settings(settings)
    app.state.metrics = Metrics()
    app.state.metrics.watch_question_log(app.state.question_log.stats)
    app.state.batcher = EncodeBatcher(lambda: app.state.engine.embedder, workers=default_workers(settings.threads))
    app.state.reloader = Reloader(settings, embedder_factory)
    routers = (ask_router, api_router, admin_router, pages_router)
    install_error_handlers(app)
    install_middleware(app, settings, [route for router in routers for route in router.routes])

    # The widget calls the API from other sites' pages: only the configured origins may.
    app.add_middleware(
        JsonCorsMiddleware,
        allow_origins=settings.allowed_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        max_age=600,
    )
    for router in routers:
        app.include_router(router)
    return app
