"""Claim pages and the officers' finance pages.

- `/finance/claims/{claim_id}`: one compensation claim, its split to the fen (what each party
  pays and which organisation), where it stands and its history, with the step forms the
  caller's role and the claim's state allow: the insurer or guarantor confirms, disputes or
  pays; an officer resolves a dispute, approves (the fund pays) or refuses. Readable by the
  officers, the lending bank and the insurer or guarantor sharing the loan (finance.steps.
  visible_claim); anyone else gets 404.
- `/officer/finance/fund`: each compensation fund's capacity (size x leverage, exposure, room),
  its cash against its floor (the ledger never lets it below 0) and what the claims waiting for
  it would take, each product's loss shares, and the claims awaiting an officer (disputed, or
  paid by the partner and waiting for the fund), each with its split and its forms.
- `/officer/finance/fof`: the fund of funds: each sub-fund with its returns, the form of every
  declared step (apply, decide, commit, call, invest, distribute, value) and the portfolio
  indicators of the whole loan book.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.finance import books, capacity, claims, fund_of_funds, indicators, loans
from kechuang.finance.claim_preview import view, views
from kechuang.finance.products import load_products
from kechuang.finance.steps import CLAIM, CLAIM_STEPS, FOF_STEPS, OFFICIALS
from kechuang.finance.tables import CLAIM_STATES as ClaimState
from kechuang.finance.tables import Claim, FinanceFund, Loan, SubFund
from kechuang.http import labels
from kechuang.http.fields import Id
from kechuang.http.security import db, require
from kechuang.http.steps import actor_of, today
from kechuang.http.templating import language, register_templates, render
from kechuang.ledger import balance
from kechuang.ledger.tables import LedgerAccount

router = APIRouter(include_in_schema=False)
labels.register("claim_state", {k: (v[0], v[1].capitalize()) for k, v in claims.NAMES.items()
                                if k in ClaimState})  # fmt: skip
labels.register("claim_event", {k: (v[0], v[1].capitalize()) for k, v in claims.NAMES.items()
                                if k not in ClaimState})  # fmt: skip
register_templates("kechuang.finance")
Official = require(*OFFICIALS)
Reader = require("officer", "admin", "bank", "insurer", "guarantor")
# What a form's redirect says was done (`?done=<step>`), in the page's language.
DONE = {step.name: step.label for step in (*CLAIM_STEPS, *FOF_STEPS)}
WAITING = ("disputed", "partner_paid")
OPEN = ("filed", "disputed", "confirmed", "partner_paid")


def _done(request: Request) -> str | None:
    label = DONE.get(request.query_params.get("done") or "")
    return label(language(request)) if label else None


@router.get("/finance/claims/{claim_id}")
def claim_page(
    claim_id: Id, request: Request, who: Principal = Depends(Reader), session: Session = Depends(db)
) -> Response:
    claim = CLAIM.load(session, actor_of(request, who, "form"), {"claim_id": claim_id})
    loan = session.get(Loan, claim.loan_id)
    assert loan is not None
    return render(request, "finance/claim.html",
                  {"c": view(claim, loan), "events": claims.events(session, claim.id),
                   "done": _done(request)})  # fmt: skip


@dataclass(frozen=True)
class FundView:
    fund: FinanceFund
    capacity: capacity.Capacity
    floor_fen: int
    waiting_fen: int  # the fund's parts of claims not yet paid (filed .. partner paid)

    @property
    def payable_fen(self) -> int:
        """What the fund can still pay out before it reaches its floor."""
        return max(0, self.capacity.balance_fen - self.floor_fen)


def fund_views(session: Session) -> list[FundView]:
    waiting: dict[str, int] = {}
    open_claims = select(Claim).where(Claim.state.in_(OPEN))
    for v in views(session, open_claims):
        part = int(v.claim.parts.get(loans.product_of(v.loan).fund_party, 0))
        waiting[v.loan.fund_code] = waiting.get(v.loan.fund_code, 0) + part
    funds = list(session.scalars(select(FinanceFund).order_by(FinanceFund.code)))
    codes = [books.fund_account(f.code) for f in funds]
    accounts = {a.code: a for a in session.scalars(
        select(LedgerAccount).where(LedgerAccount.code.in_(codes))
    )}  # fmt: skip
    return [
        FundView(fund, capacity.capacity(session, fund),
                 _floor(accounts.get(books.fund_account(fund.code))),
                 waiting.get(fund.code, 0))
        for fund in funds
    ]  # fmt: skip


def _floor(account: Any) -> int:
    return int(account.min_balance_fen or 0) if account is not None else 0


@dataclass(frozen=True)
class ShareRow:
    product_id: str
    fund_code: str
    shares: dict[str, Decimal]


def share_rows(day: dt.date) -> list[ShareRow]:
    """Each product's loss shares in force on `day` (guarantees: for tier A)."""
    rows = []
    for p in load_products().values():
        tier = "tier_a" if p.kind == "guarantee" else None
        rows.append(ShareRow(p.id, p.doc.fund.code, dict(p.shares_on(day, tier))))
    return rows


@router.get("/officer/finance/fund")
def fund_page(
    request: Request, _: Principal = Depends(Official), session: Session = Depends(db)
) -> Response:
    waiting = views(session, select(Claim).where(Claim.state.in_(WAITING)).order_by(Claim.id))
    others = views(session, select(Claim).where(Claim.state.in_(("filed", "confirmed")))
                    .order_by(Claim.id))  # fmt: skip
    return render(request, "finance/officer_fund.html",
                  {"funds": fund_views(session), "shares": share_rows(today(request)),
                   "waiting": waiting, "others": others, "done": _done(request)})  # fmt: skip


def _cash(session: Session) -> int:
    """The fund of funds' cash (0 before its books are opened by the first capital)."""
    opened = session.scalar(
        select(LedgerAccount.id).where(LedgerAccount.code == fund_of_funds.FOF_CASH)
    )
    return balance(session, fund_of_funds.FOF_CASH) if opened else 0


@router.get("/officer/finance/fof")
def fof_page(
    request: Request, _: Principal = Depends(Official), session: Session = Depends(db)
) -> Response:
    rows = [
        (row, fund_of_funds.returns(session, row.id))
        for row in session.scalars(select(SubFund).order_by(SubFund.id).limit(200))
    ]
    return render(request, "finance/officer_fof.html",
                  {"sub_funds": rows, "total": fund_of_funds.returns(session),
                   "cash_fen": _cash(session),
                   "report": indicators.report(session, with_funds=True),
                   "done": _done(request)})  # fmt: skip
