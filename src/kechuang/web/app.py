"""The FastAPI application: JSON API under /api/v1 (OpenAPI at /openapi.json) and the pages.

Pages are zh-CN first; `?lang=en` switches to English (remembered in a cookie). Every error is
RFC 9457 problem+json on the API. CSRF is checked app-wide on state-changing requests; every
response carries the security headers of http.headers (CSP, no framing, no-store).
"""

from __future__ import annotations

import gc
import importlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from importlib import resources
from typing import Any

from anyio import to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kechuang import __version__
from kechuang.accounts.throttle import ThrottleSettings
from kechuang.enterprises.status import StatusOut, read_batches, read_status
from kechuang.http import headers, problems, refusals
from kechuang.http.i18n import LANG_COOKIE
from kechuang.http.limits import BodyLimit
from kechuang.http.nesting import JsonDepthLimit
from kechuang.http.security import OFFICIALS, enforce_csrf, load_caller
from kechuang.http.templating import register_templates, template_env
from kechuang.policies import source as policy_source
from kechuang.screening.page_cache import EnterprisePageCache
from kechuang.store import config
from kechuang.store.engine import make_engine, make_sessionmaker

_PACKAGE = resources.files("kechuang.web")
# Request threads per worker process (KECHUANG_WEB_THREADS; anyio's default is 40).
WEB_THREADS = int(os.environ.get("KECHUANG_WEB_THREADS", "16"))
register_templates("kechuang.enterprises")

# Each module has `router: APIRouter`; order is the order of the OpenAPI document.
ROUTER_MODULES = (
    "kechuang.accounts.router",
    "kechuang.accounts.auth_pages",
    # The workbench before the library: /api/v1/policies/versions is not a policy id.
    "kechuang.policies.workbench",
    "kechuang.policies.router",
    "kechuang.screening.enterprise_router",
    "kechuang.screening.runs_router",
    "kechuang.screening.whatif_router",
    "kechuang.notices.router",
    "kechuang.screening.objections_router",
    "kechuang.portal.router",
    "kechuang.stats.dashboard",
    "kechuang.accounts.admin_pages",
    "kechuang.finance.router",
    "kechuang.finance.partners",
    "kechuang.finance.apply_page",
    "kechuang.finance.bank_pages",
    "kechuang.stats.router",
    "kechuang.cultivation.router",
    "kechuang.transfer.router",
    "kechuang.applications.router",
)


class RememberLanguage:
    """?lang= on any page (even one that redirects) is remembered for the next ones."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang = QueryParams(scope.get("query_string", b"")).get("lang")
        if lang not in ("zh", "en"):
            await self.app(scope, receive, send)
            return
        cookie = Response()
        cookie.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="lax")
        extra = [(k, v) for k, v in cookie.raw_headers if k == b"set-cookie"]

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class ReadThisStore:
    """Every reader of policies (screening, what-if, pages) reads this store's published
    versions while the request runs (policies.source)."""

    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with policy_source.reading(self.engine):
            await self.app(scope, receive, send)


@asynccontextmanager
async def _warm_up(app: FastAPI) -> AsyncIterator[None]:
    """Before a worker takes its first request: read the published pack and load the pages'
    templates, so that the first burst of requests on a fresh worker does not find every cache
    cold at once (each waited for the same pack, past a load generator's timeout)."""
    # A few threads contend less for the interpreter than anyio's 40 (see _web_engine).
    to_thread.current_default_thread_limiter().total_tokens = WEB_THREADS
    await run_in_threadpool(warm, app.state.engine)
    _match_every_route(app)
    # What is loaded by now lives as long as a server's worker: the collector need not scan it
    # again on every full collection (fewer and shorter pauses in the latency tail). Once per
    # process: a process that builds many apps (the tests) would otherwise keep every app
    # frozen before the next one out of the collector's reach.
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()
    yield


def _match_every_route(app: FastAPI) -> None:
    """Match one path against every route: FastAPI builds each included router's table of
    routes on the first match through it (~0.1 s for this app), which the first request
    would otherwise pay."""
    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/-warm-up-", "root_path": ""}
    for route in app.router.routes:
        route.matches(dict(scope))


def warm(engine: Engine) -> None:
    """Fill this process's caches that every request reads (pack, fingerprint, templates)."""
    from sqlalchemy.exc import SQLAlchemyError

    from kechuang.screening.verdict_cache import pack_hash

    try:
        with engine.connect() as conn:
            pack_hash(policy_source.pack_on(conn))
    except SQLAlchemyError:  # a store not created yet: the pages will say so
        pass
    for name in ("enterprise.html", "base.html"):
        template_env().get_template(name)


def _web_engine() -> Engine:
    """The configured store, its pool never making a request thread wait.

    A request keeps its connection until its session closes, after the response is serialised,
    and a sync route serialises in the thread pool: with a bounded pool (5 + 10 by default)
    and more requests in flight, every pool thread could wait for a connection that only a
    request waiting for a thread would give back (stuck until the pool's 30 s timeout, seen as
    wrk's timeouts at 50 clients). So the pool keeps two connections per thread and opens more
    for a burst instead of waiting.
    """
    url = make_url(config.database_url())
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return make_engine()
    return make_engine(pool_size=2 * WEB_THREADS, max_overflow=-1)


def create_app(engine: Engine | None = None) -> FastAPI:
    app = FastAPI(
        title="Kechuang 科创",
        version=__version__,
        description=(
            "A city's science-and-technology innovation service platform. Log in with "
            "`POST /api/v1/session`; send the token as `Authorization: Bearer`. Errors are "
            "RFC 9457 problem details; every list is paginated with `limit` and `offset`."
        ),
        dependencies=[Depends(enforce_csrf)],
        lifespan=_warm_up,
        # Served by http.headers under their own Content-Security-Policy.
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine or _web_engine()
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    # Read once: a bad KECHUANG_LOGIN_* value stops the app at start, not at the first login.
    app.state.login_throttle = ThrottleSettings.from_environ()
    app.mount("/static", StaticFiles(directory=str(_PACKAGE / "static")), name="static")
    problems.install(app)
    refusals.install(app)
    # Innermost: a warm enterprise page or my-policies answer skips routing and rendering.
    app.add_middleware(EnterprisePageCache, engine=app.state.engine)
    app.add_middleware(JsonDepthLimit)
    # Added last, so outermost: its headers are on every answer, a refused body's too.
    headers.install(app)

    # Plain ASGI (not BaseHTTPMiddleware, which costs a task group and a stream per request).
    app.add_middleware(RememberLanguage)
    app.add_middleware(ReadThisStore, engine=app.state.engine)

    # Added last, so outermost: an oversized body is refused before any other work.
    # Application attachments (10 MiB files; base64 in JSON) are the only larger bodies.
    app.add_middleware(
        BodyLimit,
        larger=[
            (r"/applications/\d+/upload", 11 * 1024 * 1024),
            (r"/api/v1/applications/\d+/attach", 15 * 1024 * 1024),
        ],
    )

    for name in ROUTER_MODULES:
        app.include_router(importlib.import_module(name).router)
    _add_problem_schema(app)

    @app.get(
        "/api/v1/status",
        tags=["status"],
        response_model=StatusOut,
        response_model_exclude_unset=True,
    )
    def status_api(request: Request) -> StatusOut:
        """Counts of what the platform holds: enterprises, annual facts, import batches. An
        officer or admin also gets the latest batches (file names and hashes); nobody else."""
        counts = asdict(read_status(app.state.engine))
        caller = load_caller(request)
        if caller is not None and caller.principal.role in OFFICIALS:
            return StatusOut(**counts, batches=read_batches(app.state.engine))
        return StatusOut(**counts)

    return app


def _add_problem_schema(app: FastAPI) -> None:
    """Put the Problem schema into the OpenAPI components (routes refer to it by $ref)."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = problems.Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        defs = components["Problem"].pop("$defs", {})
        components.update(defs)
        # A body that is not JSON at all is refused before validation, with 400.
        bad_body = problems.problem_responses(400)[400]
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                if isinstance(operation, dict) and "requestBody" in operation:
                    operation.setdefault("responses", {}).setdefault("400", bad_body)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
