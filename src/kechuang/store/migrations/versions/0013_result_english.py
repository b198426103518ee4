"""Transfer in English for the cross-border listing: a result's English summary and a demand's
English description (常态化开展科技成果跨境推介). Existing rows get an empty text: unknown,
shown as missing, never invented.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transfer_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("abstract_en", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("transfer_demands", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("description_en", sa.Text(), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("transfer_demands", schema=None) as batch_op:
        batch_op.drop_column("description_en")
    with op.batch_alter_table("transfer_results", schema=None) as batch_op:
        batch_op.drop_column("abstract_en")
