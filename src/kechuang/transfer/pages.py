"""The transfer pages (zh first, English with ?lang=en): the register, one result with its
inventors, history, deals and payouts, the demands with their matches (the needs each answers,
and why), the public listing with its search (in English for the cross-border listing),
indicators.

Templates live in transfer/templates and extend the web app's base.html; the same scoping as
the API applies (transfer.access), and anything out of scope is a 404 page.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import jinja2
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang import __version__
from kechuang.accounts.service import Principal
from kechuang.domain import industry
from kechuang.domain.money import format_yuan
from kechuang.http import htmlsafe
from kechuang.http.fields import Id
from kechuang.http.i18n import translator
from kechuang.http.pagination import Offset
from kechuang.http.problems import ProblemError
from kechuang.http.security import authenticated, db, load_caller
from kechuang.http.templating import language
from kechuang.transfer import demands, flows, income, pilot, register
from kechuang.transfer.access import Actor
from kechuang.transfer.errors import NotFound
from kechuang.transfer.tables import Deal, DealIncome, Result

router = APIRouter(include_in_schema=False)
_templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(str(resources.files("kechuang.transfer") / "templates")),
                jinja2.FileSystemLoader(str(resources.files("kechuang.http") / "templates")),
            ]
        ),
        autoescape=True,
    )
)
htmlsafe.register(_templates.env)
_templates.env.filters["yuan"] = lambda fen: "—" if fen is None else format_yuan(fen)
_templates.env.filters["bp"] = lambda bp: "—" if bp is None else f"{bp / 100:g}%"
KIND_NAMES = {
    "patent": ("专利", "Patent"), "software_copyright": ("软件著作权", "Software copyright"),
    "new_drug": ("新药", "New drug"), "plant_variety": ("植物新品种", "Plant variety"),
    "know_how": ("技术秘密", "Know-how"),
}  # fmt: skip


def _industry_name(code: str | None, lang: str) -> str:
    """The GB/T 4754 division (or, for a bare letter, section) of a code by its name: people
    read names, not codes."""
    entry = industry.catalogue().get(code if len(code) == 1 else code[1:3]) if code else None
    if entry is None:
        return "—"
    return entry.name_en if lang == "en" else entry.name_zh


_templates.env.globals["kind_name"] = lambda kind, lang: KIND_NAMES.get(kind, (kind, kind))[
    lang == "en"
]
_templates.env.globals["industry_name"] = _industry_name


def _actor(who: Principal = Depends(authenticated)) -> Actor:
    return Actor(who.username, who.role, org=who.org, uscc=who.uscc)


def _render(request: Request, template: str, context: dict[str, Any]) -> Response:
    lang = language(request)
    caller = load_caller(request)
    return _templates.TemplateResponse(
        request, template,
        {
            "lang": lang, "t": translator(lang),
            "tt": (lambda zh, en: zh) if lang == "zh" else (lambda zh, en: en),
            "version": __version__, "caller": caller,
            "me": caller.principal if caller else None,
            "csrf": caller.csrf_token if caller else "", **context,
        },
    )  # fmt: skip


@router.get("/transfer", response_class=HTMLResponse)
def register_page(
    request: Request, offset: Offset = 0, session: Session = Depends(db),
    who: Actor = Depends(_actor),
) -> Response:  # fmt: skip
    if who.is_enterprise:
        return RedirectResponse("/transfer/demands", status_code=303)
    if not (who.reads_all or who.is_office):
        raise ProblemError(403, "the register is kept by tech-transfer offices")
    total, rows = register.list_results(session, who, limit=100, offset=offset)
    return _render(request, "transfer_register.html",
                   {"results": rows, "total": total, "offset": offset, "who": who})  # fmt: skip


@router.get("/transfer/results/{result_id}", response_class=HTMLResponse)
def result_page(
    result_id: Id, request: Request, session: Session = Depends(db), who: Actor = Depends(_actor)
) -> Response:
    try:
        result = register.get_result(session, who, result_id)
    except NotFound as exc:
        raise ProblemError(404, str(exc)) from None
    inventors = register.inventors_of(session, result_id)
    result_deals = list(
        session.scalars(select(Deal).where(Deal.result_id == result_id).order_by(Deal.id))
    )
    incomes = {
        d.id: list(
            session.scalars(
                select(DealIncome).where(DealIncome.deal_id == d.id).order_by(DealIncome.id)
            )
        )
        for d in result_deals
    }
    payouts = {i.id: {p.inventor_id: p for p in income.payouts_of(session, i.id)}
                for rows in incomes.values() for i in rows}  # fmt: skip
    return _render(request, "transfer_result.html", {
        "result": result, "inventors": inventors, "deals": result_deals, "incomes": incomes,
        "payouts": payouts, "history": flows.history(session, "result", result_id),
        "rule": income.effective_rule(session, result_deals[0]) if result_deals
        else register.rule_of(session, result.institution),
    })  # fmt: skip


@router.get("/transfer/demands", response_class=HTMLResponse)
def demands_page(
    request: Request, session: Session = Depends(db), who: Actor = Depends(_actor)
) -> Response:
    total, rows = demands.list_demands(session, who, limit=200)
    return _render(request, "transfer_demands.html", {"demands": rows, "total": total})


def _titles(session: Session, ids: list[int], lang: str) -> dict[int, str]:
    """Result titles in the page's language, for matches found in the other one."""
    column = Result.title_en if lang == "en" else Result.title_zh
    rows = session.execute(select(Result.id, column).where(Result.id.in_(ids))).tuples()
    return {ident: title for ident, title in rows}


@router.get("/transfer/demands/{demand_id}", response_class=HTMLResponse)
def demand_page(
    demand_id: Id, request: Request, session: Session = Depends(db), who: Actor = Depends(_actor)
) -> Response:
    lang = language(request)
    try:
        demand = demands.get(session, who, demand_id)
        # An English page matches in English where the demand has an English description.
        match_lang = "en" if lang == "en" and demand.description_en.strip() else "zh"
        matches = demands.match(session, who, demand_id, k=10, lang=match_lang)
    except NotFound as exc:
        raise ProblemError(404, str(exc)) from None
    return _render(request, "transfer_demand.html", {
        "demand": demand, "matches": matches,
        "titles": _titles(session, [m.id for m in matches], lang),
    })  # fmt: skip


@router.get("/transfer/listing", response_class=HTMLResponse)
def listing_page(
    request: Request, q: str = Query("", max_length=500), offset: Offset = 0,
    session: Session = Depends(db), who: Actor = Depends(_actor),
) -> Response:  # fmt: skip
    """The public listing of results; with q, the results that answer q, each explained.
    ?lang=en lists English titles and summaries and searches them in English."""
    lang = language(request)
    total, rows = demands.listing(session, limit=50, offset=offset)
    matches = demands.listing_index(session, lang).search(q, k=10) if q.strip() else []
    return _render(request, "transfer_listing.html", {
        "rows": [demands.listed_view(r, lang) for r in rows], "total": total, "offset": offset,
        "q": q, "matches": matches, "titles": _titles(session, [m.id for m in matches], lang),
    })  # fmt: skip


@router.get("/transfer/indicators", response_class=HTMLResponse)
def indicators_page(
    request: Request, year: int | None = Query(None, ge=2000, le=2100),
    session: Session = Depends(db), who: Actor = Depends(_actor),
) -> Response:  # fmt: skip
    if not (who.reads_all or who.is_office):
        raise ProblemError(403, "indicators are for offices, officers and analysts")
    rows = pilot.indicators(session, who, year)
    return _render(request, "transfer_indicators.html",
                   {"rows": rows, "totals": pilot.totals(rows), "year": year})  # fmt: skip
