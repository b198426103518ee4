"""The public portal: `/` (policy library, headline figures, the self-check form), the
self-check results at `/self-check` (rate-limited per address, nothing stored) and the
officers' data page `/officer/data` (import statistics, moved from the start page).

A signed-in caller opening `/` goes to its own home page, as before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.enterprises.status import read_batches, read_status
from kechuang.http.security import OFFICIALS, client_ip, db, load_caller, require
from kechuang.http.templating import register_templates, render
from kechuang.policies import catalogue
from kechuang.portal import selfcheck
from kechuang.portal.limiter import RateLimit
from kechuang.screening import explaining  # noqa: F401  (registers the page helpers)
from kechuang.screening.service import today
from kechuang.screening.tables import Award

router = APIRouter(include_in_schema=False)
register_templates("kechuang.portal")
register_templates("kechuang.enterprises")
CHECKS_PER_MINUTE = 20
limit = RateLimit(CHECKS_PER_MINUTE, 60.0)


def _headline(session: Session, engine: Any) -> dict[str, Any]:
    status = read_status(engine)
    year = today().year
    paid = {}
    for y in (year - 1, year):
        paid[y] = int(
            session.scalar(
                select(func.coalesce(func.sum(Award.allocated_fen), 0)).where(
                    Award.state == "paid",
                    Award.value_date >= dt.date(y, 1, 1),
                    Award.value_date <= dt.date(y, 12, 31),
                )
            )
            or 0
        )
    return {"status": status, "paid": paid}


def _library(year: int) -> list[Any]:
    return sorted(catalogue.in_force(year), key=lambda p: (p.mode.value, p.id))


def _default_year() -> int:
    return today().year - 1


@router.get("/")
def portal(request: Request, session: Session = Depends(db)) -> Response:
    caller = load_caller(request)
    if caller is not None:
        from kechuang.accounts.auth_pages import home_of

        return RedirectResponse(home_of(caller.principal.role), status_code=303)
    year = _default_year()
    return render(
        request,
        "portal.html",
        {
            "headline": _headline(session, request.app.state.engine),
            "policies": _library(year),
            "year": year,
            "inputs": selfcheck.INPUTS,
            "form": {},
        },
    )


@router.get("/self-check")
def self_check(
    request: Request,
    year: int | None = Query(None, ge=1900, le=2100),
) -> Response:
    """The visitor's figures against every policy in force: outcome, reasons, gap."""
    year = year or _default_year()
    form = {i.name: request.query_params.get(i.name, "")[:200] for i in selfcheck.INPUTS}
    context: dict[str, Any] = {"inputs": selfcheck.INPUTS, "form": form, "year": year}
    if not limit.allow(client_ip(request)):
        context["errors"] = [
            selfcheck.FieldError(
                "",
                f"查询过于频繁：每分钟最多{CHECKS_PER_MINUTE}次，请稍后再试",
                f"Too many checks: at most {CHECKS_PER_MINUTE} a minute; try again shortly",
            )
        ]
        return render(request, "selfcheck.html", context, status_code=429)
    try:
        context["results"] = selfcheck.check(form, year)
    except selfcheck.Refused as exc:
        context["errors"] = exc.errors
        return render(request, "selfcheck.html", context, status_code=422)
    return render(request, "selfcheck.html", context)


@router.get("/officer/data")
def data_page(request: Request, _: Principal = Depends(require(*OFFICIALS))) -> Response:
    engine = request.app.state.engine
    return render(
        request,
        "status.html",
        {"status": read_status(engine), "batches": read_batches(engine)},
    )
