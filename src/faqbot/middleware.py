"""What every request passes through: a size limit, a request id and log line, rate limits, headers."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from faqbot.rate_limit import ClientAddress, RateLimiter, parse_rate
from faqbot.settings import Settings

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
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if message["type"] != "http.request" or not message.get("more_body"):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = {"error": f"the request body is larger than {self.max_bytes} bytes", "details": []}
        await JSONResponse(body, status_code=413)(scope, receive, send)


def install_middleware(app: FastAPI, settings: Settings) -> None:
    rate = parse_rate(settings.rate_limit)
    limiter = RateLimiter(*rate) if rate else None
    clients = ClientAddress(settings.trusted_proxies)

    @app.middleware("http")
    async def per_request(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        offered = request.headers.get("x-request-id", "")
        request_id = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex
        request.state.request_id = request_id
        peer = request.client.host if request.client else None
        client = clients.of(peer, request.headers.get("x-forwarded-for"))
        request.state.client = client
        started = time.perf_counter()
        wait = 0.0
        if limiter is not None and request.method == "POST" and request.url.path in RATE_LIMITED_PATHS:
            wait = limiter.take(client)
        if wait > 0:
            response: Response = JSONResponse(
                {"error": f"too many requests: try again in {wait:.0f} s", "details": []},
                status_code=429,
                headers={"Retry-After": str(max(1, round(wait + 0.5)))},
            )
        else:
            response = await call_next(request)
        route = request.scope.get("route")
        # The route's template, not the raw path, so unknown URLs cannot blow up the label set.
        endpoint = getattr(route, "path", "unmatched")
        request.app.state.metrics.requests.labels(endpoint=endpoint, status=str(response.status_code)).inc()
        response.headers["X-Request-ID"] = request_id
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
        # One line per request; never headers or bodies, so tokens and questions stay out of logs.
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.url.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        return response

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
