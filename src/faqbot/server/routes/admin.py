"""Operator endpoints behind `Authorization: Bearer <FAQBOT_ADMIN_TOKEN>`; off when no token is set."""

from __future__ import annotations

import asyncio
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from faqbot.analytics.report import build_report, render_html
from faqbot.analytics.store import StoreUnavailable
from faqbot.server.deps import AnswererDep, LogDep, SettingsDep
from faqbot.server.reload import use_engine
from faqbot.server.schemas import ErrorBody

router = APIRouter(prefix="/admin", tags=["operations"])
# The report page carries its own styles and inline SVG, and nothing else.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No bearer token."},
    403: {"model": ErrorBody, "description": "Wrong token."},
    404: {"model": ErrorBody, "description": "Admin endpoints are off (no FAQBOT_ADMIN_TOKEN)."},
}


def require_admin(settings: SettingsDep, authorization: Annotated[str | None, Header()] = None) -> None:
    if settings.admin_token is None:
        raise HTTPException(status_code=404, detail="admin endpoints are off: set FAQBOT_ADMIN_TOKEN to turn them on")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            status_code=401, detail="send Authorization: Bearer <admin token>", headers={"WWW-Authenticate": "Bearer"}
        )
    # Constant-time comparison, so the token cannot be guessed byte by byte from timings.
    if not hmac.compare_digest(token.encode(), settings.admin_token.get_secret_value().encode()):
        raise HTTPException(status_code=403, detail="wrong admin token")


class ReloadResult(BaseModel):
    reloaded: bool
    index_version: str | None
    error: str | None = None


@router.post(
    "/reload",
    response_model=ReloadResult,
    dependencies=[Depends(require_admin)],
    responses=ADMIN_ERRORS,
)
async def reload_index(request: Request) -> ReloadResult:
    """Load the index that `faqbot build` last swapped in, now, without waiting for the watcher."""
    before = request.app.state.engine
    after = await request.app.state.reloader.reload(before, force=True)
    use_engine(request.app, after)
    version = after.answerer.index.version if after.answerer else None
    error = after.last_reload_error or after.reason
    return ReloadResult(reloaded=error is None, index_version=version, error=error)


@router.get(
    "/report",
    dependencies=[Depends(require_admin)],
    responses={
        **ADMIN_ERRORS,
        200: {"content": {"application/json": {}, "text/html": {}}},
        503: {"model": ErrorBody, "description": "No index is loaded yet, or the question log's database is away."},
    },
)
async def admin_report(
    answerer: AnswererDep,
    settings: SettingsDep,
    question_log: LogDep,
    format: str = "json",
    days: int | None = None,
) -> Response:
    """The question report (as `faqbot report`): JSON, or `?format=html` for the page."""
    await asyncio.to_thread(question_log.flush)
    try:
        report = await asyncio.to_thread(build_report, question_log.store, answerer, days=days)
    except StoreUnavailable as exc:
        raise HTTPException(status_code=503, detail=f"the question log cannot be read: {exc}") from exc
    if format == "html":
        html = render_html(report, settings.web_dir / "templates")
        return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})
    return JSONResponse(report.to_dict())
