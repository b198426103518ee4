"""Enterprises: the list (scoped), one enterprise, its policies with explanation and gap, and its
benefits (awards) where it confirms its bank account or objects to a notice.

An enterprise account sees only its own USCC: every route here goes through `Scope.enterprise`,
which answers 404 for any other, so an enterprise cannot even learn that another exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kechuang.accounts import audit
from kechuang.accounts.service import Principal
from kechuang.domain import district
from kechuang.domain.text import CleanLine, CleanText
from kechuang.enterprises import facts
from kechuang.enterprises.tables import enterprises
from kechuang.http.fields import Id, Year
from kechuang.http.pagination import Page, PageParams, page, page_params
from kechuang.http.problems import ProblemError, problem_responses
from kechuang.http.security import Scope, client_ip, db, require
from kechuang.http.templating import language, register_templates, render
from kechuang.rules.explain import render_text, to_json
from kechuang.screening import eligibility
from kechuang.screening.awards import (
    AwardOut,
    awards_of,
    clock,
    refused,
    visible_award,
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


class BankAccountIn(BaseModel):
    account_name: CleanLine = Field(min_length=1, max_length=200)
    bank: CleanLine = Field(min_length=1, max_length=200)
    account_number: CleanLine = Field(min_length=8, max_length=40)


class ObjectionIn(BaseModel):
    reason: CleanText = Field(min_length=1, max_length=2000)


class ObjectionOut(BaseModel):
    id: int
    run_id: int
    award_id: int
    reason: str
    lodged_on: dt.date


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
    _get_enterprise(session, Scope(who), uscc)
    result = eligibility.assess(session.connection(), uscc, _year(session, uscc, year))
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


def confirm_bank_account(
    request: Request,
    session: Session,
    who: Principal,
    uscc: str,
    award_id: int,
    body: BankAccountIn,
) -> AwardOut:
    from kechuang.screening import service

    if who.role != "enterprise":
        raise ProblemError(403, "only the enterprise itself confirms its bank account")
    award = visible_award(session, uscc, award_id)
    before = {"state": award.state}
    with refused():
        service.confirm_account(
            session,
            award.run_id,
            uscc,
            body.account_name,
            body.bank,
            body.account_number,
            actor=who.username,
            on=clock(request),
        )
    audit.record(
        session,
        who.username,
        "award.confirm_account",
        "award",
        award_id,
        before,
        {"state": award.state, "bank": body.bank, "account_tail": body.account_number[-4:]},
        client_ip(request),
    )
    session.commit()
    return next(a for a in awards_of(session, uscc) if a.id == award_id)


def object_to(
    request: Request,
    session: Session,
    who: Principal,
    uscc: str,
    award_id: int,
    body: ObjectionIn,
) -> ObjectionOut:
    from kechuang.screening import service

    if who.role != "enterprise":
        raise ProblemError(403, "an officer records others' objections in the run's page")
    award = visible_award(session, uscc, award_id)
    with refused():
        objection = service.lodge_objection(
            session,
            award.run_id,
            uscc,
            service.Objector(uscc=uscc),
            body.reason,
            actor=who.username,
            on=clock(request),
        )
    audit.record(
        session,
        who.username,
        "objection.lodge",
        "objection",
        objection.id,
        None,
        {"award_id": award_id, "reason": body.reason},
        client_ip(request),
    )
    session.commit()
    return ObjectionOut(
        id=objection.id,
        run_id=objection.run_id,
        award_id=objection.award_id,
        reason=objection.reason,
        lodged_on=objection.lodged_on,
    )


@router.post(
    f"{api}/{{uscc}}/awards/{{award_id}}/bank-account",
    response_model=AwardOut,
    tags=["enterprises"],
    responses=problem_responses(409),
)
def confirm_bank_account_api(
    request: Request,
    uscc: str,
    award_id: Id,
    body: BankAccountIn,
    session: Session = Depends(db),
    who: Principal = Depends(Viewer),
) -> AwardOut:
    """The enterprise confirms the account its approved award is paid into."""
    _get_enterprise(session, Scope(who), uscc)
    return confirm_bank_account(request, session, who, uscc, award_id, body)


@router.post(
    f"{api}/{{uscc}}/awards/{{award_id}}/objections",
    response_model=ObjectionOut,
    status_code=201,
    tags=["enterprises"],
    responses=problem_responses(409),
)
def object_api(
    request: Request,
    uscc: str,
    award_id: Id,
    body: ObjectionIn,
    session: Session = Depends(db),
    who: Principal = Depends(Viewer),
) -> ObjectionOut:
    """An objection to the award during its public notice."""
    _get_enterprise(session, Scope(who), uscc)
    return object_to(request, session, who, uscc, award_id, body)


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
    row = _get_enterprise(session, Scope(who), uscc)
    years = facts.years(session.connection(), uscc)
    chosen = year if year in years else (years[-1] if years else None)
    items = eligibility.assess(session.connection(), uscc, chosen).items if chosen else []
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
        },
    )


@router.post("/enterprises/{uscc}/awards/{award_id}/bank-account", include_in_schema=False)
def confirm_form(
    request: Request,
    uscc: str,
    award_id: Id,
    account_name: str = Form(""),
    bank: str = Form(""),
    account_number: str = Form(""),
    session: Session = Depends(db),
    who: Principal = Depends(Viewer),
) -> Response:
    _get_enterprise(session, Scope(who), uscc)
    try:
        body = BankAccountIn(account_name=account_name, bank=bank, account_number=account_number)
        confirm_bank_account(request, session, who, uscc, award_id, body)
        message = "confirmed"
    except (ProblemError, ValueError) as exc:
        session.rollback()
        message = getattr(exc, "detail", None) or "invalid"
    return RedirectResponse(f"/enterprises/{uscc}/benefits?message={message}", status_code=303)


@router.post("/enterprises/{uscc}/awards/{award_id}/objections", include_in_schema=False)
def objection_form(
    request: Request,
    uscc: str,
    award_id: Id,
    reason: str = Form(""),
    session: Session = Depends(db),
    who: Principal = Depends(Viewer),
) -> Response:
    _get_enterprise(session, Scope(who), uscc)
    try:
        object_to(request, session, who, uscc, award_id, ObjectionIn(reason=reason))
        message = "objected"
    except (ProblemError, ValueError) as exc:
        session.rollback()
        message = getattr(exc, "detail", None) or "invalid"
    return RedirectResponse(f"/enterprises/{uscc}/benefits?message={message}", status_code=303)
