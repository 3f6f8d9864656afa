"""The application factory: `create_app(settings)` builds a FastAPI app; nothing happens at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from faqbot import __version__
from faqbot.api import router as api_router
from faqbot.embedding import load_embedder
from faqbot.engine import EmbedderFactory, Engine, load_engine
from faqbot.http_errors import install_error_handlers
from faqbot.settings import Settings


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
    install_error_handlers(app)
    app.include_router(api_router)
    return app
