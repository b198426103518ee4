"""Enterprises: the list (scoped), one enterprise, its policies with explanation and gap, and its
benefits (awards). Confirming a bank account and objecting to a notice are declared steps
(kechuang.screening.steps, `award.confirm` and `objection.lodge`), mounted by runs_router.

An enterprise account sees only its own USCC: every route here goes through `Scope.enterprise`,
which answers 404 for any other, so an enterprise cannot even learn that another exists.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.domain import district
from kechuang.enterprises import facts
from kechuang.enterprises.tables import enterprises
from kechuang.http.fields import Year
from kechuang.http.pagination import Page, PageParams, page, page_params
from kechuang.http.problems import ProblemError, problem_responses
from kechuang.http.security import Scope, db, require
from kechuang.http.templating import language, register_templates, render
from kechuang.rules.explain import render_text, to_json
from kechuang.screening import eligibility
from kechuang.screening.awards import (
    AwardOut,
    awards_of,
)

router = APIRouter(responses=problem_responses(401, 403, 404, 422))
register_templates("kechuang.screening")
api = "/api/v1/enterprises"
USCC = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
Viewer = require("officer", "analyst", "admin", "enterprise")
Outcome = Literal["eligible", "ineligible", "manual_review", "unknown"]


class EnterpriseOut(BaseModel):
    uscc: str
    name: str
    district: str | None
    district_name: str | None
    park: str | None
    industry_code: str | None


class GapOut(BaseModel):
    condition: str
    message_zh: str
    message_en: str


class PolicyVerdictOut(BaseModel):
    policy_id: str
    version: str
    title_zh: str
    title_en: str
    year: int
    outcome: str
    benefit_fen: int | None
    unmet: list[str]
    gaps: list[GapOut]


class ExplanationOut(BaseModel):
    verdict: dict[str, Any]
    text: str


def _enterprise_out(row: Any) -> EnterpriseOut:
    code = row.district
    return EnterpriseOut(
        uscc=row.uscc,
        name=row.name,
        district=code,
        district_name=district.name(code, "zh") if code in district.SHANGHAI else None,
        park=row.park,
        industry_code=row.industry_code,
    )


def _get_enterprise(session: Session, scope: Scope, uscc: str) -> Any:
    scope.enterprise(uscc)
    row = facts.enterprise_row(session.connection(), uscc)
    if row is None:
        raise ProblemError(404, f"no enterprise {uscc} here")
    return row


def _state(session: Session, scope: Scope, uscc: str) -> facts.PageState:
    """The enterprise with its years and the data version, in one query (404 as above)."""
    scope.enterprise(uscc)
    state = facts.page_state(session.connection(), uscc)
    if state is None:
        raise ProblemError(404, f"no enterprise {uscc} here")
    return state


def verdict_out(policy: Any, verdict: Any) -> PolicyVerdictOut:
    return PolicyVerdictOut(
        policy_id=policy.id,
        version=policy.version,
        title_zh=policy.title.zh,
        title_en=policy.title.en,
        year=verdict.year,
        outcome=verdict.outcome.value,
        benefit_fen=verdict.benefit_fen,
        unmet=list(verdict.unmet),
        gaps=[
            GapOut(condition=c.id, message_zh=c.gap.message_zh, message_en=c.gap.message_en)
            for c in verdict.conditions
            if c.gap is not None
        ],
    )


def _year(session: Session, uscc: str, year: int | None) -> int:
    return year if year is not None else eligibility.latest_year(session.connection(), uscc)


@router.get(api, response_model=Page[EnterpriseOut], tags=["enterprises"])
def list_enterprises(
    request: Request,
    q: str | None = Query(None, max_length=100, description="Search USCC or name"),
    district_code: str | None = Query(None, alias="district", max_length=6),
    params: PageParams = Depends(page_params),
    session: Session = Depends(db),
    who: Principal = Depends(Viewer),
) -> Page[EnterpriseOut]:
    """Enterprises the caller may see (an enterprise sees itself only)."""
    where = [Scope(who).enterprise_filter(enterprises.c.uscc)]
    if q:
        where.append(or_(enterprises.c.uscc == q.upper(), enterprises.c.name.contains(q)))
    if district_code:
        where.append(enterprises.c.district == district_code)
    total = session.scalar(select(func.count()).select_from(enterprises).where(*where)) or 0
    rows = session.execute(
        select(enterprises)
        .where(*where)
        .order_by(enterprises.c.uscc)
        .limit(params.limit)
        .offset(params.offset)
    ).all()
    return page(request, [_enterprise_out(r) for r in rows], total, params)


@router.get(f"{api}/{{uscc}}", response_model=EnterpriseOut, tags=["enterprises"])
def get_enterprise(
    uscc: str, session: Session = Depends(db), who: Principal = Depends(Viewer)
) -> EnterpriseOut:
    return _enterprise_out(_get_enterprise(session, Scope(who), uscc))


@router.get(f"{api}/{{uscc}}/policies", response_model=Page[PolicyVerdictOut], tags=["enterprises"])
def enterprise_policies(
    request: Request,
    uscc: str,
    year: int | None = Query(None, ge=1990, le=2100),
    outcome: Outcome | None = None,
    params: PageParams = Depends(page_params),
    session: Session = Depends(db),
    who: Principal = Depends(Viewer),
) -> Page[PolicyVerdictOut]:
    """Every policy in force in `year` (default: the latest year with facts) for this enterprise:
    eligible, not yet (with the gap), needs review, or data missing."""
    state = _state(session, Scope(who), uscc)
    if year is None:
        if not state.years:
            raise ProblemError(404, f"no facts stored for enterprise {uscc}")
        year = state.years[-1]
    result = eligibility.assess(session.connection(), uscc, year, state.data_version)
    items = [verdict_out(p, v) for p, v in result.items]
    if outcome:
        items = [i for i in items if i.outcome == outcome]
    return page(request, items[params.offset : params.offset + params.limit], len(items), params)


@router.get(
    f"{api}/{{uscc}}/policies/{{policy_id}}", response_model=ExplanationOut, tags=["enterprises"]
)
def enterprise_policy(
    request: Request,
    uscc: str,
    policy_id: str,
    year: int | None = Query(None, ge=1990, le=2100),
    session: Session = Depends(db),
    who: Principal = Depends(Viewer),
) -> ExplanationOut:
    """The explanation: each condition with its clause, the values read and the gap."""
    _get_enterprise(session, Scope(who), uscc)
    policy, verdict = eligibility.one(
        session.connection(), uscc, _year(session, uscc, year), policy_id
    )
    return ExplanationOut(
        verdict=to_json(verdict), text=render_text(verdict, policy, language(request))
    )


@router.get(f"{api}/{{uscc}}/awards", response_model=Page[AwardOut], tags=["enterprises"])
def enterprise_awards(
    request: Request,
    uscc: str,
    params: PageParams = Depends(page_params),
    session: Session = Depends(db),
    who: Principal = Depends(Viewer),
) -> Page[AwardOut]:
    """The enterprise's benefits in published runs and where each stands."""
    _get_enterprise(session, Scope(who), uscc)
    items = awards_of(session, uscc)
    return page(request, items[params.offset : params.offset + params.limit], len(items), params)


# Pages ---------------------------------------------------------------------------------------


@router.get("/me", include_in_schema=False)
def my_home(who: Principal = Depends(require("enterprise"))) -> Response:
    return RedirectResponse(f"/enterprises/{who.uscc}", status_code=303)


@router.get("/me/benefits", include_in_schema=False)
def my_benefits(who: Principal = Depends(require("enterprise"))) -> Response:
    return RedirectResponse(f"/enterprises/{who.uscc}/benefits", status_code=303)


@router.get("/enterprises/{uscc}", include_in_schema=False)
def enterprise_page(
    request: Request,
    uscc: str,
    year: Year | None = None,
    session: Session = Depends(db),
    who: Principal = Depends(Viewer),
) -> Response:
    state = _state(session, Scope(who), uscc)
    row, years = state.row, state.years
    chosen = year if year in years else (years[-1] if years else None)
    conn = session.connection()
    items = eligibility.assess(conn, uscc, chosen, state.data_version).items if chosen else []
    groups: dict[str, list[Any]] = {"eligible": [], "ineligible": [], "review": []}
    for policy, verdict in items:
        key = verdict.outcome.value
        groups["review" if key in ("manual_review", "unknown") else key].append((policy, verdict))
    awards = awards_of(session, uscc)
    return render(
        request,
        "enterprise.html",
        {
            "e": _enterprise_out(row),
            "years": years,
            "year": chosen,
            "groups": groups,
            "awards": awards,
        },
    )


@router.get("/enterprises/{uscc}/policies/{policy_id}", include_in_schema=False)
def explanation_fragment(
    request: Request,
    uscc: str,
    policy_id: str,
    year: Year,
    session: Session = Depends(db),
    who: Principal = Depends(Viewer),
) -> Response:
    _get_enterprise(session, Scope(who), uscc)
    policy, verdict = eligibility.one(session.connection(), uscc, year, policy_id)
    template = "_explanation.html" if request.headers.get("hx-request") else "explanation.html"
    return render(request, template, {"policy": policy, "v": verdict, "uscc": uscc, "year": year})


@router.get("/enterprises/{uscc}/benefits", include_in_schema=False)
def benefits_page(
    request: Request,
    uscc: str,
    session: Session = Depends(db),
    who: Principal = Depends(Viewer),
) -> Response:
    row = _get_enterprise(session, Scope(who), uscc)
    return render(
        request,
        "benefits.html",
        {
            "e": _enterprise_out(row),
            "awards": awards_of(session, uscc),
            "message": request.query_params.get("message"),
            "done": request.query_params.get("done"),
        },
    )
