"""The shapes finance exchanges: step inputs (one set of bounds for API, form and CLI) and the
API's answers.

Money is integer fen (`Whole`: JSON `"100"` is not an amount); a form or the command line takes
`<x>_yuan` for each `<x>_fen` field, read to the exact fen. No input names its own business day:
the day is the server's (a field such as `on` is refused, 422). A repayment or a recovery may
say when the money was received (`received_on`), kept beside the recorded day.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, Strict, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.text import CleanLine
from kechuang.finance import loans
from kechuang.finance.tables import Claim, Loan, Recovery, Repayment
from kechuang.http.fields import Instant
from kechuang.workflow.steps import StepInput, Whole, described

MAX_FEN = 10**13
Method = Literal["equal_instalment", "interest_only"]
Criterion = Annotated[CleanLine, StringConstraints(min_length=1, max_length=64)]
Score = Annotated[int, Strict(), Field(ge=0, le=100)]
Tier = Literal["tier_a", "tier_b", "tier_c"]


# -- inputs -----------------------------------------------------------------------------------


class ApplicationIn(StepInput):
    """A bank's application for an enterprise; the lending bank is the caller's organisation."""

    product_id: CleanLine = Field(min_length=1, max_length=64, **described("Product", "产品"))
    uscc: str = Field(
        pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$", **described("Enterprise USCC", "统一社会信用代码")
    )
    partner_org: CleanLine = Field(
        min_length=1,
        max_length=64,
        **described(
            "Insurer or guarantor",
            "保险或担保机构",
            picker="org:insurer+guarantor",
            picker_open=True,
        ),
    )
    bank_ref: CleanLine = Field(
        min_length=1, max_length=64, **described("The bank's loan reference", "银行贷款编号")
    )
    principal_fen: Whole = Field(gt=0, le=MAX_FEN, **described("Principal", "本金"))
    term_months: Whole = Field(ge=1, le=360, **described("Term in months", "期限（月）"))
    method: Method = Field("equal_instalment", **described("Repayment method", "还款方式"))
    tier: Tier | None = Field(None, **described("Enterprise tier (guarantees)", "企业分档（担保）"))
    facts_year: Whole | None = Field(
        None, ge=1990, le=2100, **described("Facts year (default: last year)", "数据年度")
    )
    bank_org: CleanLine | None = Field(
        None,
        min_length=1,
        max_length=64,
        **described(
            "The lending bank (an officer's replay; a bank's own by default)",
            "贷款银行（补录）",
            picker="org:bank",
        ),
    )


class MoneyIn(StepInput):
    """Money received: the bank's reference, the amount and, if earlier than today, the day."""

    ref: CleanLine = Field(min_length=1, max_length=64, **described("Bank reference", "银行编号"))
    amount_fen: Whole = Field(gt=0, le=MAX_FEN, **described("Amount", "金额"))
    received_on: dt.date | None = Field(
        None, **described("Received on, if before today", "到账日（早于今日时填写）")
    )


class ReasonIn(StepInput):
    reason: CleanLine = Field(min_length=1, max_length=500, **described("Reason", "理由"))


class OverdueIn(StepInput):
    bank_org: CleanLine | None = Field(
        None,
        min_length=1,
        max_length=64,
        **described("Only this bank's loans", "仅此银行", picker="org:bank"),
    )


class FundIn(StepInput):
    product_id: CleanLine = Field(
        min_length=1, max_length=64, **described("The product whose fund this is", "产品")
    )
    size_fen: Whole = Field(ge=0, le=MAX_FEN, **described("Size", "规模"))
    leverage: Decimal = Field(
        Decimal(10), gt=0, le=100, max_digits=6, decimal_places=2,
        **described("Loans backed per yuan of fund", "放大倍数"),
    )  # fmt: skip


class SubFundIn(StepInput):
    name: CleanLine = Field(min_length=1, max_length=200, **described("Sub-fund", "子基金"))
    manager: CleanLine = Field(min_length=1, max_length=200, **described("Manager", "管理人"))
    industry: CleanLine = Field(min_length=1, max_length=64, **described("Industry", "行业"))
    target_size_fen: Whole = Field(gt=0, le=MAX_FEN, **described("Target size", "目标规模"))
    requested_fen: Whole = Field(
        gt=0, le=MAX_FEN, **described("Commitment asked of the fund", "申请出资")
    )
    criteria: dict[Criterion, Score] = Field(
        max_length=20,
        **described('Scores 0..100, e.g. {"team": 80, ...}', "评分（0-100）"),
    )


class DecisionIn(StepInput):
    approve: bool = Field(**described("Approve (else reject)", "批准（否则拒绝）"))


class FofFlowIn(StepInput):
    amount_fen: Whole = Field(gt=0, le=MAX_FEN, **described("Amount", "金额"))
    key: CleanLine = Field(
        min_length=1, max_length=64, **described("Idempotency key of this flow", "幂等键")
    )


class InvestmentIn(FofFlowIn):
    uscc: str = Field(
        pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$", **described("Enterprise USCC", "统一社会信用代码")
    )


# -- answers ----------------------------------------------------------------------------------


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
    claim_id: int | None = None
    claim_state: str | None = None
    recoveries: list[MoneyFactOut]
    recovered_fen: int


class ClaimOut(BaseModel):
    """A compensation claim: its split to the fen and where it stands."""

    id: int
    loan_id: int
    state: str
    claimed_on: dt.date
    claimed_by: str
    loss_fen: int
    parts: dict[str, int]
    dispute_reason: str | None
    decision_reason: str | None
    partner_paid_on: dt.date | None
    paid_on: dt.date | None


class OverdueOut(BaseModel):
    moved: int


class FundOut(BaseModel):
    id: int
    code: str
    size_fen: int
    leverage: str


class SubFundOut(BaseModel):
    id: int
    name: str
    manager: str
    industry: str
    target_size_fen: int
    requested_fen: int
    score: str
    state: str


class FofFlowOut(BaseModel):
    key: str
    sub_fund_id: int
    kind: str
    on: dt.date
    amount_fen: int


class CapitalOut(BaseModel):
    key: str
    amount_fen: int
    cash_fen: int  # the fund of funds' cash after it


class ReturnsOut(BaseModel):
    paid_in_fen: int
    distributed_fen: int
    nav_fen: int
    irr: Decimal | None
    tvpi: Decimal | None
    dpi: Decimal | None


def loan_out(loan: Loan) -> LoanOut:
    return LoanOut.model_validate(loan, from_attributes=True)


def _fact(row: Repayment | Recovery) -> MoneyFactOut:
    amount = row.amount_fen if isinstance(row, Recovery) else row.principal_fen + row.interest_fen
    return MoneyFactOut(bank_ref=row.bank_ref, amount_fen=amount, received_on=row.received_on,
                        recorded_on=row.recorded_on, recorded_at=row.recorded_at,
                        recorded_by=row.recorded_by, replayed_by=row.replayed_by)  # fmt: skip


def loan_detail(session: Session, loan: Any) -> LoanDetail:
    """One loan with its admission explanation, schedule, repayments, claim and recoveries."""
    claim = session.scalars(select(Claim).where(Claim.loan_id == loan.id)).one_or_none()
    repayments = session.scalars(
        select(Repayment).where(Repayment.loan_id == loan.id).order_by(Repayment.id)
    )
    recoveries = [_fact(r) for r in session.scalars(
        select(Recovery).where(Recovery.loan_id == loan.id).order_by(Recovery.id)
    )]  # fmt: skip
    return LoanDetail(
        **loan_out(loan).model_dump(),
        admission_text=str(loan.admission.get("text_zh", "")), shares=loan.shares,
        schedule=[InstalmentOut.model_validate(i, from_attributes=True)
                  for i in loans.instalments(session, loan.id)],
        repayments=[_fact(r) for r in repayments], claimed_on=claim.claimed_on if claim else None,
        claim_parts=claim.parts if claim else None, recoveries=recoveries,
        claim_id=claim.id if claim else None, claim_state=claim.state if claim else None,
        recovered_fen=sum(r.amount_fen for r in recoveries),
    )  # fmt: skip
