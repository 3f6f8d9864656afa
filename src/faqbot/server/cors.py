"""Cross-origin requests: the widget calls the API from the site owner's pages, and only from the
origins configured (FAQBOT_ALLOWED_ORIGINS). A refused preflight says why in the JSON every other
error has (faqbot.server.http_errors), not Starlette's text/plain "Disallowed CORS origin"."""

from __future__ import annotations

from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.responses import Response

_WHAT = {
    "origin": "this origin may not call the API (FAQBOT_ALLOWED_ORIGINS)",
    "method": "only GET and POST are allowed",
    "headers": "only the Content-Type header is allowed",
    "private-network": "private network access is not allowed",
}


class JsonCorsMiddleware(CORSMiddleware):
    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        refused = bytes(response.body).decode().removeprefix("Disallowed CORS ").split(", ")
        details = [{"field": part, "message": _WHAT.get(part, part)} for part in refused]
        asked = request_headers.get("access-control-request-headers", "")
        named = [h.strip() for h in asked.split(",") if h.strip() and h.strip().lower() not in self.allow_headers]
        for detail in details:
            if detail["field"] == "headers" and named:
                detail["message"] = f"the header {', '.join(named)} may not be sent (Content-Type may)"
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
        return JSONResponse(
            {"error": "cross-origin request refused: " + "; ".join(d["message"] for d in details), "details": details},
            status_code=400,
            headers=headers,
        )
