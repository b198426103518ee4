"""The public portal: `/` (policy library, headline figures, the self-check form), the
self-check results at `/self-check` (rate-limited per address, nothing stored; figures typed
in, or one enterprise's .xlsx posted to `/self-check/file`, its template at
`/self-check/template.xlsx`) and the officers' data page `/officer/data` (import statistics,
moved from the start page).

A signed-in caller opening `/` goes to its own home page, as before.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

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


def _too_often(request: Request, context: dict[str, Any]) -> Response | None:
    if limit.allow(client_ip(request)):
        return None
    context["errors"] = [
        selfcheck.FieldError(
            "",
            f"查询过于频繁：每分钟最多{CHECKS_PER_MINUTE}次，请稍后再试",
            f"Too many checks: at most {CHECKS_PER_MINUTE} a minute; try again shortly",
        )
    ]
    return render(request, "selfcheck.html", context, status_code=429)


@router.get("/self-check")
def self_check(
    request: Request,
    year: int | None = Query(None, ge=1900, le=2100),
) -> Response:
    """The visitor's figures against every policy in force: outcome, reasons, gap. Without any
    figure or year it is the empty form."""
    asked = year is not None or any(i.name in request.query_params for i in selfcheck.INPUTS)
    year = year or _default_year()
    form = {i.name: request.query_params.get(i.name, "")[:200] for i in selfcheck.INPUTS}
    context: dict[str, Any] = {"inputs": selfcheck.INPUTS, "form": form, "year": year}
    if not asked:
        return render(request, "selfcheck.html", context)
    refused = _too_often(request, context)
    if refused is not None:
        return refused
    try:
        context["results"] = selfcheck.check(form, year)
    except selfcheck.Refused as exc:
        context["errors"] = exc.errors
        return render(request, "selfcheck.html", context, status_code=422)
    return render(request, "selfcheck.html", context)


@router.post("/self-check/file")
async def self_check_file(
    request: Request,
    file: UploadFile = File(),
    year: str = Form(""),
) -> Response:
    """One enterprise's .xlsx (the contract's columns, a row a year) against every policy in
    force; read in a temporary directory that is removed at once, nothing stored."""
    context: dict[str, Any] = {"inputs": selfcheck.INPUTS, "form": {}, "year": _default_year()}
    refused = _too_often(request, context)
    if refused is not None:
        return refused
    content = await file.read(selfcheck.MAX_UPLOAD_BYTES + 1)
    try:
        wanted = _upload_year(year)
        if len(content) > selfcheck.MAX_UPLOAD_BYTES:
            raise selfcheck.Refused([_too_big()])
        history = await run_in_threadpool(_read_upload, content, file.filename or "")
        context["year"], context["results"] = selfcheck.check_history(history, wanted)
    except selfcheck.Refused as exc:
        context["errors"] = exc.errors
        return render(request, "selfcheck.html", context, status_code=422)
    context["from_file"] = True
    return render(request, "selfcheck.html", context)


def _too_big() -> selfcheck.FieldError:
    size = selfcheck.MAX_UPLOAD_BYTES // 1024
    return selfcheck.FieldError(
        "file", f"文件超过 {size} KB（一家企业的数据应远小于此）", f"the file is over {size} KB"
    )


def _upload_year(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not selfcheck.FIRST_YEAR <= int(text) <= selfcheck.LAST_YEAR:
        first, last = selfcheck.FIRST_YEAR, selfcheck.LAST_YEAR
        raise selfcheck.Refused(
            [
                selfcheck.FieldError(
                    "year", f"评价年度须在{first}至{last}之间", f"the year is {first} to {last}"
                )
            ]
        )
    return int(text)


def _read_upload(content: bytes, filename: str) -> dict[int, dict[str, Any]]:
    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="kechuang-selfcheck-") as work:
        path = Path(work) / f"self-check{suffix if suffix == '.xlsx' else '.bin'}"
        path.write_bytes(content)
        return selfcheck.history_of_file(path)


@router.get("/self-check/template.xlsx")
def self_check_template() -> Response:
    """The upload template: the data contract's columns."""
    return Response(
        selfcheck.template_xlsx(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="self-check-template.xlsx"'},
    )


@router.get("/officer/data")
def data_page(request: Request, _: Principal = Depends(require(*OFFICIALS))) -> Response:
    engine = request.app.state.engine
    return render(
        request,
        "status.html",
        {"status": read_status(engine), "batches": read_batches(engine)},
    )
