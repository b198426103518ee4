"""The indicators in the web app: the catalogue and values as JSON, the pages, the report.

- GET /api/v1/indicators: every definition (name, description, unit, formula, source);
- GET /api/v1/indicators/{id}/values?dimension=&year=: computed values (decimal strings);
- GET /indicators: all indicators of a year by section, each linking to its definition page;
- GET /indicators/{id}: the definition (formula, source SQL, file), trend and breakdowns;
- GET /report?year=: the annual report, rendered from the stored data.
Analysts, officers and admins only.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from kechuang.accounts.service import Principal
from kechuang.http.fields import Year
from kechuang.http.headers import FRAME_ANCESTORS
from kechuang.http.pagination import Page, PageParams, page, page_params
from kechuang.http.problems import ProblemError, problem_responses
from kechuang.http.security import require
from kechuang.http.templating import language
from kechuang.stats import catalogue, charts, sources
from kechuang.stats.compute import TOTAL, Value
from kechuang.stats.report import build_html
from kechuang.stats.report import policy as report_policy
from kechuang.stats.service import Results, key_label, results
from kechuang.stats.templating import render

router = APIRouter(responses=problem_responses(401, 403, 404, 422))
Analyst = require("analyst", "officer", "admin")
Dimension = Literal["total", "district", "park", "industry"]


class IndicatorOut(BaseModel):
    id: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    section: str
    unit_zh: str
    unit_en: str
    decimals: int
    source: str
    source_sql: str
    formula: str
    breakdowns: list[str]
    comparable: bool
    file: str


class ValueOut(BaseModel):
    indicator: str
    dimension: str
    key: str | None
    label_zh: str
    label_en: str
    year: int
    value: str | None
    growth_percent: str | None
    comparable_growth_percent: str | None


def _out(ind: catalogue.Indicator) -> IndicatorOut:
    return IndicatorOut(
        id=ind.id,
        name_zh=ind.name_zh,
        name_en=ind.name_en,
        description_zh=ind.description_zh,
        description_en=ind.description_en,
        section=ind.section,
        unit_zh=ind.unit_zh,
        unit_en=ind.unit_en,
        decimals=ind.decimals,
        source=ind.source,
        source_sql=sources.definition(ind.source),
        formula=ind.formula(),
        breakdowns=list(ind.breakdowns),
        comparable=ind.comparable,
        file=ind.file,
    )


def _indicator(indicator_id: str) -> catalogue.Indicator:
    try:
        return catalogue.get(indicator_id)
    except KeyError:
        raise ProblemError(404, f"no indicator {indicator_id!r}") from None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _value_out(v: Value, decimals: int) -> ValueOut:
    return ValueOut(
        indicator=v.indicator,
        dimension=v.dimension,
        key=v.key,
        label_zh="" if v.dimension == TOTAL else key_label(v.dimension, v.key, "zh"),
        label_en="" if v.dimension == TOTAL else key_label(v.dimension, v.key, "en"),
        year=v.year,
        value=charts.number(v.value, decimals + 2),
        growth_percent=charts.number(v.growth, 2),
        comparable_growth_percent=charts.number(v.comparable_growth, 2),
    )


async def _results(request: Request) -> Results:
    return await run_in_threadpool(results, request.app.state.engine)


@router.get("/api/v1/indicators", response_model=list[IndicatorOut], tags=["indicators"])
def indicators_api(_: Principal = Depends(Analyst)) -> list[IndicatorOut]:
    """The catalogue: every indicator with its definition and formula."""
    return [_out(i) for i in catalogue.catalogue()]


@router.get(
    "/api/v1/indicators/{indicator_id}/values",
    response_model=Page[ValueOut],
    tags=["indicators"],
)
async def values_api(
    request: Request,
    indicator_id: str,
    dimension: Dimension = "total",
    year: int | None = Query(None, ge=1990, le=2100),
    params: PageParams = Depends(page_params),
    _: Principal = Depends(Analyst),
) -> Page[ValueOut]:
    """Computed values of one indicator (exact decimal text), by year and breakdown."""
    ind = _indicator(indicator_id)
    if dimension != TOTAL and dimension not in ind.breakdowns:
        raise ProblemError(422, f"{indicator_id} has no breakdown {dimension!r}")
    found = await _results(request)
    rows = [
        v
        for v in found.values
        if v.indicator == ind.id and v.dimension == dimension and (year is None or v.year == year)
    ]
    items = [
        _value_out(v, ind.decimals) for v in rows[params.offset : params.offset + params.limit]
    ]
    return page(request, items, len(rows), params)


@router.get("/indicators", include_in_schema=False)
async def indicators_page(
    request: Request, year: Year | None = None, _: Principal = Depends(Analyst)
) -> Response:
    found = await _results(request)
    chosen = year if year in found.years else (found.years[-1] if found.years else None)
    return render(
        request,
        "indicators.html",
        {
            "found": found,
            "year": chosen,
            "years": found.years,
            "catalogue": catalogue.catalogue(),
            "sections": catalogue.SECTIONS,
            "section_names": catalogue.SECTION_NAMES,
        },
    )


@router.get("/indicators/{indicator_id}", include_in_schema=False)
async def indicator_page(
    request: Request,
    indicator_id: str,
    dimension: str | None = None,
    year: Year | None = None,
    _: Principal = Depends(Analyst),
) -> Response:
    ind = _indicator(indicator_id)
    found = await _results(request)
    lang = language(request)
    chosen = year if year in found.years else (found.years[-1] if found.years else None)
    dim = (
        dimension
        if dimension in ind.breakdowns
        else (ind.breakdowns[0] if ind.breakdowns else None)
    )
    series = [(y, found.total(ind.id, y)) for y in found.years]
    growth = (
        [(y, (found.get(ind.id, y) or _Empty()).comparable_growth) for y in found.years]
        if ind.comparable
        else None
    )
    rows = found.breakdown(ind.id, dim, chosen) if dim and chosen else []
    return render(
        request,
        "indicator.html",
        {
            "ind": ind,
            "found": found,
            "year": chosen,
            "years": found.years,
            "dimension": dim,
            "rows": rows,
            "key_label": key_label,
            "source": sources.SOURCES[ind.source],
            "source_sql": sources.definition(ind.source),
            "trend": charts.trend(ind, series, lang, growth),
            "bars": charts.bars(ind, rows, key_label, lang, limit=16) if rows else None,
            "section_names": catalogue.SECTION_NAMES,
        },
    )


class _Empty:
    comparable_growth = None


@router.get("/report", include_in_schema=False, response_class=HTMLResponse)
async def report_page(
    request: Request, year: Year | None = None, _: Principal = Depends(Analyst)
) -> Response:
    found = await _results(request)
    if not found.years:
        raise ProblemError(404, "no stored facts: import a panel first")
    chosen = year if year in found.years else found.years[-1]
    html = await run_in_threadpool(build_html, request.app.state.engine, chosen)
    # The report's own policy (its inline scripts by hash), not framed like every page.
    return HTMLResponse(
        html, headers={"Content-Security-Policy": f"{report_policy()}; {FRAME_ANCESTORS}"}
    )
