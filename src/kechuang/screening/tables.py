"""Screening tables: runs, results, awards, once-scope claims and exclusions, the workflow log,
objections, outbox, bank accounts.

A run is one screening of one policy version over one snapshot of the stored population; its
results are stored whole (one row per enterprise). Awards are the eligible enterprises' benefits
with their own workflow state and their allocated amount in integer fen. `workflow_events` is
append-only: every transition of a run or an award is one row saying who, when and why.

A policy's benefit is paid once per enterprise within its once scope (ever, a year, a period).
Every award of a paying policy holds a claim on (policy, enterprise, scope); a partial unique
index lets at most one claim per scope be live or paid, so the database itself refuses a second
award or payment in that scope, on SQLite and PostgreSQL, whatever the timing. An eligible
enterprise whose scope is already held gets no award in a later run: an exclusion row says why.
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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.store.base import Base

USCC_LENGTH = 18
ACTOR_LENGTH = 128
SCOPE_KEY_LENGTH = 40
# Claims in these states hold their scope; a released claim (the award ended without money
# kept) holds nothing, so the scope is free for a later award.
HELD_CLAIM_STATES = ("live", "paid")
_HELD = text("state IN ('live', 'paid')")


class ScreeningRun(Base):
    """One screening of a policy version over a data snapshot, and where its workflow stands."""

    __tablename__ = "screening_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    policy_id: Mapped[str] = mapped_column(String(64), index=True)
    policy_version: Mapped[str] = mapped_column(String(32))
    policy_hash: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The data snapshot: the import batches it holds and the hash of the Parquet file screened.
    max_batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    batch_count: Mapped[int] = mapped_column(Integer)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    budget_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    allocation: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)
    started_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Resume marker: results are loaded in key order; this many are stored (committed with them).
    loaded_rows: Mapped[int] = mapped_column(BigInteger, default=0)
    result_rows: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    counts: Mapped[dict[str, int]] = mapped_column(JSON)
    eligible_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    allocated_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    published_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH), nullable=True)
    published_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    notice_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notice_ends_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    notice_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH), nullable=True)
    approved_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    confirm_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    confirm_by: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    confirm_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # The benefit's once scope (ever | per_year | per_period) and this run's key in it
    # ("ever", "year:2024", "period:2024-01-01"); NULL when the policy pays no benefit.
    once_scope: Mapped[str | None] = mapped_column(String(16), nullable=True)
    scope_key: Mapped[str | None] = mapped_column(String(SCOPE_KEY_LENGTH), nullable=True)
    # A run that repeats a live run (same policy, version, year) says why, and which one.
    start_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    duplicate_of: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The budget year the run's money belongs to (NULL: the evaluation year, as before).
    budget_year: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ScreeningResult(Base):
    """One enterprise's verdict in a run (RESULTS of shared/DATA-CONTRACT.md, benefit in fen)."""

    __tablename__ = "screening_results"

    # (run_id, uscc) is the key: a re-run chunk can never store an enterprise twice.
    run_id: Mapped[int] = mapped_column(ForeignKey("screening_runs.id"), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(USCC_LENGTH), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))
    # Exact decimal text: a score is compared and shown, never computed on in the store.
    score: Mapped[str | None] = mapped_column(String(32), nullable=True)
    benefit_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    unmet: Mapped[str | None] = mapped_column(Text, nullable=True)


class Award(Base):
    """An eligible enterprise's benefit in a run: eligible and allocated amounts, its own state."""

    __tablename__ = "screening_awards"
    __table_args__ = (
        UniqueConstraint("run_id", "uscc"),
        Index("ix_screening_awards_run_state", "run_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("screening_runs.id"))
    uscc: Mapped[str] = mapped_column(String(USCC_LENGTH))
    name: Mapped[str] = mapped_column(Text)
    score: Mapped[str | None] = mapped_column(String(32), nullable=True)
    eligible_fen: Mapped[int] = mapped_column(BigInteger)
    allocated_fen: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    paid_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The value date of the disbursement: the day the money is booked as paid (reports count
    # money by it); paid_at stays the moment the payment was instructed.
    value_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class OnceClaim(Base):
    """An award's hold on its policy's once scope: live while the award may still be paid, paid
    once it is, released when it ends with no money kept (withdrawn, unfunded, lapsed,
    excluded, clawed back). Written in the transaction that changes the award."""

    __tablename__ = "screening_once_claims"
    __table_args__ = (
        CheckConstraint("state IN ('live', 'paid', 'released')", name="state"),
        # The rule itself: one live-or-paid claim per policy, enterprise and scope.
        Index(
            "uq_screening_once_claims_held",
            "policy_id",
            "uscc",
            "scope_key",
            unique=True,
            sqlite_where=_HELD,
            postgresql_where=_HELD,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("screening_awards.id"), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("screening_runs.id"), index=True)
    policy_id: Mapped[str] = mapped_column(String(64))
    uscc: Mapped[str] = mapped_column(String(USCC_LENGTH))
    scope_key: Mapped[str] = mapped_column(String(SCOPE_KEY_LENGTH))
    state: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class OnceExclusion(Base):
    """An eligible enterprise that a run gives no award: its once scope was already held by
    another award (paid, or live in another run) when the run stored its awards."""

    __tablename__ = "screening_once_exclusions"

    run_id: Mapped[int] = mapped_column(ForeignKey("screening_runs.id"), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(USCC_LENGTH), primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(SCOPE_KEY_LENGTH))
    held_by_award_id: Mapped[int] = mapped_column(ForeignKey("screening_awards.id"))
    held_by_run_id: Mapped[int] = mapped_column(ForeignKey("screening_runs.id"))
    held_state: Mapped[str] = mapped_column(String(16))  # the claim's state then: live | paid
    eligible_fen: Mapped[int] = mapped_column(BigInteger)


class WorkflowEvent(Base):
    """One transition of a run or an award: append-only, never updated."""

    __tablename__ = "workflow_events"
    __table_args__ = (Index("ix_workflow_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("screening_runs.id"), index=True)
    subject_type: Mapped[str] = mapped_column(String(16))  # "run" or "award"
    subject_id: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text, default="")


class Objection(Base):
    """An objection to an award during the public notice, and its decision."""

    __tablename__ = "screening_objections"
    # A repeated submission (the same objector, award and reason) is the same objection: the
    # key is a hash of the three, and the database keeps one row per key whatever the timing.
    __table_args__ = (Index("uq_screening_objections_key", "idempotency_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("screening_runs.id"), index=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("screening_awards.id"))
    # An enterprise objects by its USCC; a member of the public by name and contact.
    objector_uscc: Mapped[str | None] = mapped_column(String(USCC_LENGTH), nullable=True)
    objector_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    objector_contact: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    lodged_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)  # upheld | rejected
    decided_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Notification(Base):
    """A message to an enterprise (the outbox). The notices package delivers it: it is in the
    enterprise's inbox at once; sent_at is set when its email/SMS deliveries were queued."""

    __tablename__ = "notifications_outbox"
    __table_args__ = (UniqueConstraint("run_id", "uscc", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # None for a message of no run (the notices package's "a new policy you qualify for").
    run_id: Mapped[int | None] = mapped_column(ForeignKey("screening_runs.id"), nullable=True)
    uscc: Mapped[str] = mapped_column(String(USCC_LENGTH))
    kind: Mapped[str] = mapped_column(String(32))
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class BankAccount(Base):
    """The bank account an enterprise confirmed for one award (the payment list reads it)."""

    __tablename__ = "screening_bank_accounts"

    award_id: Mapped[int] = mapped_column(ForeignKey("screening_awards.id"), primary_key=True)
    account_name: Mapped[str] = mapped_column(Text)
    bank: Mapped[str] = mapped_column(Text)
    account_number: Mapped[str] = mapped_column(String(64))
    confirmed_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    confirmed_on: Mapped[dt.date] = mapped_column(Date)
    confirmed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class VerdictCache(Base):
    """One enterprise's verdicts for one year (every policy in force), as the enterprise page
    and API show them, valid only for the data snapshot and the published pack they were
    computed from (screening.verdict_cache): a new import or publication changes the key, so a
    stale row is never read, and the next view replaces it."""

    __tablename__ = "screening_verdict_cache"

    uscc: Mapped[str] = mapped_column(String(USCC_LENGTH), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot: Mapped[int] = mapped_column(Integer)  # the newest import batch then
    pack_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the published pack then
    payload: Mapped[bytes] = mapped_column(LargeBinary)
