"""Tables of kechuang.policies: policy versions with their life cycle, draft revisions, history,
golden cases, review comments (threads) and saved simulations.

A version's `source` is its YAML document (the exchange format); `content_hash` is the sha256 of
that text, the hash a run records. `revision` counts the saves of a draft: an edit names the
revision it started from, so two officers editing one draft never overwrite each other silently.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
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

STATES = ("draft", "in_review", "approved", "published", "superseded", "withdrawn")
OUTCOMES = ("eligible", "ineligible", "manual_review", "unknown")
ACCOUNT = 128


class PolicyVersion(Base):
    """One version of one policy, from draft to publication (and superseded or withdrawn)."""

    __tablename__ = "policy_versions"
    __table_args__ = (
        UniqueConstraint("policy_id", "version"),
        CheckConstraint(
            "state IN ('draft', 'in_review', 'approved', 'published', 'superseded', 'withdrawn')",
            name="state",
        ),
        Index("ix_policy_versions_policy_state", "policy_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    policy_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    title_zh: Mapped[str] = mapped_column(String(400))
    title_en: Mapped[str] = mapped_column(String(400))
    mode: Mapped[str] = mapped_column(String(16))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    # The end of the period in force: the document's, or the day before its successor starts.
    effective_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    author: Mapped[str] = mapped_column(String(ACCOUNT))
    reviewer: Mapped[str | None] = mapped_column(String(ACCOUNT), nullable=True)
    revision: Mapped[int] = mapped_column(Integer)
    based_on: Mapped[int | None] = mapped_column(ForeignKey("policy_versions.id"), nullable=True)
    review_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PolicyRevision(Base):
    """Every saved text of a version: nothing typed into a draft is lost."""

    __tablename__ = "policy_revisions"
    __table_args__ = (UniqueConstraint("version_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(ACCOUNT))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PolicyEvent(Base):
    """The history of a version: who moved it from which state to which, when and why."""

    __tablename__ = "policy_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(ACCOUNT))
    note: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class GoldenCase(Base):
    """An example enterprise (facts by year) with the outcome, score and benefit it must get."""

    __tablename__ = "policy_golden_cases"
    __table_args__ = (
        UniqueConstraint("version_id", "name"),
        CheckConstraint(
            "expected_outcome IN ('eligible', 'ineligible', 'manual_review', 'unknown')",
            name="outcome",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    # {"industry_code": "M7320", "revenue": {"2023": "5000000", "2024": "6100000"}, ...}
    facts: Mapped[str] = mapped_column(Text)
    expected_outcome: Mapped[str] = mapped_column(String(16))
    expected_score: Mapped[str | None] = mapped_column(String(40), nullable=True)
    expected_benefit_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    author: Mapped[str] = mapped_column(String(ACCOUNT))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PolicySimulation(Base):
    """A saved simulation of a version against the version in force, on the stored population."""

    __tablename__ = "policy_simulations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    baseline_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("policy_versions.id"), nullable=True
    )
    # The summary as JSON text: counts gained/lost/kept, money by district and park, pro rata.
    summary: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(ACCOUNT))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PolicyComment(Base):
    """A review comment on a version (optionally on a section and line), or an answer to one.

    `kind` says what wrote it: a free comment, the reason a version was sent back, the approval's
    comment, or the note a resubmission leaves, so the whole review reads as one thread."""

    __tablename__ = "policy_comments"
    __table_args__ = (
        CheckConstraint("kind IN ('comment', 'send_back', 'approve', 'resubmit')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"), index=True)
    reply_to: Mapped[int | None] = mapped_column(ForeignKey("policy_comments.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    section: Mapped[str | None] = mapped_column(String(120), nullable=True)
    line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    revision: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(ACCOUNT))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
