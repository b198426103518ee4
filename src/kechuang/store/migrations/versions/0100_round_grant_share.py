"""A project round's grant share and smallest budget: the grant requested is at most
max_share_bp / 10000 of the project's budget (existing rounds: 10000, the whole budget), and the
budget at least min_budget_fen (existing rounds: no minimum).

Revision ID: 0100_round_grant_share
Revises: 0090_verdict_cache
Create Date: 2026-12-06 17:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0100_round_grant_share"
down_revision: str | None = "0090_verdict_cache"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "app_rounds",
        sa.Column("max_share_bp", sa.Integer(), nullable=False, server_default="10000"),
    )
    op.add_column("app_rounds", sa.Column("min_budget_fen", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_rounds") as batch:
        batch.drop_column("min_budget_fen")
        batch.drop_column("max_share_bp")
