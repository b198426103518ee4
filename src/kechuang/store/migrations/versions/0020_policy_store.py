"""Policy store: policy versions with their life cycle (draft → in review → approved →
published → superseded / withdrawn), saved draft revisions, history, golden cases and saved
simulations. The shipped pack is loaded by `kechuang policies seed`, not here: a migration means
the same thing whenever it runs, and the store does not import the policies.

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-06 04:13:03.293692
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title_zh", sa.String(length=400), nullable=False),
        sa.Column("title_en", sa.String(length=400), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("reviewer", sa.String(length=128), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("based_on", sa.Integer(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('draft', 'in_review', 'approved', 'published', 'superseded', 'withdrawn')",
            name=op.f("ck_policy_versions_state"),
        ),
        sa.ForeignKeyConstraint(
            ["based_on"],
            ["policy_versions.id"],
            name=op.f("fk_policy_versions_based_on_policy_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_versions")),
        sa.UniqueConstraint(
            "policy_id", "version", name=op.f("uq_policy_versions_policy_id_version")
        ),
    )
    with op.batch_alter_table("policy_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_policy_versions_policy_state", ["policy_id", "state"], unique=False
        )

    op.create_table(
        "policy_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["policy_versions.id"],
            name=op.f("fk_policy_events_version_id_policy_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_events")),
    )
    with op.batch_alter_table("policy_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policy_events_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "policy_golden_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("expected_outcome", sa.String(length=16), nullable=False),
        sa.Column("expected_score", sa.String(length=40), nullable=True),
        sa.Column("expected_benefit_fen", sa.BigInteger(), nullable=True),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "expected_outcome IN ('eligible', 'ineligible', 'manual_review', 'unknown')",
            name=op.f("ck_policy_golden_cases_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["policy_versions.id"],
            name=op.f("fk_policy_golden_cases_version_id_policy_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_golden_cases")),
        sa.UniqueConstraint(
            "version_id", "name", name=op.f("uq_policy_golden_cases_version_id_name")
        ),
    )
    with op.batch_alter_table("policy_golden_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policy_golden_cases_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "policy_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["policy_versions.id"],
            name=op.f("fk_policy_revisions_version_id_policy_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_revisions")),
        sa.UniqueConstraint(
            "version_id", "revision", name=op.f("uq_policy_revisions_version_id_revision")
        ),
    )
    with op.batch_alter_table("policy_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policy_revisions_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "policy_simulations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("baseline_version_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["baseline_version_id"],
            ["policy_versions.id"],
            name=op.f("fk_policy_simulations_baseline_version_id_policy_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["policy_versions.id"],
            name=op.f("fk_policy_simulations_version_id_policy_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_simulations")),
    )
    with op.batch_alter_table("policy_simulations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policy_simulations_version_id"), ["version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("policy_simulations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_simulations_version_id"))

    op.drop_table("policy_simulations")
    with op.batch_alter_table("policy_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_revisions_version_id"))

    op.drop_table("policy_revisions")
    with op.batch_alter_table("policy_golden_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_golden_cases_version_id"))

    op.drop_table("policy_golden_cases")
    with op.batch_alter_table("policy_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_events_version_id"))

    op.drop_table("policy_events")
    with op.batch_alter_table("policy_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_policy_versions_policy_state")

    op.drop_table("policy_versions")
