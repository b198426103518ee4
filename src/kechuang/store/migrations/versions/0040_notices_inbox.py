"""Notices that arrive: each enterprise's channels, deliveries with their attempts, inbox reads,
subscriptions (政策订阅) and the events they hear about once;
English texts in the outbox; an objection's idempotency key; a payment's value date and a run's
budget year.

Revision ID: 0040
Revises: 0030
Create Date: 2026-12-06 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (a batch copy would trip the foreign keys that refer to these tables).
    op.add_column("notifications_outbox", sa.Column("text_en", sa.Text(), nullable=True))
    op.add_column(
        "screening_objections",
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
    )
    op.create_index(
        "uq_screening_objections_key", "screening_objections", ["idempotency_key"], unique=True
    )
    op.add_column("screening_awards", sa.Column("value_date", sa.Date(), nullable=True))
    op.add_column("screening_runs", sa.Column("budget_year", sa.Integer(), nullable=True))
    # Payments made before value dates existed were booked the day they were instructed.
    day = "date(paid_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(paid_at AS DATE)"
    op.execute(f"UPDATE screening_awards SET value_date = {day} WHERE paid_at IS NOT NULL")

    op.create_table(
        "notice_channels",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email_on", sa.Boolean(), nullable=False),
        sa.Column("sms_on", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("uscc", name=op.f("pk_notice_channels")),
    )
    op.create_table(
        "notice_subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("modes", sa.JSON(), nullable=False),
        sa.Column("own_eligibility", sa.Boolean(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_subscriptions")),
        sa.UniqueConstraint("token", name=op.f("uq_notice_subscriptions_token")),
        sa.UniqueConstraint("uscc", name=op.f("uq_notice_subscriptions_uscc")),
    )
    op.create_index(op.f("ix_notice_subscriptions_email"), "notice_subscriptions", ["email"])
    op.create_table(
        "notice_events",
        sa.Column("key", sa.String(length=96), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_notice_events")),
    )
    op.create_table(
        "notice_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("event_key", sa.String(length=96), nullable=True),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "channel IN ('email', 'sms')", name=op.f("ck_notice_deliveries_channel")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'sent', 'dead')", name=op.f("ck_notice_deliveries_state")
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications_outbox.id"],
            name=op.f("fk_notice_deliveries_notification_id_notifications_outbox"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["notice_subscriptions.id"],
            name=op.f("fk_notice_deliveries_subscription_id_notice_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_deliveries")),
        sa.UniqueConstraint(
            "subscription_id",
            "event_key",
            name=op.f("uq_notice_deliveries_subscription_id_event_key"),
        ),
        sa.UniqueConstraint(
            "notification_id", "channel", name=op.f("uq_notice_deliveries_notification_id_channel")
        ),
    )
    op.create_index("ix_notice_deliveries_due", "notice_deliveries", ["state", "next_attempt_at"])
    op.create_index(op.f("ix_notice_deliveries_uscc"), "notice_deliveries", ["uscc"])
    op.create_table(
        "notice_inbox_reads",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_notice_inbox_reads_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications_outbox.id"],
            name=op.f("fk_notice_inbox_reads_notification_id_notifications_outbox"),
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "notification_id", name=op.f("pk_notice_inbox_reads")
        ),
    )


def downgrade() -> None:
    op.drop_table("notice_inbox_reads")
    op.drop_index(op.f("ix_notice_deliveries_uscc"), table_name="notice_deliveries")
    op.drop_index("ix_notice_deliveries_due", table_name="notice_deliveries")
    op.drop_table("notice_deliveries")
    op.drop_table("notice_events")
    op.drop_index(op.f("ix_notice_subscriptions_email"), table_name="notice_subscriptions")
    op.drop_table("notice_subscriptions")
    op.drop_table("notice_channels")
    op.drop_column("screening_runs", "budget_year")
    op.drop_column("screening_awards", "value_date")
    op.drop_index("uq_screening_objections_key", table_name="screening_objections")
    op.drop_column("screening_objections", "idempotency_key")
    op.drop_column("notifications_outbox", "text_en")
