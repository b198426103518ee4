"""The FastAPI application: the status page and its JSON twin.

Pages are zh-CN first; `?lang=en` switches to English (remembered in a cookie).
"""

from __future__ import annotations

from dataclasses import asdict
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from kechuang import __version__
from kechuang.store.engine import make_engine
from kechuang.web.i18n import LANG_COOKIE, pick_language, translator
from kechuang.web.status import read_status

_PACKAGE = resources.files("kechuang.web")


def create_app(engine: Engine | None = None) -> FastAPI:
    app = FastAPI(
        title="Kechuang 科创",
        version=__version__,
        description="A city's science-and-technology innovation service platform.",
    )
    app.state.engine = engine or make_engine()
    templates = Jinja2Templates(directory=str(_PACKAGE / "templates"))
    app.mount("/static", StaticFiles(directory=str(_PACKAGE / "static")), name="static")

    @app.get("/api/v1/status", tags=["status"])
    def status_api() -> dict[str, Any]:
        """Counts of what the platform holds: enterprises, annual facts, import batches."""
        return asdict(read_status(app.state.engine))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def status_page(request: Request, lang: str | None = None) -> Response:
        language = pick_language(lang, request.cookies.get(LANG_COOKIE))
        response = templates.TemplateResponse(
            request,
            "status.html",
            {
                "status": read_status(app.state.engine),
                "lang": language,
                "t": translator(language),
                "version": __version__,
            },
        )
        if lang:
            response.set_cookie(LANG_COOKIE, language, httponly=True, samesite="lax")
        return response

    return app
