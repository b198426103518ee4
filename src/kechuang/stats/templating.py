"""Pages of stats and cultivation: their templates extend the web app's base.html.

A Jinja2 loader over stats/templates, cultivation/templates and web/templates, with the same
context as web.templating.render (language, translator, caller, CSRF) and the number filters
of the report.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from kechuang import __version__
from kechuang.http import htmlsafe
from kechuang.http.i18n import LANG_COOKIE, translator
from kechuang.http.security import load_caller
from kechuang.http.templating import language
from kechuang.stats.report import fmt, pct

_templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(str(resources.files(package) / "templates"))
                for package in ("kechuang.stats", "kechuang.cultivation", "kechuang.http")
            ]
        ),
        autoescape=True,
    )
)
_templates.env.filters["fmt"] = fmt
_templates.env.filters["pct"] = pct
htmlsafe.register(_templates.env)


def render(request: Request, template: str, context: dict[str, Any]) -> Response:
    lang = language(request)
    caller = load_caller(request)
    response = _templates.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "t": translator(lang),
            "tt": (lambda zh, en: zh) if lang == "zh" else (lambda zh, en: en),
            "version": __version__,
            "caller": caller,
            "me": caller.principal if caller else None,
            "csrf": caller.csrf_token if caller else "",
            **context,
        },
    )
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="lax")
    return response
