"""Screening runs: runs, results, awards, workflow events, objections, outbox, bank accounts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 22:39:46.233190
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("policy_version", sa.String(length=32), nullable=False),
        sa.Column("policy_hash", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("max_batch_id", sa.Integer(), nullable=True),
        sa.Column("batch_count", sa.Integer(), nullable=False),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=True),
        sa.Column("allocation", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_by", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("loaded_rows", sa.BigInteger(), nullable=False),
        sa.Column("result_rows", sa.BigInteger(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("eligible_fen", sa.BigInteger(), nullable=False),
        sa.Column("allocated_fen", sa.BigInteger(), nullable=False),
        sa.Column("published_by", sa.String(length=128), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("notice_days", sa.Integer(), nullable=True),
        sa.Column("notice_ends_on", sa.Date(), nullable=True),
        sa.Column("notice_provisional", sa.Boolean(), nullable=False),
        sa.Column("approved_by", sa.String(length=128), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("confirm_days", sa.Integer(), nullable=True),
        sa.Column("confirm_by", sa.Date(), nullable=True),
        sa.Column("confirm_provisional", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_runs")),
    )
    with op.batch_alter_table("screening_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_runs_policy_id"), ["policy_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_screening_runs_state"), ["state"], unique=False)

    op.create_table(
        "notifications_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["screening_runs.id"],
            name=op.f("fk_notifications_outbox_run_id_screening_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications_outbox")),
        sa.UniqueConstraint(
            "run_id", "uscc", "kind", name=op.f("uq_notifications_outbox_run_id_uscc_kind")
        ),
    )
    op.create_table(
        "screening_awards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("score", sa.String(length=32), nullable=True),
        sa.Column("eligible_fen", sa.BigInteger(), nullable=False),
        sa.Column("allocated_fen", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["screening_runs.id"],
            name=op.f("fk_screening_awards_run_id_screening_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_awards")),
        sa.UniqueConstraint("run_id", "uscc", name=op.f("uq_screening_awards_run_id_uscc")),
    )
    with op.batch_alter_table("screening_awards", schema=None) as batch_op:
        batch_op.create_index("ix_screening_awards_run_state", ["run_id", "state"], unique=False)

    op.create_table(
        "screening_results",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("score", sa.String(length=32), nullable=True),
        sa.Column("benefit_fen", sa.BigInteger(), nullable=True),
        sa.Column("unmet", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["screening_runs.id"],
            name=op.f("fk_screening_results_run_id_screening_runs"),
        ),
        sa.PrimaryKeyConstraint("run_id", "uscc", name=op.f("pk_screening_results")),
    )
    op.create_table(
        "workflow_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["screening_runs.id"], name=op.f("fk_workflow_events_run_id_screening_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_events")),
    )
    with op.batch_alter_table("workflow_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workflow_events_run_id"), ["run_id"], unique=False)
        batch_op.create_index(
            "ix_workflow_events_subject", ["subject_type", "subject_id"], unique=False
        )

    op.create_table(
        "screening_bank_accounts",
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("account_name", sa.Text(), nullable=False),
        sa.Column("bank", sa.Text(), nullable=False),
        sa.Column("account_number", sa.String(length=64), nullable=False),
        sa.Column("confirmed_by", sa.String(length=128), nullable=False),
        sa.Column("confirmed_on", sa.Date(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["screening_awards.id"],
            name=op.f("fk_screening_bank_accounts_award_id_screening_awards"),
        ),
        sa.PrimaryKeyConstraint("award_id", name=op.f("pk_screening_bank_accounts")),
    )
    op.create_table(
        "screening_objections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("objector_uscc", sa.String(length=18), nullable=True),
        sa.Column("objector_name", sa.Text(), nullable=True),
        sa.Column("objector_contact", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("lodged_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["screening_awards.id"],
            name=op.f("fk_screening_objections_award_id_screening_awards"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["screening_runs.id"],
            name=op.f("fk_screening_objections_run_id_screening_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_objections")),
    )
    with op.batch_alter_table("screening_objections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_objections_run_id"), ["run_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("screening_objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_objections_run_id"))

    op.drop_table("screening_objections")
    op.drop_table("screening_bank_accounts")
    with op.batch_alter_table("workflow_events", schema=None) as batch_op:
        batch_op.drop_index("ix_workflow_events_subject")
        batch_op.drop_index(batch_op.f("ix_workflow_events_run_id"))

    op.drop_table("workflow_events")
    op.drop_table("screening_results")
    with op.batch_alter_table("screening_awards", schema=None) as batch_op:
        batch_op.drop_index("ix_screening_awards_run_state")

    op.drop_table("screening_awards")
    op.drop_table("notifications_outbox")
    with op.batch_alter_table("screening_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_runs_state"))
        batch_op.drop_index(batch_op.f("ix_screening_runs_policy_id"))

    op.drop_table("screening_runs")
