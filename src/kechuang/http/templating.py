"""Rendering pages: Jinja2 templates with the language, the translator, the caller and CSRF."""

from __future__ import annotations

from contextvars import ContextVar
from decimal import Decimal
from importlib import resources
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from kechuang import __version__
from kechuang.domain.money import format_yuan
from kechuang.http import htmlsafe, labels
from kechuang.http.i18n import LANG_COOKIE, pick_language, translator
from kechuang.http.pickers import picker_choices
from kechuang.http.steps import offered_steps

# One environment for every page. The kit's own templates (base.html, error.html, the shared
# macros) come first; each feature adds its package's templates/ with `register_templates`.
_loader = jinja2.ChoiceLoader(
    [jinja2.FileSystemLoader(str(resources.files("kechuang.http") / "templates"))]
)
# Templates ship inside the package and change only with it: no check of each file's mtime on
# every page (auto_reload), which cost a stat per template and macro file per request.
_templates = Jinja2Templates(
    env=jinja2.Environment(loader=_loader, autoescape=True, auto_reload=False)
)
_registered: set[str] = {"kechuang.http"}


def register_templates(package: str) -> None:
    """Make `package`'s templates/ folder visible to every page (a feature's extension point)."""
    if package in _registered:
        return
    _registered.add(package)
    _loader.loaders.append(jinja2.FileSystemLoader(str(resources.files(package) / "templates")))


def template_env() -> jinja2.Environment:
    """The pages' environment, for features that add filters or globals."""
    return _templates.env


def template_folders() -> list[str]:
    """The folders pages are loaded from, for environments that render files (the report)."""
    return [str(resources.files(package) / "templates") for package in sorted(_registered)]


def _yuan(fen: int | None) -> str:
    # Money is integer fen everywhere; only the page turns it into yuan text.
    return "—" if fen is None else format_yuan(fen)


def _wan(fen: int) -> str:
    # Chart values in 万元 as exact decimal text: ECharts reads it, no float ever holds money.
    return str((Decimal(int(fen)) / Decimal(1_000_000)).quantize(Decimal("0.01")))


htmlsafe.register(_templates.env)
_templates.env.filters["yuan"] = _yuan
_templates.env.filters["round_wan"] = _wan
_templates.env.filters["thousands"] = lambda n: "—" if n is None else f"{n:,}"


# The language of the page being rendered. A global `tt` reads it, so that macros imported
# without context (which Jinja caches) still speak the page's language.
_lang: ContextVar[str] = ContextVar("kechuang_page_language", default="zh")


def _tt(zh: str, en: str) -> str:
    return zh if _lang.get() == "zh" else en


_templates.env.globals["tt"] = _tt


def _label(kind: str, code: object) -> str:
    # A code as people read it, in the page's language (kechuang.http.labels).
    return labels.label(kind, code, _lang.get())


_templates.env.globals["label"] = _label
_templates.env.globals["offered_steps"] = offered_steps
_templates.env.globals["picker_choices"] = picker_choices


def language(request: Request) -> str:
    return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    from kechuang.http.security import load_caller

    lang = language(request)
    _lang.set(lang)
    caller = load_caller(request)
    response = _templates.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "t": translator(lang),
            "version": __version__,
            "caller": caller,
            "me": caller.principal if caller else None,
            "csrf": caller.csrf_token if caller else "",
            **context,
        },
        status_code=status_code,
        headers=headers,
    )
    return response
