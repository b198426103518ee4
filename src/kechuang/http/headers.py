"""Security headers on every response, and the API documentation pages under their own policy.

Every response carries a Content-Security-Policy that runs no inline script (script-src 'self':
page behaviours live in static/kechuang.js and static/charts.js, data in JSON blocks), may not be
framed (frame-ancestors 'none' and X-Frame-Options: DENY), sends no address to other sites
(Referrer-Policy) and is never sniffed into another type (nosniff). Every response but the
static assets is `Cache-Control: no-store`, so that after logging out the back button shows no
officer's page from the browser's cache.

A response that sets its own policy keeps it: the annual report (stats.report.policy: its inline
scripts by hash) and the OpenAPI pages, whose HTML comes from FastAPI and whose assets from the
CDN FastAPI names (they show the API description only, never stored data).
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kechuang.http.htmlsafe import source_hash

CSP = "Content-Security-Policy"
FRAME_ANCESTORS = "frame-ancestors 'none'"
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # ECharts' SVG renderer positions its elements with style attributes; <style> elements
        # and style sheets from elsewhere stay blocked (htmx is configured not to inject one).
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        FRAME_ANCESTORS,
    )
)
HEADERS = {
    CSP: CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
STATIC_PREFIX = "/static/"


class SecurityHeaders:
    """ASGI middleware adding HEADERS (unless the response has its own) and no-store."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


# The CDN hosts of FastAPI's documentation pages (Swagger UI, ReDoc and their fonts and icon).
_DOCS_SOURCES = "https://cdn.jsdelivr.net"
_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)


def _docs_policy(html: str) -> str:
    """Swagger UI's or ReDoc's own inline code by hash, their CDN, nothing else."""
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for kind, text in _INLINE.findall(html):
        hashes[kind].append(source_hash(text))
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' {_DOCS_SOURCES} {' '.join(hashes['script'])}".strip(),
            # ReDoc styles its components with <style> elements it writes at run time.
            f"style-src 'self' 'unsafe-inline' {_DOCS_SOURCES} https://fonts.googleapis.com",
            "font-src 'self' https://fonts.gstatic.com",
            "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
            "worker-src 'self' blob:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            FRAME_ANCESTORS,
        )
    )


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    page.headers[CSP] = _docs_policy(bytes(page.body).decode("utf-8"))
    return page


def install(app: FastAPI) -> None:
    """Add the headers to every response of `app` and serve /docs and /redoc under a policy.

    `app` is created with docs_url=None and redoc_url=None; these routes replace FastAPI's."""
    app.add_middleware(SecurityHeaders)
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _with_policy(get_swagger_ui_html(openapi_url=openapi_url, title=f"{app.title} API"))

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _with_policy(get_redoc_html(openapi_url=openapi_url, title=f"{app.title} API"))
