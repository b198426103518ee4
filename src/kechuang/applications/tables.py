"""Tables of kechuang.applications: rounds, applications and their versions, attachments,
experts, panel assignments and scores, milestones, certificates and the history of every move.

Every application row carries the applicant's USCC, so access is scoped with one WHERE clause;
an assignment ties one expert to one application, so an expert reaches only those. Money is
integer fen; points are whole numbers (the score sheets' bands are whole points).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.store.base import Base

ORG = 64
STATE = 16


class Round(Base):
    """One call for applications (申报批次) under an `application`-mode policy."""

    __tablename__ = "app_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    policy_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(STATE))  # recognition | project
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)  # the panel year whose facts are read
    opens_on: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    aggregation: Mapped[str] = mapped_column(String(STATE))  # mean | trimmed_mean | median
    panel_size: Mapped[int] = mapped_column(Integer)
    outlier_points: Mapped[int] = mapped_column(Integer)
    grant_cap_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    matching_bp: Mapped[int] = mapped_column(Integer, default=0)
    # A project's grant is at most this share of its budget (basis points; 10000 = the whole
    # budget), and its budget at least min_budget_fen (None: no minimum).
    max_share_bp: Mapped[int] = mapped_column(Integer, default=10_000, server_default="10000")
    min_budget_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    pass_mark: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A project round's scoring table: [{id, zh, en, max, clause}] (recognition: the policy's).
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(STATE), default="open")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Application(Base):
    """An enterprise's application in a round: its answers, corrections, plan and state."""

    __tablename__ = "app_applications"
    __table_args__ = (
        UniqueConstraint("round_id", "uscc", name="uq_app_applications_round_uscc"),
        UniqueConstraint("receipt_no", name="uq_app_applications_receipt_no"),
        Index("ix_app_applications_state", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("app_rounds.id"))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    state: Mapped[str] = mapped_column(String(STATE), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=0)
    field: Mapped[str] = mapped_column(String(32), default="")  # IPC class or industry code
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)  # co-applicant orgs
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    attested: Mapped[list[str]] = mapped_column(JSON, default=list)
    # fact -> {"value": text, "reason": text, "stored": text or None}
    corrections: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict)
    budget_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    requested_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    matching_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    receipt_no: Mapped[str | None] = mapped_column(String(40), nullable=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resubmit_by: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # The decision: final score as exact fraction text, outcome granted | refused, explanation.
    final_score: Mapped[str | None] = mapped_column(String(40), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(STATE), nullable=True)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notice_ends: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    objection: Mapped[str | None] = mapped_column(Text, nullable=True)
    grant_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Version(Base):
    """What was submitted each time: the whole application as it stood, kept for ever."""

    __tablename__ = "app_versions"
    __table_args__ = (UniqueConstraint("application_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("app_applications.id"))
    version: Mapped[int] = mapped_column(Integer)
    receipt_no: Mapped[str] = mapped_column(String(40))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    returned_reasons: Mapped[str | None] = mapped_column(Text, nullable=True)


class Attachment(Base):
    """A checked file: PDF, PNG or JPEG, within the size limit, hashed and scanned."""

    __tablename__ = "app_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("app_applications.id"), index=True)
    requirement: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    scan: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Expert(Base):
    """A member of the expert pool, signed in as an `expert` account of the same username."""

    __tablename__ = "app_experts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    org: Mapped[str] = mapped_column(String(ORG))
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)  # IPC / industry prefixes
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    relations: Mapped[list[str]] = mapped_column(JSON, default=list)  # declared USCCs


class Assignment(Base):
    """One expert on one application's panel: invited, accepted, declined, recused, submitted."""

    __tablename__ = "app_assignments"
    __table_args__ = (UniqueConstraint("application_id", "expert_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("app_applications.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("app_experts.id"), index=True)
    state: Mapped[str] = mapped_column(String(STATE), default="invited")
    note: Mapped[str] = mapped_column(Text, default="")
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Score(Base):
    """One expert's points for one item of the score sheet, with the required comment."""

    __tablename__ = "app_scores"
    __table_args__ = (UniqueConstraint("assignment_id", "item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("app_assignments.id"), index=True)
    item: Mapped[str] = mapped_column(String(64))
    points: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text)


class Milestone(Base):
    """A project's milestone and the grant paid when an officer accepts it."""

    __tablename__ = "app_milestones"
    __table_args__ = (UniqueConstraint("application_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("app_applications.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(STATE), default="planned")
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class Certificate(Base):
    """A recognition's certificate (HNTE: three years), which later screenings read."""

    __tablename__ = "app_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("app_applications.id"), unique=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    policy_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date)


class AppEvent(Base):
    """The history of applications, assignments and milestones: who moved what, when, why."""

    __tablename__ = "app_events"
    __table_args__ = (Index("ix_app_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(STATE), nullable=True)
    to_state: Mapped[str] = mapped_column(String(STATE))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
