"""The policy library: search and filter (issuer, mode, status), each policy clause by clause."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from kechuang.accounts.service import Principal
from kechuang.rules.format import show
from kechuang.rules.policy import Policy
from kechuang.web import catalogue
from kechuang.web.pagination import Page, PageParams, page, page_params
from kechuang.web.problems import problem_responses
from kechuang.web.security import authenticated
from kechuang.web.templating import render

router = APIRouter(responses=problem_responses(401, 404, 422))
api = "/api/v1/policies"
StatusFilter = Literal["in_force", "expired", "upcoming"]
ModeFilter = Literal["automatic", "application", "on_threshold"]


class Bilingual(BaseModel):
    zh: str
    en: str


class PolicySummary(BaseModel):
    id: str
    version: str
    title: Bilingual
    issuer: str
    document_number: str
    mode: str
    effective_from: dt.date
    effective_to: dt.date | None
    status: str
    budget_fen: int | None


class ParameterValueOut(BaseModel):
    effective_from: dt.date
    value: str
    reference: str  # the clause or document that set this value


class ParameterOut(BaseModel):
    name: str
    label: Bilingual
    unit: str
    reference: str
    values: list[ParameterValueOut]


class ClauseOut(BaseModel):
    """A condition, score or definition with the clause of the document it comes from."""

    id: str
    kind: str
    label: Bilingual
    clause: str
    expression: str | None


class PolicyDetail(PolicySummary):
    source_url: str
    exclusions: list[str]
    parameters: list[ParameterOut]
    definitions: list[ClauseOut]
    scores: list[ClauseOut]
    conditions: list[ClauseOut]
    benefit: ClauseOut | None
    content_hash: str


def _text(t: object) -> Bilingual:
    return Bilingual(zh=getattr(t, "zh", ""), en=getattr(t, "en", ""))


def _source(expr: object) -> str | None:
    span = getattr(expr, "span", None)
    return " ".join(span.source.split()) if span is not None and span.source else None


def summary(p: Policy, day: dt.date | None = None) -> PolicySummary:
    return PolicySummary(
        id=p.id,
        version=p.version,
        title=_text(p.title),
        issuer=p.issuer,
        document_number=p.document_number,
        mode=p.mode.value,
        effective_from=p.effective_from,
        effective_to=p.effective_to,
        status=catalogue.status_on(p, day or dt.date.today()),
        budget_fen=p.budget.amount_fen if p.budget else None,
    )


def detail(p: Policy) -> PolicyDetail:
    b = p.benefit
    return PolicyDetail(
        **summary(p).model_dump(),
        source_url=p.source_url,
        exclusions=list(p.exclusions),
        parameters=[
            ParameterOut(
                name=x.name,
                label=_text(x.label),
                unit=x.unit.value,
                reference=x.reference,
                values=[
                    ParameterValueOut(
                        effective_from=v.effective_from,
                        value=show(v.value, x.unit),
                        reference=v.reference,
                    )
                    for v in x.values
                ],
            )
            for x in p.parameters.values()
        ],
        definitions=[
            ClauseOut(
                id=d.id,
                kind="definition",
                label=_text(d.label),
                clause=d.clause,
                expression=_source(d.expr),
            )
            for d in p.definitions
        ],
        scores=[
            ClauseOut(
                id=s.id,
                kind="manual_score" if s.manual_max else "score",
                label=_text(s.label),
                clause=s.clause,
                expression=_source(s.expr),
            )
            for s in p.scores
        ],
        conditions=[
            ClauseOut(
                id=c.id,
                kind=c.kind.value,
                label=_text(c.label),
                clause=c.clause,
                expression=_source(c.expr),
            )
            for c in p.conditions
        ],
        benefit=ClauseOut(
            id="benefit",
            kind="benefit",
            label=_text(b.label),
            clause=b.clause,
            expression=_source(b.amount),
        )
        if b
        else None,
        content_hash=p.content_hash,
    )


@router.get(api, response_model=Page[PolicySummary], tags=["policies"], summary="Policy library")
def list_policies(
    request: Request,
    q: str | None = Query(None, max_length=100, description="Search id, title, document number"),
    issuer: str | None = Query(None, max_length=200),
    mode: ModeFilter | None = None,
    status: StatusFilter | None = None,
    params: PageParams = Depends(page_params),
    _: Principal = Depends(authenticated),
) -> Page[PolicySummary]:
    found = catalogue.search(q, issuer, mode, status)
    items = [summary(p) for p in found[params.offset : params.offset + params.limit]]
    return page(request, items, len(found), params)


@router.get(f"{api}/{{policy_id}}", response_model=PolicyDetail, tags=["policies"])
def get_policy(
    policy_id: str,
    version: str | None = Query(None, max_length=32),
    _: Principal = Depends(authenticated),
) -> PolicyDetail:
    """One policy clause by clause: parameters, definitions, scores, conditions, benefit."""
    return detail(catalogue.version(policy_id, version))


@router.get("/policies", include_in_schema=False)
def library_page(
    request: Request,
    q: str | None = None,
    issuer: str | None = None,
    mode: str | None = None,
    status: str | None = None,
    _: Principal = Depends(authenticated),
) -> Response:
    found = catalogue.search(q, issuer or None, mode or None, status or None)
    return render(
        request,
        "policies.html",
        {
            "policies": [summary(p) for p in found],
            "issuers": catalogue.issuers(),
            "filters": {
                "q": q or "",
                "issuer": issuer or "",
                "mode": mode or "",
                "status": status or "",
            },
        },
    )


@router.get("/policies/{policy_id}", include_in_schema=False)
def policy_page(
    request: Request,
    policy_id: str,
    version: str | None = None,
    _: Principal = Depends(authenticated),
) -> Response:
    p = catalogue.version(policy_id, version)
    versions = catalogue.pack().versions(policy_id)
    return render(request, "policy.html", {"p": detail(p), "versions": versions})
