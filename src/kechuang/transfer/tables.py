"""Tables of kechuang.transfer: the register, 赋权, deals, income and payouts, demands, challenges.

Every row that belongs to an institution carries its organisation code (`institution`, the
`org` of its tech-transfer office accounts), and every row that belongs to an enterprise its
USCC, so that access is scoped with one WHERE clause. Money is integer fen; foreign amounts
are kept in their minor unit beside the fen, with the day's rate as exact decimal text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
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
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from kechuang.store.base import Base

ORG = 64


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal stored as its exact text: SQLite has no exact decimal type."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class DistributionRule(Base):
    """An institution's inventor shares (basis points), at or above the statutory minimums."""

    __tablename__ = "transfer_rules"

    institution: Mapped[str] = mapped_column(String(ORG), primary_key=True)
    licence_bp: Mapped[int] = mapped_column(Integer)
    transfer_bp: Mapped[int] = mapped_column(Integer)
    equity_bp: Mapped[int] = mapped_column(Integer)
    operating_profit_bp: Mapped[int] = mapped_column(Integer)
    main_contributors_bp: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PilotUnit(Base):
    """An institution in the 赋权 pilot (试点单位) from a year on."""

    __tablename__ = "transfer_pilot_units"

    institution: Mapped[str] = mapped_column(String(ORG), primary_key=True)
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    since_year: Mapped[int] = mapped_column(Integer)


class Result(Base):
    """A research result in the separate register (单列管理) of its institution."""

    __tablename__ = "transfer_results"
    __table_args__ = (
        UniqueConstraint("institution", "application_number"),
        Index("ix_transfer_results_institution_status", "institution", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    institution: Mapped[str] = mapped_column(String(ORG))
    kind: Mapped[str] = mapped_column(String(32))
    title_zh: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    abstract_zh: Mapped[str] = mapped_column(Text)
    # The English summary for the cross-border listing; empty where none was given.
    abstract_en: Mapped[str] = mapped_column(Text, server_default="", default="")
    keywords: Mapped[str] = mapped_column(Text)
    application_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    ipc_codes: Mapped[str] = mapped_column(Text)  # normalised symbols joined by ';'
    industry_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    listed: Mapped[bool] = mapped_column(Boolean)  # open to matching and enterprises
    disclosed_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Inventor(Base):
    """An inventor of a result with a contribution share in basis points (sum 10,000)."""

    __tablename__ = "transfer_inventors"
    __table_args__ = (
        UniqueConstraint("result_id", "name"),
        CheckConstraint("share_bp > 0 AND share_bp <= 10000", name="share"),
        # One account is one inventor record: the inventor's own page shows exactly its rows.
        Index("uq_transfer_inventors_account_id", "account_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("transfer_results.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    share_bp: Mapped[int] = mapped_column(Integer)
    main: Mapped[bool] = mapped_column(Boolean)
    # The inventor's own account (accounts.id, role inventor), linked by the office through
    # register.link_inventor, which checks it; None until linked. No foreign key: migration 0080
    # adds the column in place (SQLite cannot add a constraint to a table others refer to).
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class TransferEvent(Base):
    """The status history of results, 赋权 cases and challenges: who moved what, when, why."""

    __tablename__ = "transfer_events"
    __table_args__ = (Index("ix_transfer_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_state: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    note: Mapped[str] = mapped_column(Text)


class Empowerment(Base):
    """A 赋权 case: the inventors' request, the review checklist, the agreement, registration."""

    __tablename__ = "transfer_empowerments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("transfer_results.id"), index=True)
    institution: Mapped[str] = mapped_column(String(ORG), index=True)
    state: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    request_note: Mapped[str] = mapped_column(Text)
    checklist: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The agreement: ownership | co_ownership | long_term_use.
    agreement_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    inventor_ownership_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)
    term_years: Mapped[int | None] = mapped_column(Integer, nullable=True)
    licence_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)
    transfer_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)
    equity_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decision_rights: Mapped[str | None] = mapped_column(Text, nullable=True)
    costs: Mapped[str | None] = mapped_column(Text, nullable=True)
    agreed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    registration_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    registered_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class Deal(Base):
    """A licence, transfer, equity investment or own implementation of a result."""

    __tablename__ = "transfer_deals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("transfer_results.id"), index=True)
    institution: Mapped[str] = mapped_column(String(ORG), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    counterparty_name: Mapped[str] = mapped_column(Text)
    counterparty_uscc: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    counterparty_country: Mapped[str] = mapped_column(String(2))
    exclusive: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    territory: Mapped[str | None] = mapped_column(Text, nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    fx_rate: Mapped[Decimal] = mapped_column(DecimalText())
    fx_date: Mapped[dt.date] = mapped_column(Date)
    contract_amount_minor: Mapped[int] = mapped_column(BigInteger)
    contract_amount_fen: Mapped[int] = mapped_column(BigInteger)
    upfront_minor: Mapped[int] = mapped_column(BigInteger)
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    royalty_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)
    signed_on: Mapped[dt.date] = mapped_column(Date)
    # not_required | required | cleared: a foreign counterparty needs the export-control check.
    export_control: Mapped[str] = mapped_column(String(16))
    export_licence_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    company_uscc: Mapped[str | None] = mapped_column(String(18), nullable=True)
    company_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    company_founded_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    shares: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reward_years: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class DealIncome(Base):
    """Income received on a deal and its distribution (one ledger entry pair per income)."""

    __tablename__ = "transfer_incomes"
    # The receipt (bank slip, share certificate) makes recording idempotent per deal.
    __table_args__ = (UniqueConstraint("deal_id", "receipt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("transfer_deals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    receipt: Mapped[str] = mapped_column(String(64))
    received_on: Mapped[dt.date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    fx_rate: Mapped[Decimal] = mapped_column(DecimalText())
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    costs_fen: Mapped[int] = mapped_column(BigInteger)
    net_fen: Mapped[int] = mapped_column(BigInteger)
    shares: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    year_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    share_bp: Mapped[int] = mapped_column(Integer)
    inventors_fen: Mapped[int] = mapped_column(BigInteger)
    inventors_shares: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(128))


class Payout(Base):
    """One inventor's part of one income, in fen (and in shares for equity)."""

    __tablename__ = "transfer_payouts"
    __table_args__ = (UniqueConstraint("income_id", "inventor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    income_id: Mapped[int] = mapped_column(ForeignKey("transfer_incomes.id"), index=True)
    inventor_id: Mapped[int] = mapped_column(ForeignKey("transfer_inventors.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    shares: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Financing(Base):
    """Financing raised by a company founded on a result (for the pilot indicators)."""

    __tablename__ = "transfer_financings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("transfer_deals.id"), index=True)
    institution: Mapped[str] = mapped_column(String(ORG), index=True)
    round_name: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    raised_on: Mapped[dt.date] = mapped_column(Date)


class Demand(Base):
    """A technology demand (出题) posted by an enterprise."""

    __tablename__ = "transfer_demands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    title_zh: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    description_zh: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text, server_default="", default="")
    ipc_codes: Mapped[str] = mapped_column(Text)
    industry_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    budget_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    posted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Challenge(Base):
    """A 揭榜挂帅 challenge: an enterprise's problem and budget, answered by teams."""

    __tablename__ = "transfer_challenges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    title_zh: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    problem_zh: Mapped[str] = mapped_column(Text)
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    deadline: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))
    awarded_answer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    posted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ChallengeAnswer(Base):
    """A team's answer (揭榜) to a challenge, with the enterprise's evaluation (阅卷)."""

    __tablename__ = "transfer_challenge_answers"
    __table_args__ = (UniqueConstraint("challenge_id", "team_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("transfer_challenges.id"), index=True)
    team_name: Mapped[str] = mapped_column(String(200))
    institution: Mapped[str | None] = mapped_column(String(ORG), nullable=True)
    submitted_by: Mapped[str] = mapped_column(String(128))
    proposal_zh: Mapped[str] = mapped_column(Text)
    asked_fen: Mapped[int] = mapped_column(BigInteger)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
