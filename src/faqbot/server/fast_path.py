"""Routes marked `@fast_json` are also answered in plain ASGI, before FastAPI's routing.

On 2 cores the event loop thread is shared with the encoder threads, and FastAPI's per-request
machinery (routing, the request object, the dependencies, a second JSON parse, the exception
layers) costs it about as much as composing an answer. For a marked route, a request with a JSON
body that is a valid instance of the route's body model, and a context the route can be called
with (an index loaded), calls the route's own function here; anything else (a malformed body, no
index yet, another content type) goes on to FastAPI with its body replayed. So the route stays the
one place that says what the endpoint does, and its errors and the OpenAPI schema stay FastAPI's.

It sits inside `RequestContext`: rate limits, request ids, headers, metrics and the log line apply
to both paths alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from faqbot.server.asgi_body import body_of, read_body, replay

Endpoint = TypeVar("Endpoint", bound=Callable[..., Awaitable[Response]])
# Makes the route's second argument from the app's state and the client, or None: let FastAPI answer.
ContextFactory = Callable[[Any, str], Any]


def fast_json(body: type[BaseModel], context: ContextFactory) -> Callable[[Endpoint], Endpoint]:
    """Mark a route `async def route(body, context) -> Response` as also served by `FastJsonRoutes`."""

    def mark(endpoint: Endpoint) -> Endpoint:
        endpoint.fast_json = (body, context)  # type: ignore[attr-defined]
        return endpoint

    return mark


class FastJsonRoutes:
    """The ASGI middleware serving the marked ones among `routes` (those of routers included
    without a prefix)."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]):
        self.app = app
        self.routes = {
            (method, route.path): route
            for route in routes
            if isinstance(route, APIRoute) and hasattr(route.endpoint, "fast_json")
            for method in route.methods or ()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        if route is None or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        messages = await read_body(receive)  # BodySizeLimit, further out, has applied the size limit
        model, make_context = route.endpoint.fast_json  # type: ignore[attr-defined]
        context = make_context(scope["app"].state, scope.get("state", {}).get("client", "unknown"))
        try:
            body = model.model_validate_json(body_of(messages)) if context is not None else None
        except ValueError:  # ValidationError included: the route says what is wrong
            body = None
        if body is None:
            await self.app(scope, replay(messages, receive), send)
            return
        scope["route"] = route  # what RequestContext labels its metrics with, as routing would set it
        response = await route.endpoint(body, context)
        await response(scope, receive, send)


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bool(value.split(b";", 1)[0].strip().lower() == b"application/json")
    return False
