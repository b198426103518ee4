"""An inventor record can be linked to the inventor's own account (unique, nullable), so the
inventor's read-only page shows exactly the results and payouts of that record.

Revision ID: 0080_inventor_account
Revises: 0070_fin_roles
Create Date: 2026-12-06 07:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0080_inventor_account"
down_revision: str | None = "0070_fin_roles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN without a foreign key: SQLite cannot add a constraint, and a batch copy
    # would trip the foreign keys that refer to transfer_inventors. The linking service checks
    # that the account exists and is an inventor of the result's institution.
    op.add_column("transfer_inventors", sa.Column("account_id", sa.Integer(), nullable=True))
    op.create_index(
        "uq_transfer_inventors_account_id", "transfer_inventors", ["account_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_transfer_inventors_account_id", table_name="transfer_inventors")
    with op.batch_alter_table("transfer_inventors") as batch:
        batch.drop_column("account_id")
