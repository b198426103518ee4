"""The insurer's and the guarantor's view of tech finance: their own loans, premiums or fees,
and their share of every loss and recovery; the claims on their loans, each with its split to
the fen and the forms of the steps it allows now (confirm, dispute, pay: finance.steps).

An insurer (role `insurer`) sees the risk-shared loans it insures; a guarantor (role
`guarantor`) the guaranteed loans it stands behind: in both cases the loans whose `partner_org`
is the caller's organisation under a product whose counterparty is the caller's role. Anything
else is not listed, and a loan of another party is 404 on the API. The figures are read from the
loans, claims and recoveries the lending bank recorded; each part of a loss is the one the claim
split to the fen (finance.compensation), never recomputed here.

Also registers the labels of loan products (their titles in zh and en) for every page.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, false, select
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.finance.products import load_products
from kechuang.finance.tables import Claim, Loan, Recovery
from kechuang.http import labels
from kechuang.http.problems import problem_responses
from kechuang.http.security import db, require
from kechuang.http.templating import register_templates, render

router = APIRouter(responses=problem_responses(401, 403))
register_templates("kechuang.finance")
API = "/api/v1/finance/partner"
PARTNER_ROLES = ("insurer", "guarantor")
LIVE = ("disbursed", "overdue")
Partner = require(*PARTNER_ROLES)


@cache
def _product_titles() -> dict[str, tuple[str, str]]:
    return {p.id: (p.doc.title.zh, p.doc.title.en) for p in load_products().values()}


labels.register_source("product", lambda code: _product_titles().get(code))


def products_of(role: str) -> list[str]:
    """The products whose risk-sharing counterparty is `role` (insurer or guarantor)."""
    return sorted(p.id for p in load_products().values() if p.counterparty == role)


def partner_filter(who: Principal) -> ColumnElement[bool]:
    """The loans an insurer or guarantor shares the risk of."""
    if who.role not in PARTNER_ROLES or not who.org:
        return false()
    return and_(Loan.partner_org == who.org, Loan.product_id.in_(products_of(who.role)))


class PartnerLoanOut(BaseModel):
    id: int
    product_id: str
    uscc: str
    enterprise_name: str
    bank_org: str
    state: str
    principal_fen: int
    outstanding_fen: int
    premium_fen: int
    loss_share_fen: int
    recovered_share_fen: int


@dataclass(frozen=True)
class Book:
    """The partner's loans and its totals: premiums or fees earned, losses and recoveries."""

    loans: list[PartnerLoanOut]
    premiums_fen: int
    losses_fen: int
    recovered_fen: int
    outstanding_fen: int


def book(session: Session, who: Principal) -> Book:
    rows = list(session.scalars(select(Loan).where(partner_filter(who)).order_by(Loan.id.desc())))
    ids = [r.id for r in rows]
    losses: dict[int, int] = {}
    recovered: dict[int, int] = {}
    if ids:
        # Its share of a loss counts once it has paid it (finance.claims).
        paid = select(Claim).where(Claim.loan_id.in_(ids), Claim.partner_paid_on.is_not(None))
        for claim in session.scalars(paid):
            losses[claim.loan_id] = int(claim.parts.get(who.role, 0))
        for rec in session.scalars(select(Recovery).where(Recovery.loan_id.in_(ids))):
            recovered[rec.loan_id] = recovered.get(rec.loan_id, 0) + int(rec.parts.get(who.role, 0))
    loans = [
        PartnerLoanOut(
            id=r.id, product_id=r.product_id, uscc=r.uscc, enterprise_name=r.enterprise_name,
            bank_org=r.bank_org, state=r.state, principal_fen=r.principal_fen,
            outstanding_fen=r.outstanding_fen, premium_fen=r.premium_fen or 0,
            loss_share_fen=losses.get(r.id, 0), recovered_share_fen=recovered.get(r.id, 0),
        )
        for r in rows
    ]  # fmt: skip
    return Book(
        loans=loans,
        premiums_fen=sum(x.premium_fen for x in loans),
        losses_fen=sum(x.loss_share_fen for x in loans),
        recovered_fen=sum(x.recovered_share_fen for x in loans),
        outstanding_fen=sum(x.outstanding_fen for x in loans if x.state in LIVE),
    )


@router.get(f"{API}/loans", response_model=list[PartnerLoanOut], tags=["finance"])
def partner_loans_api(
    who: Principal = Depends(Partner), session: Session = Depends(db)
) -> list[PartnerLoanOut]:
    """The loans the calling insurer insures or guarantor guarantees, with its premium or fee
    and its share of the loss and of what was recovered (fen)."""
    return book(session, who).loans


@router.get("/finance/partner", include_in_schema=False)
def partner_page(
    request: Request, who: Principal = Depends(Partner), session: Session = Depends(db)
) -> Response:
    from kechuang.finance.claim_preview import views

    claims = views(session, select(Claim).where(partner_filter(who)).order_by(Claim.id.desc()))
    done = request.query_params.get("done")
    return render(request, "finance/partner.html",
                  {"book": book(session, who), "who": who, "claims": claims,
                   "done": done})  # fmt: skip
