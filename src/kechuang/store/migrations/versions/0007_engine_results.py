"""Screening engine results: the rows `kechuang screen --engine postgres` writes in the database.

One row per enterprise per policy per engine run, written by INSERT ... SELECT from the compiled
policy queries over annual_facts and enterprises, then exported to the RESULTS file. `statuses`
holds the per-condition status columns (`--explain-columns`) as JSON. Rows of a run are deleted
once exported.

File names give the apply order (applied seventh; its revision id stays "0005", as databases
already migrated hold that id).

Revision ID: 0005
Revises: 0006
Create Date: 2026-11-27 23:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening_engine_results",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("benefit_yuan", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("unmet", sa.Text(), nullable=True),
        sa.Column("excluded_by", sa.String(length=64), nullable=True),
        sa.Column("statuses", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint(
            "run_id", "policy_id", "uscc", name=op.f("pk_screening_engine_results")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Staging rows, deleted once exported: no need to write them to the WAL.
        op.execute("ALTER TABLE screening_engine_results SET UNLOGGED")


def downgrade() -> None:
    op.drop_table("screening_engine_results")
