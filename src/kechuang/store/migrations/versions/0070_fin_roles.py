"""Compensation claims with their own state machine (filed, confirmed or disputed by the insurer
or guarantor, its share paid, approved and paid by the fund) and the claim event log.

Revision ID: 0070_fin_roles
Revises: 0060_reach_apply
Create Date: 2026-12-06 07:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0070_fin_roles"
down_revision: str | None = "0060_reach_apply"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (a batch copy would trip the foreign keys that refer to finance_claims).
    # Claims filed before this revision were paid in full when filed.
    op.add_column(
        "finance_claims",
        sa.Column("state", sa.String(length=16), nullable=False, server_default="paid"),
    )
    op.add_column("finance_claims", sa.Column("dispute_reason", sa.Text(), nullable=True))
    op.add_column("finance_claims", sa.Column("decision_reason", sa.Text(), nullable=True))
    op.add_column("finance_claims", sa.Column("partner_paid_on", sa.Date(), nullable=True))
    op.add_column("finance_claims", sa.Column("paid_on", sa.Date(), nullable=True))
    op.execute("UPDATE finance_claims SET paid_on = claimed_on, partner_paid_on = claimed_on")
    op.create_table(
        "finance_claim_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=False),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["finance_claims.id"],
            name=op.f("fk_finance_claim_events_claim_id_finance_claims"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_claim_events")),
    )
    op.create_index(op.f("ix_finance_claim_events_claim_id"), "finance_claim_events", ["claim_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_finance_claim_events_claim_id"), table_name="finance_claim_events")
    op.drop_table("finance_claim_events")
    for column in ("paid_on", "partner_paid_on", "decision_reason", "dispute_reason", "state"):
        op.drop_column("finance_claims", column)
