"""Finance tables: funds, loans, their instalments, repayments, claims, recoveries, the loan
transition log, and the fund of funds (sub-funds, commitments, calls, investments, distributions).

Money is integer fen (BigInteger); rates and shares are exact decimal text (Numeric would give
floats back on SQLite). The balances themselves live in the ledger; these rows are the business
records the ledger entries refer to (reference `loan:<id>`, `fund:<code>`, `sub_fund:<id>`).

Days (kechuang.finance.dating): a step's day is the server's business day, or an officer's
replay of a past day (`replayed_by` names the officer); a money fact's own day (`received_on`)
is kept beside the day and moment it was recorded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.store.base import Base

LOAN_STATES = (
    "applied",
    "refused",
    "approved",
    "disbursed",
    "overdue",
    "repaid",
    "defaulted",
    "claimed",
    "compensated",
    "closed",
)


class FinanceFund(Base):
    """A compensation fund or guarantee programme: its size and how far it may be leveraged."""

    __tablename__ = "finance_funds"
    __table_args__ = (CheckConstraint("size_fen >= 0", name="size"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    size_fen: Mapped[int] = mapped_column(BigInteger)
    # Covered principal may be at most size x leverage (放大倍数), e.g. "10".
    leverage: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Loan(Base):
    """One loan from application to its last recovery."""

    __tablename__ = "finance_loans"
    __table_args__ = (
        CheckConstraint("principal_fen > 0", name="principal"),
        UniqueConstraint("bank_org", "bank_ref"),
        Index("ix_finance_loans_bank_state", "bank_org", "state"),
        Index("ix_finance_loans_product_state", "product_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_id: Mapped[str] = mapped_column(String(64))
    product_version: Mapped[str] = mapped_column(String(32))
    fund_code: Mapped[str] = mapped_column(String(64), index=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(String(6), nullable=True)
    tier: Mapped[str | None] = mapped_column(String(16), nullable=True)
    bank_org: Mapped[str] = mapped_column(String(64))
    # The insurer (risk-shared loan) or guarantor (guarantee) sharing the risk.
    partner_org: Mapped[str] = mapped_column(String(64), index=True)
    bank_ref: Mapped[str] = mapped_column(String(64))
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    annual_rate: Mapped[str] = mapped_column(String(32))
    term_months: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    applied_on: Mapped[dt.date] = mapped_column(Date)
    admission_year: Mapped[int] = mapped_column(Integer)
    admission_outcome: Mapped[str] = mapped_column(String(16))
    admission: Mapped[dict[str, Any]] = mapped_column(JSON)
    approved_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    disbursed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # Snapshot of the shares at disbursement: a later change of the product never re-splits.
    shares: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    # What the enterprise pays the partner at disbursement: an insurance premium or a guarantee fee.
    premium_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    charge_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    premium_paid_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    outstanding_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    ever_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    settled_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    settled_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    defaulted_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    defaulted_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    claim_deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    claim_deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(128))
    # The first server day a step of this loan was taken live; NULL while every step so far is
    # an officer's replay. Once live, no replay may add to the loan's history.
    live_since: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class Instalment(Base):
    __tablename__ = "finance_instalments"

    loan_id: Mapped[int] = mapped_column(ForeignKey("finance_loans.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_on: Mapped[dt.date] = mapped_column(Date)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    interest_fen: Mapped[int] = mapped_column(BigInteger)
    paid_principal_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_interest_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class Repayment(Base):
    """A repayment: the day the bank received it (a fact) beside the day it was recorded."""

    __tablename__ = "finance_repayments"
    __table_args__ = (UniqueConstraint("loan_id", "bank_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("finance_loans.id"), index=True)
    bank_ref: Mapped[str] = mapped_column(String(64))
    received_on: Mapped[dt.date] = mapped_column(Date)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    interest_fen: Mapped[int] = mapped_column(BigInteger)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    replayed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)


CLAIM_STATES = ("filed", "disputed", "confirmed", "partner_paid", "paid", "refused")


class Claim(Base):
    """The compensation claim of a defaulted loan: the loss and each party's part of it, and
    where it stands (kechuang.finance.claims): filed by the bank, confirmed (or disputed) and
    paid by the insurer or guarantor, approved and paid by the fund."""

    __tablename__ = "finance_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("finance_loans.id"), unique=True)
    claimed_on: Mapped[dt.date] = mapped_column(Date)
    loss_fen: Mapped[int] = mapped_column(BigInteger)
    parts: Mapped[dict[str, int]] = mapped_column(JSON)
    claimed_by: Mapped[str] = mapped_column(String(128))
    # Claims before 0070 were paid in full when filed.
    state: Mapped[str] = mapped_column(String(16), default="filed", server_default="paid")
    # The insurer's or guarantor's reason while it disputes the claim (kept after resolution).
    dispute_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The officer's reason for a refusal or a dispute's resolution.
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    partner_paid_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    paid_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class ClaimEvent(Base):
    """The claim state machine's log: every move with who, on which day and why."""

    __tablename__ = "finance_claim_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("finance_claims.id"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    on: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)


class Recovery(Base):
    """Money recovered from a defaulted enterprise (追偿), shared back in the claim's shares."""

    __tablename__ = "finance_recoveries"
    __table_args__ = (UniqueConstraint("loan_id", "bank_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("finance_loans.id"), index=True)
    bank_ref: Mapped[str] = mapped_column(String(64))
    received_on: Mapped[dt.date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    parts: Mapped[dict[str, int]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    replayed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)


class LoanEvent(Base):
    """The loan state machine's log: every transition with who, when and why."""

    __tablename__ = "finance_loan_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("finance_loans.id"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    on: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    # The officer who replayed this step with a past day (`on`); `at` is still the real moment.
    replayed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)


class SubFund(Base):
    """A sub-fund's application to the fund of funds and, once approved, the fund's stake."""

    __tablename__ = "fof_sub_funds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text)
    manager: Mapped[str] = mapped_column(Text)
    industry: Mapped[str] = mapped_column(String(64))
    target_size_fen: Mapped[int] = mapped_column(BigInteger)
    requested_fen: Mapped[int] = mapped_column(BigInteger)
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON)
    score: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    applied_on: Mapped[dt.date] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # As Loan.live_since: the first server day of a live step, NULL while all are replays.
    live_since: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class FofFlow(Base):
    """A money flow between the fund of funds, a sub-fund and its portfolio enterprises.

    kind: commitment (认缴, no cash), capital_call (实缴), investment (sub-fund into an
    enterprise), distribution (sub-fund back to the fund of funds), valuation (NAV, no cash).
    """

    __tablename__ = "fof_flows"
    __table_args__ = (
        CheckConstraint("amount_fen >= 0", name="amount"),
        UniqueConstraint("key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(128))
    sub_fund_id: Mapped[int] = mapped_column(ForeignKey("fof_sub_funds.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    on: Mapped[dt.date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    uscc: Mapped[str | None] = mapped_column(String(18), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    replayed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
