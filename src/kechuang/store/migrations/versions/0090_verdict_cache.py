"""The verdict cache: each enterprise's verdicts per year, keyed by the data snapshot and the
published pack they were computed from (screening.verdict_cache).

Revision ID: 0090_verdict_cache
Revises: 0080_inventor_account
Create Date: 2026-12-06 07:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0090_verdict_cache"
down_revision: str | None = "0080_inventor_account"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening_verdict_cache",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.Integer(), nullable=False),
        sa.Column("pack_hash", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("uscc", "year", name=op.f("pk_screening_verdict_cache")),
    )


def downgrade() -> None:
    op.drop_table("screening_verdict_cache")
