"""Once scope: each award's claim on (policy, enterprise, scope), one live-or-paid claim per scope
(a partial unique index), exclusions of later runs, and a run's scope and start reason.

Existing runs of the paying policies get the once scope the shipped pack gives them (SHIPPED_ONCE;
none for a policy that pays nothing). Existing awards still open or paid get claims, the first
per scope winning (a paid award before an open one, then the earliest run); an award that loses
(the duplicate this revision exists to stop) holds no claim, so paying it is refused when its
turn comes.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELD = sa.text("state IN ('live', 'paid')")
# The once scopes of the paying policies the pack shipped when this revision was written, with
# the start of the effective period a per_period key names. Written out here rather than read
# from the pack: a migration must mean the same thing whenever it runs, and the store does not
# import the policies. The premium subsidy's runs may carry its earlier id too.
SHIPPED_ONCE: dict[str, tuple[str, str | None]] = {
    "first-above-scale-reward": ("ever", None),
    "premium-subsidy-2025": ("per_period", "2025-01-01"),
    "premium-subsidy": ("per_period", "2025-01-01"),
}


def upgrade() -> None:
    # Plain ADD/DROP COLUMN (SQLite >= 3.35): a batch copy of screening_runs would trip the
    # foreign keys of the rows that refer to it.
    op.add_column("screening_runs", sa.Column("once_scope", sa.String(length=16), nullable=True))
    op.add_column("screening_runs", sa.Column("scope_key", sa.String(length=40), nullable=True))
    op.add_column("screening_runs", sa.Column("start_reason", sa.Text(), nullable=True))
    op.add_column("screening_runs", sa.Column("duplicate_of", sa.Integer(), nullable=True))

    op.create_table(
        "screening_once_claims",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("scope_key", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('live', 'paid', 'released')", name=op.f("ck_screening_once_claims_state")
        ),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["screening_awards.id"],
            name=op.f("fk_screening_once_claims_award_id_screening_awards"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["screening_runs.id"],
            name=op.f("fk_screening_once_claims_run_id_screening_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_once_claims")),
        sa.UniqueConstraint("award_id", name=op.f("uq_screening_once_claims_award_id")),
    )
    op.create_index(op.f("ix_screening_once_claims_run_id"), "screening_once_claims", ["run_id"])
    op.create_index(
        "uq_screening_once_claims_held",
        "screening_once_claims",
        ["policy_id", "uscc", "scope_key"],
        unique=True,
        sqlite_where=HELD,
        postgresql_where=HELD,
    )
    op.create_table(
        "screening_once_exclusions",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("scope_key", sa.String(length=40), nullable=False),
        sa.Column("held_by_award_id", sa.Integer(), nullable=False),
        sa.Column("held_by_run_id", sa.Integer(), nullable=False),
        sa.Column("held_state", sa.String(length=16), nullable=False),
        sa.Column("eligible_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["held_by_award_id"],
            ["screening_awards.id"],
            name=op.f("fk_screening_once_exclusions_held_by_award_id_screening_awards"),
        ),
        sa.ForeignKeyConstraint(
            ["held_by_run_id"],
            ["screening_runs.id"],
            name=op.f("fk_screening_once_exclusions_held_by_run_id_screening_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["screening_runs.id"],
            name=op.f("fk_screening_once_exclusions_run_id_screening_runs"),
        ),
        sa.PrimaryKeyConstraint("run_id", "uscc", name=op.f("pk_screening_once_exclusions")),
    )
    _backfill(op.get_bind())


def _scope_key(policy_id: str, year: int) -> str | None:
    once = SHIPPED_ONCE.get(policy_id)
    if once is None:
        return None
    scope, period_start = once
    if scope == "ever":
        return "ever"
    if scope == "per_year":
        return f"year:{year}"
    return f"period:{period_start}"


def _backfill(connection: sa.Connection) -> None:
    """Scopes of the runs already stored, then claims of their open and paid awards."""
    runs = connection.execute(sa.text("SELECT id, policy_id, year FROM screening_runs")).all()
    for run_id, policy_id, year in runs:
        key = _scope_key(str(policy_id), int(year))
        if key is None:
            continue
        connection.execute(
            sa.text(
                "UPDATE screening_runs SET once_scope = :once, scope_key = :key WHERE id = :id"
            ),
            {"once": SHIPPED_ONCE[str(policy_id)][0], "key": key, "id": run_id},
        )
    connection.execute(
        sa.text(
            """
            INSERT INTO screening_once_claims
                (award_id, run_id, policy_id, uscc, scope_key, state, claimed_at, changed_at)
            SELECT id, run_id, policy_id, uscc, scope_key, claim_state, :now, :now FROM (
                SELECT a.id, a.run_id, r.policy_id, a.uscc, r.scope_key,
                       CASE WHEN a.state = 'paid' THEN 'paid' ELSE 'live' END AS claim_state,
                       ROW_NUMBER() OVER (
                           PARTITION BY r.policy_id, a.uscc, r.scope_key
                           ORDER BY CASE WHEN a.state = 'paid' THEN 0 ELSE 1 END, a.run_id, a.id
                       ) AS n
                FROM screening_awards a JOIN screening_runs r ON r.id = a.run_id
                WHERE r.scope_key IS NOT NULL
                  AND a.state IN ('proposed', 'approved', 'confirmed', 'paid')
            ) held
            WHERE n = 1
            """
        ),
        {"now": dt.datetime.now(dt.UTC)},
    )


def downgrade() -> None:
    op.drop_table("screening_once_exclusions")
    op.drop_index("uq_screening_once_claims_held", table_name="screening_once_claims")
    op.drop_index(op.f("ix_screening_once_claims_run_id"), table_name="screening_once_claims")
    op.drop_table("screening_once_claims")
    for column in ("duplicate_of", "start_reason", "scope_key", "once_scope"):
        op.drop_column("screening_runs", column)
