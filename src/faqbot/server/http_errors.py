"""Every error leaves the service as JSON `{"error": "...", "details": [...]}`; never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("faqbot.http")


def describe_validation_error(error: dict[str, object]) -> str:
    """One plain sentence for one pydantic error."""
    loc = [str(part) for part in error.get("loc", ()) if part != "body"]  # type: ignore[attr-defined]
    kind = error.get("type")
    if kind == "json_invalid":
        return "the body is not valid JSON"
    if kind == "missing" and not loc:
        return "the request needs a JSON body"
    if kind in ("model_attributes_type", "dict_type") and not loc:
        return "the body must be a JSON object (Content-Type: application/json)"
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    return f"{'.'.join(loc)}: {message}" if loc else message


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        details = [
            {  # JSON that cannot be read has a character position where a field would be: no field
                "field": ""
                if e.get("type") == "json_invalid"
                else ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "message": describe_validation_error(e),
            }
            for e in errors
        ]
        message = "; ".join(dict.fromkeys(d["message"] for d in details)) or "invalid request"
        return JSONResponse({"error": message, "details": details}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail, status = str(exc.detail), exc.status_code
        encoding = request.headers.get("content-encoding", "identity").strip().lower()
        # FastAPI's "There was an error parsing the body", said of what went wrong.
        if exc.__cause__ is not None and encoding not in ("", "identity"):
            detail, status = (
                f"a compressed body (Content-Encoding: {encoding}) is not accepted: send the JSON as it is",
                415,
            )
        elif isinstance(exc.__cause__, UnicodeDecodeError):
            at = exc.__cause__.start
            detail = f"the body is not UTF-8 text (byte {at} cannot be read): send JSON encoded as UTF-8"
        elif isinstance(exc.__cause__, RecursionError):
            detail = "the body's JSON is nested too deeply to read"
        return JSONResponse({"error": detail, "details": []}, status_code=status, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"error": "internal error: the request could not be answered", "details": []}, status_code=500
        )
