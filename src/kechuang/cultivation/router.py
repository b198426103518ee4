"""Cultivation in the web app: the funnel, moves with reasons, the watch list and incubators as
JSON under /api/v1/cultivation, and the /cultivation page. Analysts, officers and admins only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel

from kechuang.accounts.service import Principal
from kechuang.cultivation import incubation, ladder, service, transitions, watch
from kechuang.cultivation.tiers import TierFiles
from kechuang.http.problems import ProblemError, problem_responses
from kechuang.http.security import require
from kechuang.http.templating import language
from kechuang.stats import charts
from kechuang.stats.templating import render

router = APIRouter(responses=problem_responses(401, 403, 404, 422))
Analyst = require("analyst", "officer", "admin")
Year = Query(None, ge=1990, le=2100)


class FunnelOut(BaseModel):
    year: int
    rung: str
    label_zh: str
    label_en: str
    holders: int
    at_or_above: int
    pending: int


class ReasonOut(BaseModel):
    kind: str
    condition: str | None
    text_zh: str
    text_en: str


class LossOut(BaseModel):
    uscc: str
    name: str
    label: str
    reasons: list[ReasonOut]


class MovesOut(BaseModel):
    year: int
    compared: int
    up: int
    down: int
    same: int
    gained_by_label: dict[str, int]
    lost_by_label: dict[str, int]
    losses: list[LossOut]


class WatchOut(BaseModel):
    uscc: str
    name: str
    district: str | None
    tier: str | None
    next_rung: str
    condition: str
    condition_zh: str
    condition_en: str
    gap_zh: str
    gap_en: str


async def _files(request: Request) -> TierFiles:
    return await run_in_threadpool(service.tier_files, request.app.state.engine)


def _year(files: TierFiles, year: int | None) -> int:
    if not files.years:
        raise ProblemError(404, "no stored facts: import a panel first")
    if year is None:
        return files.years[-1]
    if year not in files.years:
        raise ProblemError(404, f"no stored facts for {year} (stored: {list(files.years)})")
    return year


@router.get("/api/v1/cultivation/funnel", response_model=list[FunnelOut], tags=["cultivation"])
async def funnel_api(
    request: Request, year: int | None = Year, _: Principal = Depends(Analyst)
) -> list[FunnelOut]:
    """Per rung: holders, enterprises at or above it, and pending expert review."""
    files = await _files(request)
    chosen = _year(files, year)
    rungs = ladder.by_id()
    return [
        FunnelOut(**r.__dict__, label_zh=rungs[r.rung].label_zh, label_en=rungs[r.rung].label_en)
        for r in transitions.funnel(files)
        if r.year == chosen
    ]


@router.get("/api/v1/cultivation/moves", response_model=MovesOut, tags=["cultivation"])
async def moves_api(
    request: Request,
    year: int | None = Year,
    limit: int = Query(100, ge=1, le=5000),
    _: Principal = Depends(Analyst),
) -> MovesOut:
    """Moves from year-1 to year: up, down, labels gained and lost with the reasons."""
    files = await _files(request)
    chosen = _year(files, year)
    if chosen - 1 not in files.years:
        raise ProblemError(404, f"no stored facts for {chosen - 1} to compare with")
    m = await run_in_threadpool(transitions.moves, files, chosen, limit)
    return MovesOut(
        year=m.year,
        compared=m.compared,
        up=m.up,
        down=m.down,
        same=m.same,
        gained_by_label=m.gained_by_label,
        lost_by_label=m.lost_by_label,
        losses=[
            LossOut(
                uscc=x.uscc,
                name=x.name,
                label=x.label,
                reasons=[ReasonOut(**r.__dict__) for r in x.reasons],
            )
            for x in m.losses
        ],
    )


@router.get("/api/v1/cultivation/watch", response_model=list[WatchOut], tags=["cultivation"])
async def watch_api(
    request: Request,
    year: int | None = Year,
    limit: int = Query(50, ge=1, le=500),
    _: Principal = Depends(Analyst),
) -> list[WatchOut]:
    """Enterprises closest to the next rung, with the gap of the one condition they miss."""
    engine = request.app.state.engine
    files = await _files(request)
    chosen = _year(files, year)
    items = await run_in_threadpool(watch.watch_list, files, service.panel(engine), chosen, limit)
    return [
        WatchOut(**{k: v for k, v in i.__dict__.items() if k in WatchOut.model_fields})
        for i in items
    ]


@router.get("/api/v1/cultivation/incubators", tags=["cultivation"])
async def incubators_api(
    request: Request, year: int | None = Year, _: Principal = Depends(Analyst)
) -> list[dict[str, Any]]:
    """Per incubator: tenants at year end, graduates, graduates on the ladder, over the limit."""
    engine = request.app.state.engine
    files = await _files(request)
    chosen = _year(files, year)
    views = await run_in_threadpool(incubation.tenants, engine, files, dt.date(chosen, 12, 31))
    return [r.__dict__ for r in incubation.by_incubator(engine, views, chosen)]


def _page_data(engine: Any, files: TierFiles, year: int, lang: str) -> dict[str, Any]:
    rows = [r for r in transitions.funnel(files) if r.year == year]
    moves = transitions.moves(files, year, 30) if year - 1 in files.years else None
    views = incubation.tenants(engine, files, dt.date(year, 12, 31))
    rungs = ladder.rungs()
    return {
        "funnel": rows,
        "funnel_chart": charts.funnel(
            [(rungs[r.rank - 1].label(lang), r.at_or_above) for r in rows], lang
        ),
        "moves": moves,
        "cohort": transitions.cohort(files),
        "watch": watch.watch_list(files, service.panel(engine), year, 30),
        "incubators": incubation.by_incubator(engine, views, year),
        "outcomes": incubation.outcomes(views),
        "limits": incubation.limits_on(dt.date(year, 12, 31)),
        "over_age": sum(1 for v in views if v.over_age_at_entry),
        "tenants": len(views),
    }


@router.get("/cultivation", include_in_schema=False)
async def cultivation_page(
    request: Request, year: int | None = Year, _: Principal = Depends(Analyst)
) -> Response:
    files = await _files(request)
    chosen = year if year in files.years else (files.years[-1] if files.years else None)
    if chosen is None:
        raise ProblemError(404, "no stored facts: import a panel first")
    lang = language(request)
    data = await run_in_threadpool(_page_data, request.app.state.engine, files, chosen, lang)
    return render(
        request,
        "cultivation.html",
        {
            **data,
            "year": chosen,
            "years": list(files.years),
            "rungs": ladder.rungs(),
            "tier_label": ladder.tier_label,
        },
    )
