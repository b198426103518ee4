"""The what-if page and API: change a policy's parameters, see the change by district."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.domain.text import CleanLine
from kechuang.enterprises.tables import annual_facts
from kechuang.http.fields import FIRST_YEAR, LAST_YEAR, Year
from kechuang.http.problems import ProblemError, problem_responses
from kechuang.http.security import db, require
from kechuang.http.templating import language, register_templates, render
from kechuang.policies import catalogue
from kechuang.rules.format import show
from kechuang.rules.policy import reference_date
from kechuang.screening import whatif

router = APIRouter(responses=problem_responses(401, 403, 404, 422))
register_templates("kechuang.screening")
Planner = require("officer", "analyst", "admin")


class WhatIfIn(BaseModel):
    policy_id: CleanLine = Field(min_length=1, max_length=64)
    year: int = Field(ge=1990, le=2100)
    overrides: dict[CleanLine, CleanLine] = Field(
        default_factory=dict, description="parameter -> new value, in the parameter's unit"
    )


class DistrictChangeOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    base_count: int
    new_count: int
    base_fen: int
    new_fen: int
    gained: int
    lost: int


class WhatIfOut(BaseModel):
    policy_id: str
    version: str
    year: int
    overrides: dict[str, str]
    base_count: int
    new_count: int
    base_fen: int
    new_fen: int
    districts: list[DistrictChangeOut]


def _out(result: whatif.WhatIf) -> WhatIfOut:
    return WhatIfOut(
        policy_id=result.policy_id,
        version=result.version,
        year=result.year,
        overrides=result.overrides,
        base_count=result.base_count,
        new_count=result.new_count,
        base_fen=result.base_fen,
        new_fen=result.new_fen,
        districts=[DistrictChangeOut(**d.__dict__) for d in result.districts],
    )


@router.post("/api/v1/whatif", response_model=WhatIfOut, tags=["what-if"])
async def whatif_api(
    request: Request, body: WhatIfIn, _: Principal = Depends(Planner)
) -> WhatIfOut:
    """Screen the population with and without the overrides; the change by district.
    Nothing is stored: a what-if changes no state."""
    result = await run_in_threadpool(
        whatif.simulate, request.app.state.engine, body.policy_id, body.year, body.overrides
    )
    return _out(result)


def panel_years(session: Session) -> list[int]:
    """The years with stored facts, newest first."""
    column = annual_facts.c.year
    return list(session.scalars(select(column).distinct().order_by(column.desc())))


@router.get("/officer/whatif", include_in_schema=False)
def whatif_page(
    request: Request,
    policy_id: str = Query("first-above-scale-reward"),
    year: Year | None = None,
    session: Session = Depends(db),
    _: Principal = Depends(Planner),
) -> Response:
    years = panel_years(session)
    chosen = year if year in years else (years[0] if years else 2024)
    policy = catalogue.version(policy_id, year=chosen)
    day = reference_date(chosen)
    parameters = [(p, show(p.value_on(day), p.unit)) for p in policy.parameters.values()]
    choices = {p.id: p for p in catalogue.pack().policies if p.parameters}
    return render(
        request,
        "whatif.html",
        {
            "policy": policy,
            "policies": sorted(choices.values(), key=lambda p: p.id),
            "years": years,
            "year": chosen,
            "parameters": parameters,
        },
    )


@router.post("/officer/whatif", include_in_schema=False)
async def whatif_fragment(request: Request, _: Principal = Depends(Planner)) -> Response:
    form = await request.form()
    policy_id = str(form.get("policy_id", ""))
    text = str(form.get("year", "")).strip()
    if not (text.isdigit() and FIRST_YEAR <= int(text[:5]) <= LAST_YEAR):
        detail = (
            f"年度应在 {FIRST_YEAR}–{LAST_YEAR} 之间"
            if language(request) == "zh"
            else f"the year must be between {FIRST_YEAR} and {LAST_YEAR}"
        )
        return render(request, "_whatif_error.html", {"detail": detail}, status_code=200)
    year = int(text)
    settings = {
        str(k)[6:]: str(v)
        for k, v in form.items()
        if str(k).startswith("param.") and str(v).strip()
    }
    try:
        result = await run_in_threadpool(
            whatif.simulate, request.app.state.engine, policy_id, year, settings
        )
    except ProblemError as exc:
        return render(request, "_whatif_error.html", {"detail": exc.detail}, status_code=200)
    return render(request, "_whatif.html", {"r": _out(result)})
