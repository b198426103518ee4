"""Errors as RFC 9457 problem details (application/problem+json) for the API, pages for people.

Every error the API gives has `type`, `title`, `status`, `detail` and `instance`; validation
errors add `errors`, one entry per bad field. Page routes get an HTML error page instead, and
an unauthenticated page request is sent to the login page.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://kechuang.example/problems/"
log = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal server error",
}


class FieldError(BaseModel):
    """One invalid input: where it is (e.g. ["query", "limit"]) and what is wrong."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Raise to answer with a problem: status, a short machine `kind` and a readable detail;
    `errors` (as FieldError) names the fields at fault when the service, not the schema, found
    them; `zh` is the detail in Chinese, which a page in Chinese shows (the API keeps English)."""

    def __init__(
        self,
        status: int,
        detail: str,
        kind: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        *,
        zh: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.zh = zh
        self.kind = kind or TITLES.get(status, "error").lower().replace(" ", "-")
        self.errors = errors


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting problem+json for the given statuses."""
    return {
        status: {
            "description": TITLES.get(status, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem_response(
    request: Request,
    status: int,
    detail: str,
    kind: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (kind or TITLES.get(status, "error").lower().replace(" ", "-")),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors is not None:
        body["errors"] = errors
    if not is_api(request):
        return _page_error(request, status, detail, headers)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _page_error(
    request: Request, status: int, detail: str, headers: dict[str, str] | None
) -> Response:
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    from kechuang.http.templating import render

    return render(
        request,
        "error.html",
        {"status": status, "title": TITLES.get(status, "Error"), "detail": detail},
        status_code=status,
        headers=headers,
    )


def _flat(routes: list[Any]) -> list[Any]:
    out = []
    for route in routes:
        if hasattr(route, "original_router"):
            out.extend(_flat(route.original_router.routes))
        else:
            out.append(route)
    return out


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    methods: set[str] = set()
    for route in _flat(app.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path):
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem (or an error page)."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        detail = exc.detail
        if exc.zh and not is_api(request):
            from kechuang.http.templating import language

            detail = exc.zh if language(request) == "zh" else detail
        return problem_response(request, exc.status, detail, exc.kind, exc.errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "")
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 405:
            # Starlette names only the first route's methods; a path served by several routes
            # (POST and DELETE /api/v1/session) must list them all.
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(app, request))}
        return problem_response(request, exc.status_code, detail, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        return problem_response(
            request, 422, f"{len(errors)} invalid input(s)", "validation", errors
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        # The cause goes to the log, never to the caller.
        log.exception("unhandled error on %s", request.url.path)
        return problem_response(request, 500, "the server failed; the error is logged")
