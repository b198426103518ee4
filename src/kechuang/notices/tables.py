"""Notice tables: each enterprise's channels, the deliveries (one per message and channel, with
their attempts) and which inbox messages an account has read.

The messages themselves are the screening outbox (notifications_outbox). A delivery copies the
subject and body it sends, so what was sent stays readable when the texts change later.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
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


class Delivery(Base):
    """One message on one channel: pending until sent, retried with backoff, dead after the
    last attempt (an officer sees it in the dead-letter list and may queue it again)."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel"),
        CheckConstraint("channel IN ('email', 'sms')", name="channel"),
        CheckConstraint("state IN ('pending', 'sent', 'dead')", name="state"),
        Index("ix_notice_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications_outbox.id"))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
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
