"""Finance days nobody can bend: a repayment's or recovery's received day beside the day and
moment it was recorded, who replayed a step with a past day, and since when a loan or sub-fund
is recorded live (kechuang.finance.dating).

Rows written before this revision keep what they knew: the old single day becomes both the
received and the recorded day, the recording moment is the posting time of the row's ledger
entry (the migration's own moment for the few flows that have no entry), and every loan and
sub-fund counts as live from its application, so no replay can rewrite its history.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-06 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, the old day column, the ledger idempotency key of a row, as SQL). Columns are
# qualified: the key is compared inside a subquery on ledger_entries, which has a `kind` too.
MONEY_FACTS = (
    ("finance_repayments", "paid_on", "'finance:loan:' || CAST(finance_repayments.loan_id "
     "AS VARCHAR) || ':repayment:' || finance_repayments.bank_ref"),
    ("finance_recoveries", "recovered_on", "'finance:loan:' || CAST(finance_recoveries.loan_id "
     "AS VARCHAR) || ':recovery:' || finance_recoveries.bank_ref"),
)  # fmt: skip
FOF_KEY = "CASE fof_flows.kind WHEN 'capital_call' THEN 'fof:call:' || fof_flows.key " \
          "WHEN 'distribution' THEN 'fof:distribution:' || fof_flows.key END"  # fmt: skip


def _posted_at(key_sql: str) -> str:
    return (
        "COALESCE((SELECT e.posted_at FROM ledger_entries e "
        f"WHERE e.idempotency_key = {key_sql}), CURRENT_TIMESTAMP)"
    )


def upgrade() -> None:
    for table, old, key_sql in MONEY_FACTS:
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {old} TO received_on")
        op.add_column(table, sa.Column("recorded_on", sa.Date(), nullable=True))
        op.add_column(table, sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True))
        op.add_column(table, sa.Column("replayed_by", sa.String(length=128), nullable=True))
        op.execute(
            f"UPDATE {table} SET recorded_on = received_on, recorded_at = {_posted_at(key_sql)}"
        )
        with op.batch_alter_table(table) as batch:
            batch.alter_column("recorded_on", existing_type=sa.Date(), nullable=False)
            batch.alter_column(
                "recorded_at", existing_type=sa.DateTime(timezone=True), nullable=False
            )
    op.add_column("fof_flows", sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("fof_flows", sa.Column("replayed_by", sa.String(length=128), nullable=True))
    op.execute(f"UPDATE fof_flows SET recorded_at = {_posted_at(FOF_KEY)}")
    with op.batch_alter_table("fof_flows") as batch:
        batch.alter_column("recorded_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    op.add_column(
        "finance_loan_events", sa.Column("replayed_by", sa.String(length=128), nullable=True)
    )
    for table in ("finance_loans", "fof_sub_funds"):
        op.add_column(table, sa.Column("live_since", sa.Date(), nullable=True))
        op.execute(f"UPDATE {table} SET live_since = applied_on")


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35 and PostgreSQL): a batch copy of finance_loans would
    # drop a table that other tables' rows and the finance_loan_facts view refer to.
    drops = [("finance_loans", "live_since"), ("fof_sub_funds", "live_since"),
             ("finance_loan_events", "replayed_by"), ("fof_flows", "replayed_by"),
             ("fof_flows", "recorded_at")]  # fmt: skip
    for table, _, _ in MONEY_FACTS:
        drops += [(table, "replayed_by"), (table, "recorded_at"), (table, "recorded_on")]
    for table, column in drops:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    for table, old, _ in MONEY_FACTS:
        op.execute(f"ALTER TABLE {table} RENAME COLUMN received_on TO {old}")
