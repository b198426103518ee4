"""Notice tables: each enterprise's channels, the deliveries (one per message and channel, with
their attempts) and which inbox messages an account has read.

The messages themselves are the screening outbox (notifications_outbox). A delivery copies the
subject and body it sends, so what was sent stays readable when the texts change later.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
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

EMAIL_LENGTH = 254
EVENT_LENGTH = 96
PHONE_LENGTH = 32


class NoticeChannels(Base):
    """How an enterprise wants to be told: the inbox always, email and SMS if it says so."""

    __tablename__ = "notice_channels"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(PHONE_LENGTH), nullable=True)
    email_on: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_on: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Subscription(Base):
    """政策订阅: who is told (an email, and the enterprise if it is one) about what: districts,
    industries, kinds of benefit, and its own eligibility. Active once the address confirmed
    (an enterprise's own subscription is active at once); the token confirms and cancels."""

    __tablename__ = "notice_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), nullable=True, unique=True)
    districts: Mapped[list[str]] = mapped_column(JSON)
    industries: Mapped[list[str]] = mapped_column(JSON)  # sections (M) or codes (M73, M7320)
    modes: Mapped[list[str]] = mapped_column(JSON)  # automatic | on_threshold | application
    own_eligibility: Mapped[bool] = mapped_column(Boolean, default=False)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class NoticeEvent(Base):
    """An event subscribers hear about once: a policy version in the pack, a published run."""

    __tablename__ = "notice_events"

    key: Mapped[str] = mapped_column(String(EVENT_LENGTH), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    announced: Mapped[bool] = mapped_column(Boolean)  # False: known before anyone could subscribe


class Delivery(Base):
    """One message on one channel: pending until sent, retried with backoff, dead after the
    last attempt (an officer sees it in the dead-letter list and may queue it again)."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel"),
        UniqueConstraint("subscription_id", "event_key"),
        CheckConstraint("channel IN ('email', 'sms')", name="channel"),
        CheckConstraint("state IN ('pending', 'sent', 'dead')", name="state"),
        Index("ix_notice_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # An outbox message's delivery, or a subscription's message about an event (one per event).
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications_outbox.id"), nullable=True
    )
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("notice_subscriptions.id"), nullable=True
    )
    event_key: Mapped[str | None] = mapped_column(String(EVENT_LENGTH), nullable=True)
    uscc: Mapped[str | None] = mapped_column(String(18), index=True, nullable=True)
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class InboxRead(Base):
    """An account has opened an inbox message."""

    __tablename__ = "notice_inbox_reads"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications_outbox.id"), primary_key=True
    )
    read_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PolicyTell(Base):
    """An enterprise was told (in its inbox) that a policy version suits its stored facts:
    once per enterprise and version."""

    __tablename__ = "notice_policy_tells"

    policy_key: Mapped[str] = mapped_column(String(EVENT_LENGTH), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications_outbox.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
