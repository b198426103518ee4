"""Tables of kechuang.accounts: accounts, server-side sessions, login attempts, the audit log.

A session row is found by the SHA-256 of its cookie token, so a leaked database does not leak
live cookies. The audit log is append-only: who, when, what, and the before/after of the change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.store.base import Base

ROLES = (
    "officer", "enterprise", "bank", "insurer", "guarantor", "tech_transfer", "inventor",
    "analyst", "admin", "expert",
)  # fmt: skip


class Account(Base):
    """A person or system that logs in, with one role and (for some roles) its organisation."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    # An enterprise account is bound to exactly one USCC; others leave it empty.
    uscc: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    # A bank's, insurer's, guarantor's or tech-transfer office's organisation code (an inventor's:
    # the institution whose register names them): the key its data is scoped by.
    org: Mapped[str | None] = mapped_column(String(64), nullable=True)
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A logged-in browser or API client; the cookie holds the token, the row its hash."""

    __tablename__ = "account_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")


class LoginAttempt(Base):
    """Login attempts inside the current window for one account name or one client address.

    One row per (scope, key), counted by a single INSERT ... ON CONFLICT DO UPDATE ... RETURNING
    so that concurrent attempts each see their own count (kechuang.accounts.throttle). The key
    is the name as typed, whether or not such an account exists.
    """

    __tablename__ = "login_attempts"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # "account" or "address"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEntry(Base):
    """One state change: append-only, never updated or deleted."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
