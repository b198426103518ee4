"""Finance API under /api/v1/finance and the finance pages.

Who sees what (every query goes through `loan_filter`):
- officer, analyst, admin: every loan, fund and sub-fund;
- bank role: the loans its organisation lends (bank_org) or shares the risk of as insurer or
  guarantor (partner_org); institutions log in with the `bank` role and their organisation code;
- enterprise: its own loans (read only).
Anything else is 404, so a party cannot learn that another's loan exists. Only the lending bank
moves a loan (approve, disburse, repay, default, claim, recover). Errors are problem+json:
404 not found, 409 a rule refused it (with the reason), 422 invalid input.

Days: every step is dated by the server's clock; a body that names a day of its own (`on`) is
invalid (422). A repayment or recovery may say when the money was received (`received_on`):
kept beside the recorded day, checked against the loan's history (422 when it is in the future
or before what it follows) and never used to count a deadline (kechuang.finance.dating).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session

from kechuang.accounts import audit
from kechuang.accounts.service import Principal
from kechuang.domain.text import CleanLine
from kechuang.finance import fund_of_funds, indicators, loans
from kechuang.finance.errors import BadDay, FinanceError, IllegalTransition, NotFound
from kechuang.finance.products import ProductError, load_products
from kechuang.finance.tables import Claim, Loan, Recovery, Repayment, SubFund
from kechuang.http.fields import Id, Instant
from kechuang.http.pagination import Page, PageParams, page, page_params
from kechuang.http.problems import ProblemError, problem_responses
from kechuang.http.security import READERS, client_ip, db, require
from kechuang.http.templating import register_templates, render
from kechuang.ledger import LedgerError
from kechuang.screening.awards import clock

router = APIRouter(responses=problem_responses(401, 403, 404, 422))
register_templates("kechuang.finance")
API = "/api/v1/finance"
Viewer = require("officer", "analyst", "admin", "bank", "enterprise")
Lender = require("bank")
Reader = require(*READERS)
PortfolioViewer = require("officer", "analyst", "admin", "bank")
State = Literal["applied", "refused", "approved", "disbursed", "overdue", "repaid", "defaulted",
                "compensated", "closed"]  # fmt: skip


def loan_filter(who: Principal) -> ColumnElement[bool]:
    """The loans the caller may see."""
    if who.role in READERS:
        return true()
    if who.role == "bank" and who.org:
        return or_(Loan.bank_org == who.org, Loan.partner_org == who.org)
    if who.role == "enterprise" and who.uscc:
        return Loan.uscc == who.uscc
    return false()


@contextmanager
def refused() -> Iterator[None]:
    try:
        yield
    except NotFound as exc:
        raise ProblemError(404, str(exc), "not-found") from None
    except IllegalTransition as exc:
        raise ProblemError(409, str(exc), "illegal-transition") from None
    except BadDay as exc:
        raise ProblemError(422, str(exc), "invalid-day") from None
    except (FinanceError, ProductError, LedgerError) as exc:
        raise ProblemError(409, str(exc), "finance-refused") from None


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


class LoanOut(BaseModel):
    id: int
    product_id: str
    uscc: str
    enterprise_name: str
    district: str | None
    bank_org: str
    partner_org: str
    bank_ref: str
    state: str
    principal_fen: int
    outstanding_fen: int
    premium_fen: int
    annual_rate: str
    term_months: int
    method: str
    applied_on: dt.date
    approved_on: dt.date | None
    disbursed_on: dt.date | None
    defaulted_on: dt.date | None
    admission_outcome: str
    claim_deadline: dt.date | None


class InstalmentOut(BaseModel):
    seq: int
    due_on: dt.date
    principal_fen: int
    interest_fen: int
    paid_principal_fen: int
    paid_interest_fen: int
    paid_on: dt.date | None


class MoneyFactOut(BaseModel):
    """A repayment or recovery: the day received (the bank's fact) beside its recording."""

    bank_ref: str
    amount_fen: int
    received_on: dt.date
    recorded_on: dt.date
    recorded_at: Instant
    recorded_by: str
    replayed_by: str | None


class LoanDetail(LoanOut):
    admission_text: str
    shares: dict[str, str] | None
    schedule: list[InstalmentOut]
    repayments: list[MoneyFactOut]
    claimed_on: dt.date | None
    claim_parts: dict[str, int] | None
    recoveries: list[MoneyFactOut]
    recovered_fen: int


class ApplicationIn(BaseModel):
    product_id: CleanLine = Field(min_length=1, max_length=64)
    uscc: str = Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")
    partner_org: CleanLine = Field(min_length=1, max_length=64)
    bank_ref: CleanLine = Field(min_length=1, max_length=64)
    principal_fen: StrictInt = Field(gt=0, le=10**13)
    term_months: int = Field(ge=1, le=360)
    method: Literal["equal_instalment", "interest_only"]
    tier: Literal["tier_a", "tier_b", "tier_c"] | None = None
    facts_year: int | None = Field(None, ge=1990, le=2100)


class MoneyIn(BaseModel):
    """Money received: the bank's reference, the amount and, if earlier than today, the day."""

    model_config = ConfigDict(extra="forbid")

    ref: CleanLine = Field(min_length=1, max_length=64)
    amount_fen: StrictInt = Field(gt=0, le=10**13)
    received_on: dt.date | None = None


class StepIn(BaseModel):
    """A step has nothing to choose: its day is the server's (a field such as `on` is 422)."""

    model_config = ConfigDict(extra="forbid")


class ClaimOut(BaseModel):
    loan_id: int
    loss_fen: int
    parts: dict[str, int]


class SubFundOut(BaseModel):
    id: int
    name: str
    manager: str
    industry: str
    target_size_fen: int
    requested_fen: int
    score: str
    state: str


class ReturnsOut(BaseModel):
    paid_in_fen: int
    distributed_fen: int
    nav_fen: int
    irr: Decimal | None
    tvpi: Decimal | None
    dpi: Decimal | None


def _loan_out(loan: Loan) -> LoanOut:
    return LoanOut.model_validate(loan, from_attributes=True)


def _visible_loan(session: Session, who: Principal, loan_id: int) -> Loan:
    loan = session.scalars(select(Loan).where(Loan.id == loan_id, loan_filter(who))).one_or_none()
    if loan is None:
        raise ProblemError(404, f"no loan {loan_id} here", "not-found")
    return loan


def _own_loan(session: Session, who: Principal, loan_id: int) -> Loan:
    """The loan if the caller is its lending bank (404 otherwise, even for its insurer)."""
    loan = session.get(Loan, loan_id)
    if loan is None or not who.org or loan.bank_org != who.org:
        raise ProblemError(404, f"no loan {loan_id} here", "not-found")
    return loan


def _fact(row: Repayment | Recovery) -> MoneyFactOut:
    amount = row.amount_fen if isinstance(row, Recovery) else row.principal_fen + row.interest_fen
    return MoneyFactOut(bank_ref=row.bank_ref, amount_fen=amount, received_on=row.received_on,
                        recorded_on=row.recorded_on, recorded_at=row.recorded_at,
                        recorded_by=row.recorded_by, replayed_by=row.replayed_by)  # fmt: skip


def _detail(session: Session, loan: Loan) -> LoanDetail:
    claim = session.scalars(select(Claim).where(Claim.loan_id == loan.id)).one_or_none()
    repayments = session.scalars(
        select(Repayment).where(Repayment.loan_id == loan.id).order_by(Repayment.id)
    )
    recoveries = [_fact(r) for r in session.scalars(
        select(Recovery).where(Recovery.loan_id == loan.id).order_by(Recovery.id)
    )]  # fmt: skip
    return LoanDetail(
        **_loan_out(loan).model_dump(),
        admission_text=str(loan.admission.get("text_zh", "")), shares=loan.shares,
        schedule=[InstalmentOut.model_validate(i, from_attributes=True)
                  for i in loans.instalments(session, loan.id)],
        repayments=[_fact(r) for r in repayments], claimed_on=claim.claimed_on if claim else None,
        claim_parts=claim.parts if claim else None, recoveries=recoveries,
        recovered_fen=sum(r.amount_fen for r in recoveries),
    )  # fmt: skip


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
    return page(request, [_loan_out(r) for r in rows], int(total), params)


@router.get(f"{API}/loans/{{loan_id}}", response_model=LoanDetail, tags=["finance"])
def loan_api(
    loan_id: Id, who: Principal = Depends(Viewer), session: Session = Depends(db)
) -> LoanDetail:
    """One loan with its admission explanation, schedule, claim and recoveries."""
    return _detail(session, _visible_loan(session, who, loan_id))


def _audit(
    session: Session,
    request: Request,
    who: Principal,
    action: str,
    loan: Loan,
    on: dt.date,
    received_on: dt.date | None = None,
) -> None:
    after: dict[str, Any] = {"state": loan.state, "on": on.isoformat()}
    if received_on is not None:
        after["received_on"] = received_on.isoformat()
    audit.record(session, who.username, action, "loan", loan.id, None, after, client_ip(request))


@router.post(f"{API}/loans", response_model=LoanDetail, status_code=201, tags=["finance"],
             responses=problem_responses(409))  # fmt: skip
def apply_api(
    body: ApplicationIn,
    request: Request,
    who: Principal = Depends(Lender),
    session: Session = Depends(db),
) -> LoanDetail:
    """A bank records an application; the admission rule pre-screens it (with explanation)."""
    if not who.org:
        raise ProblemError(403, "a bank account needs its organisation")
    app = loans.Application(
        body.product_id, body.uscc, who.org, body.partner_org, body.bank_ref,
        body.principal_fen, body.term_months, body.method, body.tier,
    )  # fmt: skip
    on = clock(request)
    with refused():
        loan = loans.apply(session, app, who.username, on, body.facts_year)
    _audit(session, request, who, "finance.apply", loan, on)
    session.commit()
    return _detail(session, loan)


def _action(name: str, action: Any, summary: str) -> None:
    def endpoint(
        loan_id: Id,
        request: Request,
        body: StepIn | None = None,
        who: Principal = Depends(Lender),
        session: Session = Depends(db),
    ) -> LoanDetail:
        loan = _own_loan(session, who, loan_id)
        on = clock(request)
        with refused():
            action(session, loan.id, who.username, on)
        _audit(session, request, who, f"finance.{name}", loan, on)
        session.commit()
        return _detail(session, loan)

    endpoint.__doc__ = summary
    router.post(f"{API}/loans/{{loan_id}}/{name}", response_model=LoanDetail, tags=["finance"],
                responses=problem_responses(409), name=f"finance_{name}")(endpoint)  # fmt: skip


_action("approve", loans.approve, "The lending bank approves (409 when the fund is full).")
_action("disburse", loans.disburse, "Pay out: schedule, premium or fee, ledger entries.")
_action("default", loans.declare_default, "Declare the loan in default (after the overdue days).")
_action("claim", loans.claim, "Claim compensation: the loss split by the shares, paid out.")


@router.post(f"{API}/loans/{{loan_id}}/repayments", response_model=LoanDetail, tags=["finance"],
             responses=problem_responses(409))  # fmt: skip
def repay_api(
    loan_id: Id,
    body: MoneyIn,
    request: Request,
    who: Principal = Depends(Lender),
    session: Session = Depends(db),
) -> LoanDetail:
    """A repayment (idempotent by `ref`), applied interest first then principal.

    Recorded today; `received_on` (default today) is when the bank received it.
    """
    loan = _own_loan(session, who, loan_id)
    on = clock(request)
    with refused():
        loans.repay(session, loan.id, body.ref, body.amount_fen, who.username, on,
                    received_on=body.received_on)  # fmt: skip
    _audit(session, request, who, "finance.repay", loan, on, body.received_on)
    session.commit()
    return _detail(session, loan)


@router.post(f"{API}/loans/{{loan_id}}/recoveries", response_model=LoanDetail, tags=["finance"],
             responses=problem_responses(409))  # fmt: skip
def recover_api(
    loan_id: Id,
    body: MoneyIn,
    request: Request,
    who: Principal = Depends(Lender),
    session: Session = Depends(db),
) -> LoanDetail:
    """Money recovered from the enterprise, shared back in the claim's shares (idempotent).

    Recorded today; `received_on` (default today) is when it came back.
    """
    loan = _own_loan(session, who, loan_id)
    on = clock(request)
    with refused():
        loans.recover(session, loan.id, body.ref, body.amount_fen, who.username, on,
                      received_on=body.received_on)  # fmt: skip
    _audit(session, request, who, "finance.recover", loan, on, body.received_on)
    session.commit()
    return _detail(session, loan)


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
        raise ProblemError(404, f"no sub-fund {sub_fund}", "not-found")
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
    return render(request, "finance/loan.html", {"loan": _detail(session, loan)})
