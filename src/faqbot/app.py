"""The application factory: `create_app(settings)` builds a FastAPI app; nothing happens at import."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.templating import Jinja2Templates

from faqbot import __version__
from faqbot.api import router as api_router
from faqbot.embedding import load_embedder
from faqbot.engine import EmbedderFactory, Engine, load_engine
from faqbot.feedback import FeedbackStore
from faqbot.http_errors import install_error_handlers
from faqbot.pages import router as pages_router
from faqbot.settings import Settings
from faqbot.static_assets import StaticAssets

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def create_app(settings: Settings, *, embedder_factory: EmbedderFactory = load_embedder) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Loaded here, not at import, so tests and tools can build apps on their own data.
        app.state.engine = load_engine(settings, embedder_factory)
        yield

    app = FastAPI(
        title="faqbot",
        version=__version__,
        summary="Answers readers' questions from the site's own articles and FAQ, offline.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = Engine(None, "starting")
    app.state.templates = Jinja2Templates(directory=settings.web_dir / "templates")
    app.state.assets = StaticAssets(settings.web_dir / "static")
    app.state.feedback = FeedbackStore(settings.state_dir)
    install_error_handlers(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    # The widget calls the API from other sites' pages: only the configured origins may.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        max_age=600,
    )
    app.include_router(api_router)
    app.include_router(pages_router)
    return app
