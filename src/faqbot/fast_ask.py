"""`POST /api/ask` answered in plain ASGI, before FastAPI's routing, for every well-formed request.

On 2 cores the event loop thread is shared with the encoder threads, and FastAPI's per-request
machinery (routing, the request object, five dependencies, a second JSON parse, the exception
layers) cost it about as much as composing the answer (bench/README.md). A request this path
can answer (JSON that is a valid `AskRequest`, an index loaded) is answered here by the same
`answer_request` as the route; anything else (a malformed body, no index yet, another content
type) goes on to the FastAPI route with its body replayed, so errors, their messages and the
OpenAPI schema stay in one place. It sits inside `RequestContext`: rate limiting, request ids,
security headers, metrics and the log line apply to both paths alike.
"""

from __future__ import annotations

from types import SimpleNamespace

from starlette.types import ASGIApp, Receive, Scope, Send

from faqbot.api import answer_request
from faqbot.asgi_body import body_of, read_body, replay
from faqbot.schemas import AskRequest

PATH = "/api/ask"
ROUTE = SimpleNamespace(path=PATH)  # stands for the route in scope["route"], as routing would set it


class AskFastPath:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        messages = await read_body(receive)  # BodySizeLimit, further out, has applied the size limit
        state = scope["app"].state
        answerer = state.engine.answerer
        try:
            body = AskRequest.model_validate_json(body_of(messages)) if answerer is not None else None
        except ValueError:  # ValidationError included: the route says what is wrong
            body = None
        if body is None:
            await self.app(scope, replay(messages, receive), send)
            return
        scope["route"] = ROUTE  # what RequestContext labels its metrics with
        client = scope.get("state", {}).get("client", "unknown")
        payload = await answer_request(body, client, answerer, state.batcher, state.question_log, state.metrics)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bool(value.split(b";", 1)[0].strip().lower() == b"application/json")
    return False
