"""The analyst dashboard: ECharts charts of the indicators, the numbers as a table and CSV."""

from __future__ import annotations

import csv
import io
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel

from kechuang.accounts.service import Principal
from kechuang.domain.money import fen_to_yuan
from kechuang.domain.spreadsheet import csv_row
from kechuang.http.fields import Year
from kechuang.http.pagination import Page, PageParams, page, page_params
from kechuang.http.problems import problem_responses
from kechuang.http.security import require
from kechuang.http.templating import language, register_templates, render
from kechuang.stats import dashboard_data

router = APIRouter(responses=problem_responses(401, 403, 422))
register_templates("kechuang.stats")
Analyst = require("analyst", "officer", "admin")
Dimension = Literal["policy", "district", "park", "industry"]


class StatOut(BaseModel):
    dimension: str
    year: int
    key: str
    label_zh: str
    label_en: str
    enterprises: int
    benefit_fen: int


async def _rows(request: Request, dimension: str, year: int | None) -> list[dashboard_data.StatRow]:
    rows = await run_in_threadpool(dashboard_data.indicators, request.app.state.engine)
    return [r for r in rows if r.dimension == dimension and (year is None or r.year == year)]


@router.get("/api/v1/stats", response_model=Page[StatOut], tags=["stats"])
async def stats_api(
    request: Request,
    dimension: Dimension = "policy",
    year: int | None = Query(None, ge=1990, le=2100),
    params: PageParams = Depends(page_params),
    _: Principal = Depends(Analyst),
) -> Page[StatOut]:
    """Eligible enterprises and benefit amounts (fen) by dimension and year."""
    rows = await _rows(request, dimension, year)
    items = [StatOut(**r.__dict__) for r in rows[params.offset : params.offset + params.limit]]
    return page(request, items, len(rows), params)


@router.get(
    "/api/v1/stats.csv",
    tags=["stats"],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The indicators as CSV"}},
)
async def stats_csv(
    request: Request,
    dimension: Dimension = "policy",
    year: int | None = Query(None, ge=1990, le=2100),
    _: Principal = Depends(Analyst),
) -> Response:
    """The same numbers as CSV (UTF-8 with BOM so that Excel reads the Chinese labels).

    Keys and labels come from imported data (park names): text that starts like a formula is
    written with a leading apostrophe (domain.spreadsheet)."""
    rows = await _rows(request, dimension, year)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["dimension", "year", "key", "label_zh", "label_en", "enterprises", "benefit_yuan"]
    )
    for r in rows:
        writer.writerow(
            csv_row(
                [
                    r.dimension,
                    r.year,
                    r.key,
                    r.label_zh,
                    r.label_en,
                    r.enterprises,
                    fen_to_yuan(r.benefit_fen),
                ]
            )
        )
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="kechuang-{dimension}.csv"'},
    )


def _budgets(rows: list[dashboard_data.StatRow], year: int | None) -> dict[str, int | None]:
    """Each policy's budget in `year` (None: unknown), so that a benefit above it is flagged."""
    from kechuang.policies import catalogue

    out: dict[str, int | None] = {}
    for r in rows:
        try:
            policy = catalogue.pack().get(r.key, year or r.year)
        except LookupError:
            out[r.key] = None
            continue
        out[r.key] = policy.budget.amount_fen if policy.budget else None
    return out


@router.get("/dashboard", include_in_schema=False)
async def dashboard_page(
    request: Request,
    dimension: str = "policy",
    year: Year | None = None,
    _: Principal = Depends(Analyst),
) -> Response:
    dimension = dimension if dimension in dashboard_data.DIMENSIONS else "policy"
    every = await _rows(request, dimension, None)
    years = sorted({r.year for r in every})
    chosen = year if year in years else (years[-1] if years else None)
    current = [r for r in every if r.year == chosen]
    label = "label_zh" if language(request) == "zh" else "label_en"
    # One line per key (the ten largest by amount in the chosen year) across the years.
    top = [r.key for r in sorted(current, key=lambda r: -r.benefit_fen)[:10]]
    counts = {(r.key, r.year): r.enterprises for r in every}
    names = {r.key: getattr(r, label) for r in every}
    trend = [{"name": names[k], "data": [counts.get((k, y), 0) for y in years]} for k in top]
    return render(
        request,
        "dashboard.html",
        {
            "dimension": dimension,
            "dimensions": dashboard_data.DIMENSIONS,
            "years": years,
            "year": chosen,
            "rows": sorted(current, key=lambda r: -r.benefit_fen),
            "trend": trend,
            "budgets": _budgets(current, chosen) if dimension == "policy" else {},
        },
    )
