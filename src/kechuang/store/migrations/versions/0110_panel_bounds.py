"""The panel's write log and the bounds cache of the in-database screening: statement triggers
on enterprises and annual_facts record each writing transaction in `panel_writes` (PostgreSQL
only), and `panel_bounds` keeps the fact bounds computed for a given number of such writes
(engines.postgres.cached_bounds), so a screening skips its scan of the whole panel until the
panel changes.

Revision ID: 0110_panel_bounds
Revises: 0100_round_grant_share
Create Date: 2026-12-06 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0110_panel_bounds"
down_revision: str | None = "0100_round_grant_share"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One row per transaction (ON CONFLICT: its later statements add none), in the schema of the
# table written (TG_TABLE_SCHEMA: the function may run under another search_path). Its own
# transaction's id only, so two writers never wait on each other's row.
_FUNCTION = """
CREATE FUNCTION kc_panel_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO %I.panel_writes (txid) VALUES (txid_current()) ON CONFLICT DO NOTHING',
        TG_TABLE_SCHEMA);
    RETURN NULL;
END $$
"""
_TABLES = ("enterprises", "annual_facts")


def upgrade() -> None:
    op.create_table(
        "panel_writes",
        sa.Column("txid", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("txid", name=op.f("pk_panel_writes")),
    )
    op.create_table(
        "panel_bounds",
        sa.Column("writes", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("query", sa.String(length=64), nullable=False),
        sa.Column("bounds", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("writes", "query", name=op.f("pk_panel_bounds")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    for table in _TABLES:
        op.execute(
            f"CREATE TRIGGER kc_{table}_written AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION kc_panel_write()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS kc_{table}_written ON {table}")
        op.execute("DROP FUNCTION IF EXISTS kc_panel_write()")
    op.drop_table("panel_bounds")
    op.drop_table("panel_writes")
