"""Finance API under /api/v1/finance and the finance pages.

Who sees what (every query goes through `loan_filter`):
- officer, analyst, admin: every loan, fund and sub-fund;
- bank role: the loans its organisation lends (bank_org) or shares the risk of as insurer or
  guarantor (partner_org); institutions log in with the `bank` role and their organisation code;
- insurer, guarantor: the loans it shares the risk of (finance.partners.partner_filter: an
  insurer the loans it insures, a guarantor its guarantees), read only;
- enterprise: its own loans (read only).
Anything else is 404, so a party cannot learn that another's loan exists.

The steps that change something (apply, approve, refuse, disburse, repay, default, claim,
recover, close, the overdue run, funds and the fund of funds) are declared once in
kechuang.finance.steps; `mount_steps` makes their API routes and the loan page's forms, and the
loan page shows their buttons. Only the lending bank moves a loan; an enterprise applies for
itself (finance.apply_page). The bank's queue and repayment upload: finance.bank_pages.
Refusals are problem+json (kechuang.http.refusals): 404 not found, 409 a rule refused it (with
the reason), 422 invalid input, including a body that names a day of its own (`on`): days
are the server's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.finance import fund_of_funds, indicators, officer_pages
from kechuang.finance.claim_preview import preview
from kechuang.finance.errors import NotFound
from kechuang.finance.partners import PARTNER_ROLES, partner_filter
from kechuang.finance.products import load_products
from kechuang.finance.schemas import LoanDetail, LoanOut, ReturnsOut, SubFundOut, loan_detail
from kechuang.finance.steps import STEPS
from kechuang.finance.tables import Loan, SubFund
from kechuang.http.fields import Id
from kechuang.http.pagination import Page, PageParams, page, page_params
from kechuang.http.problems import problem_responses
from kechuang.http.security import READERS, db, require
from kechuang.http.steps import mount_steps
from kechuang.http.templating import language, register_templates, render

router = APIRouter(responses=problem_responses(401, 403, 404, 422))
register_templates("kechuang.finance")
API = "/api/v1/finance"
Viewer = require("officer", "analyst", "admin", "bank", "enterprise", *PARTNER_ROLES)
Reader = require(*READERS)
PortfolioViewer = require("officer", "analyst", "admin", "bank", *PARTNER_ROLES)
State = Literal["applied", "refused", "approved", "disbursed", "overdue", "repaid", "defaulted",
                "claimed", "compensated", "closed"]  # fmt: skip


def loan_filter(who: Principal) -> ColumnElement[bool]:
    """The loans the caller may see."""
    if who.role in READERS:
        return true()
    if who.role == "bank" and who.org:
        return or_(Loan.bank_org == who.org, Loan.partner_org == who.org)
    if who.role in PARTNER_ROLES:
        return partner_filter(who)
    if who.role == "enterprise" and who.uscc:
        return Loan.uscc == who.uscc
    return false()


class ProductOut(BaseModel):
    id: str
    kind: str
    title_zh: str
    title_en: str
    document_number: str
    amount_min_fen: int
    amount_max_fen: int
    term_months_max: int
    annual_rate: str
    methods: list[str]
    shares: dict[str, Any]
    shares_reference: str


def _visible_loan(session: Session, who: Principal, loan_id: int) -> Loan:
    loan = session.scalars(select(Loan).where(Loan.id == loan_id, loan_filter(who))).one_or_none()
    if loan is None:
        raise NotFound(f"no loan {loan_id} here", zh=f"没有贷款 {loan_id}")
    return loan


@router.get(f"{API}/products", response_model=list[ProductOut], tags=["finance"])
def products_api(_: Principal = Depends(Viewer)) -> list[ProductOut]:
    """The credit products: limits, rate, methods and the risk shares in force today."""
    out = []
    for p in load_products().values():
        today = dt.date.today()
        shares: dict[str, Any] = (
            {t: {k: str(v) for k, v in p.shares_on(today, t).items()}
             for t in ("tier_a", "tier_b", "tier_c")} if p.kind == "guarantee"
            else {k: str(v) for k, v in p.shares_on(today).items()}
        )  # fmt: skip
        out.append(ProductOut(
            id=p.id, kind=p.kind, title_zh=p.doc.title.zh, title_en=p.doc.title.en,
            document_number=p.doc.document_number, amount_min_fen=p.doc.limits.amount_min_fen,
            amount_max_fen=p.doc.limits.amount_max_fen,
            term_months_max=p.doc.limits.term_months_max, annual_rate=str(p.doc.rate.annual),
            methods=list(p.doc.methods), shares=shares,
            shares_reference=p.doc.risk_shares.reference,
        ))  # fmt: skip
    return out


def _loan_query(who: Principal, state: str | None, product: str | None) -> Any:
    query = select(Loan).where(loan_filter(who))
    if state:
        query = query.where(Loan.state == state)
    if product:
        query = query.where(Loan.product_id == product)
    return query


@router.get(f"{API}/loans", response_model=Page[LoanOut], tags=["finance"])
def loans_api(
    request: Request,
    state: State | None = None,
    product: str | None = Query(None, max_length=64),
    params: PageParams = Depends(page_params),
    who: Principal = Depends(Viewer),
    session: Session = Depends(db),
) -> Page[LoanOut]:
    """The loans the caller may see, newest first."""
    query = _loan_query(who, state, product)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Loan.id.desc()).offset(params.offset).limit(params.limit))
    items = [LoanOut.model_validate(r, from_attributes=True) for r in rows]
    return page(request, items, int(total), params)


@router.get(f"{API}/loans/{{loan_id}}", response_model=LoanDetail, tags=["finance"])
def loan_api(
    loan_id: Id, who: Principal = Depends(Viewer), session: Session = Depends(db)
) -> LoanDetail:
    """One loan with its admission explanation, schedule, claim and recoveries."""
    return loan_detail(session, _visible_loan(session, who, loan_id))


mount_steps(router, STEPS)
router.include_router(officer_pages.router)
# What a form's redirect says was done (`?done=<step>`), in the page's language.
LABELS = {step.name: step.label for step in STEPS}


@router.get(f"{API}/indicators", tags=["finance"])
def indicators_api(
    who: Principal = Depends(PortfolioViewer), session: Session = Depends(db)
) -> dict[str, Any]:
    """Portfolio indicators over the loans the caller may see; funds for officials only."""
    return indicators.report(session, loan_filter(who), with_funds=who.role in READERS)


@router.get(f"{API}/sub-funds", response_model=Page[SubFundOut], tags=["finance"])
def sub_funds_api(
    request: Request,
    params: PageParams = Depends(page_params),
    _: Principal = Depends(Reader),
    session: Session = Depends(db),
) -> Page[SubFundOut]:
    """Sub-fund applications to the fund of funds, with their scores."""
    total = session.scalar(select(func.count()).select_from(SubFund)) or 0
    rows = session.scalars(
        select(SubFund).order_by(SubFund.id).offset(params.offset).limit(params.limit)
    )
    items = [SubFundOut.model_validate(r, from_attributes=True) for r in rows]
    return page(request, items, int(total), params)


@router.get(f"{API}/returns", response_model=ReturnsOut, tags=["finance"])
def returns_api(
    sub_fund: Id | None = None,
    _: Principal = Depends(Reader),
    session: Session = Depends(db),
) -> ReturnsOut:
    """IRR, TVPI and DPI of one sub-fund or of the whole fund of funds."""
    if sub_fund is not None and session.get(SubFund, sub_fund) is None:
        raise NotFound(f"no sub-fund {sub_fund}", zh=f"没有子基金 {sub_fund}")
    r = fund_of_funds.returns(session, sub_fund)
    return ReturnsOut(**r.__dict__)


# ----- pages -------------------------------------------------------------------------------


@router.get("/finance", include_in_schema=False)
def portfolio_page(
    request: Request, who: Principal = Depends(PortfolioViewer), session: Session = Depends(db)
) -> Response:
    official = who.role in READERS
    report = indicators.report(session, loan_filter(who), with_funds=official)
    sub_funds = (
        [(row, fund_of_funds.returns(session, row.id))
         for row in session.scalars(select(SubFund).order_by(SubFund.id).limit(200))]
        if official else []
    )  # fmt: skip
    total = fund_of_funds.returns(session) if official else None
    return render(request, "finance/portfolio.html",
                  {"report": report, "sub_funds": sub_funds, "fof_total": total})  # fmt: skip


@router.get("/finance/loans", include_in_schema=False)
def loans_page(
    request: Request,
    state: State | None = None,
    params: PageParams = Depends(page_params),
    who: Principal = Depends(Viewer),
    session: Session = Depends(db),
) -> Response:
    query = _loan_query(who, state, None)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(
        query.order_by(Loan.id.desc()).offset(params.offset).limit(params.limit)
    ))  # fmt: skip
    return render(request, "finance/loans.html",
                  {"loans": rows, "total": total, "params": params, "state": state})  # fmt: skip


@router.get("/finance/loans/{loan_id}", include_in_schema=False)
def loan_page(
    loan_id: Id, request: Request, who: Principal = Depends(Viewer), session: Session = Depends(db)
) -> Response:
    loan = _visible_loan(session, who, loan_id)
    # Only the lending bank is offered the loan's steps (its insurer sees, never moves it).
    lends = who.role == "bank" and bool(who.org) and who.org == loan.bank_org
    done = LABELS.get(request.query_params.get("done") or "")
    return render(request, "finance/loan.html",
                  {"loan": loan_detail(session, loan), "lends": lends,
                   "claim_preview": preview(session, loan) if lends else None,
                   "done": done(language(request)) if done else None})  # fmt: skip
