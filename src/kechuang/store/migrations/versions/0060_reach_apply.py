"""An inbox message that belongs to no screening run ("a new policy you qualify for"), and the
record of which enterprise was told of which policy version (once each).

Revision ID: 0060_reach_apply
Revises: 0055_wb_review
Create Date: 2026-12-06 07:30:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0060_reach_apply"
down_revision: str | None = "0055_wb_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_NULL = re.compile(r"run_id INTEGER NOT NULL")


def _sqlite_run_id(nullable: bool) -> None:
    """SQLite cannot ALTER a column's NOT NULL, and a batch copy of the outbox would trip the
    foreign keys of the deliveries and inbox reads that refer to it; SQLite documents this edit
    of the stored schema for removing (or restoring) a NOT NULL constraint."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'notifications_outbox'"
    ).scalar_one()
    if nullable:
        changed = NOT_NULL.sub("run_id INTEGER", sql, count=1)
    else:
        changed = sql.replace("run_id INTEGER,", "run_id INTEGER NOT NULL,", 1)
    if changed == sql:
        raise RuntimeError("notifications_outbox.run_id: the stored schema is not as expected")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'notifications_outbox'",
        (changed,),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_run_id(nullable=True)
    else:
        op.alter_column("notifications_outbox", "run_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "notice_policy_tells",
        sa.Column("policy_key", sa.String(length=96), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications_outbox.id"],
            name=op.f("fk_notice_policy_tells_notification_id_notifications_outbox"),
        ),
        sa.PrimaryKeyConstraint("policy_key", "uscc", name=op.f("pk_notice_policy_tells")),
    )


def downgrade() -> None:
    op.drop_table("notice_policy_tells")
    op.execute("DELETE FROM notice_inbox_reads WHERE notification_id IN "
               "(SELECT id FROM notifications_outbox WHERE run_id IS NULL)")  # fmt: skip
    op.execute("DELETE FROM notice_deliveries WHERE notification_id IN "
               "(SELECT id FROM notifications_outbox WHERE run_id IS NULL)")  # fmt: skip
    op.execute("DELETE FROM notifications_outbox WHERE run_id IS NULL")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_run_id(nullable=False)
    else:
        op.alter_column(
            "notifications_outbox", "run_id", existing_type=sa.Integer(), nullable=False
        )
