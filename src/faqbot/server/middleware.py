"""What every request passes through: a size limit, a request id and log line, rate limits, headers."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from faqbot.server.asgi_body import read_body, replay
from faqbot.server.fast_path import FastJsonRoutes
from faqbot.server.rate_limit import ClientAddress, RateLimiter
from faqbot.settings import Settings, parse_rate

log = logging.getLogger("faqbot.http")
RATE_LIMITED_PATHS = ("/api/ask", "/api/feedback")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "SAMEORIGIN",
}
# Pages set their own full policy; everything else at least may not be framed elsewhere.
DEFAULT_CSP = "frame-ancestors 'self'"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class BodySizeLimit:
    """413 for bodies over the limit, before anything parses them (Content-Length or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        messages = await read_body(receive, self.max_bytes)
        if messages is None:
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, replay(messages, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = {"error": f"the request body is larger than {self.max_bytes} bytes", "details": []}
        await JSONResponse(body, status_code=413)(scope, receive, send)


class RequestContext:
    """Request id, client address, rate limit, metrics, security headers and one log line.

    Plain ASGI rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware runs each
    request through an extra task and a streamed response, which cost about 2 ms per request
    here, more than the rest of answering a question (bench/README.md).
    """

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        rate = parse_rate(settings.rate_limit)
        self.limiter = RateLimiter(*rate) if rate else None
        self.clients = ClientAddress(settings.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = Headers(scope=scope)
        offered = headers.get("x-request-id", "")
        request_id = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex
        peer = scope["client"][0] if scope.get("client") else None
        client = self.clients.of(peer, headers.get("x-forwarded-for"))
        state = scope.setdefault("state", {})
        state["request_id"], state["client"] = request_id, client
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = MutableHeaders(scope=message)
                response_headers["X-Request-ID"] = request_id
                for name, value in SECURITY_HEADERS.items():
                    response_headers.setdefault(name, value)
                response_headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
            await send(message)

        wait = 0.0
        if self.limiter is not None and scope["method"] == "POST" and scope["path"] in RATE_LIMITED_PATHS:
            wait = self.limiter.take(client)
        try:
            if wait > 0:
                seconds = max(1, round(wait + 0.5))  # whole seconds, never 0: the body says what the header does
                refusal = JSONResponse(
                    {"error": f"too many requests: try again in {seconds} s", "details": []},
                    status_code=429,
                    headers={"Retry-After": str(seconds)},
                )
                await refusal(scope, receive, send_with_headers)
            else:
                await self.app(scope, receive, send_with_headers)
        finally:  # counted and logged even when the app failed (its 500 is sent further out)
            # The route's template, not the raw path, so unknown URLs cannot blow up the label set.
            endpoint = getattr(scope.get("route"), "path", "unmatched")
            scope["app"].state.metrics.requests.labels(endpoint=endpoint, status=str(status)).inc()
            # One line per request; never headers or bodies, so tokens and questions stay out of logs.
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )


def install_middleware(app: FastAPI, settings: Settings, routes: Sequence[BaseRoute]) -> None:
    """`routes` are the app's routes, for the fast path to find the ones marked `@fast_json`."""
    # Added first, so innermost: inside the request context, before FastAPI's routing.
    app.add_middleware(FastJsonRoutes, routes=routes)
    app.add_middleware(RequestContext, settings=settings)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the request fields."""

    FIELDS = ("request_id", "method", "path", "status", "ms")

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(data, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        if hasattr(record, "path"):
            line += f" {record.method} {record.path} {record.status} {record.ms}ms id={record.request_id}"  # type: ignore[attr-defined]
        return line


def configure_logging(log_format: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger("faqbot")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
